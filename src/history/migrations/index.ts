/**
 * Numbered schema migrations, applied in order inside one transaction each; the schema version
 * is SQLite's `user_version`, and `application_id` marks the file as a headroom history store
 * (so a foreign SQLite file at the configured path is recognised and never written into).
 */
import type { Database } from 'better-sqlite3';
import * as m001 from './001_initial.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/** "hdrm" — headroom history. */
export const APPLICATION_ID = 0x6864726d;

export const MIGRATIONS: readonly Migration[] = [m001];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Bring the schema to the latest version; returns the version it started from. */
export function migrate(db: Database, appVersion: string): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(
        `migration_${String(m.version).padStart(3, '0')}`,
        `${m.name} by headroom ${appVersion} at ${new Date().toISOString()}`,
      );
    })();
  }
  return from;
}
