/**
 * The SQL side of the history store: every statement the writer, queries and retention use,
 * prepared once. No policy lives here — only rows in and rows out.
 */
import { statSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

export interface SeriesRow {
  id: number;
  key: string;
  collector: string;
  metric: string;
  /** JSON object of label → value. */
  labels: string;
  unit: string;
  kind: string;
  help: string;
  precision: number | null;
  first_ms: number;
  last_ms: number;
}

export interface ChunkRow {
  series_id: number;
  tier: number;
  start_ms: number;
  end_ms: number;
  n: number;
  data: Buffer;
}

export interface TierStats {
  chunks: number;
  samples: number;
  bytes: number;
  oldest: number | null;
}

export interface EventRow {
  id: number;
  ts_ms: number;
  kind: string;
  source: string | null;
  severity: string | null;
  message: string;
  data: string | null;
}

export class Store {
  private readonly s: Record<string, Statement>;

  constructor(
    readonly db: Db,
    readonly path: string,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      series: p('SELECT * FROM series ORDER BY id'),
      insertSeries: p(
        'INSERT OR REPLACE INTO series (id, key, collector, metric, labels, unit, kind, help, precision, first_ms, last_ms) ' +
          'VALUES (@id, @key, @collector, @metric, @labels, @unit, @kind, @help, @precision, @first_ms, @last_ms)',
      ),
      touchSeries: p('UPDATE series SET last_ms = max(last_ms, ?) WHERE id = ?'),
      deleteSeries: p('DELETE FROM series WHERE id = ? AND NOT EXISTS (SELECT 1 FROM chunks WHERE series_id = ?)'),
      lastSealed: p('SELECT start_ms, end_ms, n FROM chunks WHERE series_id = ? AND tier = ? ORDER BY start_ms DESC LIMIT 1'),
      putSealed: p(
        'INSERT OR REPLACE INTO chunks (series_id, tier, start_ms, end_ms, n, data) VALUES (@series_id, @tier, @start_ms, @end_ms, @n, @data)',
      ),
      putOpen: p(
        'INSERT OR REPLACE INTO open_chunks (id, series_id, tier, start_ms, end_ms, n, data) VALUES (@series_id * 8 + @tier, @series_id, @tier, @start_ms, @end_ms, @n, @data)',
      ),
      deleteOpen: p('DELETE FROM open_chunks WHERE id = ? * 8 + ? AND start_ms = ?'),
      openChunks: p('SELECT * FROM open_chunks'),
      openChunk: p('SELECT * FROM open_chunks WHERE id = ? * 8 + ? AND start_ms <= ? AND end_ms >= ?'),
      chunks: p(
        'SELECT * FROM chunks WHERE series_id = ? AND tier = ? AND start_ms BETWEEN ? AND ? AND end_ms >= ? ORDER BY start_ms',
      ),
      pending: p('SELECT id, ts_ms, data FROM pending ORDER BY id'),
      addPending: p('INSERT INTO pending (id, ts_ms, data) VALUES (?, ?, ?)'),
      dropPending: p('DELETE FROM pending WHERE id < ?'),
      maxPending: p('SELECT max(id) AS id FROM pending'),
      addEvent: p(
        'INSERT INTO events (ts_ms, kind, source, severity, message, data) VALUES (@ts_ms, @kind, @source, @severity, @message, @data)',
      ),
      events: p(
        // Severities as a JSON array (or NULL = any), compared upper-case: older rows said "critical".
        'SELECT * FROM events WHERE ts_ms BETWEEN ? AND ? AND (? IS NULL OR kind = ?) ' +
          'AND (? IS NULL OR upper(severity) IN (SELECT value FROM json_each(?))) ORDER BY ts_ms DESC, id DESC LIMIT ?',
      ),
      addSnapshot: p('INSERT INTO snapshots (ts_ms, source, data) VALUES (?, ?, ?)'),
      snapshotAt: p('SELECT ts_ms, data FROM snapshots WHERE source = ? AND ts_ms <= ? ORDER BY ts_ms DESC LIMIT 1'),
      snapshotAfter: p('SELECT ts_ms, data FROM snapshots WHERE source = ? AND ts_ms > ? ORDER BY ts_ms LIMIT 1'),
      tierStats: p(
        'SELECT tier, count(*) AS chunks, sum(n) AS samples, sum(length(data)) AS bytes FROM chunks GROUP BY tier',
      ),
      oldest: p(
        'SELECT min(t) AS oldest FROM (SELECT start_ms AS t FROM (SELECT start_ms FROM chunks WHERE tier = ? ORDER BY end_ms LIMIT 1) ' +
          'UNION ALL SELECT min(start_ms) FROM open_chunks WHERE tier = ?)',
      ),
      expired: p(
        'SELECT count(*) AS chunks, coalesce(sum(n), 0) AS samples, coalesce(sum(length(data)), 0) AS bytes FROM chunks WHERE tier = ? AND end_ms < ?',
      ),
      deleteExpired: p('DELETE FROM chunks WHERE tier = ? AND end_ms < ?'),
      deleteExpiredOpen: p('DELETE FROM open_chunks WHERE tier = ? AND end_ms < ?'),
      oldestChunks: p(
        'SELECT count(*) AS chunks, coalesce(sum(n), 0) AS samples, coalesce(sum(length(data)), 0) AS bytes FROM ' +
          '(SELECT n, data FROM chunks WHERE tier = ? AND end_ms < ? ORDER BY end_ms LIMIT ?)',
      ),
      deleteOldestChunks: p(
        'DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE tier = ? AND end_ms < ? ORDER BY end_ms LIMIT ?)',
      ),
      deleteOldestSnapshots: p(
        'DELETE FROM snapshots WHERE id IN (SELECT id FROM snapshots WHERE ts_ms < ? ORDER BY ts_ms LIMIT ?)',
      ),
      deleteEvents: p('DELETE FROM events WHERE ts_ms < ?'),
      deleteSnapshots: p('DELETE FROM snapshots WHERE ts_ms < ?'),
      oldestSnapshot: p('SELECT min(ts_ms) AS ts FROM snapshots'),
      countEvents: p('SELECT count(*) AS n FROM events'),
      countSnapshots: p('SELECT count(*) AS n, coalesce(sum(length(data)), 0) AS bytes FROM snapshots'),
    };
  }

  /** Run `fn` in one transaction (all or nothing). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  series(): SeriesRow[] {
    return this.s.series!.all() as SeriesRow[];
  }
  insertSeries(row: SeriesRow): void {
    this.s.insertSeries!.run(row);
  }
  touchSeries(id: number, lastMs: number): void {
    this.s.touchSeries!.run(lastMs, id);
  }
  /** Forget a series that has no chunk left; false when it still has some. */
  deleteSeries(id: number): boolean {
    return this.s.deleteSeries!.run(id, id).changes > 0;
  }

  /** Where the newest full chunk of a series and tier ends. */
  lastSealed(seriesId: number, tier: number): Pick<ChunkRow, 'start_ms' | 'end_ms' | 'n'> | undefined {
    return this.s.lastSealed!.get(seriesId, tier) as Pick<ChunkRow, 'start_ms' | 'end_ms' | 'n'> | undefined;
  }
  /** Append a full chunk. */
  putSealed(row: ChunkRow): void {
    this.s.putSealed!.run(row);
  }
  /** Write the chunk still growing for a series and tier (replaces the previous version). */
  putOpen(row: ChunkRow): void {
    this.s.putOpen!.run(row);
  }
  /** Remove the open-chunk row of a chunk that has just been written in full. */
  deleteOpen(seriesId: number, tier: number, start: number): void {
    this.s.deleteOpen!.run(seriesId, tier, start);
  }
  openChunks(): ChunkRow[] {
    return this.s.openChunks!.all() as ChunkRow[];
  }
  /** Full chunks overlapping [from, to], plus the open one if it does; `maxSpan` bounds how early a chunk reaching `from` can start. */
  chunks(seriesId: number, tier: number, from: number, to: number, maxSpan: number): ChunkRow[] {
    const rows = this.s.chunks!.all(seriesId, tier, from - maxSpan, to, from) as ChunkRow[];
    const open = this.s.openChunk!.get(seriesId, tier, to, from) as ChunkRow | undefined;
    if (open) rows.push(open);
    return rows;
  }

  pending(): { id: number; ts_ms: number; data: Buffer }[] {
    return this.s.pending!.all() as { id: number; ts_ms: number; data: Buffer }[];
  }
  maxPendingId(): number {
    return (this.s.maxPending!.get() as { id: number | null }).id ?? 0;
  }
  addPending(id: number, ts: number, data: Buffer): void {
    this.s.addPending!.run(id, ts, data);
  }
  dropPendingBelow(id: number): void {
    this.s.dropPending!.run(id);
  }

  addEvent(row: Omit<EventRow, 'id'>): void {
    this.s.addEvent!.run(row);
  }
  events(from: number, to: number, kind: string | null, limit: number, severities: string[] | null = null): EventRow[] {
    const sev = severities ? JSON.stringify(severities) : null;
    return this.s.events!.all(from, to, kind, kind, sev, sev, limit) as EventRow[];
  }

  addSnapshot(ts: number, source: string, data: Buffer): void {
    this.s.addSnapshot!.run(ts, source, data);
  }
  /** The snapshot taken at or before `at`, else the first one after it. */
  snapshotNear(source: string, at: number): { ts_ms: number; data: Buffer } | undefined {
    return (this.s.snapshotAt!.get(source, at) ?? this.s.snapshotAfter!.get(source, at)) as
      | { ts_ms: number; data: Buffer }
      | undefined;
  }

  tierStats(): Map<number, TierStats> {
    const out = new Map<number, TierStats>();
    for (const r of this.s.tierStats!.all() as (TierStats & { tier: number })[])
      out.set(r.tier, { chunks: r.chunks, samples: r.samples ?? 0, bytes: r.bytes ?? 0, oldest: this.oldest(r.tier) });
    return out;
  }
  /** About the oldest record of a tier: the start of the chunk that ends first. */
  oldest(tier: number): number | null {
    return (this.s.oldest!.get(tier, tier) as { oldest: number | null }).oldest;
  }

  /** Delete chunks of `tier` whose newest record is older than `cutoff`; returns what went (full chunks). */
  deleteChunksBefore(tier: number, cutoff: number): Omit<TierStats, 'oldest'> {
    const gone = this.s.expired!.get(tier, cutoff) as Omit<TierStats, 'oldest'>;
    if (gone.chunks > 0) this.s.deleteExpired!.run(tier, cutoff);
    this.s.deleteExpiredOpen!.run(tier, cutoff);
    return gone;
  }
  /** Delete the `limit` oldest chunks of `tier` that end before `before` (size cap); returns what went. */
  deleteOldestChunks(tier: number, before: number, limit: number): Omit<TierStats, 'oldest'> {
    const gone = this.s.oldestChunks!.get(tier, before, limit) as Omit<TierStats, 'oldest'>;
    if (gone.chunks > 0) this.s.deleteOldestChunks!.run(tier, before, limit);
    return gone;
  }
  deleteOldestSnapshots(before: number, limit: number): number {
    return this.s.deleteOldestSnapshots!.run(before, limit).changes;
  }
  deleteEventsBefore(cutoff: number): number {
    return this.s.deleteEvents!.run(cutoff).changes;
  }
  deleteSnapshotsBefore(cutoff: number): number {
    return this.s.deleteSnapshots!.run(cutoff).changes;
  }
  oldestSnapshot(): number | null {
    return (this.s.oldestSnapshot!.get() as { ts: number | null }).ts;
  }
  eventCount(): number {
    return (this.s.countEvents!.get() as { n: number }).n;
  }
  snapshotStats(): { n: number; bytes: number } {
    return this.s.countSnapshots!.get() as { n: number; bytes: number };
  }

  /** Bytes on disk: the database file plus its WAL. */
  fileBytes(): number {
    if (this.path === ':memory:') return this.liveBytes();
    let total = 0;
    for (const p of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(p).size;
      } catch {}
    }
    return total;
  }
  /** Bytes in pages that hold data (the file minus its free pages). */
  liveBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }
  /** Give free pages back to the file system and keep the WAL small. */
  shrink(): void {
    this.db.pragma('incremental_vacuum');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
