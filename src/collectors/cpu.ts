import os from 'node:os';
import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import type { RateTracker } from '../core/rates.js';
import type { HostFs } from '../host/hostfs.js';
import { parseCpuinfo, parseCpuinfoMhz } from '../parsers/proc-cpuinfo.js';
import { parseLoadavg } from '../parsers/proc-loadavg.js';
import { type PsiLine, parsePressure } from '../parsers/proc-pressure.js';
import { CPU_TIME_PARTITION, parseProcStat } from '../parsers/proc-stat.js';
import { type MetricSpec, metric, psiMetrics } from '../shared/metrics.js';
import { clampPct, round } from '../shared/units.js';
import { listSysCpus, readScalingMhz, readThrottle, sumThrottles, type ThrottleCounts } from './cpu-sysfs.js';

/** The modes the breakdown reports; they partition CPU time (guest is inside user/nice). */
export type CpuMode = (typeof CPU_TIME_PARTITION)[number];
export type CpuBreakdown = Record<CpuMode, number | null>;

export interface CpuPayload extends Payload {
  available: true;
  model: string | null;
  /** Logical CPUs online (cpuN lines of /proc/stat). */
  core_count: number;
  /** Indexed by CPU number; null on the first sample, after a reset, or for an offline CPU. */
  per_core_pct: Array<number | null>;
  aggregate_pct: number | null;
  /** % of all CPU time over the interval; sums to 100 (± rounding). */
  breakdown: CpuBreakdown;
  load_avg: { '1m': number; '5m': number; '15m': number } | null;
  freq_mhz: Array<number | null>;
  /** PSI for the CPU; `total_s` is cumulative stall seconds. */
  pressure: { cpu: { some: PsiLine | null; full: PsiLine | null } } | null;
  /** Why `pressure` is null; null when PSI was read. */
  pressure_reason: string | null;
  throttle: ThrottleCounts | null;
  procs_running: number | null;
  procs_blocked: number | null;
  context_switches_per_s: number | null;
  interrupts_per_s: number | null;
}

interface CpuState {
  /** The model string never changes while running, so /proc/cpuinfo is read once for it. */
  model?: string | null;
  /**
   * Optional sysfs files found absent (no cpufreq driver, no thermal_throttle: most VMs and
   * non-Intel machines): not looked for again until this monotonic time, instead of a failed
   * open per CPU per tick. A driver loaded later is picked up at the next look.
   */
  noScalingUntil?: number;
  noThrottleUntil?: number;
}

/** How long an absent optional file is taken as absent before looking again. */
const ABSENT_RECHECK_MS = 60_000;

const MODES = CPU_TIME_PARTITION;

// Metric names follow the payload field they read (series `cpu_monitor.per_core_pct{core="0"}`).
const spec = metric;
const pct = (path: string, name: string, help: string): MetricSpec =>
  spec(name, path, 'percent', 'gauge', help, 1);

const metrics: MetricSpec[] = [
  pct('per_core_pct[core]', 'per_core_pct', 'busy % of one logical CPU'),
  pct('aggregate_pct', 'aggregate_pct', 'busy % of all CPUs (everything but idle and iowait)'),
  ...MODES.map((m) => pct(`breakdown.${m}`, `breakdown_${m}_pct`, `% of CPU time spent in ${m}`)),
  spec('load_avg_1m', 'load_avg.1m', 'count', 'gauge', 'load average over 1 minute (runnable + D-state tasks)', 2),
  spec('load_avg_5m', 'load_avg.5m', 'count', 'gauge', 'load average over 5 minutes', 2),
  spec('load_avg_15m', 'load_avg.15m', 'count', 'gauge', 'load average over 15 minutes', 2),
  spec('freq_mhz', 'freq_mhz[core]', 'megahertz', 'gauge', 'current clock of one logical CPU', 0),
  ...psiMetrics('cpu', 'CPU'),
  spec('core_throttle_count', 'throttle.core_throttle_count', 'count', 'counter', 'thermal throttles, all cores'),
  spec('package_throttle_count', 'throttle.package_throttle_count', 'count', 'counter', 'thermal throttles, all packages'),
  spec('procs_running', 'procs_running', 'count', 'gauge', 'tasks running or runnable'),
  spec('procs_blocked', 'procs_blocked', 'count', 'gauge', 'tasks blocked on I/O'),
  spec('context_switches_per_s', 'context_switches_per_s', 'per_second', 'gauge', 'context switches per second', 1),
  spec('interrupts_per_s', 'interrupts_per_s', 'per_second', 'gauge', 'interrupts serviced per second', 1),
  spec('core_count', 'core_count', 'count', 'gauge', 'logical CPUs online'),
];

