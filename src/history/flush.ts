/**
 * Planning one flush: which chunks get written to rows, and what goes to the pending log instead.
 *
 * Full chunks are written first (appended to `chunks`), oldest first, then the open chunks of
 * the series whose rotation turn it is (rewritten in `open_chunks`) — within a budget of chunk
 * writes per flush, so that when hundreds of series fill their chunks at the same moment the
 * work spreads over several flushes instead of stalling one. Every record not written to a row
 * this time and not yet logged goes into the batch.
 */
import type { ColumnPrecision } from './codec.js';
import { packChunk } from './codec.js';
import type { MemChunk, SeriesState } from './series.js';
import { columnPrecision } from './tiers.js';
import type { Segment } from './batch.js';

export interface ChunkWrite {
  s: SeriesState;
  c: MemChunk;
  sealed: boolean;
  blob: Buffer;
}

export type LoggedSegment = Segment & { precision: ColumnPrecision; chunk: MemChunk };

export interface FlushPlan {
  writes: ChunkWrite[];
  logged: LoggedSegment[];
  /** Full chunks written, per series (a prefix of `s.sealed`). */
  sealedWritten: Map<SeriesState, number>;
  /** Series whose open chunks were all written (their rotation turn happened). */
  turned: Set<SeriesState>;
  /** `dirtySince` of every series after the flush commits. */
  dirtyAfter: Map<SeriesState, number | null>;
  records: number;
}

/**
 * @param order the series, rotation order starting at the cursor
 * @param turns how many series (from the start of `order`) are due their rotation
 * @param budget chunk writes allowed (Infinity at shutdown)
 */
export function planFlush(order: readonly SeriesState[], turns: number, budget: number, batchId: number): FlushPlan {
  const plan: FlushPlan = { writes: [], logged: [], sealedWritten: new Map(), turned: new Set(), dirtyAfter: new Map(), records: 0 };
  let left = budget;
  const write = (s: SeriesState, c: MemChunk, sealed: boolean) => {
    plan.writes.push({ s, c, sealed, blob: packChunk(c, columnPrecision(c.tier, s.meta.precision)) });
    plan.records += Math.max(0, c.n - Math.max(c.persistedN, c.loggedN));
    left--;
  };
  // Full chunks first, fairly: one per series per pass until the budget runs out.
  for (let pass = 0, more = true; more && left > 0; pass++) {
    more = false;
    for (const s of order) {
      if (left <= 0) break;
      const c = s.sealed[pass];
      if (!c) continue;
      write(s, c, true);
      plan.sealedWritten.set(s, pass + 1);
      more = true;
    }
  }
  // Rotation: all open chunks of a due series, or none of them. A series with a full chunk still
  // waiting is skipped: its open-chunk row holds part of that chunk until the chunk is written.
  for (let i = 0; i < turns && i < order.length; i++) {
    const s = order[i]!;
    if ((plan.sealedWritten.get(s) ?? 0) < s.sealed.length) continue;
    const dirty = s.open.filter((c): c is MemChunk => c !== null && c.n > c.persistedN);
    if (dirty.length > left) break;
    for (const c of dirty) write(s, c, false);
    plan.turned.add(s);
  }
  for (const s of order) {
    const waiting = s.sealed.slice(plan.sealedWritten.get(s) ?? 0);
    const open = plan.turned.has(s) ? [] : s.open.filter((c): c is MemChunk => c !== null && c.n > c.persistedN);
    for (const c of [...waiting, ...open]) {
      if (c.n <= c.loggedN) continue;
      const from = c.loggedN;
      plan.logged.push({
        seriesId: s.id,
        tier: c.tier.id,
        t: c.t.subarray(from),
        cols: c.cols.map((col) => col.subarray(from)),
        precision: columnPrecision(c.tier, s.meta.precision),
        chunk: c,
      });
      plan.records += c.n - from;
    }
    // Records in no row are in the log since `dirtySince`, or in this very batch.
    const clean = waiting.length === 0 && open.length === 0;
    plan.dirtyAfter.set(s, clean ? null : (s.dirtySince ?? batchId));
  }
  return plan;
}
