import { parsePasswd } from '../parsers/etc-passwd.js';
import { type PidCgroup, parsePidCgroup } from '../parsers/proc-pid-cgroup.js';
import { parsePidStatus } from '../parsers/proc-pid-status.js';
import type { HostFs } from './hostfs.js';
import type { ProcReader } from './proc-reader.js';

/**
 * What the process scanner reads once per process (and on refresh): argv, the user, the cgroup,
 * the executable name. Kept apart from the per-tick scan in process-table.ts.
 */
export interface ProcessInfo {
  /** Arguments from /proc/<pid>/cmdline; empty for kernel threads and zombies. */
  argv: string[];
  /** The executable's name for grouping: argv[0]'s base name, else comm. */
  exe: string;
  uid: number | null;
  user: string | null;
  cgroup: PidCgroup | null;
  /** /proc/<pid>/io can be read (false after EACCES: other users' processes when not root). */
  ioReadable: boolean;
}

const CMDLINE_MAX = 128 * 1024;
const OTHER_MAX = 64 * 1024;
const PASSWD_RELOAD_MS = 60_000;

export class ProcessInfoReader {
  private users = new Map<number, string>();
  private usersLoadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly fs: HostFs,
    private readonly reader: ProcReader,
    private readonly opts: { users: boolean; cgroup: boolean },
  ) {}

  /**
   * The static part of a process. A file that is gone (ENOENT/ESRCH: the process is exiting,
   * or a tree such as node_exporter's fixture that has only `stat`) leaves its fields unknown
   * and the result `partial`, so the next scan tries again. A garbled `status` throws (the
   * process is skipped and counted); a garbled `cgroup` leaves that extra empty.
   */
  read(
    dir: string,
    comm: string,
    kernel: boolean,
    skipCmdline: boolean,
    at: number,
  ): { info: ProcessInfo; partial: boolean } {
    let partial = skipCmdline && !kernel;
    const tryRead = (name: string, max: number): string | null => {
      try {
        return this.reader.read(`${dir}/${name}`, max);
      } catch (err) {
        if (!isGone(err)) throw err;
        partial = true;
        return null;
      }
    };
    let argv: string[] = [];
    const raw = kernel || skipCmdline ? null : tryRead('cmdline', CMDLINE_MAX);
    if (raw) argv = raw.replace(/\0+$/, '').split('\0');
    let uid: number | null = kernel ? 0 : null;
    const status = this.opts.users && !kernel ? tryRead('status', OTHER_MAX) : null;
    if (status !== null) uid = parsePidStatus(status, `${dir}/status`).uid;
    let cgroup: PidCgroup | null = null;
    const cg = this.opts.cgroup ? tryRead('cgroup', OTHER_MAX) : null;
    if (cg !== null) {
      try {
        cgroup = parsePidCgroup(cg, `${dir}/cgroup`);
      } catch {}
    }
    const user = uid === null ? null : this.userOf(uid, at);
    return { info: { argv, exe: exeName(argv, comm), uid, user, cgroup, ioReadable: true }, partial };
  }

  private userOf(uid: number, at: number): string {
    if (!this.users.has(uid) && at - this.usersLoadedAt >= PASSWD_RELOAD_MS) {
      this.usersLoadedAt = at;
      try {
        this.users = parsePasswd(this.reader.read(this.fs.root('etc/passwd'), 4 * 1024 * 1024)).users;
      } catch {
        // No /etc/passwd (a container, a fixture without one): numeric uids it is.
      }
    }
    return this.users.get(uid) ?? String(uid);
  }
}

/** ENOENT / ESRCH: the process exited between listing and reading. */
export function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * The executable's name as a user knows it: the base name of argv[0] (`/opt/google/chrome/chrome`
 * → `chrome`, also for Firefox's "Web Content" children whose argv[0] is still `firefox`).
 * A process that rewrote its whole command line into argv[0] (setproctitle: `nginx: worker
 * process`, `sshd: bob@pts/0`, `npm exec vitest`) is cut at the first space and a trailing ":";
 * when there are several arguments, argv[0] is a real path and may contain spaces. A leading
 * "-" (login shells) is dropped. Kernel threads and zombies have no argv: comm.
 */
export function exeName(argv: readonly string[], comm: string): string {
  let first = (argv[0] ?? '').trim();
  if (argv.length === 1) first = first.split(/\s/)[0]!.replace(/:$/, '');
  const base = first.split('/').pop()!.replace(/^-/, '');
  return base === '' ? comm : base;
}