export const cpuMonitor = defineCollector<CpuPayload, CpuState>({
  name: 'cpu_monitor',
  description: 'CPU use per core and in total, mode breakdown, load, frequency, PSI and throttling',
  interval: 2,
  metrics,
  async collect(ctx) {
    const statPath = ctx.fs.proc('stat');
    let statText: string;
    try {
      statText = await ctx.fs.read(statPath);
    } catch (err) {
      // No /proc (macOS, Windows) and no fixture tree pointed at: use what Node's os gives.
      if (process.platform !== 'linux') {
        return cpuFromOs(ctx.rates, ctx.clock.monotonicMs(), os.cpus(), os.loadavg());
      }
      throw err;
    }
    return collectLinux(ctx, statText, statPath);
  },
});

async function collectLinux(
  ctx: CollectorContext<CpuState>,
  statText: string,
  statPath: string,
): Promise<CpuPayload> {
  const now = ctx.clock.monotonicMs();
  const stat = parseProcStat(statText, statPath);
  const total = cpuPercentages(ctx.rates, 'cpu', stat.total, now);
  const slots = stat.cpus.length === 0 ? 0 : Math.max(...stat.cpus.map((c) => c.cpu)) + 1;
  const perCore: Array<number | null> = new Array(slots).fill(null);
  for (const { cpu, times } of stat.cpus) {
    perCore[cpu] = cpuPercentages(ctx.rates, `cpu${cpu}`, times, now).aggregate_pct;
  }

  const [loadText, pressure, freq, throttle] = await Promise.all([
    ctx.fs.tryRead(ctx.fs.proc('loadavg')),
    readCpuPressure(ctx.fs),
    readFrequencies(ctx, slots, stat.cpus.map((c) => c.cpu), now),
    readThrottles(ctx, now),
  ]);
  const load = loadText === null ? null : parseLoadavg(loadText, ctx.fs.proc('loadavg'));
  if (ctx.state.model === undefined) {
    const info = await ctx.fs.tryRead(ctx.fs.proc('cpuinfo'));
    ctx.state.model = info === null ? null : parseCpuinfo(info).model;
  }

  return {
    available: true,
    model: ctx.state.model ?? null,
    core_count: stat.cpus.length,
    per_core_pct: perCore,
    aggregate_pct: total.aggregate_pct,
    breakdown: total.breakdown,
    load_avg: load && { '1m': load.load1, '5m': load.load5, '15m': load.load15 },
    freq_mhz: freq,
    pressure: pressure.value && { cpu: pressure.value },
    pressure_reason: pressure.reason,
    throttle: sumThrottles(throttle),
    procs_running: stat.procs_running,
    procs_blocked: stat.procs_blocked,
    context_switches_per_s: rateOf(ctx.rates, 'ctxt', stat.context_switches, now),
    interrupts_per_s: rateOf(ctx.rates, 'intr', stat.interrupts, now),
  };
}

/**
 * Busy % and per-mode % from one set of cumulative times (any unit) against the previous call
 * with the same key. All modes are fed to the tracker every time so a reset in one column
 * re-baselines all of them; any column going backwards, or no time passing, gives nulls.
 */
export function cpuPercentages(
  rates: RateTracker,
  key: string,
  times: Record<CpuMode, number | null>,
  nowMs: number,
): { aggregate_pct: number | null; breakdown: CpuBreakdown } {
  // Every mode goes through the tracker on every call (no short-circuit), so all baselines move.
  const deltas = new Map<CpuMode, number | null>();
  const keys = modeKeys(key);
  for (let i = 0; i < MODES.length; i++) {
    const m = MODES[i]!;
    const v = times[m];
    if (v !== null) deltas.set(m, rates.delta(keys[i]!, v, nowMs)?.delta ?? null);
  }
  const breakdown = Object.fromEntries(MODES.map((m) => [m, null])) as CpuBreakdown;
  const known = [...deltas.values()];
  if (known.some((d) => d === null)) return { aggregate_pct: null, breakdown };
  const sum = (known as number[]).reduce((a, d) => a + d, 0);
  if (!(sum > 0)) return { aggregate_pct: null, breakdown };
  const share = (d: number): number | null => round(clampPct((d / sum) * 100), 1);
  for (const [m, d] of deltas) breakdown[m] = share(d!);
  const idle = (deltas.get('idle') ?? 0) + (deltas.get('iowait') ?? 0);
  return { aggregate_pct: share(sum - idle), breakdown };
}

// `cpu3.user` … per CPU and mode: the same few strings every tick, made once.
const MODE_KEYS = new Map<string, string[]>();
function modeKeys(key: string): string[] {
  let keys = MODE_KEYS.get(key);
  if (!keys) {
    keys = MODES.map((m) => `${key}.${m}`);
    MODE_KEYS.set(key, keys);
  }
  return keys;
}

