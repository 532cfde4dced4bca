import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import type { HostFs } from '../host/hostfs.js';
import { ProcessScanner } from '../host/process-table.js';
import { type Meminfo, parseMeminfo } from '../parsers/proc-meminfo.js';
import { type PsiLine, parsePressure } from '../parsers/proc-pressure.js';
import { parseVmstat } from '../parsers/proc-vmstat.js';
import { type MetricSpec, metric, psiMetrics } from '../shared/metrics.js';
import { bytesToGb, bytesToMb, clampPct, round } from '../shared/units.js';
import { type GroupInput, groupByExecutable, type ProcessGroup } from './process-groups.js';
import { readSwap, type SwapFigures, type SwapGrowth } from './ram-swap.js';

export interface RamPayload extends Payload {
  available: true;
  ram_total_gb: number;
  /** total − MemAvailable, as `free` (procps 4) and node_exporter dashboards count it. */
  ram_used_gb: number;
  /** total − used, i.e. MemAvailable: what can still be given to programs without swapping. */
  ram_free_gb: number;
  ram_pct: number;
  available_gb: number;
  /** `MemAvailable`, or `estimate` on kernels before 3.14 (MemFree + file pages + reclaimable slab). */
  available_source: 'MemAvailable' | 'estimate';
  /** MemFree: RAM used for nothing at all (`free`'s "free" column). */
  mem_free_gb: number;
  buffers_gb: number | null;
  cached_gb: number | null;
  /** Buffers + Cached + SReclaimable: `free`'s "buff/cache". */
  buff_cache_gb: number | null;
  shared_gb: number | null;
  swap: (SwapFigures & { in_pages_per_s: number | null; out_pages_per_s: number | null }) | null;
  swap_reason: string | null;
  pressure: { memory: { some: PsiLine | null; full: PsiLine | null } } | null;
  pressure_reason: string | null;
  /** OOM kills since boot (vmstat oom_kill, Linux >= 4.13). */
  oom_kills: number | null;
  /** The OOM-kill counter rose within `pressure.oom_hold_s` (seen by this process since it started). */
  oom_kill_recent: boolean;
  oom_kill_age_s: number | null;
  vmstat_reason: string | null;
  top_processes: ProcessGroup[];
  /** Where top_processes came from: process_monitor's latest table, or a scan of our own. */
  top_processes_source: 'process_monitor' | 'scan' | null;
  top_processes_reason: string | null;
  /** A browser group is above earlyoom.browser_warn_pct of RAM. */
  earlyoom_browser_warn: boolean;
  /** earlyoom_browser_warn and RAM above earlyoom.ram_pressure_floor: SPEC §3's EASE_IN condition. */
  earlyoom_pressure: boolean;
}

interface RamState {
  growth?: SwapGrowth;
  /** Monotonic ms when the OOM-kill counter was last seen rising. */
  lastOomMs?: number | null;
  scanner?: ProcessScanner;
}

const TOP_GROUPS = 10;

const spec = metric;
const gb = (name: string, path: string, help: string) => spec(name, path, 'gigabytes', 'gauge', help, 2);
const swapKind = (k: 'zram' | 'disk'): MetricSpec[] => [
  gb(`swap_${k}_used_gb`, `swap.${k}.used_gb`, `${k} swap in use`),
  gb(`swap_${k}_total_gb`, `swap.${k}.total_gb`, `${k} swap size`),
  spec(`swap_${k}_pct`, `swap.${k}.pct`, 'percent', 'gauge', `${k} swap used, % of its size`, 1),
  spec(`swap_${k}_velocity_mbps`, `swap.${k}.velocity_mbps`, 'megabytes_per_second', 'gauge', `growth of used ${k} swap`, 2),
];
const metrics: MetricSpec[] = [
  gb('ram_total_gb', 'ram_total_gb', 'RAM size (MemTotal)'),
  gb('ram_used_gb', 'ram_used_gb', 'RAM in use: total − MemAvailable'),
  gb('ram_free_gb', 'ram_free_gb', 'RAM still available to programs (MemAvailable)'),
  spec('ram_pct', 'ram_pct', 'percent', 'gauge', 'RAM in use, % of total', 1),
  gb('mem_free_gb', 'mem_free_gb', 'RAM used for nothing (MemFree)'),
  gb('buffers_gb', 'buffers_gb', 'block device buffers'),
  gb('cached_gb', 'cached_gb', 'page cache (Cached)'),
  gb('shared_gb', 'shared_gb', 'shared memory and tmpfs (Shmem)'),
  ...swapKind('zram'),
  spec('swap_zram_compression_ratio', 'swap.zram.compression_ratio', 'ratio', 'gauge', 'zram: data stored per byte of compressed store', 2),
  spec('swap_in_pages_per_s', 'swap.in_pages_per_s', 'per_second', 'gauge', 'pages swapped in per second (vmstat pswpin)', 1),
  spec('swap_out_pages_per_s', 'swap.out_pages_per_s', 'per_second', 'gauge', 'pages swapped out per second (vmstat pswpout)', 1),
  ...swapKind('disk'),
  ...psiMetrics('memory', 'memory'),
  spec('oom_kills', 'oom_kills', 'count', 'counter', 'processes killed by the kernel OOM killer since boot'),
  spec('oom_kill_recent', 'oom_kill_recent', 'count', 'gauge', '1 while an OOM kill happened within pressure.oom_hold_s'),
  spec('top_process_rss_mb', 'top_processes[rank].rss_mb', 'megabytes', 'gauge', 'RSS of the N-th biggest executable group', 1),
  spec('earlyoom_browser_warn', 'earlyoom_browser_warn', 'count', 'gauge', '1 while a browser group is above earlyoom.browser_warn_pct of RAM'),
];

