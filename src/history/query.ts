/**
 * History queries: choose the tier for a range and step, then fold records into a columnar
 * answer — one time array, and per series `avg`, `min` and `max` arrays of the same length with
 * `null` where there was no data. Pure: where the records come from is the caller's business.
 */
import type { ColumnsIn } from './codec.js';
import { type Tier, TIERS, type TierName } from './tiers.js';

export interface SeriesColumns {
  avg: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

export interface Plan {
  tier: Tier;
  /** Bucket width of the answer, ms. */
  step: number;
  /** First bucket start (a multiple of step) and number of buckets. */
  start: number;
  buckets: number;
}

/** At most this many points per series in one answer; a finer step is widened. */
export const MAX_POINTS = 10_000;
/** Without a step, aim for about this many points. */
export const DEFAULT_POINTS = 600;

const NICE_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800];

/** The smallest "nice" step (1 s, 2 s, 5 s, … 1 d, 1 w) of at least `ms`. */
export function niceStep(ms: number): number {
  const s = NICE_S.find((n) => n * 1000 >= ms);
  return s === undefined ? Math.ceil(ms / 604_800_000) * 604_800_000 : s * 1000;
}

/**
 * Pick the tier: the coarsest whose buckets still fit in the step (so the answer is exact and
 * reads the fewest records), provided its retention reaches back to `from`; otherwise the first
 * coarser tier that does (the step then widens to its bucket).
 */
export function plan(
  from: number,
  to: number,
  stepMs: number | undefined,
  now: number,
  retention: Record<TierName, number>,
): Plan {
  const range = Math.max(0, to - from);
  let step = stepMs && stepMs > 0 ? stepMs : niceStep(Math.max(1000, range / DEFAULT_POINTS));
  if (range / step > MAX_POINTS) step = niceStep(range / MAX_POINTS);
  const reaches = (t: Tier) => now - retention[t.retention] <= from;
  const fitting = TIERS.filter((t) => t.bucketMs <= step);
  let tier = [...fitting].reverse().find(reaches);
  if (!tier) tier = TIERS.find((t) => t.bucketMs > step && reaches(t)) ?? TIERS[TIERS.length - 1]!;
  step = Math.max(step, tier.bucketMs);
  const start = Math.floor(from / step) * step;
  return { tier, step, start, buckets: Math.floor((to - start) / step) + 1 };
}

/** Round to `digits` decimals, keeping nulls. */
const rounder = (digits: number | undefined) => {
  if (digits === undefined) return (x: number) => x;
  const f = 10 ** Math.min(digits, 12);
  return (x: number) => Math.round(x * f) / f;
};

/**
 * Fold records into the plan's buckets. `raw` records are [value]; rollup records are
 * [min, avg, max, count] and their averages are weighted by count. Averages are rounded to
 * `precision + 2` decimals when the metric declares a precision.
 */
export function fold(p: Pick<Plan, 'start' | 'step' | 'buckets'>, data: ColumnsIn, raw: boolean, precision?: number): SeriesColumns {
  const n = p.buckets;
  const min = new Array<number | null>(n).fill(null);
  const max = new Array<number | null>(n).fill(null);
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  const [c0, c1, c2, c3] = data.cols;
  for (let i = 0; i < data.t.length; i++) {
    const b = Math.floor((data.t[i]! - p.start) / p.step);
    if (b < 0 || b >= n) continue;
    const lo = raw ? c0![i]! : c0![i]!;
    const hi = raw ? c0![i]! : c2![i]!;
    const w = raw ? 1 : c3![i]!;
    const mean = raw ? c0![i]! : c1![i]!;
    if (min[b] === null || lo < min[b]!) min[b] = lo;
    if (max[b] === null || hi > max[b]!) max[b] = hi;
    sum[b]! += mean * w;
    count[b]! += w;
  }
  const r = rounder(precision === undefined ? undefined : precision + 2);
  const avg = new Array<number | null>(n);
  for (let b = 0; b < n; b++) avg[b] = count[b]! > 0 ? r(sum[b]! / count[b]!) : null;
  return { avg, min, max };
}

/** The time axis of a plan: bucket starts, epoch ms. */
export function axis(p: Pick<Plan, 'start' | 'step' | 'buckets'>): number[] {
  return Array.from({ length: p.buckets }, (_, i) => p.start + i * p.step);
}
