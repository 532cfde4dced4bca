/**
 * What is at the path is not always ours, and disks fail: a foreign or damaged file is moved
 * aside (never overwritten), a newer file is kept, a second writer is refused, and a read-only
 * or full file system turns into a status error while live monitoring goes on. The mount cases
 * need root (tmpfs mounts) and are skipped elsewhere.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryHistory } from '../../src/history/reader.js';
import { canMount, gauge, mountTmpfs, openHistory, setSpecs, type TestHistory, tick, umount } from './helpers.js';

let dir: string;
let path: string;
const open: TestHistory[] = [];
const mounts: string[] = [];
const start = (p = path, o: Parameters<typeof openHistory>[1] = {}) => {
  const t = openHistory(p, o);
  open.push(t);
  return t;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-faults-'));
  path = join(dir, 'history.db');
});
afterEach(() => {
  for (const t of open.splice(0)) t.h.close();
  for (const m of mounts.splice(0)) umount(m);
  rmSync(dir, { recursive: true, force: true });
});

const aside = (kind: string) => readdirSync(dir).filter((f) => f.startsWith(`history.db.${kind}-`) && !f.endsWith('-wal') && !f.endsWith('-shm'));

describe('a file that is not ours', () => {
  it('a path in directories that do not exist yet: they are created', () => {
    const t = start(join(dir, 'a', 'b', 'history.db'));
    expect(t.h.status()).toMatchObject({ state: 'ok', last_error: null });
    expect(existsSync(join(dir, 'a', 'b', 'history.db'))).toBe(true);
  });

  it('a text file is moved aside with a clear message, untouched, and a new store is created', () => {
    writeFileSync(path, 'my notes, not a database\n');
    const t = start();
    const moved = aside('foreign');
    expect(moved).toHaveLength(1);
    expect(readFileSync(join(dir, moved[0]!), 'utf8')).toBe('my notes, not a database\n');
    expect(t.h.status()).toMatchObject({ state: 'ok', moved_aside: join(dir, moved[0]!) });
    expect(t.logs.join('\n')).toMatch(/was not an SQLite database; moved it to .*history\.db\.foreign-.* and started a new history file/);
  });

  it("another program's SQLite database is moved aside with its data intact", () => {
    const db = new Database(path);
    db.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')");
    db.close();
    const t = start();
    const moved = aside('foreign');
    expect(moved).toHaveLength(1);
    const kept = new Database(join(dir, moved[0]!), { readonly: true });
    expect(kept.prepare('SELECT name FROM users').all()).toEqual([{ name: 'ada' }]);
    kept.close();
    expect(t.h.status().state).toBe('ok');
  });

  it('a damaged history file is moved aside as corrupt', () => {
    const a = start();
    setSpecs(a, 'sim', [gauge('x', 1)]);
    for (let i = 0; i < 3000; i++) {
      tick(a, 'sim', { x: i % 100 });
      a.clock.advance(2000);
      if (i % 50 === 0) a.h.flush();
    }
    a.h.close();
    open.length = 0;
    const bytes = readFileSync(path);
    const garbage = Buffer.alloc(bytes.length - 4096, 0xa5);
    writeFileSync(path, Buffer.concat([bytes.subarray(0, 4096), garbage]));
    const b = start();
    expect(aside('corrupt')).toHaveLength(1);
    expect(b.h.status()).toMatchObject({ state: 'ok', series: 0 });
    expect(b.logs.join('\n')).toMatch(/was damaged .*moved it to .*history\.db\.corrupt-/);
  });

  it('a file from a newer headroom is kept as it is and history stays off', () => {
    start().h.close();
    open.length = 0;
    const db = new Database(path);
    db.pragma('user_version = 999');
    db.close();
    const before = readFileSync(path);
    const t = start();
    expect(t.h.status()).toMatchObject({ state: 'error', last_error: expect.stringMatching(/newer headroom \(schema 999/) });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(aside('foreign')).toHaveLength(0);
  });

  it('a second writer on the same file is refused', () => {
    start();
    const second = start();
    expect(second.h.status()).toMatchObject({ state: 'error', last_error: expect.stringMatching(/in use by another headroom process/) });
  });
});

describe.skipIf(!canMount)('file system failures (tmpfs mounts, root)', () => {
  it('read-only path: status reports the error, the ring still answers', () => {
    const ro = join(dir, 'ro');
    expect(mountTmpfs(ro, 'ro,size=1m')).toBe(true);
    mounts.push(ro);
    const t = start(join(ro, 'history.db'));
    expect(t.h.status()).toMatchObject({ state: 'error', last_error: expect.stringMatching(/read-only|EROFS/i) });
    setSpecs(t, 'sim', [gauge('x', 1)]);
    tick(t, 'sim', { x: 5 });
    const now = t.clock.wallMs();
    const q = queryHistory(t.h, ['sim.x'], now - 1, now + 1, 1000);
    expect(q.tier).toBe('ring');
    expect(q.series['sim.x']!.avg).toContain(5);
  });

  it('disk full: flushes fail and say so, data waits in memory, writing resumes when space returns', () => {
    const small = join(dir, 'small');
    expect(mountTmpfs(small, 'size=160k')).toBe(true);
    mounts.push(small);
    const file = join(small, 'history.db');
    const t = start(file);
    expect(t.h.status().state).toBe('ok');
    const specs = Array.from({ length: 30 }, (_, i) => gauge(`s${i}`, 3));
    setSpecs(t, 'big', specs);
    let failed = false;
    for (let i = 0; i < 4000 && !failed; i++) {
      tick(t, 'big', Object.fromEntries(specs.map((s, k) => [s.name, Math.sin(i * (k + 1)) * 1000])));
      t.clock.advance(2000);
      if (i % 10 === 0) failed = !t.h.flush();
    }
    expect(failed).toBe(true);
    expect(t.h.status()).toMatchObject({ state: 'error', last_error: expect.stringMatching(/full/i) });
    expect(spawnSync('mount', ['-o', 'remount,size=20m', small]).status).toBe(0);
    expect(t.h.flush()).toBe(true);
    expect(t.h.status().state).toBe('ok');
    t.h.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
