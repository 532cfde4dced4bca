import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { Config } from '../core/config/schema.js';

/** Scope a route needs. `admin` implies `read`. `none` is for nothing here yet (health checks). */
export type Scope = 'read' | 'admin';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** True for addresses and names that only reach this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** `Host` header → hostname without port, lower-case; IPv6 brackets removed. Null if malformed. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(hostHeader.trim());
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return null;
  return m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
}

/**
 * The Host names this server answers to. Blocks DNS rebinding: a hostile page whose name
 * resolves to 127.0.0.1 still sends its own name in Host, which is not on this list.
 */
export function allowedHostnames(config: Config, bindHost: string): Set<string> {
  const names = new Set<string>(LOOPBACK_NAMES);
  for (const h of config.server.allowed_hosts) names.add(h.toLowerCase());
  if (!isWildcard(bindHost)) names.add(bindHost.replace(/^\[|\]$/g, '').toLowerCase());
  if (!isLoopback(bindHost)) {
    // Exposed on purpose: the machine's own names and addresses are legitimate Hosts.
    const hn = osHostname().toLowerCase();
    names.add(hn);
    names.add(`${hn}.local`);
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

export function isHostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  const h = hostnameOf(hostHeader);
  if (h === null) return false;
  return allowed.has(h) || h.endsWith('.localhost');
}

/**
 * A browser Origin is acceptable when it is this server's own origin as the client addressed it
 * (scheme + Host header) or listed in `server.allowed_origins`.
 */
export function isOriginAllowed(
  origin: string,
  hostHeader: string | undefined,
  secure: boolean,
  config: Config,
): boolean {
  if (config.server.allowed_origins.includes(origin)) return true;
  if (!hostHeader) return false;
  const own = `${secure ? 'https' : 'http'}://${hostHeader.toLowerCase()}`;
  return origin.toLowerCase() === own;
}

interface ResolvedToken {
  name: string;
  scope: Scope;
  digest: Buffer;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Tokens from config, hashed so comparison is constant-time whatever the length. */
export function resolveTokens(config: Config): ResolvedToken[] {
  return config.server.tokens
    .filter((t) => typeof t.token === 'string' && t.token !== '')
    .map((t, i) => ({ name: t.name ?? `token ${i + 1}`, scope: t.scope, digest: digest(t.token!) }));
}

/** The token's scope, or null when it matches none. Compares against every token (no early exit). */
export function checkToken(presented: string, tokens: ResolvedToken[]): ResolvedToken | null {
  const d = digest(presented);
  let found: ResolvedToken | null = null;
  for (const t of tokens) if (timingSafeEqual(d, t.digest) && !found) found = t;
  return found;
}

export function scopeSatisfies(have: Scope, need: Scope): boolean {
  return have === 'admin' || need === 'read';
}

/** `Authorization: Bearer x` → x; anything else → null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * Why a state-changing request must be refused as cross-site, or null if it may proceed.
 * Browsers send `Sec-Fetch-Site`; `same-site` is refused too, because another port on
 * localhost is the same site. Non-browser clients (curl, the CLI) send neither header.
 */
export function crossSiteReason(
  secFetchSite: string | undefined,
  origin: string | undefined,
  hostHeader: string | undefined,
  secure: boolean,
  config: Config,
): string | null {
  if (origin !== undefined && origin !== 'null' && isOriginAllowed(origin, hostHeader, secure, config)) return null;
  if (secFetchSite === 'cross-site' || secFetchSite === 'same-site')
    return `a ${secFetchSite} browser request may not change server state`;
  if (origin !== undefined) return `Origin ${origin} may not change server state`;
  return null;
}

/** Refuse to expose an unauthenticated monitor: the SPEC §9 start-up rule. */
export function exposureProblem(bindHost: string, config: Config, insecureNoAuth: boolean): string | null {
  if (isLoopback(bindHost)) return null;
  if (resolveTokens(config).length > 0 || insecureNoAuth || config.server.insecure_no_auth) return null;
  return (
    `refusing to listen on ${bindHost} without an API token: anyone on the network could read this machine's ` +
    'process list. Add server.tokens to the config (see config.yaml.example), bind 127.0.0.1, or pass --insecure-no-auth.'
  );
}
