/**
 * The history routes on a real engine (fake collectors, a real SQLite file in a temp dir):
 * series listing, columnar queries from the ring and from disk, events, process snapshots,
 * status, errors, OpenAPI, and a restart that keeps history. Plus the CLI against a live server.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHistory } from '../../src/cli/commands/history.js';
import type { AnyCollector } from '../../src/core/collector.js';
import { Engine } from '../../src/core/engine.js';
import { createApp } from '../../src/server/app.js';
import { ManualClock } from '../../src/core/clock.js';
import { startServer, type TestServer, testConfig } from '../helpers/server.js';
import { gauge, openHistory, setSpecs, tick } from './helpers.js';

const H = { host: '127.0.0.1:7700' };
let n = 0;
const alpha: AnyCollector = {
  name: 'alpha',
  description: 'fake alpha',
  interval: 0.05,
  metrics: [
    { name: 'value', path: 'value', unit: 'percent', kind: 'gauge', help: 'a value', precision: 1 },
    { name: 'per_core_pct', path: 'per_core_pct[core]', unit: 'percent', kind: 'gauge', help: 'per core', precision: 1 },
  ],
  collect: async () => {
    n++;
    return { value: n % 100, per_core_pct: [n % 7, n % 11] };
  },
};
const procs: AnyCollector = {
  name: 'process_monitor',
  description: 'fake processes',
  interval: 0.05,
  metrics: [],
  collect: async () => ({ available: true, top_processes: [{ pid: 1, name: 'init', rss_mb: 12.5 }] }),
};

let dir: string;
let engine: Engine | null = null;
let app: FastifyInstance | null = null;
let server: TestServer | null = null;

async function boot(): Promise<void> {
  const config = testConfig((c) => {
    c.history.path = join(dir, 'history.db');
  });
  engine = await Engine.create({ config, builtins: [alpha, procs], historyTuning: { flushEveryMs: 100 } });
  ({ app } = await createApp({ engine }));
  await engine.start();
}
const get = async (url: string) => {
  const res = await app!.inject({ url, headers: H });
  return { status: res.statusCode, body: res.json() };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-routes-'));
});
afterEach(async () => {
  await app?.close();
  await engine?.stop();
  await server?.close();
  app = null;
  engine = null;
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('history routes', () => {
  it('lists series with their declaration; queries them columnar from the ring and from disk', async () => {
    await boot();
    const t0 = Date.now();
    await sleep(600);
    const list = (await get('/api/history/series')).body.series;
    expect(list.map((s: { name: string }) => s.name)).toEqual([
      'alpha.per_core_pct{core="0"}',
      'alpha.per_core_pct{core="1"}',
      'alpha.value',
    ]);
    expect(list[2]).toMatchObject({ collector: 'alpha', metric: 'value', labels: {}, unit: 'percent', kind: 'gauge', help: 'a value', precision: 1 });
    expect(list[0].labels).toEqual({ core: '0' });

    const recent = await get(`/api/history?series=alpha.value&from=${t0 + 200}&step=1`);
    expect(recent.status).toBe(200);
    expect(recent.body.tier).toBe('ring');
    expect(recent.body.t.length).toBe(recent.body.series['alpha.value'].avg.length);

    const disk = await get('/api/history?series=alpha.value&series=alpha.per_core_pct&minutes=5&step=1');
    expect(disk.body.tier).toBe('raw');
    expect(Object.keys(disk.body.series)).toEqual(['alpha.value', 'alpha.per_core_pct{core="0"}', 'alpha.per_core_pct{core="1"}']);
    const v = disk.body.series['alpha.value'];
    expect(v.avg.filter((x: number | null) => x !== null).length).toBeGreaterThan(0);
    expect(v.avg.slice(0, 100).every((x: number | null) => x === null)).toBe(true); // before start: gaps
    const minute = await get('/api/history?series=alpha.value&from=-1h&step=60');
    expect(minute.body).toMatchObject({ tier: 'minute', step_ms: 60_000 });
    expect(minute.body.series['alpha.value'].max.some((x: number | null) => x !== null)).toBe(true);
  });

  it('refuses unknown series and unreadable parameters with a 400 naming them', async () => {
    await boot();
    await sleep(200);
    for (const [url, msg] of [
      ['/api/history?series=nope.x', /unknown series "nope.x"/],
      ['/api/history?series=alpha.value&from=yesterday', /from: cannot read "yesterday"/],
      ['/api/history?series=alpha.value&step=0', /step/],
      ['/api/history?series=alpha.value&from=-1h&to=-2h', /must be before/],
      ['/api/history', /series/],
      ['/api/history?series=alpha.value&bogus=1', /bogus/],
    ] as const) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.message, url).toMatch(msg);
    }
  });

  it('status reports the store; events and process snapshots are stored and served', async () => {
    await boot();
    engine!.history.appendEvent({ kind: 'alert', message: 'CPU above 95 %', severity: 'critical', source: 'cpu' });
    await sleep(400);
    const st = (await get('/api/status')).body.history;
    expect(st).toMatchObject({ enabled: true, state: 'ok', path: join(dir, 'history.db'), series: 3, last_error: null, events: 1 });
    expect(st.samples).toBeGreaterThan(0);
    expect(st.disk_bytes).toBeGreaterThan(0);
    expect(typeof st.last_flush).toBe('string');
    expect(st.tiers.raw.retention_s).toBe(86_400);
    const ev = (await get('/api/events?from=-1h')).body.events;
    expect(ev).toEqual([expect.objectContaining({ kind: 'alert', message: 'CPU above 95 %', severity: 'critical', source: 'cpu' })]);
    expect((await get('/api/events?kind=state')).body.events).toEqual([]);
    const snap = await get('/api/history/processes?at=now');
    expect(snap.status).toBe(200);
    expect(snap.body).toMatchObject({ source: 'process_monitor', data: { top_processes: [{ pid: 1, name: 'init', rss_mb: 12.5 }] } });
    expect((await get('/api/history/processes?at=2001-01-01T00:00:00Z')).body.ts).toBe(snap.body.ts); // the first one after
  });

  it('a restart keeps history; the routes are in /openapi.json', async () => {
    await boot();
    await sleep(500);
    await app!.close();
    await engine!.stop();
    const before = Date.now();
    await boot();
    const q = await get(`/api/history?series=alpha.value&from=${before - 5000}&to=${before}&step=1`);
    expect(q.body.tier).toBe('raw');
    expect(q.body.series['alpha.value'].avg.some((x: number | null) => x !== null)).toBe(true);
    const spec = (await get('/openapi.json')).body;
    for (const p of ['/api/history', '/api/history/series', '/api/events', '/api/history/processes'])
      expect(spec.paths[p]?.get?.responses['200'], p).toBeDefined();
  });

  it('reload applies a new history path, and enabled: false turns the store off', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `history:\n  path: ${join(dir, 'a.db')}\nplugin_dirs: []\n`);
    engine = await Engine.create({ flag: file, builtins: [alpha], historyTuning: { flushEveryMs: 100 } });
    ({ app } = await createApp({ engine }));
    await engine.start();
    await sleep(200);
    expect((await get('/api/status')).body.history).toMatchObject({ state: 'ok', path: join(dir, 'a.db') });
    writeFileSync(file, `history:\n  path: ${join(dir, 'b.db')}\n  retention: {raw: 2h}\nplugin_dirs: []\n`);
    expect((await app!.inject({ method: 'POST', url: '/reload', headers: H })).statusCode).toBe(200);
    const st = (await get('/api/status')).body.history;
    expect(st).toMatchObject({ state: 'ok', path: join(dir, 'b.db') });
    expect(st.tiers.raw.retention_s).toBe(7200);
    expect(existsSync(join(dir, 'a.db.lock'))).toBe(false);
    writeFileSync(file, 'history:\n  enabled: false\nplugin_dirs: []\n');
    expect((await app!.inject({ method: 'POST', url: '/reload', headers: H })).statusCode).toBe(200);
    expect((await get('/api/status')).body.history).toMatchObject({ enabled: false, state: 'off' });
  });

  it('history off (no path): the ring still answers', async () => {
    engine = await Engine.create({ config: testConfig(), builtins: [alpha] });
    ({ app } = await createApp({ engine }));
    await engine.start();
    await sleep(300);
    expect((await get('/api/status')).body.history).toMatchObject({ enabled: true, state: 'off', path: null });
    const q = await get('/api/history?series=alpha.value&minutes=1&step=1');
    expect(q.body.tier).toBe('ring');
  });
});

describe('headroom history --file (no server)', () => {
  it('reads a history file directly, read-only', async () => {
    const file = join(dir, 'h.db');
    const t = openHistory(file, { clock: new ManualClock(0, Date.now() - 600_000) });
    setSpecs(t, 'sim', [gauge('x', 1)]);
    for (let i = 0; i < 200; i++) {
      tick(t, 'sim', { x: i % 10 });
      t.clock.advance(2000);
    }
    t.h.flush();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    // The writer is still running (its lock is held): reading must work beside it.
    expect(await runHistory(['sim.x'], { file, since: '15m', step: '1m', table: true }, io)).toBe(0);
    expect(out.join('\n')).toMatch(/4\.5 \(0–9\)/);
    expect(await runHistory(['sim.nope'], { file }, io)).toBe(2);
    expect(await runHistory(['sim.x'], { file: join(dir, 'missing.db') }, io)).toBe(1);
    expect(err.join('\n')).toMatch(/unknown series "sim.nope"[\s\S]*cannot read history file .*missing\.db/);
    t.h.close();
  });
});

describe('headroom history (CLI) against a live server', () => {
  it('prints sparklines, a table, JSON; a clear error for unknown series or no server', async () => {
    server = await startServer({ collectors: [alpha], config: testConfig((c) => (c.history.path = join(dir, 'h.db'))) });
    await sleep(400);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await runHistory(['alpha.value'], { url: server.base, since: '1m', step: '1s', width: '40' }, io)).toBe(0);
    expect(out.join('\n')).toMatch(/alpha\.value\n {2}[▁▂▃▄▅▆▇█ ]+\n {2}min \d/);
    out.length = 0;
    expect(await runHistory(['alpha.per_core_pct'], { url: server.base, since: '10s', step: '5s', table: true }, io)).toBe(0);
    expect(out[0]).toMatch(/^time \(UTC\) +alpha\.per_core_pct\{core="0"\} +alpha\.per_core_pct\{core="1"\}/m);
    out.length = 0;
    expect(await runHistory(['alpha.value'], { url: server.base, json: true }, io)).toBe(0);
    expect(JSON.parse(out.join(''))).toHaveProperty('series');
    expect(await runHistory(['nope.x'], { url: server.base }, io)).toBe(2);
    expect(err.pop()).toMatch(/400: series: unknown series "nope.x"; GET \/api\/history\/series lists them/);
    expect(await runHistory(['alpha.value'], { url: 'http://127.0.0.1:9' }, io)).toBe(1);
    expect(err.pop()).toMatch(/cannot reach headroom at http:\/\/127\.0\.0\.1:9/);
  });
});
