import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import type { HostFs } from '../host/hostfs.js';
import { countFds, isProcfs } from '../host/proc-reader.js';
import { parseUint } from '../parsers/numbers.js';
import { parsePidStat } from '../parsers/proc-pid-stat.js';
import { parsePidStatus } from '../parsers/proc-pid-status.js';
import type { MetricSpec } from '../shared/metrics.js';
import { bytesToMb, round } from '../shared/units.js';

/**
 * self_monitor: what headroom itself costs — CPU, memory, heap, event-loop lag, threads, fds,
 * child processes, and how long each collector took.
 *
 * CPU, RSS, threads, fds and children come from /proc/self through ctx.fs, so over a fixture host
 * they are the captured process's figures, not ours. Heap (process.memoryUsage) and event-loop
 * lag are always this process, live. `cpu_pct` is % of one CPU (100 = one core busy), like top.
 *
 * Event-loop lag: perf_hooks.monitorEventLoopDelay samples every RESOLUTION_MS; a sample is the
 * time between two wake-ups, so the lag is that minus the resolution. The histogram is reset each
 * tick, so the figures cover the time since the previous tick. After a reset Node drops the first
 * interval (it only restarts its clock), which would hide a block that starts right after this
 * collector ran; a one-shot probe timer due one resolution after the reset measures that window
 * and counts as one more sample. `*_ms` fields are for people (and match /api/status); the `_s`
 * twins are the declared series (metric units have no milliseconds).
 */
// 50 ms, not 10: each resolution tick is a wake-up of the whole process; at 10 ms the
// histogram alone cost ~5.5 ms CPU per second (measured), more than all collectors together.
// A stall shorter than 50 ms does not matter to anyone reading this figure.
export const RESOLUTION_MS = 50;

interface Lag {
  p50: number | null;
  p99: number | null;
  max: number | null;
}
interface CollectorCost {
  interval: number;
  last_duration_ms: number | null;
  last_duration_s: number | null;
  errors: number;
  available: boolean | null;
}

export interface SelfPayload extends Payload {
  available: true;
  pid: number | null;
  cpu_pct: number | null;
  rss_mb: number | null;
  heap_used_mb: number;
  heap_total_mb: number;
  external_mb: number;
  array_buffers_mb: number;
  event_loop_lag_ms: Lag;
  event_loop_lag_s: Lag;
  threads: number | null;
  /** Open file descriptors (the directory handle used to count them is left out). */
  open_fds: number | null;
  /** All descendants: pids, and their summed CPU % and RSS (0 when there are none). */
  children: { count: number | null; pids: number[]; cpu_pct: number | null; rss_mb: number | null };
  uptime_s: number;
  collectors: Record<string, CollectorCost>;
}

interface LoopWatch {
  histogram: IntervalHistogram;
  probe: NodeJS.Timeout | null;
  probeDone: Promise<void>;
  probeLagMs: number | null;
}
export interface SelfState {
  loop?: LoopWatch;
  /**
   * No task of ours had a `children` file (a kernel without CONFIG_PROC_CHILDREN): the kernel
   * will not grow one, so later ticks skip the look (one failed open per thread per tick).
   */
  noChildrenFiles?: boolean;
  /** The proc root is a real procfs (fd counts from one stat), not a fixture tree. */
  realProcfs?: boolean;
}

const m = (name: string, path: string, unit: MetricSpec['unit'], help: string, kind: MetricSpec['kind'] = 'gauge', precision?: number): MetricSpec => ({
  name,
  path,
  unit,
  kind,
  help,
  ...(precision === undefined ? {} : { precision }),
});
const metrics: MetricSpec[] = [
  m('cpu_pct', 'cpu_pct', 'percent', "headroom's CPU use, % of one CPU", 'gauge', 1),
  m('rss_mb', 'rss_mb', 'megabytes', 'resident memory (VmRSS)', 'gauge', 1),
  m('heap_used_mb', 'heap_used_mb', 'megabytes', 'V8 heap in use', 'gauge', 1),
  m('heap_total_mb', 'heap_total_mb', 'megabytes', 'V8 heap reserved', 'gauge', 1),
  m('external_mb', 'external_mb', 'megabytes', 'memory of C++ objects bound to JS objects', 'gauge', 1),
  m('array_buffers_mb', 'array_buffers_mb', 'megabytes', 'memory of ArrayBuffers and Buffers', 'gauge', 1),
  ...(['p50', 'p99', 'max'] as const).map((q) =>
    m(`event_loop_lag_${q}_s`, `event_loop_lag_s.${q}`, 'seconds', `event-loop lag since the previous tick, ${q}`, 'gauge', 4),
  ),
  m('threads', 'threads', 'count', 'OS threads of the process'),
  m('open_fds', 'open_fds', 'count', 'open file descriptors'),
  m('children_count', 'children.count', 'count', 'descendant processes'),
  m('children_cpu_pct', 'children.cpu_pct', 'percent', 'CPU of all descendants, % of one CPU', 'gauge', 1),
  m('children_rss_mb', 'children.rss_mb', 'megabytes', 'resident memory of all descendants', 'gauge', 1),
  m('uptime_s', 'uptime_s', 'seconds', 'seconds since headroom started', 'gauge', 0),
  m('collector_duration_s', 'collectors{collector}.last_duration_s', 'seconds', 'how long the last tick of a collector took', 'gauge', 5),
  m('collector_interval_s', 'collectors{collector}.interval', 'seconds', 'configured interval of a collector'),
  m('collector_errors', 'collectors{collector}.errors', 'count', 'failed ticks of a collector since start', 'counter'),
  m('collector_available', 'collectors{collector}.available', 'count', '1 when the last tick of a collector produced data'),
];

