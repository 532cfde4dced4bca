import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Value from 'typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyCollector } from '../../src/core/collector.js';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';
import { Engine } from '../../src/core/engine.js';
import { createApp } from '../../src/server/app.js';

const fake = (name: string, data: Record<string, unknown>, extra: Partial<AnyCollector> = {}): AnyCollector => ({
  name,
  description: `fake ${name}`,
  interval: 2,
  metrics: [{ name: 'value', path: 'value', unit: 'count', kind: 'gauge', help: 'a value' }],
  collect: async () => data,
  ...extra,
});

const builtins = [
  fake('host', { available: true, hostname: 'box', os: 'TestOS 1', kernel: '6.1.0', arch: 'x86_64', boot_time: '2026-01-01T00:00:00.000Z' }, { interval: 0 }),
  fake('alpha', { value: 1 }),
  fake('beta', { value: 2 }),
];

const ADMIN = 'admin-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';
const H = { host: '127.0.0.1:7700' };

let engine: Engine;
let app: FastifyInstance;
let dir: string;

async function boot(config: Config, extra: { configPath?: string } = {}): Promise<void> {
  engine = await Engine.create(
    extra.configPath ? { builtins, flag: extra.configPath } : { builtins, config },
  );
  await engine.scheduler.runOnce();
  ({ app } = await createApp({ engine }));
}

const defaults = () => Value.Default(ConfigSchema, {}) as Config;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-app-'));
});
afterEach(async () => {
  await app?.close();
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('read routes', () => {
  it('GET /api: ts, system from the host collector, headroom null, every payload', async () => {
    await boot(defaults());
    const res = await app.inject({ url: '/api', headers: H });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Date.parse(body.ts)).not.toBeNaN();
    expect(body.system).toEqual({ hostname: 'box', os: 'TestOS 1', kernel: '6.1.0', arch: 'x86_64' });
    expect(body.headroom).toBeNull();
    expect(body.metrics.alpha).toEqual({ value: 1 });
    expect(Object.keys(body.metrics).sort()).toEqual(['alpha', 'beta', 'host']);
  });

  it('GET /info and /api/status', async () => {
    await boot(defaults());
    const info = (await app.inject({ url: '/info', headers: H })).json();
    expect(info).toMatchObject({ hostname: 'box', os: 'TestOS 1', kernel: '6.1.0', arch: 'x86_64' });
    expect(info.uptime_s).toBeGreaterThan(0);
    const st = (await app.inject({ url: '/api/status', headers: H })).json();
    expect(st.enabled).toBe(true);
    expect(st.interval).toBe(2);
    expect(st.history_size).toBe(1800);
    expect(st.history_count).toBe(1);
    expect(st.plugins).toEqual(['alpha', 'beta', 'host']);
    expect(st.collectors.alpha).toMatchObject({ interval: 2, errors: 0, available: true });
    expect(typeof st.collectors.alpha.last_run).toBe('string');
  });

  it('/openapi.json lists every route with a response schema; /docs serves HTML', async () => {
    await boot(defaults());
    const spec = (await app.inject({ url: '/openapi.json', headers: H })).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const [path, method] of [
      ['/api', 'get'],
      ['/info', 'get'],
      ['/api/status', 'get'],
      ['/api/configure', 'post'],
      ['/reload', 'get'],
      ['/reload', 'post'],
    ] as const) {
      const op = spec.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.responses['200'].content['application/json'].schema, `${method} ${path}`).toBeDefined();
    }
    expect(spec.info.description).toMatch(/GET \/ws/); // OpenAPI cannot describe a WebSocket; documented here
    const docs = await app.inject({ url: '/docs/', headers: H });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/html/);
    expect(docs.body).not.toMatch(/https?:\/\/(unpkg|cdn)/);
  });

  it("/api shows a collector's brief form when it declares one; the cache keeps the full payload", async () => {
    engine = await Engine.create({
      builtins: [fake('big', { value: 1, rows: [1, 2, 3] }, { brief: ({ rows, ...rest }) => ({ ...rest, rows_omitted: (rows as unknown[]).length }) })],
      config: defaults(),
    });
    await engine.scheduler.runOnce();
    ({ app } = await createApp({ engine }));
    const body = (await app.inject({ url: '/api', headers: H })).json();
    expect(body.metrics.big).toEqual({ value: 1, rows_omitted: 3 });
    expect(engine.cache.get('big')?.data.rows).toEqual([1, 2, 3]);
  });

  it('/api text is rebuilt when a collector publishes, and equals the snapshot as an object', async () => {
    let n = 0;
    engine = await Engine.create({
      builtins: [fake('host', { hostname: 'box', os: 'TestOS 1', kernel: '6.1.0', arch: 'x86_64' }, { interval: 0 }), { ...fake('count', {}), collect: async () => ({ n: ++n, nested: { a: [1, null, 'x'] } }) }],
      config: defaults(),
    });
    await engine.scheduler.runOnce();
    ({ app } = await createApp({ engine }));
    const get = async () => {
      const res = await app.inject({ url: '/api', headers: H });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      return res;
    };
    const first = await get();
    const again = await get();
    // Nothing published in between: the same text but for the time of the response.
    expect(again.body.replace(/"ts":"[^"]*"/, '')).toBe(first.body.replace(/"ts":"[^"]*"/, ''));
    expect(first.json().metrics.count).toEqual({ n: 1, nested: { a: [1, null, 'x'] } });
    await engine.scheduler.runOnce();
    const after = (await get()).json();
    expect(after.metrics.count.n).toBe(2);
    const metrics = Object.fromEntries([...engine.cache.all()].map(([k, e]) => [k, engine!.briefOf(k, e.data)]));
    expect(after).toEqual({ ts: after.ts, system: engine.system(), headroom: null, metrics });
  });

  it('unknown routes get a clear 404', async () => {
    await boot(defaults());
    const res = await app.inject({ url: '/nope?x=1', headers: H });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'HEADROOM_ERR_NOT_FOUND', message: expect.stringContaining('GET /nope') });
  });
});

