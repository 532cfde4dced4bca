import { parsePidIo } from '../parsers/proc-pid-io.js';
import { PF_KTHREAD, parsePidStat } from '../parsers/proc-pid-stat.js';
import { parseProcStat } from '../parsers/proc-stat.js';
import type { HostFs } from './hostfs.js';
import { isGone, type ProcessInfo, ProcessInfoReader } from './process-info.js';
import { isProcfs, KeptFiles, listPids, ProcReader } from './proc-reader.js';

/**
 * The one /proc/<pid> scanner, shared by process_monitor (the table) and ram_monitor (its
 * fallback when process_monitor is off). Cheap by construction:
 *
 * - per tick it reads only `/proc/<pid>/stat` (state, CPU times, RSS, threads) and, when asked,
 *   `/proc/<pid>/io` (only for processes that ran since their last io read), both kept open
 *   between ticks and re-read with one pread (KeptFiles);
 * - what does not change while a process lives — argv, uid → user, cgroup, exe name — is read
 *   once per process, keyed by pid + start time (a reused pid is a new process), and re-read
 *   when comm changes (exec keeps pid and start time) and every `refreshEvery` scans, staggered
 *   by pid (setproctitle, setuid);
 * - reads are synchronous into one reusable buffer (ProcReader), not through HostFs's
 *   Promise API: at thousands of processes the promise round-trips cost more than the reads;
 * - it yields to the event loop every `yieldEvery` processes, so an HTTP request never waits
 *   for a whole scan (SPEC §12).
 *
 * A process that vanishes mid-read (ENOENT, ESRCH) is skipped silently; one whose files are
 * garbled is skipped and counted in `skipped` with the reason.
 */
export interface ProcessSample {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  kernel_thread: boolean;
  /** utime + stime, seconds. */
  cpu_s: number;
  threads: number;
  rss_bytes: number;
  start_s: number;
  /** `pid:starttime`: one process across pid reuse (rate-tracker keys). */
  key: string;
  io: { read_bytes: number; write_bytes: number } | null;
  /**
   * false when `io` was not re-read this scan because the process used no CPU time since its
   * last read: it did not run, so it issued (next to) no I/O. Callers report 0 for the interval
   * and leave their rate baseline alone; the next real read averages over the whole span.
   */
  io_fresh: boolean;
  /** Monotonic ms just before this process's stat was read. */
  at_ms: number;
  /** Same object between refreshes: callers may cache what they derive from it. */
  info: ProcessInfo;
}

export interface ScanResult {
  processes: ProcessSample[];
  /** pid directories listed. */
  listed: number;
  /** processes whose static files were read this scan (new, exec'd or refreshed). */
  cold: number;
  vanished: number;
  skipped: number;
  /** The first few reasons for skips, for the payload. */
  skip_reasons: string[];
  /** Boot time, seconds since the epoch (for start times), or null when /proc/stat lacks it. */
  boot_time_s: number | null;
  page_size: number;
}

export interface ScanOptions {
  /** Read /proc/<pid>/status for uid → user (default true). */
  users?: boolean;
  /** Read /proc/<pid>/cgroup (default true). */
  cgroup?: boolean;
  /** Read /proc/<pid>/io every tick (default true). */
  io?: boolean;
  /**
   * Re-read static files every N scans per process (default 120: 2 min at a 1 s scan, 4 min at
   * process_monitor's default 2 s). At 3,000 processes and 60 scans, the refresh of 50
   * processes a second (status, cmdline, cgroup, exe) cost 5.8 ms/s, more than the io files.
   */
  refreshEvery?: number;
  /** Yield to the event loop every N processes (default 250). */
  yieldEvery?: number;
  /**
   * Most files kept open between scans. Default: a quarter of the soft open-files limit
   * (≤ 16,384) on a real procfs, 0 elsewhere (fixture trees).
   */
  fdBudget?: number;
}

