import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/<pid>/cgroup → the process's cgroup path and what it tells about ownership: the systemd
 * unit and the container id (cgroups(7), "/proc/[pid]/cgroup").
 *
 *   0::/system.slice/docker-4f1c…e9.scope                     cgroup v2 (unified)
 *   12:pids:/docker/4f1c…e9                                    cgroup v1, one line per hierarchy
 *   1:name=systemd:/user.slice/user-1000.slice/session-2.scope
 *
 * Which path: the v2 line when it says something (not "/"), else the v1 `name=systemd` line
 * (systemd tracks units there on legacy and hybrid setups), else the first v1 line that is not
 * "/" — so hybrid machines whose v2 line is "/" still get their unit.
 *
 * Rule for bad input: a line is `id:controllers:path` (the path may itself contain colons);
 * a line without two colons, or with a non-numeric id, throws a ParseError naming file and
 * line. Blank lines are skipped. An empty file is a zombie or kernel quirk: path "/".
 */
export interface PidCgroup {
  /** The chosen cgroup path, e.g. `/system.slice/ssh.service`. */
  path: string;
  /** Innermost systemd unit in the path (`ssh.service`, `session-2.scope`), or null. */
  unit: string | null;
  /** Container id (64 hex digits) for Docker, containerd/CRI, CRI-O and Podman cgroups, or null. */
  container_id: string | null;
}

export function parsePidCgroup(text: string, file = '/proc/pid/cgroup'): PidCgroup {
  let v2: string | null = null;
  let systemd: string | null = null;
  let firstV1: string | null = null;
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.trim() === '') continue;
    const a = raw.indexOf(':');
    const b = a < 0 ? -1 : raw.indexOf(':', a + 1);
    if (b < 0) throw new ParseError(file, line, `expected "id:controllers:path", got "${raw}"`);
    const id = parseUint(raw.slice(0, a));
    if (id === null) throw new ParseError(file, line, `hierarchy id "${raw.slice(0, a)}" is not a number`);
    const controllers = raw.slice(a + 1, b);
    const path = raw.slice(b + 1);
    if (id === 0 && controllers === '') v2 = path;
    else if (controllers === 'name=systemd') systemd = path;
    else if (firstV1 === null && path !== '/') firstV1 = path;
  }
  const path = pick(v2, systemd, firstV1);
  return { path, unit: unitOf(path), container_id: containerIdOf(path) };
}

function pick(...candidates: Array<string | null>): string {
  for (const c of candidates) if (c !== null && c !== '/' && c !== '') return c;
  return '/';
}

const UNIT_RE = /\.(service|scope)$/;

/**
 * The innermost `.service` or `.scope` segment. For a user's app that is the app's own scope
 * (`app-firefox-1234.scope`), which names the program better than `user@1000.service`.
 */
export function unitOf(path: string): string | null {
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    if (UNIT_RE.test(segments[i]!)) return segments[i]!;
  }
  return null;
}

// docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope (systemd
// driver); /docker/<id>, /kubepods/…/<id>, /libpod_parent/libpod-<id> (cgroupfs driver).
const CONTAINER_SEGMENT_RE = /^(?:(?:docker|cri-containerd|crio|libpod|containerd)-)?([0-9a-f]{64})(?:\.scope)?$/;

export function containerIdOf(path: string): string | null {
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const m = CONTAINER_SEGMENT_RE.exec(segments[i]!);
    if (m) return m[1]!;
  }
  return null;
}
