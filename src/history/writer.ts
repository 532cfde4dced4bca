/**
 * The writer: samples go into per-series chunks in memory; `flush()` (every few seconds, off the
 * collection path) makes them durable in ONE transaction (see flush.ts for the plan):
 *
 *  - full chunks are appended to `chunks` (once, compressed);
 *  - a slow rotation rewrites the open chunks of a few series per flush in `open_chunks`, so
 *    every series' rows catch up within `checkpointEveryMs`;
 *  - everything else that is new goes into one compact `pending` batch row (the log);
 *  - log rows that every series has caught up past are deleted.
 *
 * After a crash, `load()` reopens each series' open-chunk rows and replays the log on top, so a
 * `kill -9` loses only what arrived since the last flush. While writes fail (disk full,
 * read-only), nothing is marked done: the same data is retried on the next flush, and memory
 * stays bounded by dropping the oldest waiting chunks.
 */
import { decodeBatch, encodeBatch, type Segment } from './batch.js';
import { type Columns, unpackChunk } from './codec.js';
import { readRecords } from './records.js';
import { planFlush } from './flush.js';
import { MemChunk, type SeriesMeta, SeriesState } from './series.js';
import type { SeriesRow, Store, TierStats } from './store.js';
import { bucketStart, ROLLUP_TIERS, TIERS } from './tiers.js';

export interface WriterOptions {
  /** Every series' open chunks reach their rows within this period. */
  checkpointEveryMs: number;
  /** How often `flush()` runs (sizes the rotation). */
  flushEveryMs: number;
  /** A rollup bucket is finished this long after its end even when no later sample came. */
  graceMs: number;
  /** Full chunks held per series while writes fail; older ones are dropped. */
  maxWaiting: number;
  /** Chunk rows written per flush at most (the rest wait for the next flush, safe in the log). */
  maxChunkWrites: number;
}

/** Series held at most; samples of further new series are refused (and counted). */
export const MAX_SERIES = 20_000;

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  checkpointEveryMs: 10 * 60_000,
  flushEveryMs: 5000,
  graceMs: 15_000,
  maxWaiting: 4,
  maxChunkWrites: 16,
};

export interface FlushResult {
  ms: number;
  /** Of which: encoding and compressing; the SQLite transaction. */
  encodeMs: number;
  writeMs: number;
  /** Records made durable (in the log or in chunk rows). */
  records: number;
  chunks: number;
  batchBytes: number;
}

const metaOf = (row: SeriesRow): SeriesMeta => ({
  key: row.key,
  collector: row.collector,
  metric: row.metric,
  labels: JSON.parse(row.labels) as Record<string, string>,
  unit: row.unit as SeriesMeta['unit'],
  kind: row.kind as SeriesMeta['kind'],
  help: row.help,
  precision: row.precision ?? undefined,
});

export class Writer {
  readonly byKey = new Map<string, SeriesState>();
  readonly byId = new Map<number, SeriesState>();
  /** What the full-chunk rows hold, per tier id (open chunks are counted from memory). */
  readonly stats: TierStats[] = TIERS.map(() => ({ chunks: 0, samples: 0, bytes: 0, oldest: null }));
  private readonly firstMs = new Map<number, number>();
  private nextId = 1;
  private nextBatch = 1;
  private cursor = 0;