interface Entry {
  statPath: string;
  ioPath: string;
  /** `pid:starttime` */
  key: string;
  startTicks: number;
  comm: string;
  /** Last io counters read, and the CPU time (s) the process had then. */
  io: ProcessSample['io'];
  ioCpu: number | null;
  info: ProcessInfo;
  seen: number;
  /** argv was not read yet (the process was in D state): try again next scan. */
  partial: boolean;
}

const OTHER_MAX = 64 * 1024;
/**
 * io files are kept open only while half the descriptor budget is free: every process's stat is
 * read every tick, its io only after it ran. With 3,000 processes and a 5,000 budget, keeping
 * both left 1,100 stat files to be opened and closed every tick (6 ms/s more CPU).
 */
const IO_BUDGET_SHARE = 0.5;
const MAX_REASONS = 5;

export class ProcessScanner {
  private readonly entries = new Map<number, Entry>();
  private readonly reader = new ProcReader();
  private readonly kept: KeptFiles;
  private readonly infos: ProcessInfoReader;
  private scans = 0;
  private bootTime: number | null | undefined;
  private pageSize: number | undefined;
  private readonly opts: Required<Omit<ScanOptions, 'fdBudget'>>;

  constructor(
    private readonly fs: HostFs,
    options: ScanOptions = {},
  ) {
    const { fdBudget, ...rest } = options;
    this.opts = { users: true, cgroup: true, io: true, refreshEvery: 120, yieldEvery: 250, ...rest };
    // Files are kept open only on a real procfs. A fixture tree's files may be replaced on disk
    // (the golden test moves `stat.next` over `stat`), and a kept descriptor would go on
    // reading the replaced file.
    // stat and io are single_open procfs files: a short read is the whole file.
    this.kept = new KeptFiles(this.reader, fdBudget ?? (isProcfs(fs.proc()) ? undefined : 0), true);
    this.infos = new ProcessInfoReader(fs, this.reader, { users: this.opts.users, cgroup: this.opts.cgroup });
  }

  /** Close the files kept open between scans (collector stop / reload). The scanner stays usable. */
  close(): void {
    this.kept.closeAll();
    this.entries.clear();
  }

  /** Files held open now (for tests and self-monitoring). */
  get openFiles(): number {
    return this.kept.size;
  }

