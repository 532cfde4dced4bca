import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/core/config/schema.js';
import { Engine } from '../../src/core/engine.js';
import { createApp } from '../../src/server/app.js';
import { DASHBOARD_CSP } from '../../src/server/routes/dashboard.js';
import { counter, testConfig } from '../helpers/server.js';

/**
 * Serving the dashboard: a small built tree in a temp dir stands for dist/web (the real build is
 * exercised by test/e2e/browser). Headers, caching, the token rule and the not-built fallback.
 */
const H = { host: '127.0.0.1:7700' };
const TOKEN = 'dash-token-0123456789abcdef';
let app: FastifyInstance | null = null;
let engine: Engine | null = null;
const dirs: string[] = [];

function builtTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-web-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>headroom</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon-GO.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

async function boot(dashboardDir: string | null, patch?: (c: Config) => void): Promise<FastifyInstance> {
  engine = await Engine.create({ config: testConfig((c) => {
    c.history.enabled = false;
    patch?.(c);
  }), builtins: [counter('alpha', 10)] });
  ({ app } = await createApp({ engine, dashboardDir }));
  return app;
}

afterEach(async () => {
  await app?.close();
  await engine?.stop();
  app = engine = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('dashboard files', () => {
  it('GET / is index.html with a strict CSP and no-cache', async () => {
    const a = await boot(builtTree());
    const res = await a.inject({ url: '/', headers: H });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('/assets/index-abc123.js');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('hashed assets are immutable for a year; other files revalidate', async () => {
    const a = await boot(builtTree());
    const js = await a.inject({ url: '/assets/index-abc123.js', headers: H });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await a.inject({ url: '/favicon-GO.svg', headers: H });
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.headers['cache-control']).toBe('no-cache');
    // A conditional request is answered 304 (ETag).
    const again = await a.inject({ url: '/', headers: { ...H, 'if-none-match': String((await a.inject({ url: '/', headers: H })).headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('unknown paths keep the API 404 (JSON), and traversal gets nothing', async () => {
    const a = await boot(builtTree());
    const res = await a.inject({ url: '/assets/nope.js', headers: H });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'HEADROOM_ERR_NOT_FOUND' });
    const up = await a.inject({ url: '/assets/../../../etc/passwd', headers: H });
    expect(up.statusCode).toBe(404);
    expect(up.body).not.toContain('root:');
  });

  it('with tokens configured the page loads without one (it asks), the data does not', async () => {
    const a = await boot(builtTree(), (c) => {
      c.server.tokens = [{ name: 't', token: TOKEN, scope: 'read' }] as Config['server']['tokens'];
    });
    expect((await a.inject({ url: '/', headers: H })).statusCode).toBe(200);
    expect((await a.inject({ url: '/assets/index-abc123.js', headers: H })).statusCode).toBe(200);
    expect((await a.inject({ url: '/api', headers: H })).statusCode).toBe(401);
    expect((await a.inject({ url: '/api', headers: { ...H, authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('the Host allow-list still applies to the dashboard files (DNS rebinding)', async () => {
    const a = await boot(builtTree());
    const res = await a.inject({ url: '/', headers: { host: 'evil.example:7700' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'HEADROOM_ERR_HOST' });
  });

  it('not built: a plain page that says how to build, with the same CSP', async () => {
    const a = await boot(null);
    const res = await a.inject({ url: '/', headers: H });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build');
    expect(res.body).not.toContain('<script');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
  });
});
