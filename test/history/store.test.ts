/**
 * The store on a real SQLite file: restarts keep everything, the log replays after an abrupt
 * stop, rollups agree with the raw data, retention and the size cap hold.
 */
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryHistory } from '../../src/history/reader.js';
import { rollupAll } from '../../src/history/rollup.js';
import { gauge, openHistory, setSpecs, T0, type TestHistory, tick } from './helpers.js';
import { prng } from './sim.js';

let dir: string;
let path: string;
const open: TestHistory[] = [];
const start = (o: Parameters<typeof openHistory>[1] = {}) => {
  const t = openHistory(path, o);
  open.push(t);
  return t;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-hist-'));
  path = join(dir, 'history.db');
});
afterEach(() => {
  for (const t of open.splice(0)) t.h.close();
  rmSync(dir, { recursive: true, force: true });
});

const specs = [gauge('load_pct', 1), gauge('temp_c', 1), gauge('n')];

/** Feed `seconds` of 2-second samples; returns what was fed per series. */
function feed(t: TestHistory, seconds: number, flushEvery = 5) {
  const rnd = prng(9);
  const fed: Record<string, { t: number[]; v: number[] }> = { 'sim.load_pct': { t: [], v: [] }, 'sim.temp_c': { t: [], v: [] }, 'sim.n': { t: [], v: [] } };
  for (let s = 0; s < seconds; s += 2) {
    const data = { load_pct: Math.round(rnd() * 1000) / 10, temp_c: 40 + Math.round(rnd() * 50) / 10, n: Math.floor(rnd() * 4) };
    tick(t, 'sim', data);
    for (const [k, v] of Object.entries(data)) {
      fed[`sim.${k}`]!.t.push(t.clock.wallMs());
      fed[`sim.${k}`]!.v.push(v);
    }
    t.clock.advance(2000);
    if (s % flushEvery === 0) t.h.flush();
  }
  return fed;
}

