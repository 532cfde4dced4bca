/**
 * Which optional routes this server has (`/api/headroom` with drills, later `/api/services`,
 * `/api/fleet`), read once from its OpenAPI document, so the page never probes with requests that
 * 404 (a browser logs every failed request as a console error).
 */
import { getJson } from './api.js';

let paths: Promise<Set<string>> | null = null;

export function hasRoute(path: string): Promise<boolean> {
  paths ??= getJson<{ paths?: Record<string, unknown> }>('/openapi.json', 10_000)
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => {
      paths = null; // try again next time (server restarting, token missing)
      return new Set<string>();
    });
  return paths.then((p) => p.has(path));
}

/** After a reconnect the server may be another version: look again. */
export function forgetRoutes(): void {
  paths = null;
}
