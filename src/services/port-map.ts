import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { HostFs } from '../host/hostfs.js';
import { countFds, isProcfs } from '../host/proc-reader.js';
import { parseProcNetTcp, TCP_LISTEN } from '../parsers/proc-net-tcp.js';

/**
 * Which process listens on which TCP port, from `/proc/net/tcp{,6}` (listening sockets and
 * their inodes) and `/proc/<pid>/fd/*` (`socket:[inode]` links) — what `ss -ltnp` and `lsof`
 * do, without running them.
 *
 * Reading every process's descriptors every tick would be the expensive part (a browser holds
 * thousands), so:
 * - a process's socket inodes are read (readdir + one readlink per descriptor) only when it is
 *   new, when a caller asks again after `maxAgeMs`, or when a wanted port has a listener that
 *   appeared after the last read; the result is cached by pid + start time;
 * - an owner found for a listening inode is kept while both live, so a steady state reads no
 *   descriptors at all for port matching;
 * - an unresolved wanted listener is looked for among processes of the socket's uid first
 *   (the kernel records the creator's uid), newest first, within a per-tick budget of links.
 *
 * Only the reader's network namespace is visible: a server inside a container with its own
 * namespace does not appear in our /proc/net/tcp (its port is published by a proxy process).
 */
export interface Listener {
  inode: number;
  port: number;
  ip: string;
  family: 4 | 6;
  uid: number;
}

/** The identity of a process in the table: pid plus start time (a reused pid is another process). */
export interface ProcRef {
  pid: number;
  ppid: number;
  key: string;
  uid: number | null;
  kernel_thread: boolean;
}

interface FdEntry {
  key: string;
  /** Monotonic ms of the last readlink pass; -Infinity = never. */
  linkedAt: number;
  sockets: Set<number>;
}

export interface PortMapStats {
  listeners: number;
  /** Descriptor links read this tick (readlink calls). */
  links_read: number;
  /** fd directories listed this tick. */
  dirs_listed: number;
  /** Processes whose descriptors we may not read (another user's, without root). */
  denied: number;
  /** Wanted listeners whose process is not found (yet, or not visible to us). */
  unresolved: number;
  reason: string | null;
}

/** Links read per tick at most while looking for the owner of a new listener; the rest waits a tick. */
export const LINK_BUDGET = 20_000;
/** Listening sockets are re-read at least this often (and every tick while a wanted port is unresolved). */
export const LISTENER_REFRESH_MS = 10_000;

export class PortMap {
  private readonly fds = new Map<number, FdEntry>();
  private readonly owners = new Map<number, { pid: number; key: string }>();
  private readonly firstSeen = new Map<number, number>();
  private readonly counts = new Map<number, { key: string; at: number; n: number | null }>();
  /** The proc root is a real procfs: descriptor counts come from one stat() (countFds). */
  private realProcfs: boolean | undefined;
  private cached: { at: number; list: Listener[]; reason: string | null } | null = null;
  private stats: PortMapStats = emptyStats();

  constructor(private readonly fs: HostFs) {}

