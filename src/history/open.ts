/**
 * Opening the history file safely. A file at the path that is not ours — not SQLite at all,
 * another program's SQLite database, or a headroom file that fails SQLite's own check — is
 * renamed aside (with its -wal/-shm) and a fresh store is created; it is never written into or
 * overwritten. A file from a newer headroom (higher schema version) is left alone and history
 * stays off until that is resolved.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';
import { APPLICATION_ID, LATEST_VERSION, migrate } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenedStore {
  db: Db;
  /** Where a foreign or damaged file was moved, if one was. */
  movedAside: string | null;
  /** Why it was moved. */
  movedReason: string | null;
}

/** History cannot use the file; `newer` means it belongs to a newer headroom and was kept. */
export class HistoryOpenError extends Error {
  constructor(
    message: string,
    readonly kind: 'newer' | 'unusable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HistoryOpenError';
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const DAMAGE_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

const sqliteCode = (err: unknown): string => String((err as { code?: unknown })?.code ?? '');

function readMagic(path: string): string | null {
  try {
    if (statSync(path).size === 0) return null;
  } catch {
    return null;
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Rename the file and its WAL/SHM siblings to `<path>.<why>-<time>`; returns the new main path. */
export function moveAside(path: string, why: 'foreign' | 'corrupt', now = new Date()): string {
  let dest = `${path}.${why}-${stamp(now)}`;
  for (let i = 1; existsSync(dest); i++) dest = `${path}.${why}-${stamp(now)}.${i}`;
  try {
    renameSync(path, dest);
  } catch (err) {
    throw new HistoryOpenError(
      `${path} is not a usable headroom history file (${why}) and could not be moved aside: ${errorMessage(err)}; ` +
        'history is off and the file is left as it is',
      'unusable',
      { cause: err },
    );
  }
  for (const ext of ['-wal', '-shm', '-journal'])
    if (existsSync(path + ext)) {
      try {
        renameSync(path + ext, dest + ext);
      } catch {}
    }
  return dest;
}

/** What is at the path: nothing/empty, ours (maybe needing migrations), or something else. */
function classify(db: Db): { state: 'empty' | 'ours' | 'foreign'; detail: string } {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number }).n;
  if (appId === APPLICATION_ID) return { state: 'ours', detail: '' };
  if (appId === 0 && tables === 0) return { state: 'empty', detail: '' };
  return {
    state: 'foreign',
    detail: appId === 0 ? `an SQLite database with ${tables} table(s) of another program` : `an SQLite database of another application (id 0x${appId.toString(16)})`,
  };
}

function configure(db: Db, memory: boolean): void {
  db.pragma('busy_timeout = 2000');
  if (memory) return;
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`cannot switch the history file to WAL mode (got ${String(mode)})`);
  // NORMAL in WAL mode: a crash of the process loses nothing committed; a power cut may lose
  // the last transactions, never consistency.
  db.pragma('synchronous = NORMAL');
  db.pragma('journal_size_limit = 4194304');
  db.pragma('foreign_keys = OFF');
}

/**
 * Open (creating when absent) the history store at `path` (`:memory:` for tests).
 * @throws HistoryOpenError when the file cannot be used; nothing was changed on disk then,
 *   except a foreign or damaged file moved aside.
 */
export function openStore(path: string, log: (msg: string) => void = () => {}): OpenedStore {
  let movedAside: string | null = null;
  let movedReason: string | null = null;
  const aside = (why: 'foreign' | 'corrupt', detail: string): void => {
    movedAside = moveAside(path, why);
    movedReason = `${path} was ${detail}; moved it to ${movedAside} and started a new history file`;
    log(movedReason);
  };
  const memory = path === ':memory:';
  if (!memory) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new HistoryOpenError(`cannot create the directory of ${path}: ${errorMessage(err)}`, 'unusable', { cause: err });
    }
    const magic = readMagic(path);
    if (magic !== null && magic !== SQLITE_MAGIC) aside('foreign', 'not an SQLite database');
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    let db: Db | null = null;
    try {
      db = new Database(path);
      const { state, detail } = classify(db);
      if (state === 'foreign') {
        db.close();
        db = null;
        aside('foreign', detail);
        continue;
      }
      if (state === 'ours') {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > LATEST_VERSION) {
          db.close();
          throw new HistoryOpenError(
            `${path} was written by a newer headroom (schema ${version}, this one knows ${LATEST_VERSION}); history is off, the file is kept`,
            'newer',
          );
        }
        const check = String(db.pragma('quick_check', { simple: true }));
        if (check !== 'ok') {
          const first = check.split('\n').filter((l) => !l.startsWith('***'))[0] ?? check;
          throw Object.assign(new Error(`integrity check failed: ${first.slice(0, 160)}`), { code: 'SQLITE_CORRUPT' });
        }
      } else if (!memory) {
        db.pragma('auto_vacuum = INCREMENTAL');
      }
      configure(db, memory);
      migrate(db, VERSION);
      return { db, movedAside, movedReason };
    } catch (err) {
      try {
        db?.close();
      } catch {}
      if (err instanceof HistoryOpenError) throw err;
      if (!memory && attempt === 0 && DAMAGE_CODES.has(sqliteCode(err))) {
        aside('corrupt', `damaged (${errorMessage(err)})`);
        continue;
      }
      throw new HistoryOpenError(`cannot open history file ${path}: ${errorMessage(err)}`, 'unusable', { cause: err });
    }
  }
  throw new HistoryOpenError(`cannot open history file ${path}: it was replaced while opening`, 'unusable');
}

/**
 * Open an existing history file for reading only (`headroom history --file`): nothing is
 * created, migrated, moved or locked, so it is safe beside a running server.
 */
export function openStoreReadOnly(path: string): Db {
  let db: Db | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const { state } = classify(db);
    if (state !== 'ours') throw new Error('not a headroom history file');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== LATEST_VERSION) throw new Error(`schema ${version}; this headroom reads schema ${LATEST_VERSION}`);
    return db;
  } catch (err) {
    db?.close();
    throw new HistoryOpenError(`cannot read history file ${path}: ${errorMessage(err)}`, 'unusable', { cause: err });
  }
}