describe('history store', () => {
  it('survives a clean restart: raw samples exact, rollups equal to a brute-force min/avg/max', () => {
    const a = start();
    setSpecs(a, 'sim', specs);
    const fed = feed(a, 3 * 3600);
    a.h.close();
    const b = start({ clock: a.clock });
    setSpecs(b, 'sim', specs);
    expect(b.h.status()).toMatchObject({ state: 'ok', series: 3 });
    const end = a.clock.wallMs();
    for (const [key, f] of Object.entries(fed)) {
      const raw = queryHistory(b.h, [key], T0, end, 2000);
      expect(raw.tier).toBe('raw');
      const got = raw.t.map((_, i) => raw.series[key]!.avg[i]).filter((x) => x !== null);
      expect(got).toEqual(f.v);
      for (const [step, tier] of [
        [60_000, 'minute'],
        [3_600_000, 'hour'],
      ] as const) {
        const q = queryHistory(b.h, [key], T0, end - 1, step);
        expect(q.tier).toBe(tier);
        const want = rollupAll(f.t, f.v, step);
        const cols = q.series[key]!;
        for (const w of want) {
          const i = q.t.indexOf(w.t);
          expect(cols.min[i], `${key} ${tier} min @${i}`).toBe(w.min);
          expect(cols.max[i], `${key} ${tier} max @${i}`).toBe(w.max);
          expect(cols.avg[i]!, `${key} ${tier} avg @${i}`).toBeCloseTo(w.avg, 2);
        }
      }
    }
  });

  it('after an abrupt stop (no final flush), reopening replays the log: only unflushed samples are lost', () => {
    const a = start();
    setSpecs(a, 'sim', specs);
    const fed = feed(a, 1800, 10);
    a.h.flush();
    tick(a, 'sim', { load_pct: 1, temp_c: 1, n: 1 }); // never flushed: lost
    // What a kill -9 leaves: committed transactions only. Close the handle without flushing.
    a.h.store!.db.close();
    unlinkSync(`${path}.lock`);
    a.h.writer = null;
    a.h.store = null;
    const b = start({ clock: a.clock });
    const q = queryHistory(b.h, ['sim.load_pct'], T0, a.clock.wallMs() + 1, 2000);
    expect(q.series['sim.load_pct']!.avg.filter((x) => x !== null)).toEqual(fed['sim.load_pct']!.v);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('keeps the pending log short: a clean close leaves it empty, open chunks are rotated to rows', () => {
    const a = start({ tuning: { flushEveryMs: 5000, checkpointEveryMs: 60_000 } });
    setSpecs(a, 'sim', specs);
    feed(a, 600);
    const pendingRows = (a.h.store!.db.prepare('SELECT count(*) AS n FROM pending').get() as { n: number }).n;
    expect(pendingRows).toBeLessThan(30);
    a.h.close();
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM pending').get() as { n: number }).n).toBe(0);
    db.close();
  });

  it('applies retention per tier and reports the oldest sample of each', () => {
    const a = start({ patch: (c) => (c.retention.raw = '1h') });
    setSpecs(a, 'sim', specs);
    feed(a, 4 * 3600, 30);
    a.h.flush(true);
    a.h.maintain();
    const st = a.h.status();
    const oldestRaw = Date.parse(st.tiers.raw!.oldest!);
    // Whole chunks go once their newest sample is past the cutoff.
    expect(oldestRaw).toBeGreaterThan(a.clock.wallMs() - 3_600_000 - 6 * 3_600_000);
    expect(Date.parse(st.tiers.minute!.oldest!)).toBe(T0);
    const q = queryHistory(a.h, ['sim.n'], T0, a.clock.wallMs(), 2000);
    expect(q.tier).not.toBe('raw'); // raw does not reach back 4 h any more
  });

  it('enforces max_size_mb by dropping the oldest data, never the last hour', () => {
    const a = start({ patch: (c) => (c.max_size_mb = 1) });
    const many = Array.from({ length: 40 }, (_, i) => gauge(`s${i}`, 3));
    setSpecs(a, 'big', many);
    const rnd = prng(3);
    for (let s = 0; s < 6 * 3600; s += 2) {
      tick(a, 'big', Object.fromEntries(many.map((m) => [m.name, rnd() * 1000])));
      a.clock.advance(2000);
      if (s % 60 === 0) a.h.flush();
    }
    a.h.flush(true);
    a.h.maintain();
    const st = a.h.status();
    expect(st.disk_bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(st.over_cap).toBe(false);
    expect(Date.parse(st.tiers.raw!.oldest!)).toBeGreaterThan(T0);
    const lastHour = queryHistory(a.h, ['big.s0'], a.clock.wallMs() - 3_600_000, a.clock.wallMs(), 2000);
    expect(lastHour.series['big.s0']!.avg.filter((x) => x !== null).length).toBeGreaterThan(1700);
  });

  it('forgets a series once it has been silent longer than every retention', () => {
    const a = start({ patch: (c) => Object.assign(c.retention, { raw: '1h', minute: '2h', hour: '3h' }) });
    setSpecs(a, 'sim', specs);
    setSpecs(a, 'gone', [gauge('x', 0)]);
    tick(a, 'gone', { x: 1 });
    feed(a, 4 * 3600, 30);
    a.h.flush(true);
    a.h.maintain();
    expect(a.h.status().series).toBe(3);
    expect(a.h.writer!.byKey.has('gone.x')).toBe(false);
  });

  it('drops samples whose time does not move forward, and counts them', () => {
    const a = start();
    setSpecs(a, 'sim', specs);
    tick(a, 'sim', { n: 1 });
    tick(a, 'sim', { n: 2 });
    expect(a.h.status().dropped_samples).toBe(1);
  });

  it('stores events and process snapshots', () => {
    const a = start();
    a.h.appendEvent({ kind: 'alert', message: 'RAM above 85 %', severity: 'critical', source: 'ram', data: { pct: 91 } });
    a.clock.advance(1000);
    a.h.appendEvent({ kind: 'state', message: 'GO → HOLD' });
    expect(a.h.events.list(T0 - 1, T0 + 5000, null, 10).map((e) => e.message)).toEqual(['GO → HOLD', 'RAM above 85 %']);
    a.h.flush();
    a.h.close();
    const b = start({ clock: a.clock });
    const ev = b.h.events.list(T0 - 1, T0 + 5000, 'alert', 10);
    expect(ev).toEqual([{ ts: T0, kind: 'alert', source: 'ram', severity: 'critical', message: 'RAM above 85 %', data: { pct: 91 } }]);
    expect(b.h.status().events).toBe(2);
  });
});
