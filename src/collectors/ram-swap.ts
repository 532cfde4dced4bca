import type { RateTracker } from '../core/rates.js';
import type { HostFs } from '../host/hostfs.js';
import { parseSwaps, type SwapEntry } from '../parsers/proc-swaps.js';
import { compressionRatio, parseZramAlgorithm, parseZramMmStat } from '../parsers/sys-zram.js';
import { BYTES_PER_MB, bytesToGb, clampPct, round } from '../shared/units.js';

/**
 * ram_monitor's swap figures: /proc/swaps split by kind (zram vs disk — partitions and files
 * alike, SPEC §12), zram compression from /sys/block/zramN/mm_stat, and the velocity of each
 * kind: MB/s by which its used space grew.
 */
export interface SwapKind {
  used_gb: number;
  total_gb: number;
  /** used / total; 0 when there is no swap of this kind. */
  pct: number;
  /** MB/s of growth of used swap over the last interval: 0 when flat or shrinking, null on the first sample. */
  velocity_mbps: number | null;
  device_count: number;
}

export interface ZramKind extends SwapKind {
  /** orig_data_size / compr_data_size over the zram swap devices; null while they hold nothing. */
  compression_ratio: number | null;
  /** RAM the zram devices really take (mm_stat mem_used_total). */
  ram_used_gb: number | null;
  algorithm: string | null;
}

export interface SwapDevice {
  name: string;
  kind: 'zram' | 'disk';
  /** `partition` or `file`. */
  type: string;
  size_gb: number;
  used_gb: number;
  priority: number;
}

export interface SwapFigures {
  zram: ZramKind;
  disk: SwapKind;
  devices: SwapDevice[];
}

/** Kept between ticks: cumulative growth per kind (a counter the rate tracker can take). */
export interface SwapGrowth {
  zram: number;
  disk: number;
}

/** Read /proc/swaps and the zram devices; `null` + reason when swap cannot be read. */
export async function readSwap(
  fs: HostFs,
  rates: RateTracker,
  growth: SwapGrowth,
  nowMs: number,
): Promise<{ swap: SwapFigures | null; reason: string | null }> {
  const path = fs.proc('swaps');
  let entries: SwapEntry[];
  try {
    entries = parseSwaps(await fs.read(path), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // A kernel built without swap support has no /proc/swaps: there is no swap at all.
      entries = [];
      const swap = summarise(entries, await zramStats(fs, []), rates, growth, nowMs);
      return { swap, reason: `${path} absent: kernel without swap support` };
    }
    return { swap: null, reason: (err as Error).message };
  }
  const zramDevs = entries.flatMap((e) => (e.zram_device ? [e.zram_device] : []));
  return { swap: summarise(entries, await zramStats(fs, zramDevs), rates, growth, nowMs), reason: null };
}

interface ZramStats {
  orig: number;
  compr: number;
  memUsed: number;
  known: boolean;
  algorithm: string | null;
}

async function zramStats(fs: HostFs, devices: string[]): Promise<ZramStats> {
  const out: ZramStats = { orig: 0, compr: 0, memUsed: 0, known: false, algorithm: null };
  for (const dev of devices) {
    const path = fs.sys('block', dev, 'mm_stat');
    const text = await fs.tryRead(path);
    if (text === null) continue;
    // A garbled mm_stat costs the compression figures, not the swap totals.
    try {
      const mm = parseZramMmStat(text, path);
      out.orig += mm.orig_data_bytes;
      out.compr += mm.compr_data_bytes;
      out.memUsed += mm.mem_used_total_bytes;
      out.known = true;
    } catch {}
    out.algorithm ??= parseZramAlgorithm((await fs.tryRead(fs.sys('block', dev, 'comp_algorithm'))) ?? '');
  }
  return out;
}

function summarise(
  entries: SwapEntry[],
  z: ZramStats,
  rates: RateTracker,
  growth: SwapGrowth,
  nowMs: number,
): SwapFigures {
  const kind = (k: 'zram' | 'disk'): SwapKind => {
    const of = entries.filter((e) => e.kind === k);
    const total = of.reduce((a, e) => a + e.size_bytes, 0);
    const used = of.reduce((a, e) => a + e.used_bytes, 0);
    return {
      used_gb: round(bytesToGb(used), 2)!,
      total_gb: round(bytesToGb(total), 2)!,
      pct: total > 0 ? round(clampPct((used / total) * 100), 1)! : 0,
      velocity_mbps: velocity(rates, growth, k, used, nowMs),
      device_count: of.length,
    };
  };
  const ratio = z.known ? compressionRatio(z.orig, z.compr) : null;
  return {
    zram: {
      ...kind('zram'),
      compression_ratio: round(ratio, 2),
      ram_used_gb: z.known ? round(bytesToGb(z.memUsed), 3) : null,
      algorithm: z.algorithm,
    },
    disk: kind('disk'),
    devices: entries.map((e) => ({
      name: e.filename,
      kind: e.kind,
      type: e.type,
      size_gb: round(bytesToGb(e.size_bytes), 3)!,
      used_gb: round(bytesToGb(e.used_bytes), 3)!,
      priority: e.priority,
    })),
  };
}

/**
 * Growth rate of used swap. Used space is a gauge that also shrinks (pages swapped back in,
 * swapoff); the tracker gives the delta only when it grew (null when it went down), which is
 * added to a cumulative growth counter whose rate is the velocity: never negative, never a
 * spike when a device is removed, null on the first sample.
 */
function velocity(rates: RateTracker, growth: SwapGrowth, k: 'zram' | 'disk', usedBytes: number, nowMs: number): number | null {
  const d = rates.delta(`swap.${k}.used`, usedBytes, nowMs);
  if (d) growth[k] += d.delta;
  const r = rates.rate(`swap.${k}.growth`, growth[k], nowMs);
  return r === null ? null : round(r / BYTES_PER_MB, 2);
}