export const ramMonitor = defineCollector<RamPayload, RamState>({
  name: 'ram_monitor',
  description: 'RAM, zram and disk swap with velocity, memory PSI, OOM kills, biggest programs and browsers',
  interval: 2,
  // Room for the fallback process scan (process_monitor off) on a machine with many processes.
  timeout: 5,
  metrics,
  async collect(ctx) {
    const now = ctx.clock.monotonicMs();
    const memPath = ctx.fs.proc('meminfo');
    const mem = parseMeminfo(await ctx.fs.read(memPath), memPath);
    const figures = memoryFigures(mem);
    ctx.state.growth ??= { zram: 0, disk: 0 };
    const [{ swap, reason: swapReason }, vm, pressure] = await Promise.all([
      readSwap(ctx.fs, ctx.rates, ctx.state.growth, now),
      readVmstat(ctx, now),
      readMemoryPressure(ctx.fs),
    ]);
    const top = await topProcesses(ctx, mem.bytes.MemTotal!);
    const browserWarn = top.browser_warn;
    return {
      available: true,
      ...figures,
      swap: swap && { ...swap, in_pages_per_s: vm.swapIn, out_pages_per_s: vm.swapOut },
      swap_reason: swapReason,
      pressure: pressure.value && { memory: pressure.value },
      pressure_reason: pressure.reason,
      oom_kills: vm.oomKills,
      oom_kill_recent: vm.oomAgeS !== null && vm.oomAgeS <= ctx.config.pressure.oom_hold_s,
      oom_kill_age_s: vm.oomAgeS,
      vmstat_reason: vm.reason,
      top_processes: top.groups,
      top_processes_source: top.source,
      top_processes_reason: top.reason,
      earlyoom_browser_warn: browserWarn,
      earlyoom_pressure: browserWarn && figures.ram_pct > ctx.config.earlyoom.ram_pressure_floor,
    };
  },
  close(ctx) {
    ctx.state.scanner?.close();
  },
});

/** RAM figures from /proc/meminfo; used = total − available (SPEC §12). */
export function memoryFigures(mem: Meminfo) {
  const b = mem.bytes;
  const total = b.MemTotal!;
  const free = b.MemFree ?? 0;
  // Kernels before 3.14 lack MemAvailable: estimate it the way the kernel later did, without
  // the low-watermark correction (no zoneinfo read): free + file pages + reclaimable slab.
  const estimated = free + (b['Active(file)'] ?? 0) + (b['Inactive(file)'] ?? 0) + (b.SReclaimable ?? 0);
  const available = Math.min(total, b.MemAvailable ?? estimated);
  const used = total - available;
  const opt = (v: number | undefined) => (v === undefined ? null : round(bytesToGb(v), 2));
  const buffCache =
    b.Buffers === undefined || b.Cached === undefined ? undefined : b.Buffers + b.Cached + (b.SReclaimable ?? 0);
  return {
    ram_total_gb: round(bytesToGb(total), 2)!,
    ram_used_gb: round(bytesToGb(used), 2)!,
    ram_free_gb: round(bytesToGb(available), 2)!,
    ram_pct: total > 0 ? round(clampPct((used / total) * 100), 1)! : 0,
    available_gb: round(bytesToGb(available), 2)!,
    available_source: (b.MemAvailable === undefined ? 'estimate' : 'MemAvailable') as RamPayload['available_source'],
    mem_free_gb: round(bytesToGb(free), 2)!,
    buffers_gb: opt(b.Buffers),
    cached_gb: opt(b.Cached),
    buff_cache_gb: opt(buffCache),
    shared_gb: opt(b.Shmem),
  };
}

interface VmFigures {
  swapIn: number | null;
  swapOut: number | null;
  oomKills: number | null;
  oomAgeS: number | null;
  reason: string | null;
}