describe('POST /api/configure', () => {
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/configure', headers: { ...H, 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

  it('applies interval to every periodic collector, per-collector intervals, history size, on/off', async () => {
    await boot(defaults());
    let st = (await post({ interval: 1.5 })).json();
    expect(st.collectors.alpha.interval).toBe(1.5);
    expect(st.collectors.host.interval).toBe(0); // once-collectors keep their schedule
    expect(st.interval).toBe(1.5);
    st = (await post({ intervals: { beta: 7 }, history_size: 50 })).json();
    expect(st.collectors.beta.interval).toBe(7);
    expect(st.interval).toBeNull();
    expect(st.history_size).toBe(50);
    st = (await post({ plugins: { beta: false } })).json();
    expect(st.plugins).toEqual(['alpha', 'host']);
    expect((await app.inject({ url: '/api', headers: H })).json().metrics.beta).toBeUndefined();
    st = (await post({ enabled: false })).json();
    expect(st.enabled).toBe(false);
    expect((await app.inject({ url: '/api/status', headers: H })).json().enabled).toBe(false);
  });

  it.each([
    [{ interval: 0.5 }, /interval.*>= 1/],
    [{ intervals: { alpha: 0 } }, /intervals.alpha/],
    [{ intervals: { nope: 5 } }, /unknown collector\(s\): nope; known: alpha, beta, host/],
    [{ bogus: true }, /unknown field "bogus"/],
    [{}, /request|body/],
    [{ enabled: 'yes' }, /enabled/],
  ])('rejects %j with a 400 naming the field', async (payload, msg) => {
    await boot(defaults());
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(msg);
    expect((await app.inject({ url: '/api/status', headers: H })).json().collectors.alpha.interval).toBe(2);
  });

  it('rejects malformed JSON, wrong content types and oversized bodies', async () => {
    await boot(defaults());
    const bad = await app.inject({ method: 'POST', url: '/api/configure', headers: { ...H, 'content-type': 'application/json' }, payload: '{"interval": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HEADROOM_ERR_BAD_REQUEST');
    const big = await post({ intervals: { alpha: 5 }, pad: 'x'.repeat(70 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toMatch(/too large/);
    const form = await app.inject({ method: 'POST', url: '/api/configure', headers: { ...H, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'interval=5' });
    expect(form.statusCode).toBe(415);
  });
});

describe('security', () => {
  it('refuses a foreign Host on every route (DNS rebinding)', async () => {
    await boot(defaults());
    for (const url of ['/api', '/info', '/reload', '/docs/', '/nope']) {
      const res = await app.inject({ url, headers: { host: 'evil.example:7700' } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().code).toBe('HEADROOM_ERR_HOST');
    }
  });

  it('refuses cross-site browser requests to state-changing routes, allows our own origin and curl', async () => {
    await boot(defaults());
    const cross = await app.inject({ url: '/reload', headers: { ...H, 'sec-fetch-site': 'cross-site' } });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().code).toBe('HEADROOM_ERR_CROSS_SITE');
    const sameSite = await app.inject({ method: 'POST', url: '/reload', headers: { ...H, origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' } });
    expect(sameSite.statusCode).toBe(403);
    const foreign = await app.inject({ method: 'POST', url: '/api/configure', headers: { ...H, origin: 'http://evil.example', 'content-type': 'application/json' }, payload: '{"enabled":false}' });
    expect(foreign.statusCode).toBe(403);
    expect((await app.inject({ url: '/api/status', headers: H })).json().enabled).toBe(true);
    const own = await app.inject({ method: 'POST', url: '/reload', headers: { ...H, origin: 'http://127.0.0.1:7700', 'sec-fetch-site': 'same-origin' } });
    expect(own.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/reload', headers: H })).statusCode).toBe(200);
    // Reading is fine cross-site: no CORS headers are sent, so a page cannot read the answer.
    const read = await app.inject({ url: '/api', headers: { ...H, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('with tokens: 401 without, 401 wrong, read scope reads but cannot configure or reload, admin can', async () => {
    const config = Value.Default(ConfigSchema, {
      server: { tokens: [{ token: READ, scope: 'read' }, { token: ADMIN, scope: 'admin' }] },
    }) as Config;
    await boot(config);
    const none = await app.inject({ url: '/api', headers: H });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    expect((await app.inject({ url: '/api', headers: { ...H, authorization: 'Bearer wrong-token-xxxxxxxxxxxx' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api?token=' + READ, headers: H })).statusCode).toBe(401); // query token is for /ws only
    expect((await app.inject({ url: '/api', headers: { ...H, authorization: `Bearer ${READ}` } })).statusCode).toBe(200);
    const denied = await app.inject({ url: '/reload', headers: { ...H, authorization: `Bearer ${READ}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toMatch(/admin scope/);
    const conf = await app.inject({ method: 'POST', url: '/api/configure', headers: { ...H, authorization: `Bearer ${READ}`, 'content-type': 'application/json' }, payload: '{"enabled":false}' });
    expect(conf.statusCode).toBe(403);
    expect((await app.inject({ url: '/reload', headers: { ...H, authorization: `Bearer ${ADMIN}` } })).statusCode).toBe(200);
  });
});

describe('reload', () => {
  it('re-reads the file; a broken config is refused with its place and the old one keeps running', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'plugins:\n  beta: false\n');
    await boot(defaults(), { configPath: file });
    expect(engine.scheduler.names().sort()).toEqual(['alpha', 'host']);
    await writeFile(file, 'plugins:\n  beta: true\n  alpha: false\n');
    const ok = await app.inject({ method: 'POST', url: '/reload', headers: H });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok', plugins: ['beta', 'host'], config_path: file });
    await writeFile(file, 'plugins:\n  beta: true\nthresholds:\n  ram: {warn: "high"}\n');
    const bad = await app.inject({ url: '/reload', headers: H });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HEADROOM_ERR_CONFIG');
    expect(bad.json().message).toContain(`${file}:4:`);
    expect(bad.json().place).toMatch(new RegExp(`^${file}:4:\\d+$`));
    expect(engine.scheduler.names().sort()).toEqual(['beta', 'host']);
    expect((await app.inject({ url: '/api', headers: H })).statusCode).toBe(200);
  });
});