  constructor(
    readonly store: Store,
    private readonly opts: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {}

  /** Samples of new series refused because MAX_SERIES are held. */
  refused = 0;

  /** Samples refused or lost, all series. */
  get dropped(): number {
    let n = this.refused;
    for (const s of this.byId.values()) n += s.dropped;
    return n;
  }

  /** Rebuild the in-memory state from the file: series, open chunks, the log, rollups. */
  load(): void {
    for (const row of this.store.series()) {
      const s = new SeriesState(row.id, metaOf(row));
      s.isNew = false;
      this.firstMs.set(row.id, row.first_ms);
      this.byKey.set(row.key, s);
      this.byId.set(row.id, s);
      this.nextId = Math.max(this.nextId, row.id + 1);
    }
    const stats = this.store.tierStats();
    for (const t of TIERS) this.stats[t.id] = stats.get(t.id) ?? { chunks: 0, samples: 0, bytes: 0, oldest: null };
    for (const s of this.byId.values())
      for (const tier of TIERS) s.lastT[tier.id] = this.store.lastSealed(s.id, tier.id)?.end_ms ?? Number.NEGATIVE_INFINITY;
    for (const row of this.store.openChunks()) {
      const s = this.byId.get(row.series_id);
      const tier = TIERS[row.tier];
      if (!s || !tier || row.start_ms <= s.lastT[tier.id]!) continue; // stale: its chunk is full and written
      const c = new MemChunk(tier, row.start_ms);
      const { t, cols } = unpackChunk(row.data);
      for (let i = 0; i < t.length; i++) c.push(t[i]!, cols.map((col) => col[i]!));
      c.persistedN = c.n;
      c.persistedBytes = row.data.length;
      s.open[tier.id] = c;
      s.lastT[tier.id] = t[t.length - 1] ?? s.lastT[tier.id]!;
    }
    for (const b of this.store.pending()) {
      let segments: Segment[];
      try {
        segments = decodeBatch(b.data);
      } catch {
        continue; // a damaged log row loses its few seconds, nothing else
      }
      for (const seg of segments) {
        const s = this.byId.get(seg.seriesId);
        const tier = TIERS[seg.tier];
        if (!s || !tier) continue;
        const before = s.lastT[tier.id]!;
        for (let i = 0; i < seg.t.length; i++) s.append(tier, seg.t[i]!, seg.cols.map((col) => col[i]!));
        if (s.lastT[tier.id]! > before) s.dirtySince ??= b.id;
      }
    }
    this.nextBatch = this.store.maxPendingId() + 1;
    for (const s of this.byId.values()) {
      for (const c of [...s.sealed, ...s.open]) if (c) c.loggedN = c.n;
      this.rebuildRollups(s);
    }
  }

  /** Refill the accumulators of the buckets in progress from the raw samples they cover. */
  private rebuildRollups(s: SeriesState): void {
    const last = s.lastT[0]!;
    if (!Number.isFinite(last)) return;
    for (const tier of ROLLUP_TIERS) {
      const r = s.rollups[tier.id]!;
      const lastBucket = s.lastT[tier.id]!;
      r.doneUntil = Number.isFinite(lastBucket) ? lastBucket + tier.bucketMs : Number.NEGATIVE_INFINITY;
      const from = Math.max(bucketStart(last, tier.bucketMs), r.doneUntil);
      if (from > last) continue;
      const raw = this.read(s, 0, from, last);
      for (let i = 0; i < raw.t.length; i++) r.add(raw.t[i]!, raw.cols[0]![i]!);
    }
  }

  /**
   * The series for `meta.key`, created when new (its row is written by the next flush); null
   * when MAX_SERIES are held already (a runaway label set must not eat memory and disk).
   */
  seriesFor(meta: SeriesMeta): SeriesState | null {
    let s = this.byKey.get(meta.key);
    if (!s) {
      if (this.byId.size >= MAX_SERIES) {
        this.refused++;
        return null;
      }
      s = new SeriesState(this.nextId++, meta);
      this.byKey.set(meta.key, s);
      this.byId.set(s.id, s);
    } else if (s.meta !== meta) s.meta = meta;
    return s;
  }

  /**
   * Make everything new durable in one transaction; `extra` runs inside it (events, snapshots).
   * `all` writes every chunk with no budget (shutdown), which leaves the log empty.
   */
  flush(now: number, extra?: () => void, all = false): FlushResult {
    const started = performance.now();
    const every = [...this.byId.values()];
    for (const s of every) s.finishRollups(now - this.opts.graceMs);
    const order = every.length ? [...every.slice(this.cursor % every.length), ...every.slice(0, this.cursor % every.length)] : [];
    const turns = all ? every.length : Math.ceil((every.length * this.opts.flushEveryMs) / this.opts.checkpointEveryMs);
    const batchId = this.nextBatch;
    const plan = planFlush(order, turns, all ? Number.POSITIVE_INFINITY : this.opts.maxChunkWrites, batchId);
    const batch = plan.logged.length > 0 ? encodeBatch(plan.logged) : null;
    let minDirty: number | null = null;
    for (const d of plan.dirtyAfter.values()) if (d !== null && (minDirty === null || d < minDirty)) minDirty = d;
    const dropBelow = minDirty ?? (batch ? batchId + 1 : this.nextBatch);
    const encoded = performance.now();
    try {
      this.store.tx(() => {
        for (const s of every) if (s.isNew) this.store.insertSeries(this.rowOf(s));
        for (const w of plan.writes) {
          const row = { series_id: w.s.id, tier: w.c.tier.id, start_ms: w.c.start, end_ms: w.c.lastT(), n: w.c.n, data: w.blob };
          if (w.sealed) {
            this.store.putSealed(row);
            this.store.deleteOpen(w.s.id, w.c.tier.id, w.c.start);
          } else this.store.putOpen(row);
        }
        for (const s of plan.turned) if (Number.isFinite(s.lastT[0]!)) this.store.touchSeries(s.id, s.lastT[0]!);
        if (batch) this.store.addPending(batchId, now, batch);
        this.store.dropPendingBelow(dropBelow);
        extra?.();
      });
    } catch (err) {
      for (const s of every)
        while (s.sealed.length > this.opts.maxWaiting) s.dropped += s.sealed.shift()!.n;
      throw err;
    }
    for (const s of every) {
      s.isNew = false;
      s.sealed.splice(0, plan.sealedWritten.get(s) ?? 0);
      s.dirtySince = plan.dirtyAfter.get(s) ?? null;
    }
    for (const w of plan.writes) {
      if (w.sealed) {
        const st = this.stats[w.c.tier.id]!;
        st.chunks++;
        st.samples += w.c.n;
        st.bytes += w.blob.length;
        if (st.oldest === null || w.c.start < st.oldest) st.oldest = w.c.start;
      }
      w.c.persistedN = w.c.n;
      w.c.loggedN = w.c.n;
      w.c.persistedBytes = w.blob.length;
    }
    for (const l of plan.logged) l.chunk.loggedN = l.chunk.n;
    if (batch) this.nextBatch++;
    if (every.length) this.cursor = (this.cursor + Math.min(turns, every.length)) % every.length;
    const done = performance.now();
    return { ms: done - started, encodeMs: encoded - started, writeMs: done - encoded, records: plan.records, chunks: plan.writes.length, batchBytes: batch?.length ?? 0 };
  }

  private rowOf(s: SeriesState): SeriesRow {
    const first = this.firstMs.get(s.id) ?? (Number.isFinite(s.lastT[0]!) ? s.lastT[0]! : 0);
    this.firstMs.set(s.id, first);
    const m = s.meta;
    return {
      id: s.id,
      key: m.key,
      collector: m.collector,
      metric: m.metric,
      labels: JSON.stringify(m.labels),
      unit: m.unit,
      kind: m.kind,
      help: m.help,
      precision: m.precision ?? null,
      first_ms: first,
      last_ms: first,
    };
  }

  firstSeen(s: SeriesState): number | null {
    return this.firstMs.get(s.id) ?? null;
  }

  /** Records of one series and tier in [from, to], from the chunk rows and memory, oldest first. */
  read(s: SeriesState, tierId: number, from: number, to: number): Columns {
    return readRecords(this.store, s, tierId, from, to);
  }

  /**
   * Forget series silent since before `cutoff` whose every chunk has expired (a device or
   * interface that went away for good); returns how many.
   */
  forgetSilent(cutoff: number): number {
    let n = 0;
    for (const s of [...this.byId.values()]) {
      if (s.isNew || !(s.lastT[0]! < cutoff) || s.sealed.length > 0 || s.open.some((c) => c !== null && c.n > 0)) continue;
      if (!this.store.deleteSeries(s.id)) continue;
      this.byId.delete(s.id);
      this.byKey.delete(s.meta.key);
      n++;
    }
    return n;
  }

  /** Forget in-memory chunks whose newest record is older than `cutoff` (retention removed their rows). */
  forgetBefore(tierId: number, cutoff: number): void {
    for (const s of this.byId.values()) {
      const open = s.open[tierId];
      if (open && open.lastT() < cutoff) s.open[tierId] = null;
    }
  }
}