/** Swap-in/out rates and OOM kills from /proc/vmstat; an unreadable file costs only these. */
async function readVmstat(ctx: CollectorContext<RamState>, now: number): Promise<VmFigures> {
  const path = ctx.fs.proc('vmstat');
  const out: VmFigures = { swapIn: null, swapOut: null, oomKills: null, oomAgeS: null, reason: null };
  let vm: Map<string, number>;
  try {
    vm = parseVmstat(await ctx.fs.read(path), path);
  } catch (err) {
    out.reason = (err as Error).message;
    return out;
  }
  const rate = (key: string) => {
    const v = vm.get(key);
    return v === undefined ? null : round(ctx.rates.rate(key, v, now), 1);
  };
  out.swapIn = rate('pswpin');
  out.swapOut = rate('pswpout');
  const kills = vm.get('oom_kill');
  if (kills === undefined) {
    out.reason = `${path} has no oom_kill counter (Linux < 4.13)`;
  } else {
    out.oomKills = kills;
    // The kernel keeps no time of the last kill; we remember when we saw the counter rise.
    const d = ctx.rates.delta('oom_kill', kills, now);
    if (d && d.delta > 0) ctx.state.lastOomMs = now;
  }
  const last = ctx.state.lastOomMs;
  out.oomAgeS = last === null || last === undefined ? null : round((now - last) / 1000, 1);
  return out;
}

async function readMemoryPressure(
  fs: HostFs,
): Promise<{ value: { some: PsiLine | null; full: PsiLine | null } | null; reason: string | null }> {
  const path = fs.proc('pressure/memory');
  try {
    return { value: parsePressure(await fs.read(path), path), reason: null };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: null, reason: `${path} absent: kernel without PSI (needs Linux >= 4.20, CONFIG_PSI=y)` };
    if (code === 'EOPNOTSUPP') return { value: null, reason: 'PSI disabled at boot (psi=0); boot with psi=1 to enable' };
    return { value: null, reason: (err as Error).message };
  }
}

/**
 * The process groups. process_monitor already scans /proc every tick, so its latest table is
 * used when it is fresh (it runs, succeeded last, and is not slower than us); otherwise — it is
 * switched off, failing, or on a longer interval — we scan ourselves with a lighter scanner
 * (stat + cmdline only). /proc is thus read once per tick when both run.
 */
async function topProcesses(
  ctx: CollectorContext<RamState>,
  totalBytes: number,
): Promise<{ groups: ProcessGroup[]; browser_warn: boolean; source: RamPayload['top_processes_source']; reason: string | null }> {
  const opts = { totalRamMb: bytesToMb(totalBytes), warnPct: ctx.config.earlyoom.browser_warn_pct, limit: TOP_GROUPS };
  const shared = sharedTable(ctx);
  if (shared === 'pending') {
    // process_monitor runs but has not finished its first scan (start-up, reload): wait a tick
    // rather than scan /proc twice, cold, at the same moment.
    return { groups: [], browser_warn: false, source: null, reason: 'waiting for the first process_monitor table' };
  }
  if (shared) {
    // Our own scanner (used while process_monitor was off) would hold files of dead processes.
    ctx.state.scanner?.close();
    ctx.state.scanner = undefined;
    return { ...groupByExecutable(shared, opts), source: 'process_monitor', reason: null };
  }
  try {
    ctx.state.scanner ??= new ProcessScanner(ctx.fs, { users: false, cgroup: false, io: false });
    const scan = await ctx.state.scanner.scan(() => ctx.clock.monotonicMs(), ctx.signal);
    const rows = scan.processes.map(
      (p): GroupInput => ({ exe: p.info.exe, rss_mb: bytesToMb(p.rss_bytes), cmdline: p.info.argv.join(' '), kernel_thread: p.kernel_thread }),
    );
    return { ...groupByExecutable(rows, opts), source: 'scan', reason: null };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { groups: [], browser_warn: false, source: null, reason: (err as Error).message };
  }
}

/**
 * process_monitor's rows when fresh; 'pending' while it runs but has produced nothing yet;
 * null when we must scan ourselves (off, failing, slower than us, or stale).
 */
function sharedTable(ctx: CollectorContext<RamState>): GroupInput[] | 'pending' | null {
  const p = ctx.latest('process_monitor');
  const status = ctx.collectorStatus();
  const theirs = status.process_monitor;
  const ours = status[ctx.name];
  if (p === undefined && theirs?.last_run === null && theirs.errors === 0) return 'pending';
  if (p?.available !== true || !Array.isArray(p.processes)) return null;
  if (theirs && ours) {
    if (theirs.interval > ours.interval) return null;
    const age = theirs.last_run === null ? Number.POSITIVE_INFINITY : ctx.clock.wallMs() - Date.parse(theirs.last_run);
    if (age > 3 * theirs.interval * 1000) return null;
  }
  return p.processes as GroupInput[];
}
