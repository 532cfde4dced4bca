import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import { type ProcessInfo, type ProcessSample, ProcessScanner } from '../host/process-table.js';
import type { MetricSpec } from '../shared/metrics.js';
import { BYTES_PER_MB, bytesToMb, round } from '../shared/units.js';
import { createRedactor, type Redactor } from './redact.js';

/** One row of the process table (`GET /api/processes`, the processes view). */
export interface ProcessRow {
  pid: number;
  ppid: number;
  /** User name from /etc/passwd, or the numeric uid when it has none. */
  user: string | null;
  uid: number | null;
  /** comm: the kernel's 15-character task name. */
  name: string;
  /** Executable name: argv[0]'s base name (what ram_monitor groups by). */
  exe: string;
  /** Arguments joined by spaces, secrets redacted (processes.redact); empty for kernel threads. */
  cmdline: string;
  state: string;
  kernel_thread: boolean;
  /** % of one CPU over the last interval (can exceed 100 for multithreaded programs); null on first sight. */
  cpu_pct: number | null;
  rss_mb: number;
  threads: number;
  /** Storage I/O caused by the process; null when /proc/<pid>/io is not readable or on first sight. */
  read_mbps: number | null;
  write_mbps: number | null;
  start_time: string | null;
  cgroup: string | null;
  /** Innermost systemd unit (`ssh.service`, `session-2.scope`). */
  unit: string | null;
  container_id: string | null;
}

export interface ProcessCounts {
  total: number;
  /** R */
  running: number;
  /** S */
  sleeping: number;
  /** D: uninterruptible (usually I/O) */
  disk_sleep: number;
  /** T, t */
  stopped: number;
  /** Z */
  zombie: number;
  /** I: idle kernel threads */
  idle: number;
  other: number;
  threads: number;
}

export interface ProcessesPayload extends Payload {
  available: true;
  counts: ProcessCounts;
  top_cpu: ProcessRow[];
  top_rss: ProcessRow[];
  /** Every process, by pid. */
  processes: ProcessRow[];
  scan: { listed: number; cold: number; vanished: number; skipped: number; skip_reasons: string[] };
}

interface ProcessesState {
  scanner?: ProcessScanner;
  redactor?: Redactor;
  /** Per process, what only changes with its static info (same object = same values). */
  statics?: WeakMap<ProcessInfo, RowCache>;
}

type RowStatic = Pick<ProcessRow, 'user' | 'uid' | 'exe' | 'cmdline' | 'start_time' | 'cgroup' | 'unit' | 'container_id'>;

interface RowCache {
  st: RowStatic;
  /** Rate-tracker keys: CPU, read and write bytes of this process (`c1234:5678` …). */
  cpuKey: string;
  readKey: string;
  writeKey: string;
  /**
   * The row published last tick. Most processes sleep through most ticks and their row comes
   * out the same: it is published again as it is (payloads are never changed once published),
   * which spares the collector and the garbage collector a new object per process per tick.
   */
  row: ProcessRow | null;
}

const COUNT_KEYS: Array<keyof ProcessCounts> = ['total', 'running', 'sleeping', 'disk_sleep', 'stopped', 'zombie', 'idle', 'threads'];
const STATE_COUNT: Record<string, keyof ProcessCounts> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk_sleep',
  T: 'stopped',
  t: 'stopped',
  Z: 'zombie',
  I: 'idle',
};

const metrics: MetricSpec[] = [
  ...COUNT_KEYS.map(
    (k): MetricSpec => ({
      name: k === 'threads' ? 'threads' : `processes_${k}`,
      path: `counts.${k}`,
      unit: 'count',
      kind: 'gauge',
      help: k === 'total' ? 'processes' : k === 'threads' ? 'threads of all processes' : `processes in state ${k.replace('_', ' ')}`,
    }),
  ),
  { name: 'top_cpu_pct', path: 'top_cpu[rank].cpu_pct', unit: 'percent', kind: 'gauge', help: 'CPU % of the N-th busiest process', precision: 1 },
  { name: 'top_rss_mb', path: 'top_rss[rank].rss_mb', unit: 'megabytes', kind: 'gauge', help: 'RSS of the N-th biggest process', precision: 1 },
];

export const processMonitor = defineCollector<ProcessesPayload, ProcessesState>({
  name: 'process_monitor',
  // The whole table (about 1 MB at 3,000 processes) is served by GET /api/processes; /api and
  // the WebSocket carry counts and the top lists only.
  brief: (p) => {
    const { processes, ...rest } = p as ProcessesPayload & Record<string, unknown>;
    return Array.isArray(processes) ? { ...rest, processes_omitted: processes.length } : p;
  },
  description: 'process table (CPU, RSS, I/O, user, cgroup/unit/container, redacted command lines), top by CPU and RSS',
  interval: 2,
  // A first (cold) scan reads cmdline, status and cgroup of every process: ~0.5 s CPU at 3,000
  // processes (bench/RESULTS.md). An aborted scan keeps what it read, so the next one is warmer.
  timeout: 10,
  metrics,
  async collect(ctx) {
    // Options: collectors.process_monitor.io (default true) turns per-process I/O reads off.
    ctx.state.scanner ??= new ProcessScanner(ctx.fs, { io: ctx.options.io !== false });
    // Built lazily so a bad processes.redact_patterns entry fails every tick, clearly.
    ctx.state.redactor ??= createRedactor(ctx.config.processes);
    ctx.state.statics ??= new WeakMap();
    const scan = await ctx.state.scanner.scan(() => ctx.clock.monotonicMs(), ctx.signal);
    if (scan.listed === 0) {
      throw new Error(`no process directories under ${ctx.fs.proc()} (the process table needs Linux /proc)`);
    }
    const rows = scan.processes.map((s) => toRow(ctx, s, scan.boot_time_s));
    // Baselines of processes that went away are dropped (every live one was fed or kept above).
    ctx.rates.sweep();
    rows.sort((a, b) => a.pid - b.pid);
    const topN = ctx.config.processes.top_n;
    return {
      available: true,
      counts: countStates(rows),
      top_cpu: topRows(rows, topN, byCpu, (r) => r.cpu_pct !== null),
      top_rss: topRows(rows, topN, byRss),
      processes: rows,
      scan: {
        listed: scan.listed,
        cold: scan.cold,
        vanished: scan.vanished,
        skipped: scan.skipped,
        skip_reasons: scan.skip_reasons,
      },
    };
  },
  // The scanner keeps /proc/<pid>/{stat,io} open between ticks: give them back on stop/reload.
  close(ctx) {
    ctx.state.scanner?.close();
  },
});