/** thermal_throttle counters of every CPU, unless the last look found none (see CpuState). */
async function readThrottles(ctx: CollectorContext<CpuState>, now: number) {
  if ((ctx.state.noThrottleUntil ?? Number.NEGATIVE_INFINITY) > now) return [];
  const cpus = await listSysCpus(ctx.fs);
  const readings = await Promise.all(cpus.map((c) => readThrottle(ctx.fs, c)));
  const none = readings.every((r) => r.core_throttle_count === null && r.package_throttle_count === null);
  ctx.state.noThrottleUntil = none ? now + ABSENT_RECHECK_MS : undefined;
  return readings;
}

function rateOf(rates: RateTracker, key: string, value: number | null, nowMs: number): number | null {
  return value === null ? null : round(rates.rate(key, value, nowMs), 1);
}

/** cpufreq per CPU where the driver exposes it; /proc/cpuinfo "cpu MHz" for the rest. */
async function readFrequencies(
  ctx: CollectorContext<CpuState>,
  slots: number,
  cpus: number[],
  now: number,
): Promise<Array<number | null>> {
  const out: Array<number | null> = new Array(slots).fill(null);
  if ((ctx.state.noScalingUntil ?? Number.NEGATIVE_INFINITY) <= now) {
    const scaling = await Promise.all(cpus.map((c) => readScalingMhz(ctx.fs, c)));
    cpus.forEach((c, i) => {
      out[c] = scaling[i] ?? null;
    });
    ctx.state.noScalingUntil = scaling.every((v) => v === null) ? now + ABSENT_RECHECK_MS : undefined;
  }
  if (cpus.every((c) => out[c] !== null)) return out;
  const info = await ctx.fs.tryRead(ctx.fs.proc('cpuinfo'));
  if (info === null) return out;
  if (ctx.state.model === undefined) ctx.state.model = parseCpuinfo(info).model;
  for (const p of parseCpuinfoMhz(info)) {
    if (p.processor < slots && out[p.processor] === null) out[p.processor] = p.mhz;
  }
  return out;
}

/** PSI for the CPU, or the reason it is missing (too old a kernel, psi=0 at boot, unreadable). */
async function readCpuPressure(
  fs: HostFs,
): Promise<{ value: { some: PsiLine | null; full: PsiLine | null } | null; reason: string | null }> {
  const path = fs.proc('pressure/cpu');
  let text: string;
  try {
    text = await fs.read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { value: null, reason: `${path} absent: kernel without PSI (needs Linux >= 4.20, CONFIG_PSI=y)` };
    }
    if (code === 'EOPNOTSUPP') {
      return { value: null, reason: 'PSI disabled at boot (psi=0); boot with psi=1 to enable' };
    }
    return { value: null, reason: `${path}: ${(err as Error).message}` };
  }
  try {
    return { value: parsePressure(text, path), reason: null };
  } catch (err) {
    // PSI is an extra: a garbled file costs the pressure figures, not the whole CPU payload.
    return { value: null, reason: (err as Error).message };
  }
}

/** Non-Linux fallback: os.cpus() cumulative ms per mode and os.loadavg(). */
export function cpuFromOs(
  rates: RateTracker,
  nowMs: number,
  cpus: os.CpuInfo[],
  loadavg: number[],
): CpuPayload {
  const toTimes = (t: os.CpuInfo['times']): Record<CpuMode, number | null> => ({
    user: t.user,
    nice: t.nice,
    system: t.sys,
    idle: t.idle,
    iowait: null,
    irq: t.irq,
    softirq: null,
    steal: null,
  });
  const sum = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
  for (const c of cpus) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += c.times[k];
  const total = cpuPercentages(rates, 'cpu', toTimes(sum), nowMs);
  // Windows answers os.loadavg() with zeros it never measured; report no load rather than fake zeros.
  const hasLoad = process.platform !== 'win32' && loadavg.length === 3;
  return {
    available: true,
    model: cpus[0]?.model ?? null,
    core_count: cpus.length,
    per_core_pct: cpus.map((c, i) => cpuPercentages(rates, `cpu${i}`, toTimes(c.times), nowMs).aggregate_pct),
    aggregate_pct: total.aggregate_pct,
    breakdown: total.breakdown,
    load_avg: hasLoad ? { '1m': loadavg[0]!, '5m': loadavg[1]!, '15m': loadavg[2]! } : null,
    freq_mhz: cpus.map((c) => (c.speed > 0 ? c.speed : null)),
    pressure: null,
    pressure_reason: 'PSI is a Linux kernel feature',
    throttle: null,
    procs_running: null,
    procs_blocked: null,
    context_switches_per_s: null,
    interrupts_per_s: null,
  };
}