export const selfMonitor = defineCollector<SelfPayload, SelfState>({
  name: 'self_monitor',
  description: "headroom's own CPU, memory, heap, event-loop lag, threads, fds, children and collection cost",
  interval: 5,
  metrics,
  async collect(ctx) {
    const lag = await readLag(ctx.state);
    const now = ctx.clock.monotonicMs();
    const rateKeys = new Set(['self']);
    const [stat, status] = await Promise.all([
      readProc(ctx.fs, 'self', 'stat', parsePidStat),
      readProc(ctx.fs, 'self', 'status', parsePidStatus),
    ]);
    ctx.state.realProcfs ??= isProcfs(ctx.fs.proc());
    let fds: number | null = null;
    try {
      // Listing /proc/self/fd holds one more descriptor while it runs: not counted.
      fds = countFds(ctx.fs.proc('self', 'fd'), ctx.state.realProcfs, 1);
    } catch {}
    const table = ctx.latest('process_monitor')?.processes;
    const children =
      stat && Array.isArray(table) ? childrenFromTable(table as TableRow[], stat.pid) : await readChildren(ctx, now, rateKeys);
    ctx.rates.retainOnly(rateKeys);
    const mem = process.memoryUsage();
    const mb = (b: number) => round(bytesToMb(b), 1)!;
    // Without /proc (not Linux) Node's own figures stand in; a fixture without the files gives nulls.
    const noProc = !stat && process.platform !== 'linux';
    const cpuSeconds = stat ? stat.utime_s + stat.stime_s : noProc ? liveCpuSeconds() : null;
    const cpu = cpuSeconds === null ? null : ctx.rates.rate('self', cpuSeconds, now);
    return {
      available: true,
      pid: stat?.pid ?? null,
      cpu_pct: round(cpu === null ? null : cpu * 100, 1),
      rss_mb: status?.vm_rss_bytes != null ? mb(status.vm_rss_bytes) : noProc ? mb(mem.rss) : null,
      heap_used_mb: mb(mem.heapUsed),
      heap_total_mb: mb(mem.heapTotal),
      external_mb: mb(mem.external),
      array_buffers_mb: mb(mem.arrayBuffers),
      event_loop_lag_ms: scaleLag(lag, 1, 2),
      event_loop_lag_s: scaleLag(lag, 1e-3, 5),
      threads: status?.threads ?? stat?.num_threads ?? null,
      open_fds: fds !== null && fds > 0 ? fds : null,
      children,
      uptime_s: round(process.uptime(), 0)!,
      collectors: collectorCosts(ctx),
    };
  },
  close(ctx) {
    const w = ctx.state.loop;
    if (!w) return;
    // The probe (unref'd, one resolution long) is left to fire so nothing awaiting it hangs.
    w.histogram.disable();
    delete ctx.state.loop;
  },
});

function liveCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function collectorCosts(ctx: CollectorContext<SelfState>): Record<string, CollectorCost> {
  const out = new Map<string, CollectorCost>();
  for (const [name, s] of Object.entries(ctx.collectorStatus())) {
    out.set(name, {
      interval: s.interval,
      last_duration_ms: s.last_duration_ms,
      last_duration_s: s.last_duration_ms === null ? null : round(s.last_duration_ms / 1000, 6),
      errors: s.errors,
      available: s.available,
    });
  }
  return Object.fromEntries(out);
}

/** Start watching (first tick), or read and restart the watch (every later tick). */
async function readLag(state: SelfState): Promise<Lag> {
  const w = state.loop;
  if (!w) {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
    state.loop = restart({ histogram, probe: null, probeDone: Promise.resolve(), probeLagMs: null });
    return { p50: null, p99: null, max: null };
  }
  // Called again within one resolution (tests, a manual run): wait for the probe, so the figures
  // rest on at least one real observation.
  if (w.histogram.count === 0 && w.probeLagMs === null) await w.probeDone;
  const lag = combineLag(w.histogram, w.probeLagMs);
  restart(w);
  return lag;
}

function restart(w: LoopWatch): LoopWatch {
  if (w.probe) clearTimeout(w.probe);
  w.histogram.reset();
  w.probeLagMs = null;
  const due = performance.now() + RESOLUTION_MS;
  w.probeDone = new Promise((resolve) => {
    w.probe = setTimeout(() => {
      w.probe = null;
      w.probeLagMs = Math.max(0, performance.now() - due);
      resolve();
    }, RESOLUTION_MS);
    w.probe.unref();
  });
  return w;
}

