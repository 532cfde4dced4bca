/**
 * Column data for charts: one time column (epoch ms) and one value column per line, as
 * `/api/history` returns them. Pure; tested in test/web/series.test.ts.
 */
import type { HistoryResponse } from '../../src/shared/protocol-history.js';

export interface Columns {
  t: number[];
  v: (number | null)[][];
}

/** History response → columns in the order of `keys` (a series the server lacks is all null). */
export function fromHistory(res: HistoryResponse, keys: readonly string[]): Columns {
  return {
    t: [...res.t],
    v: keys.map((k) => {
      const col = res.series[k]?.avg;
      return col ? [...col] : res.t.map(() => null);
    }),
  };
}

/**
 * Append a sample. With a bucket width (`mergeMs` > 0, long ranges) a sample that falls in the
 * last bucket is averaged into it instead of adding a point, so a day-long chart left open does
 * not grow to 43,200 points. Older timestamps are ignored (replays, polling repeats).
 */
export function bucketPush(cols: Columns, tsMs: number, row: readonly (number | null)[], mergeMs: number): void {
  const n = cols.t.length;
  const last = n > 0 ? cols.t[n - 1]! : Number.NEGATIVE_INFINITY;
  if (mergeMs > 0 && n > 0 && tsMs >= last && tsMs < last + mergeMs) {
    // Running mean within the bucket; the count per bucket is kept beside the columns.
    const m = bucketCounts(cols);
    const c = m.get(n - 1) ?? 1;
    row.forEach((x, i) => {
      const col = cols.v[i];
      if (!col || x === null) return;
      const old = col[n - 1];
      col[n - 1] = old === null || old === undefined ? x : (old * c + x) / (c + 1);
    });
    m.set(n - 1, c + 1);
    return;
  }
  if (tsMs <= last) return;
  cols.t.push(tsMs);
  cols.v.forEach((col, i) => {
    col.push(row[i] ?? null);
  });
  bucketCounts(cols).set(n, 1);
}

const counts = new WeakMap<Columns, Map<number, number>>();
function bucketCounts(cols: Columns): Map<number, number> {
  let m = counts.get(cols);
  if (!m) {
    m = new Map();
    counts.set(cols, m);
  }
  return m;
}

/** Drop points older than `fromMs` (the chart window moves on). */
export function trimBefore(cols: Columns, fromMs: number): void {
  let k = 0;
  while (k < cols.t.length && cols.t[k]! < fromMs) k++;
  if (k === 0) return;
  cols.t.splice(0, k);
  for (const col of cols.v) col.splice(0, k);
  const m = counts.get(cols);
  if (m) {
    const shifted = new Map<number, number>();
    for (const [i, c] of m) if (i >= k) shifted.set(i - k, c);
    counts.set(cols, shifted);
  }
}

/** The step to ask `/api/history` for: at least the collection interval, about 600 points. */
export function stepFor(rangeMs: number, intervalS: number): number {
  const byPoints = rangeMs / 600;
  return Math.max(intervalS * 1000, Math.ceil(byPoints / 1000) * 1000);
}
