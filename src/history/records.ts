/**
 * Reading the records of one series and tier over a time range: full and open chunk rows from
 * the file, overlaid by what memory holds (the newer version of a chunk wins), oldest first.
 */
import { type Columns, type ColumnsIn, unpackChunk } from './codec.js';
import type { SeriesState } from './series.js';
import type { Store } from './store.js';
import { TIERS } from './tiers.js';

export function readRecords(store: Store, s: SeriesState, tierId: number, from: number, to: number): Columns {
  const tier = TIERS[tierId]!;
  const mem = s.memChunks(tierId);
  const inMemory = new Set(mem.map((c) => c.start));
  const parts: ColumnsIn[] = [];
  for (const row of store.chunks(s.id, tierId, from, to, tier.chunkSpanMs))
    if (!inMemory.has(row.start_ms)) parts.push(unpackChunk(row.data));
  for (const c of mem) parts.push({ t: c.t, cols: c.cols }); // the getters make views: take them once
  parts.sort((a, b) => a.t[0]! - b.t[0]!);
  const ranges = parts.map((p) => {
    let lo = 0;
    let hi = p.t.length;
    while (lo < hi && p.t[lo]! < from) lo++;
    while (hi > lo && p.t[hi - 1]! > to) hi--;
    return [lo, hi] as const;
  });
  const total = ranges.reduce((a, [lo, hi]) => a + hi - lo, 0);
  const out: Columns = { t: new Array<number>(total), cols: tier.columns.map(() => new Array<number>(total)) };
  let j = 0;
  parts.forEach((p, k) => {
    const [lo, hi] = ranges[k]!;
    for (let i = lo; i < hi; i++, j++) {
      out.t[j] = p.t[i]!;
      for (let c = 0; c < out.cols.length; c++) out.cols[c]![j] = p.cols[c]![i]!;
    }
  });
  return out;
}
