import { closeSync, openSync, readdirSync, readFileSync, readSync, statfsSync, statSync } from 'node:fs';

/**
 * Synchronous readers for small procfs files, built for the per-process scan.
 *
 * At 3,000 processes the cost is syscalls and per-call overhead, not bytes: `readFileSync`
 * adds an fstat and a fresh buffer per file (procfs reports size 0), and HostFs's Promise API
 * a microtask hop. {@link ProcReader} reads into one reusable buffer; {@link KeptFiles} also
 * keeps the files that are read every tick open and re-reads them with pread at offset 0 — one
 * syscall instead of open, read, close (measured 2.5× less CPU per /proc/<pid>/stat).
 * Like HostFs's readers, only for kernel-generated files that answer from memory.
 */
export class ProcReader {
  private buf = Buffer.allocUnsafe(16 * 1024);

  /** The whole file as UTF-8 (or its first `max` bytes; with `firstChunkOnly`, one read). Throws ENOENT etc. */
  read(path: string, max: number, firstChunkOnly = false): string {
    const fd = openSync(path, 'r');
    try {
      return this.readFd(fd, max, firstChunkOnly);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Read an open file from offset 0 (procfs regenerates the text on a read at 0). With
   * `shortReadEnds`, a read that returns less than asked for is taken as the whole file: true
   * of procfs files shown in one piece (single_open: /proc/<pid>/stat, io, status), where the
   * otherwise usual read until 0 bytes makes the kernel generate the text a second time just
   * to find its end — twice the cost of the scan's main syscall. Not for files listed record by
   * record (/proc/net/dev, diskstats), whose reads can stop short at a page boundary.
   */
  readFd(fd: number, max: number, firstChunkOnly = false, shortReadEnds = false): string {
    let n = 0;
    for (;;) {
      if (n === this.buf.length) {
        if (n >= max) break;
        const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, max));
        this.buf.copy(bigger, 0, 0, n);
        this.buf = bigger;
      }
      const want = Math.min(this.buf.length, max) - n;
      const r = readSync(fd, this.buf, n, want, n);
      if (r === 0) break;
      n += r;
      if (firstChunkOnly || n >= max || (shortReadEnds && r < want)) break;
    }
    return this.buf.toString('utf8', 0, n);
  }
}

/**
 * Files kept open between scans, by path, up to a budget of descriptors. A kept file of a
 * process that exited reads ESRCH: it is closed and the path opened afresh (a reused pid is
 * then read as the new process, or the path is gone: ENOENT for the caller).
 */
export class KeptFiles {
  private readonly fds = new Map<string, number>();

  constructor(
    private readonly reader: ProcReader,
    /** Most descriptors kept; beyond it files are opened and closed per read. */
    readonly budget: number = defaultBudget(),
    /** Every file read is shown in one piece (see ProcReader.readFd). */
    private readonly shortReadEnds = false,
  ) {}

  /**
   * Read `path` through a kept descriptor, opening (and keeping, budget permitting) it first.
   * `share` is the part of the budget this file may use (1 = all of it): a file read now and
   * then (a process's io, read only after it ran) must not take the places of the ones read
   * every tick (stat), or those are opened and closed every tick once the budget is full.
   */
  read(path: string, max: number, share = 1): string {
    const kept = this.fds.get(path);
    if (kept !== undefined) {
      try {
        return this.reader.readFd(kept, max, false, this.shortReadEnds);
      } catch {
        this.close(path);
      }
    }
    const fd = openSync(path, 'r');
    let keep = false;
    try {
      const text = this.reader.readFd(fd, max, false, this.shortReadEnds);
      keep = this.fds.size < this.budget * share;
      return text;
    } finally {
      if (keep) this.fds.set(path, fd);
      else closeSync(fd);
    }
  }

  close(path: string): void {
    const fd = this.fds.get(path);
    if (fd === undefined) return;
    this.fds.delete(path);
    try {
      closeSync(fd);
    } catch {}
  }

  closeAll(): void {
    for (const path of [...this.fds.keys()]) this.close(path);
  }

  get size(): number {
    return this.fds.size;
  }
}

/**
 * A quarter of this process's soft limit on open files, at most 16,384: process_monitor and
 * ram_monitor's fallback may each hold one such budget, and the other half stays for sockets
 * and everything else. Node raises the soft limit to the hard one at start-up, so this is
 * usually large; under a 1,024 limit it is 256. Read from our own /proc/self/limits (the
 * limit is this process's, whatever root the scan reads).
 */
function defaultBudget(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return 16_384;
    const n = Number(soft);
    if (Number.isFinite(n) && n > 0) return Math.min(16_384, Math.floor(n / 4));
  } catch {}
  return 256;
}

const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Open descriptors of a process from its `/proc/<pid>/fd` directory. On a real procfs of Linux
 * 6.2 or later the directory's stat() size is that count: one syscall instead of listing every
 * descriptor (headroom holds thousands of /proc files open at a large process count, and
 * listing them every tick cost more than reading them). Elsewhere — an older kernel (size 0),
 * a fixture tree — the entries are listed; `listed` counts descriptors the listing itself holds
 * (1 when the process is this one). Throws what stat/readdir throw.
 */
export function countFds(fdDir: string, realProcfs: boolean, listed = 0): number {
  if (realProcfs) {
    const size = statSync(fdDir).size;
    if (size > 0) return size;
  }
  return Math.max(0, readdirSync(fdDir).length - listed);
}

/** The path is on a real procfs (statfs f_type PROC_SUPER_MAGIC), not a tree of plain files. */
export function isProcfs(path: string): boolean {
  try {
    return statfsSync(path).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * The pid directories under procRoot. Not HostFs.list, which answers [] for any error: an
 * absent tree is "no processes", but EMFILE or EACCES must reach the payload as what they are.
 */
export function listPids(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((d) => /^\d+$/.test(d));
}