  /** Start a tick: listening sockets of both families (a missing tcp6 = IPv6 off, not an error). */
  readListeners(now: number): Listener[] {
    this.stats = emptyStats();
    const out: Listener[] = [];
    const problems: string[] = [];
    for (const [file, family] of [
      ['tcp', 4],
      ['tcp6', 6],
    ] as const) {
      const path = this.fs.proc('net', file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || family === 4) problems.push((err as Error).message);
        continue;
      }
      try {
        for (const s of parseProcNetTcp(text, path)) {
          if (s.state !== TCP_LISTEN || s.inode === 0) continue;
          out.push({ inode: s.inode, port: s.local_port, ip: s.local_ip, family, uid: s.uid });
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    const live = new Set(out.map((l) => l.inode));
    for (const inode of live) if (!this.firstSeen.has(inode)) this.firstSeen.set(inode, now);
    for (const inode of [...this.firstSeen.keys()]) {
      if (!live.has(inode)) {
        this.firstSeen.delete(inode);
        this.owners.delete(inode);
      }
    }
    this.stats.listeners = out.length;
    this.stats.reason = problems.length ? problems.join('; ') : null;
    return out;
  }

  /**
   * The processes holding each wanted listener: the top-most holder of its process tree (a
   * pre-forking server's master rather than one of its workers), so the owner's descendants
   * are the whole server.
   */
  resolve(wanted: readonly Listener[], procs: ReadonlyMap<number, ProcRef>, now: number): Map<number, number> {
    const out = new Map<number, number>();
    let budget = LINK_BUDGET;
    const open: Listener[] = [];
    for (const l of wanted) {
      const o = this.owners.get(l.inode);
      if (o && procs.get(o.pid)?.key === o.key) out.set(l.inode, o.pid);
      else open.push(l);
    }
    for (const l of open) {
      const since = this.firstSeen.get(l.inode) ?? now;
      // Candidates: not read since the listener appeared; the socket's uid first, newest first.
      const candidates = [...procs.values()]
        .filter((p) => !p.kernel_thread && (this.fds.get(p.pid)?.key !== p.key || this.fds.get(p.pid)!.linkedAt < since))
        .sort((a, b) => Number(b.uid === l.uid) - Number(a.uid === l.uid) || b.pid - a.pid);
      const fresh = now - since; // a read after the listener appeared is good enough
      let holder: ProcRef | null = null;
      const hint = this.ownerHint(l, procs);
      for (const p of hint ? [hint, ...candidates] : candidates) {
        if (budget <= 0) break;
        const before = this.stats.links_read;
        const sockets = this.sockets(p, now, fresh);
        budget -= this.stats.links_read - before;
        if (sockets?.has(l.inode)) {
          holder = p;
          break;
        }
      }
      if (!holder) {
        this.stats.unresolved++;
        continue;
      }
      // Climb while the parent holds the same socket (inherited across fork).
      for (;;) {
        const parent = procs.get(holder.ppid);
        if (!parent || parent.pid === holder.pid || parent.kernel_thread) break;
        if (!this.sockets(parent, now, fresh)?.has(l.inode)) break;
        holder = parent;
      }
      this.owners.set(l.inode, { pid: holder.pid, key: holder.key });
      out.set(l.inode, holder.pid);
    }
    return out;
  }

  /** A pid whose cached sockets already contain the inode (read for another reason this tick). */
  private ownerHint(l: Listener, procs: ReadonlyMap<number, ProcRef>): ProcRef | null {
    for (const [pid, e] of this.fds) {
      const p = procs.get(pid);
      if (p && p.key === e.key && e.sockets.has(l.inode)) return p;
    }
    return null;
  }

  /**
   * Socket inodes a process holds, re-read when the cached ones are older than `maxAgeMs`
   * (0 = read now, Infinity = any cached answer). null when not readable (gone, or denied).
   */
  sockets(p: ProcRef, now: number, maxAgeMs: number): Set<number> | null {
    const e = this.fds.get(p.pid);
    if (e && e.key === p.key && now - e.linkedAt <= maxAgeMs) return e.sockets;
    const dir = this.fs.proc(String(p.pid), 'fd');
    let names: string[];
    try {
      names = readdirSync(dir);
      this.stats.dirs_listed++;
    } catch (err) {
      if (isDenied(err)) this.stats.denied++;
      return null;
    }
    const sockets = new Set<number>();
    for (const n of names) {
      let target: string;
      try {
        target = readlinkSync(`${dir}/${n}`);
      } catch (err) {
        // Listing is allowed but following is not (another user's process, not root): no answer.
        if (isDenied(err)) {
          this.stats.denied++;
          return null;
        }
        continue; // closed between readdir and readlink
      }
      this.stats.links_read++;
      if (target.startsWith('socket:[')) {
        const inode = Number(target.slice(8, -1));
        if (Number.isSafeInteger(inode)) sockets.add(inode);
      }
    }
    this.fds.set(p.pid, { key: p.key, linkedAt: now, sockets });
    return sockets;
  }

  /**
   * Open descriptors of a process (one readdir), re-counted when the cached count is older than
   * `maxAgeMs`; null when not readable.
   */
  countFds(p: ProcRef, now: number, maxAgeMs = 0): number | null {
    const c = this.counts.get(p.pid);
    if (c && c.key === p.key && now - c.at <= maxAgeMs) return c.n;
    let n: number | null = null;
    try {
      this.realProcfs ??= isProcfs(this.fs.proc());
      n = countFds(this.fs.proc(String(p.pid), 'fd'), this.realProcfs);
      this.stats.dirs_listed++;
    } catch (err) {
      if (isDenied(err)) this.stats.denied++;
    }
    this.counts.set(p.pid, { key: p.key, at: now, n });
    return n;
  }

  /**
   * The listening sockets, re-read from /proc/net/tcp{,6} when `force`d or older than
   * LISTENER_REFRESH_MS: the kernel builds those files by walking every socket, which costs
   * milliseconds on a busy machine, and listeners rarely change. Starts a tick either way.
   */
  listeners(now: number, force: boolean): Listener[] {
    if (!force && this.cached && now - this.cached.at < LISTENER_REFRESH_MS) {
      this.stats = { ...emptyStats(), listeners: this.cached.list.length, reason: this.cached.reason };
      return this.cached.list;
    }
    const list = this.readListeners(now);
    this.cached = { at: now, list, reason: this.stats.reason };
    return list;
  }

  /** Forget processes that are gone (call once per tick with the live table). */
  prune(procs: ReadonlyMap<number, ProcRef>): void {
    for (const [pid, e] of this.fds) if (procs.get(pid)?.key !== e.key) this.fds.delete(pid);
    for (const [pid, c] of this.counts) if (procs.get(pid)?.key !== c.key) this.counts.delete(pid);
  }

  /** This tick's counters (for the payload and the bench). */
  tickStats(): PortMapStats {
    return { ...this.stats };
  }
}

function emptyStats(): PortMapStats {
  return { listeners: 0, links_read: 0, dirs_listed: 0, denied: 0, unresolved: 0, reason: null };
}

function isDenied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}
