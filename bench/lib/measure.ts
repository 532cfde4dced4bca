import { sleep } from './machine.js';
import type { TreeMeter } from './proctree.js';

export interface Measured {
  /** CPU of the whole process tree, ms per wall second. */
  cpuMsPerS: number;
  /** RSS of the tree (sum of members' VmRSS), MB: mean and largest per-second sample. */
  rssMeanMb: number;
  rssMaxMb: number;
  /** RSS of the root process alone, largest sample, MB. */
  rootRssMaxMb: number;
  /** Processes that joined the tree during the measured window. */
  spawned: number;
  seconds: number;
}

const POLL_MS = 250;

/**
 * Warm up, then measure several process trees over the same window: CPU from the difference
 * of two readings, RSS sampled once a second, new pids looked for four times a second.
 */
export async function measureTrees<K extends string>(
  meters: Record<K, TreeMeter>,
  warmupS: number,
  durationS: number,
): Promise<Record<K, Measured>> {
  const names = Object.keys(meters) as K[];
  await sleep(warmupS * 1000);
  const startWall = Date.now();
  const t0 = performance.now();
  const first = new Map(names.map((n) => [n, meters[n].read()]));
  const rss = new Map(names.map((n) => [n, [] as number[]]));
  const rootRss = new Map(names.map((n) => [n, 0]));
  const end = t0 + durationS * 1000;
  let nextRead = t0 + 1000;
  while (performance.now() < end) {
    await sleep(POLL_MS);
    const now = performance.now();
    if (now >= nextRead && now < end) {
      nextRead += 1000;
      for (const n of names) {
        const r = meters[n].read();
        rss.get(n)!.push(r.rssKb / 1024);
        rootRss.set(n, Math.max(rootRss.get(n)!, r.rootRssKb / 1024));
      }
    } else for (const n of names) meters[n].poll();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const out = {} as Record<K, Measured>;
  for (const n of names) {
    const last = meters[n].read();
    const samples = rss.get(n)!;
    samples.push(last.rssKb / 1024);
    out[n] = {
      cpuMsPerS: (last.cpuMs - first.get(n)!.cpuMs) / elapsed,
      rssMeanMb: samples.reduce((a, b) => a + b, 0) / samples.length,
      rssMaxMb: Math.max(...samples),
      rootRssMaxMb: Math.max(rootRss.get(n)!, last.rootRssKb / 1024),
      spawned: meters[n].spawnedSince(startWall),
      seconds: elapsed,
    };
  }
  return out;
}
