/**
 * Browser-test helpers: Debian's chromium driven by playwright-core, and a real headroom server
 * (Engine + createApp on 127.0.0.1) over chosen host roots, with the built dashboard.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { builtinCollectors } from '../../../src/collectors/index.js';
import type { AnyCollector } from '../../../src/core/collector.js';
import type { Config } from '../../../src/core/config/schema.js';
import { Engine } from '../../../src/core/engine.js';
import type { HostRoots } from '../../../src/host/hostfs.js';
import { createApp } from '../../../src/server/app.js';
import { findDashboardDir } from '../../../src/server/routes/dashboard.js';
import { testConfig } from '../../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Why the browser tests skip, or null when they run. */
export const skipReason = hasChromium
  ? findDashboardDir() === null
    ? 'the dashboard is not built (npm run build)'
    : null
  : `${CHROMIUM} is absent (apt-get install chromium)`;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Every URL the page requested (documents, scripts, fetches, WebSocket). */
  requests: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 720 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'headroom-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  // The browser's "Failed to load resource" line has no URL: name the failing request too.
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  page.on('websocket', (ws) => requests.push(ws.url()));
  return {
    context,
    page,
    errors,
    requests,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface DashServer {
  engine: Engine;
  base: string;
  port: number;
  /** While true, WebSocket upgrades are refused with 503 (the polling fallback test). */
  refuseWs: { on: boolean };
  close(): Promise<void>;
}

/**
 * A real server: the built-in collectors (plus `extra`, replacing built-ins of the same name)
 * over `roots`, history in a temp dir, on 127.0.0.1 (`port` 0 = any free one).
 */
export async function startDashServer(opts: {
  roots?: HostRoots;
  extra?: AnyCollector[];
  port?: number;
  config?: (c: Config) => void;
}): Promise<DashServer> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-dash-'));
  const config = testConfig((c) => {
    c.history.path = join(dir, 'history.db');
    opts.config?.(c);
  });
  const extra = opts.extra ?? [];
  const builtins = [...builtinCollectors.filter((b) => !extra.some((e) => e.name === b.name)), ...extra];
  const engine = await Engine.create({ config, builtins, ...(opts.roots ? { roots: opts.roots } : {}) });
  const { app } = await createApp({ engine });
  const refuseWs = { on: false };
  app.addHook('onRequest', async (req, reply) => {
    if (refuseWs.on && req.url.startsWith('/ws'))
      return reply.code(503).send({ statusCode: 503, code: 'TEST_REFUSED', error: 'Service Unavailable', message: 'refused by the test' });
  });
  await engine.start();
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    engine,
    port,
    base: `http://127.0.0.1:${port}`,
    refuseWs,
    close: async () => {
      await app.close();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The few browser globals the tests' page functions use, typed here because the test project is
 * compiled without the DOM library (it would change timer types for the server code).
 */
interface El {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
export interface Win {
  document: {
    getElementById(id: string): El | null;
    querySelector(sel: string): (El & { width: number; height: number; getContext(kind: '2d'): Ctx2d | null; open?: boolean }) | null;
    documentElement: { scrollWidth: number; dataset: Record<string, string | undefined> };
    title: string;
  };
  getComputedStyle(el: unknown): { getPropertyValue(name: string): string };
}
interface Ctx2d {
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
/** The badge's state attribute and text, the favicon link and the title. */
export async function signal(page: Page): Promise<{ state: string | null; text: string; icon: string | null; title: string }> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as Win).document;
    return {
      state: d.getElementById('state-badge')?.getAttribute('data-state') ?? null,
      text: d.getElementById('state-badge')?.textContent ?? '',
      icon: d.getElementById('favicon')?.getAttribute('href') ?? null,
      title: d.title,
    };
  });
}
