import type { Payload } from '../core/collector.js';
import { arr, bool, num, type Payloads } from '../headroom/inputs.js';
import { round } from '../shared/units.js';
import type { PowerReading } from './idle-tracker.js';

/**
 * A service's figures from its processes' rows, and its share of power (SPEC §4):
 * CPU share × CPU watts + GPU share × GPU watts.
 *
 * - CPU share = the service's CPU time / the CPU time of every process in the same table
 *   (one scan, so the shares of all services add up to at most 1).
 * - CPU watts = RAPL package watts. Without RAPL, the whole-machine reading (battery discharge
 *   or UPS load) less what the GPUs report drawing, so nothing is counted twice.
 * - GPU share per GPU = the VRAM its processes hold there / the VRAM of all processes there
 *   (per-process utilisation is not in gpu_monitor's payload; memory held is what NVML gives
 *   per process), times that GPU's watts.
 */

export interface FigureRow {
  pid: number;
  name: string;
  cpu_pct: number | null;
  rss_mb: number;
  threads: number;
  read_mbps: number | null;
  write_mbps: number | null;
}

export interface Figures {
  process_count: number;
  /** % of one CPU, summed over the processes; null when none has a rate yet. */
  cpu_pct: number | null;
  rss_mb: number;
  threads: number;
  read_mbps: number | null;
  write_mbps: number | null;
  /** The busiest process (by CPU, then RSS). */
  top_process: { pid: number; name: string; cpu_pct: number | null; rss_mb: number } | null;
}

const sumNullable = (values: Array<number | null>): number | null => {
  let sum: number | null = null;
  for (const v of values) if (v !== null) sum = (sum ?? 0) + v;
  return sum;
};

export function sumFigures(rows: readonly FigureRow[]): Figures {
  let top: FigureRow | null = null;
  for (const r of rows) {
    if (!top || (r.cpu_pct ?? -1) > (top.cpu_pct ?? -1) || ((r.cpu_pct ?? -1) === (top.cpu_pct ?? -1) && r.rss_mb > top.rss_mb)) top = r;
  }
  const cpu = sumNullable(rows.map((r) => r.cpu_pct));
  const rd = sumNullable(rows.map((r) => r.read_mbps));
  const wr = sumNullable(rows.map((r) => r.write_mbps));
  return {
    process_count: rows.length,
    cpu_pct: round(cpu, 1),
    rss_mb: round(rows.reduce((s, r) => s + r.rss_mb, 0), 1)!,
    threads: rows.reduce((s, r) => s + r.threads, 0),
    read_mbps: round(rd, 3),
    write_mbps: round(wr, 3),
    top_process: top ? { pid: top.pid, name: top.name, cpu_pct: top.cpu_pct, rss_mb: top.rss_mb } : null,
  };
}

/**
 * The watts idle energy is integrated from, and CPU power is shared from: RAPL package power,
 * else the battery's discharge power while on battery, else the UPS's real power — the first
 * that exists, named.
 */
export function powerReading(p: Payloads): PowerReading {
  const tried: string[] = [];
  const pm = p.power_monitor;
  const pkg = num(pm, 'package_w');
  if (pkg !== null) return { watts: pkg, source: 'rapl', label: 'RAPL package power (power_monitor.package_w)', reason: null };
  tried.push(pm === undefined ? 'power_monitor not running' : 'no RAPL package power');
  const onBattery = bool(pm, 'on_battery');
  const bat = num(pm, 'battery_power_w');
  if (onBattery === true && bat !== null)
    return { watts: bat, source: 'battery', label: 'battery discharge power (power_monitor.battery_power_w)', reason: null };
  tried.push(onBattery === true ? 'no battery power figure' : 'not on battery');
  const ups = p.ups_monitor;
  const upsW = ups?.ups_available === false ? null : num(ups, 'ups_realpower_w');
  if (upsW !== null) return { watts: upsW, source: 'ups', label: 'UPS real power (ups_monitor.ups_realpower_w)', reason: null };
  tried.push(ups === undefined ? 'ups_monitor not running' : 'no UPS power figure');
  return { watts: null, source: null, label: null, reason: `no power reading: ${tried.join(', ')}` };
}

export interface GpuShare {
  /** VRAM its processes hold on every GPU, MB; null when gpu_monitor gives no per-process list. */
  vram_mb: number | null;
  gpu_w: number | null;
  /** Watts every GPU reports (to keep whole-machine readings from counting GPUs twice). */
  all_gpus_w: number;
}

export function gpuShare(gpu: Payload | undefined, pids: ReadonlySet<number>): GpuShare {
  const gpus = gpu?.available === false ? [] : arr(gpu, 'gpus');
  let vram: number | null = null;
  let watts: number | null = null;
  let all = 0;
  for (const g of gpus) {
    const procs = arr(g, 'processes');
    const power = num(g, 'power_w');
    if (power !== null) all += power;
    if (!Array.isArray(g.processes)) continue;
    let total = 0;
    let mine = 0;
    for (const pr of procs) {
      const mb = num(pr, 'vram_mb') ?? 0;
      total += mb;
      if (pids.has(num(pr, 'pid') ?? -1)) mine += mb;
    }
    vram = (vram ?? 0) + mine;
    if (power !== null && total > 0) watts = (watts ?? 0) + (mine / total) * power;
    else if (power !== null) watts ??= 0;
  }
  return { vram_mb: vram === null ? null : round(vram, 0), gpu_w: watts, all_gpus_w: all };
}

/** CPU watts to share: package watts from RAPL, or the whole-machine reading less the GPUs. */
export function cpuWatts(reading: PowerReading, allGpusW: number): number | null {
  if (reading.watts === null) return null;
  return reading.source === 'rapl' ? reading.watts : Math.max(0, reading.watts - allGpusW);
}

export function powerShareW(cpuPct: number | null, totalCpuPct: number, cpuW: number | null, gpuW: number | null): {
  cpu_share_pct: number | null;
  cpu_w: number | null;
  power_w: number | null;
} {
  const share = cpuPct === null ? null : totalCpuPct > 0 ? Math.min(1, cpuPct / totalCpuPct) : 0;
  const cpu = share === null || cpuW === null ? null : share * cpuW;
  const total = cpu === null && gpuW === null ? null : (cpu ?? 0) + (gpuW ?? 0);
  return { cpu_share_pct: share === null ? null : round(share * 100, 1), cpu_w: round(cpu, 2), power_w: round(total, 2) };
}
