/**
 * Incremental min/avg/max rollups: one accumulator per series and rollup tier, fed every raw
 * sample as it arrives. A bucket is finished when a sample of a later bucket arrives, or when
 * the clock has passed its end by a grace period (a series that went quiet still gets its last
 * bucket). Averages are plain means of the samples in the bucket; `count` is kept so coarser
 * answers can weight them exactly.
 */
import { bucketStart } from './tiers.js';

export interface RollupRecord {
  /** Bucket start, wall ms. */
  t: number;
  min: number;
  avg: number;
  max: number;
  count: number;
}

export class Rollup {
  private start = 0;
  private min = 0;
  private max = 0;
  private sum = 0;
  private count = 0;
  /** Samples before this (the end of the last finished bucket) are ignored. */
  doneUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly bucketMs: number) {}

  /** Feed one sample; returns the bucket it finished, if any. */
  add(t: number, v: number): RollupRecord | null {
    if (t < this.doneUntil) return null;
    const b = bucketStart(t, this.bucketMs);
    let done: RollupRecord | null = null;
    if (this.count > 0 && b !== this.start) done = this.finish();
    if (this.count === 0) {
      this.start = b;
      this.min = v;
      this.max = v;
      this.sum = v;
      this.count = 1;
      return done;
    }
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.count++;
    return done;
  }

  /** Finish the open bucket if it ended at or before `cutoff` (now minus a grace period). */
  finishIfEndedBy(cutoff: number): RollupRecord | null {
    if (this.count === 0 || this.start + this.bucketMs > cutoff) return null;
    return this.finish();
  }

  /** The bucket in progress, as a provisional record (queries show the current minute/hour). */
  partial(): RollupRecord | null {
    if (this.count === 0) return null;
    return { t: this.start, min: this.min, avg: this.sum / this.count, max: this.max, count: this.count };
  }

  private finish(): RollupRecord {
    const rec = this.partial()!;
    this.doneUntil = this.start + this.bucketMs;
    this.count = 0;
    return rec;
  }
}

/** Roll a whole run of samples up at once (rebuilding, tests, benchmarks). Every bucket is finished. */
export function rollupAll(t: readonly number[], v: readonly number[], bucketMs: number): RollupRecord[] {
  const r = new Rollup(bucketMs);
  const out: RollupRecord[] = [];
  for (let i = 0; i < t.length; i++) {
    const rec = r.add(t[i]!, v[i]!);
    if (rec) out.push(rec);
  }
  const last = r.partial();
  if (last) out.push(last);
  return out;
}
