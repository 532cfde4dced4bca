import { join } from 'node:path';
import type { Payload } from '../core/collector.js';
import type { HostFs } from '../host/hostfs.js';
import { errnoPhrase, readFileSet } from '../host/sysfs-files.js';
import { parsePasswd } from '../parsers/etc-passwd.js';
import { parsePidCgroup } from '../parsers/proc-pid-cgroup.js';
import { parsePidStatus } from '../parsers/proc-pid-status.js';

/**
 * Names the processes NVML reports by pid: command name and user from /proc/<pid>/status, the
 * owning service from /proc/<pid>/cgroup — only for the handful of GPU pids, never a scan.
 *
 * `service` is the configured service that owns the pid when service_monitor reports one,
 * else the systemd unit (`ollama.service`), else the container (`container:4f1c2e…`).
 * NVML reports pids of the host's PID namespace: inside a container (or over a fixture tree)
 * a pid can be missing from /proc, and then only its VRAM is known.
 */
export interface ProcessIdentity {
  name: string | null;
  user: string | null;
  service: string | null;
  reason: string | null;
}

const PASSWD_RELOAD_MS = 60_000;

export class PidDescriber {
  private users = new Map<number, string>();
  private usersAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;

  constructor(private readonly fs: HostFs) {}

  async describe(pids: number[], nowMs: number, services: Map<number, string>): Promise<Map<number, ProcessIdentity>> {
    const out = new Map<number, ProcessIdentity>();
    await Promise.all(
      [...new Set(pids)].map(async (pid) => {
        out.set(pid, await this.one(pid, nowMs, services.get(pid) ?? null));
      }),
    );
    return out;
  }

  private async one(pid: number, nowMs: number, service: string | null): Promise<ProcessIdentity> {
    const dir = this.fs.proc(String(pid));
    const set = await readFileSet(this.fs, dir, ['status', 'cgroup']);
    if (set.files.status === undefined) {
      const why = set.errors.status
        ? errnoPhrase(set.errors.status)
        : 'not in this /proc (it exited, or it runs in another PID namespace: NVML reports host pids)';
      return { name: null, user: null, service, reason: `pid ${pid}: ${why}` };
    }
    try {
      const status = parsePidStatus(set.files.status, join(dir, 'status'));
      let owner = service;
      if (owner === null && set.files.cgroup !== undefined) {
        try {
          const cg = parsePidCgroup(set.files.cgroup, join(dir, 'cgroup'));
          owner = cg.unit ?? (cg.container_id ? `container:${cg.container_id.slice(0, 12)}` : null);
        } catch {
          // A garbled cgroup file costs the service name only.
        }
      }
      return { name: status.name, user: await this.userOf(status.uid, nowMs), service: owner, reason: null };
    } catch (err) {
      return { name: null, user: null, service, reason: (err as Error).message };
    }
  }

  /** The user name; /etc/passwd is (re)read when a uid is unknown, at most once a minute. */
  private async userOf(uid: number, nowMs: number): Promise<string> {
    if (!this.users.has(uid) && !this.loading && nowMs - this.usersAt >= PASSWD_RELOAD_MS) {
      this.usersAt = nowMs;
      this.loading = this.fs.tryRead(this.fs.root('etc/passwd')).then((text) => {
        if (text !== null) this.users = parsePasswd(text).users;
        this.loading = null;
      });
    }
    // Lookups that arrive while the file is being read wait for it rather than miss.
    if (this.loading) await this.loading;
    return this.users.get(uid) ?? String(uid);
  }
}

/**
 * pid → service name from service_monitor's latest payload, when it runs: `services[]` entries
 * with a `name` and their `pids`. Anything else (not running, another shape) gives no names.
 */
export function servicePids(payload: Payload | undefined): Map<number, string> {
  const out = new Map<number, string>();
  const services = payload?.services;
  if (!Array.isArray(services)) return out;
  for (const s of services) {
    if (s === null || typeof s !== 'object') continue;
    const { name, pids } = s as { name?: unknown; pids?: unknown };
    if (typeof name !== 'string' || !Array.isArray(pids)) continue;
    for (const pid of pids) if (typeof pid === 'number' && !out.has(pid)) out.set(pid, name);
  }
  return out;
}
