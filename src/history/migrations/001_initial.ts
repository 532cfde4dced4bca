import type { Database } from 'better-sqlite3';

/**
 * The first schema. `chunks` holds the full chunks of every tier (many records of one series
 * per row, see codec.ts); rows are only ever appended (rising rowid, so pages fill completely)
 * and deleted from the old end by retention. The chunk still growing for each series and tier
 * lives in `open_chunks` (rowid = series_id × 8 + tier, rewritten in place). `pending` is the
 * write-ahead batch log between those rewrites (writer.ts). `events` and `snapshots` keep
 * alert/state events and the per-minute top-process snapshot.
 */
export const version = 1;
export const name = 'initial';

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE series (
      id        INTEGER PRIMARY KEY,
      key       TEXT NOT NULL UNIQUE,
      collector TEXT NOT NULL,
      metric    TEXT NOT NULL,
      labels    TEXT NOT NULL,
      unit      TEXT NOT NULL,
      kind      TEXT NOT NULL,
      help      TEXT NOT NULL,
      precision INTEGER,
      first_ms  INTEGER NOT NULL,
      last_ms   INTEGER NOT NULL
    );
    CREATE TABLE chunks (
      id        INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL,
      tier      INTEGER NOT NULL,
      start_ms  INTEGER NOT NULL,
      end_ms    INTEGER NOT NULL,
      n         INTEGER NOT NULL,
      data      BLOB NOT NULL
    );
    CREATE UNIQUE INDEX chunks_by_series ON chunks (series_id, tier, start_ms);
    CREATE INDEX chunks_by_end ON chunks (tier, end_ms);
    CREATE TABLE open_chunks (
      id        INTEGER PRIMARY KEY,
      series_id INTEGER NOT NULL,
      tier      INTEGER NOT NULL,
      start_ms  INTEGER NOT NULL,
      end_ms    INTEGER NOT NULL,
      n         INTEGER NOT NULL,
      data      BLOB NOT NULL
    );
    CREATE TABLE pending (
      id    INTEGER PRIMARY KEY,
      ts_ms INTEGER NOT NULL,
      data  BLOB NOT NULL
    );
    CREATE TABLE events (
      id       INTEGER PRIMARY KEY,
      ts_ms    INTEGER NOT NULL,
      kind     TEXT NOT NULL,
      source   TEXT,
      severity TEXT,
      message  TEXT NOT NULL,
      data     TEXT
    );
    CREATE INDEX events_by_ts ON events (ts_ms);
    CREATE TABLE snapshots (
      id     INTEGER PRIMARY KEY,
      ts_ms  INTEGER NOT NULL,
      source TEXT NOT NULL,
      data   BLOB NOT NULL
    );
    CREATE INDEX snapshots_by_source_ts ON snapshots (source, ts_ms);
  `);
}