/**
 * Percentiles of the histogram's samples (minus the resolution) plus the probe as one more
 * sample. One extra sample moves a percentile by at most one rank, so the histogram's value
 * stands, except where the percentile is the largest sample (fewer than 100 samples for p99).
 */
export function combineLag(h: Pick<IntervalHistogram, 'count' | 'percentile' | 'max'>, probeMs: number | null): Lag {
  const n = h.count;
  if (n === 0) return { p50: probeMs, p99: probeMs, max: probeMs };
  const at = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const max = Math.max(at(h.max), probeMs ?? 0);
  const total = n + (probeMs === null ? 0 : 1);
  const p = (q: number) => (Math.ceil((q / 100) * total) >= total ? max : at(h.percentile(q)));
  return { p50: p(50), p99: p(99), max };
}

function scaleLag(lag: Lag, factor: number, digits: number): Lag {
  const s = (v: number | null) => round(v === null ? null : v * factor, digits);
  return { p50: s(lag.p50), p99: s(lag.p99), max: s(lag.max) };
}

type TableRow = { pid: number; ppid: number; cpu_pct: number | null; rss_mb: number };

/**
 * Descendants from process_monitor's table (the same /proc read this second, at most one of its
 * intervals old) when it runs, instead of reading every thread's `children` file and every
 * child's files again: the pids whose parent chain leads to ours, with their CPU % and RSS summed
 * as the table has them (CPU null while any child's is: one seen for the first time).
 */
export function childrenFromTable(rows: readonly TableRow[], pid: number): SelfPayload['children'] {
  const byParent = new Map<number, TableRow[]>();
  for (const r of rows) {
    if (r.pid === pid) continue;
    const list = byParent.get(r.ppid);
    if (list) list.push(r);
    else byParent.set(r.ppid, [r]);
  }
  const pids: number[] = [];
  let cpu: number | null = 0;
  let rss = 0;
  const queue = [pid];
  while (queue.length > 0 && pids.length < 256) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      if (pids.includes(child.pid)) continue;
      pids.push(child.pid);
      queue.push(child.pid);
      cpu = cpu === null || child.cpu_pct === null ? null : cpu + child.cpu_pct;
      rss += child.rss_mb;
    }
  }
  return { count: pids.length, pids, cpu_pct: round(cpu, 1), rss_mb: round(rss, 1) };
}

/** Descendants through /proc/<pid>/task/<tid>/children, with their summed CPU % and RSS. */
async function readChildren(
  ctx: CollectorContext<SelfState>,
  now: number,
  rateKeys: Set<string>,
): Promise<SelfPayload['children']> {
  const { fs } = ctx;
  if (ctx.state.noChildrenFiles) return { count: null, pids: [], cpu_pct: null, rss_mb: null };
  const pids: number[] = [];
  const queue = ['self'];
  let known = false;
  let tasks = 0;
  while (queue.length > 0 && pids.length < 256) {
    const pid = queue.shift()!;
    const tids = await fs.list(fs.proc(pid, 'task'));
    tasks += tids.length;
    for (const tid of tids) {
      const text = await fs.tryRead(fs.proc(pid, 'task', tid, 'children'));
      if (text === null) continue;
      known = true;
      for (const tok of text.trim().split(/\s+/)) {
        const child = parseUint(tok);
        if (child !== null && !pids.includes(child)) {
          pids.push(child);
          queue.push(String(child));
        }
      }
    }
  }
  if (!known) {
    if (tasks > 0) ctx.state.noChildrenFiles = true;
    return { count: null, pids: [], cpu_pct: null, rss_mb: null };
  }
  let cpu: number | null = 0;
  let rss = 0;
  for (const pid of pids) {
    const [stat, status] = await Promise.all([
      readProc(fs, String(pid), 'stat', parsePidStat),
      readProc(fs, String(pid), 'status', parsePidStatus),
    ]);
    if (!stat) continue; // exited between listing and reading
    // Keyed by start time too, so a recycled pid starts a fresh rate rather than a bogus delta.
    const key = `child ${pid} ${stat.start_ticks}`;
    rateKeys.add(key);
    const r = ctx.rates.rate(key, stat.utime_s + stat.stime_s, now);
    cpu = cpu === null || r === null ? null : cpu + r * 100;
    rss += status?.vm_rss_bytes ?? 0; // kernel threads have no VmRSS
  }
  return { count: pids.length, pids, cpu_pct: round(cpu, 1), rss_mb: round(bytesToMb(rss), 1) };
}

async function readProc<T>(fs: HostFs, pid: string, file: string, parse: (text: string, path: string) => T): Promise<T | null> {
  const path = fs.proc(pid, file);
  const text = await fs.tryRead(path);
  return text === null ? null : parse(text, path);
}

