import { readFileSync } from 'node:fs';
import type { HostFs } from '../host/hostfs.js';

/**
 * The small reads matching needs besides the process table: pidfiles and container names.
 * Both are local files that answer from memory or the page cache (never a network mount in
 * practice), read synchronously like the rest of procfs.
 */

const PID_RE = /^\s*(\d+)\s*$/m;

/** The pid in a pidfile (path on the host, under rootfs), or why there is none. */
export function readPidfile(fs: HostFs, path: string): { pid: number | null; reason: string | null } {
  let text: string;
  try {
    text = readFileSync(fs.root(path), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { pid: null, reason: code === 'ENOENT' ? `pidfile ${path} does not exist` : `pidfile ${path}: ${(err as Error).message}` };
  }
  const m = PID_RE.exec(text.split('\n')[0] ?? '');
  if (!m) return { pid: null, reason: `pidfile ${path} holds no pid` };
  return { pid: Number(m[1]), reason: null };
}

/**
 * A container's name, best effort, for `match.container` and auto-detected container
 * services: Docker keeps it in `/var/lib/docker/containers/<id>/config.v2.json` ("Name":
 * "/web", root-only), Podman writes `name="web"` into the container's `/run/.containerenv`
 * (reached through `/proc/<pid>/root`). null when neither is readable; callers cache the answer
 * per container id, so this runs once per container.
 */
export function containerName(fs: HostFs, id: string, pid: number): string | null {
  try {
    const cfg = JSON.parse(readFileSync(fs.root('var/lib/docker/containers', id, 'config.v2.json'), 'utf8')) as { Name?: unknown };
    if (typeof cfg.Name === 'string' && cfg.Name.length > 1) return cfg.Name.replace(/^\//, '');
  } catch {}
  try {
    const env = readFileSync(fs.proc(String(pid), 'root/run/.containerenv'), 'utf8');
    const m = /^name="([^"]+)"/m.exec(env);
    if (m) return m[1]!;
  } catch {}
  return null;
}