function toRow(ctx: CollectorContext<ProcessesState>, s: ProcessSample, bootS: number | null): ProcessRow {
  let cache = ctx.state.statics!.get(s.info);
  if (!cache) {
    const i = s.info;
    cache = {
      st: {
        user: i.user,
        uid: i.uid,
        exe: i.exe,
        cmdline: truncate(ctx.state.redactor!(i.argv)),
        start_time: bootS === null ? null : new Date(Math.round((bootS + s.start_s) * 1000)).toISOString(),
        cgroup: i.cgroup?.path ?? null,
        unit: i.cgroup?.unit ?? null,
        container_id: i.cgroup?.container_id ?? null,
      },
      cpuKey: `c${s.key}`,
      readKey: `r${s.key}`,
      writeKey: `w${s.key}`,
      row: null,
    };
    ctx.state.statics!.set(s.info, cache);
  }
  const { rates } = ctx;
  const cpu = rates.rate(cache.cpuKey, s.cpu_s, s.at_ms);
  // io not re-read (the process did not run): 0 for this interval, baselines untouched, so the
  // next real read spreads whatever it finds over the whole span instead of spiking.
  const ioRate = (key: string, v: number) => {
    if (s.io_fresh) return rates.rate(key, v, s.at_ms);
    rates.keep(key);
    return rates.has(key) ? 0 : null;
  };
  let rd: number | null = null;
  let wr: number | null = null;
  if (s.io) {
    rd = ioRate(cache.readKey, s.io.read_bytes);
    wr = ioRate(cache.writeKey, s.io.write_bytes);
  } else {
    rates.keep(cache.readKey);
    rates.keep(cache.writeKey);
  }
  const cpuPct = cpu === null ? null : round(cpu * 100, 1);
  const rssMb = round(bytesToMb(s.rss_bytes), 1)!;
  const readMbps = rd === null ? null : round(rd / BYTES_PER_MB, 3);
  const writeMbps = wr === null ? null : round(wr / BYTES_PER_MB, 3);
  const prev = cache.row;
  if (
    prev !== null &&
    prev.cpu_pct === cpuPct &&
    prev.rss_mb === rssMb &&
    prev.read_mbps === readMbps &&
    prev.write_mbps === writeMbps &&
    prev.state === s.state &&
    prev.threads === s.threads &&
    prev.name === s.comm &&
    prev.ppid === s.ppid &&
    prev.kernel_thread === s.kernel_thread
  )
    return prev;
  const st = cache.st;
  cache.row = {
    pid: s.pid,
    ppid: s.ppid,
    user: st.user,
    uid: st.uid,
    name: s.comm,
    exe: st.exe,
    cmdline: st.cmdline,
    state: s.state,
    kernel_thread: s.kernel_thread,
    cpu_pct: cpuPct,
    rss_mb: rssMb,
    threads: s.threads,
    read_mbps: readMbps,
    write_mbps: writeMbps,
    start_time: st.start_time,
    cgroup: st.cgroup,
    unit: st.unit,
    container_id: st.container_id,
  };
  return cache.row;
}

const byCpu = (a: ProcessRow, b: ProcessRow) => b.cpu_pct! - a.cpu_pct! || b.rss_mb - a.rss_mb || a.pid - b.pid;
const byRss = (a: ProcessRow, b: ProcessRow) => b.rss_mb - a.rss_mb || a.pid - b.pid;

/**
 * The first `n` rows in `order` (a total order: pids break ties), as sorting them all and
 * cutting would give, without sorting thousands of rows twice a tick.
 */
export function topRows(rows: readonly ProcessRow[], n: number, order: (a: ProcessRow, b: ProcessRow) => number, keep: (r: ProcessRow) => boolean = () => true): ProcessRow[] {
  const top: ProcessRow[] = [];
  if (n <= 0) return top;
  for (const r of rows) {
    if (!keep(r)) continue;
    if (top.length === n && order(r, top[n - 1]!) >= 0) continue;
    let i = top.length === n ? n - 1 : top.length;
    // Insertion from the back: the list is short (top_n).
    while (i > 0 && order(r, top[i - 1]!) < 0) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = r;
  }
  return top;
}

/** Command lines are cut here in the payload (after redaction, so a cut never exposes half a secret's context). */
const CMDLINE_SHOWN = 4096;

function truncate(s: string): string {
  return s.length <= CMDLINE_SHOWN ? s : `${s.slice(0, CMDLINE_SHOWN - 1)}…`;
}

export function countStates(rows: ReadonlyArray<Pick<ProcessRow, 'state' | 'threads'>>): ProcessCounts {
  const c: ProcessCounts = { total: rows.length, running: 0, sleeping: 0, disk_sleep: 0, stopped: 0, zombie: 0, idle: 0, other: 0, threads: 0 };
  for (const r of rows) {
    c[STATE_COUNT[r.state] ?? 'other']++;
    c.threads += r.threads;
  }
  return c;
}