  /** Read every process once. `now` is the monotonic clock; `signal` aborts between chunks. */
  async scan(now: () => number, signal?: AbortSignal): Promise<ScanResult> {
    const scanNo = ++this.scans;
    this.bootTime ??= this.readBootTime();
    this.pageSize ??= this.readPageSize();
    const pids = listPids(this.fs.proc());
    const out: ScanResult = {
      processes: [],
      listed: pids.length,
      cold: 0,
      vanished: 0,
      skipped: 0,
      skip_reasons: [],
      boot_time_s: this.bootTime,
      page_size: this.pageSize,
    };
    for (let i = 0; i < pids.length; i++) {
      if (i > 0 && i % this.opts.yieldEvery === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
      try {
        // Each process is stamped when its stat is read: a cold scan of thousands of processes
        // (or a starved event loop) takes long enough that one stamp per scan would skew rates.
        const s = this.readOne(Number(pids[i]), scanNo, now(), out);
        if (s) out.processes.push(s);
      } catch (err) {
        if (isGone(err)) {
          out.vanished++;
        } else {
          out.skipped++;
          if (out.skip_reasons.length < MAX_REASONS) out.skip_reasons.push((err as Error).message);
        }
      }
    }
    for (const [pid, e] of this.entries) {
      if (e.seen === scanNo) continue;
      this.kept.close(e.statPath);
      this.kept.close(e.ioPath);
      this.entries.delete(pid);
    }
    return out;
  }

  private readOne(pid: number, scanNo: number, at: number, out: ScanResult): ProcessSample | null {
    let e = this.entries.get(pid);
    const statPath = e?.statPath ?? `${this.fs.proc(String(pid))}/stat`;
    const st = parsePidStat(this.kept.read(statPath, OTHER_MAX), statPath);
    const kernel = (st.flags & PF_KTHREAD) !== 0;
    const isNew = !e || e.startTicks !== st.start_ticks;
    const stale =
      isNew || e!.partial || e!.comm !== st.comm || (scanNo + pid) % this.opts.refreshEvery === 0;
    if (stale) {
      const dir = statPath.slice(0, -'/stat'.length);
      // A process in uninterruptible sleep may hold its mmap lock, which reading cmdline takes
      // (ps hangs there): keep what we knew, or read the rest at a later scan for a new one.
      const dState = st.state === 'D';
      let { info, partial } =
        dState && !isNew ? { info: e!.info, partial: true } : this.infos.read(dir, st.comm, kernel, dState, at);
      // A refresh that found nothing new keeps the object (io re-enabled): callers cache what
      // they derive from it (redacted command line, the last row) by identity.
      if (!isNew && info !== e!.info && sameInfo(info, e!.info)) {
        e!.info.ioReadable = true;
        info = e!.info;
      }
      const key = `${pid}:${st.start_ticks}`;
      e = {
        statPath,
        ioPath: `${dir}/io`,
        key,
        startTicks: st.start_ticks,
        comm: st.comm,
        io: null,
        ioCpu: null,
        info,
        seen: scanNo,
        partial,
      };
      this.entries.set(pid, e);
      out.cold++;
    }
    e!.seen = scanNo;
    const info = e!.info;
    const cpu = st.utime_s + st.stime_s;
    let io: ProcessSample['io'] = null;
    let ioFresh = true;
    if (this.opts.io && info.ioReadable && !kernel) {
      // Most processes sleep through most ticks: re-reading their io would double the syscalls.
      if (e!.io !== null && e!.ioCpu === cpu) {
        io = e!.io;
        ioFresh = false;
      } else {
        io = this.readIo(e!.ioPath, info);
        e!.io = io;
        e!.ioCpu = io === null ? null : cpu;
      }
    }
    return {
      pid,
      ppid: st.ppid,
      comm: st.comm,
      state: st.state,
      kernel_thread: kernel,
      cpu_s: cpu,
      threads: st.num_threads,
      rss_bytes: st.rss_pages * this.pageSize!,
      start_s: st.start_s,
      key: e!.key,
      io,
      io_fresh: ioFresh,
      at_ms: at,
      info,
    };
  }

  private readIo(path: string, info: ProcessInfo): ProcessSample['io'] {
    try {
      const io = parsePidIo(this.kept.read(path, OTHER_MAX, IO_BUDGET_SHARE), path);
      return { read_bytes: io.read_bytes, write_bytes: io.write_bytes };
    } catch (err) {
      // EACCES/EPERM: not ours to read (other users' processes unless root); ENOENT: a kernel
      // without task I/O accounting. Stop trying until this process's next refresh. A garbled
      // file costs this tick's figures only.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT') info.ioReadable = false;
      return null;
    }
  }

  private readBootTime(): number | null {
    try {
      return parseProcStat(this.reader.read(this.fs.proc('stat'), 1024 * 1024)).boot_time_s;
    } catch {
      return null;
    }
  }

  /**
   * The kernel's page size, which RSS in /proc/<pid>/stat counts in: from KernelPageSize of the
   * first mapping in /proc/self/smaps (the page size is one per kernel). 4096 where that file
   * is absent (fixture trees), which is right on x86-64.
   */
  private readPageSize(): number {
    try {
      const text = this.reader.read(this.fs.proc('self/smaps'), 8 * 1024, true);
      const kb = /KernelPageSize:\s+(\d+) kB/.exec(text)?.[1];
      if (kb) return Number(kb) * 1024;
    } catch {}
    return 4096;
  }
}

function sameInfo(a: ProcessInfo, b: ProcessInfo): boolean {
  if (a.exe !== b.exe || a.uid !== b.uid || a.user !== b.user || a.argv.length !== b.argv.length) return false;
  for (let i = 0; i < a.argv.length; i++) if (a.argv[i] !== b.argv[i]) return false;
  const x = a.cgroup;
  const y = b.cgroup;
  if (x === null || y === null) return x === y;
  return x.path === y.path && x.unit === y.unit && x.container_id === y.container_id;
}

export { exeName, type ProcessInfo } from './process-info.js';
