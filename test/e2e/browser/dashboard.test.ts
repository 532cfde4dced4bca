/**
 * The dashboard in a real browser (Debian chromium via playwright-core) against a real server.
 * The `headroom` collector is the real one, ticking every 0.5 s (fast-headroom.ts).
 *
 * Screenshots go to a temp dir (removed afterwards); with UPDATE_SCREENSHOTS=1 they are written
 * to docs/ (the README shows them). Timing is never asserted: waits only bound how long we look.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../helpers/server.js';
import { fixtureHost } from '../../helpers/collector-context.js';
import { type Browser, type DashServer, openBrowser, signal, skipReason, startDashServer, type Win } from './browser.js';
import { fastHeadroom } from './fast-headroom.js';

const shots = mkdtempSync(join(tmpdir(), 'headroom-shots-'));
const publish = process.env.UPDATE_SCREENSHOTS === '1';
const FAVICON_FILL: Record<string, string> = { GO: '#3fb950', EASE_IN: '#e3a52b', HOLD: '#f85149' };

if (skipReason) console.warn(`browser tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('dashboard in chromium', { timeout: 90_000 }, () => {
  let browser: Browser | null = null;
  const servers: DashServer[] = [];

  afterEach(async () => {
    await browser?.close();
    browser = null;
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(() => {
    if (!publish) {
      rmSync(shots, { recursive: true, force: true });
      return;
    }
    mkdirSync(join(projectRoot, 'docs'), { recursive: true });
    for (const f of ['dashboard-dark.png', 'dashboard-light.png', 'dashboard-phone.png', 'dashboard-hold.png'])
      copyFileSync(join(shots, f), join(projectRoot, 'docs', f));
    rmSync(shots, { recursive: true, force: true });
  });

  async function shoot(name: string, fullPage = false): Promise<void> {
    await browser!.page.screenshot({ path: join(shots, name), fullPage });
  }

  it('loads with no console error and no request leaving the origin; the strip shows the server state', { timeout: publish ? 240_000 : 90_000 }, async () => {
    const server = await startDashServer({ extra: [fastHeadroom()] });
    servers.push(server);
    browser = await openBrowser();
    const { page } = browser;
    const res = await page.goto(`${server.base}/`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");

    // The badge shows what the server says (compared to the server's own latest payload).
    await expect
      .poll(async () => (await signal(page)).state, { timeout: 15_000 })
      .toBe(server.engine.cache.get('headroom')?.data.state);
    // The RAM figure is the server's ram_pct, rounded as the strip rounds it.
    await expect
      .poll(
        async () => {
          const shown = await page.locator('.fig[data-key="ram"] .fig-value').textContent();
          const pct = server.engine.cache.get('ram_monitor')?.data.ram_pct as number;
          return Math.abs(Number.parseFloat(shown ?? 'NaN') - pct) <= 1;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await expect.poll(async () => page.locator('.link').getAttribute('data-link'), { timeout: 15_000 }).toBe('live');
    // Panels for absent sources say so instead of showing numbers.
    await expect(page.locator('#panel-gpu .na').textContent()).resolves.toMatch(/not available/);
    // Keyboard: the badge is focusable and its reason becomes visible on focus.
    await page.focus('#state-badge');
    await expect(page.locator('#badge-reason').isVisible()).resolves.toBe(true);
    await page.locator('body').click({ position: { x: 600, y: 700 } });
    if (publish) {
      // For the README: a few minutes of real samples on the 5-minute range.
      await page.click('button.range[data-range="5m"]');
      await page.waitForTimeout(150_000);
    }
    await shoot('dashboard-dark.png');

    const origin = new URL(server.base).origin;
    const wsOrigin = origin.replace(/^http/, 'ws');
    const foreign = browser.requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(`${wsOrigin}/`));
    expect(foreign).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('HOLD on one fixture host, then GO after the server restarts on another: badge, favicon and title follow', async () => {
    // workstation-zram-nfs: RAM 84.9% + 8% drill > 85% critical → HOLD; debian12-vm-2c: RAM 1.7% → GO.
    const a = await startDashServer({ roots: fixtureHost('workstation-zram-nfs'), extra: [fastHeadroom()] });
    servers.push(a);
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(`${a.base}/`);
    await expect.poll(async () => (await signal(page)).state, { timeout: 15_000 }).toBe('HOLD');
    let s = await signal(page);
    expect(s.icon).toBe('/favicon-HOLD.svg');
    expect(s.title).toMatch(/^HOLD · dana-ws/);
    // The favicon file really is a red circle.
    const holdIcon = await page.evaluate(async (href) => (await fetch(href)).text(), s.icon!);
    expect(holdIcon).toContain(`fill="${FAVICON_FILL.HOLD}"`);
    await expect(page.locator('.hbar[data-tone="red"] .hb-formula').first().textContent()).resolves.toMatch(
      /^now 84\.9% \+ 8δ → 92\.9% · crit 85%$/,
    );
    await shoot('dashboard-hold.png');

    // Restart on the same port with another host: the page reconnects by itself.
    const port = a.port;
    await a.close();
    servers.splice(servers.indexOf(a), 1);
    await expect.poll(async () => page.locator('.link').getAttribute('data-link'), { timeout: 15_000 }).not.toBe('live');
    const b = await startDashServer({ roots: fixtureHost('debian12-vm-2c'), extra: [fastHeadroom()], port });
    servers.push(b);
    await expect.poll(async () => (await signal(page)).state, { timeout: 30_000 }).toBe('GO');
    s = await signal(page);
    expect(s.icon).toBe('/favicon-GO.svg');
    expect(s.title).toMatch(/^GO · vm/);
    const goIcon = await page.evaluate(async (href) => (await fetch(href)).text(), s.icon!);
    expect(goIcon).toContain(`fill="${FAVICON_FILL.GO}"`);
    await expect.poll(async () => page.locator('.link').getAttribute('data-link'), { timeout: 15_000 }).toBe('live');
  });

  it('charts draw history and live data; a range button asks the history API again', async () => {
    const server = await startDashServer({ extra: [fastHeadroom()] });
    servers.push(server);
    browser = await openBrowser();
    const { page } = browser;
    const history: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/history?') && r.status() === 200) history.push(r.url());
    });
    await page.goto(`${server.base}/`);
    // Five minutes: a fresh server's few samples then span a visible part of the chart.
    await page.click('button.range[data-range="5m"]');
    const cpuChart = page.locator('#panel-cpu .chart');
    await expect.poll(async () => Number(await cpuChart.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(8);
    expect(history.some((u) => u.includes('cpu_monitor.aggregate_pct') && u.includes('from=-5m'))).toBe(true);
    // Pixels of the "busy" series colour (line or its fill) are on the canvas: drawn, not just loaded.
    const drawn = await page.evaluate(() => {
      const w = globalThis as unknown as Win;
      const canvas = w.document.querySelector('#panel-cpu .chart canvas')!;
      const want = w.getComputedStyle(w.document.documentElement).getPropertyValue('--c1').trim();
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(want.slice(i, i + 2), 16));
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hits = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i + 3]! > 30 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 60) hits++;
      return hits;
    });
    expect(drawn).toBeGreaterThan(100);
    const before = history.length;
    await page.click('button.range[data-range="24h"]');
    await expect.poll(() => history.slice(before).some((u) => u.includes('from=-24h')), { timeout: 10_000 }).toBe(true);
    await expect(page.locator('button.range[data-range="24h"]').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(browser.errors).toEqual([]);
  });

  it('falls back to polling /api when the WebSocket is refused, and goes live again once it is accepted', async () => {
    const server = await startDashServer({ extra: [fastHeadroom()] });
    servers.push(server);
    server.refuseWs.on = true;
    browser = await openBrowser();
    const { page } = browser;
    let polls = 0;
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api' && r.status() === 200) polls++;
    });
    await page.goto(`${server.base}/`);
    await expect.poll(async () => page.locator('.notice').textContent(), { timeout: 15_000 }).toMatch(/live link lost — polling/);
    expect(await page.locator('.link').getAttribute('data-link')).toBe('polling');
    // Data keeps coming by polling and is current, not stale.
    await expect.poll(() => polls, { timeout: 15_000 }).toBeGreaterThan(2);
    await expect.poll(async () => (await signal(page)).state, { timeout: 15_000 }).toMatch(/^(GO|EASE_IN|HOLD)$/);
    expect(await page.locator('#panel-cpu').getAttribute('class')).not.toContain('is-stale');

    server.refuseWs.on = false;
    await expect.poll(async () => page.locator('.link').getAttribute('data-link'), { timeout: 30_000 }).toBe('live');
    await expect(page.locator('.notice').textContent()).resolves.toBe('');
  });

  it('asks for the token when the server requires one, then shows its data', async () => {
    const server = await startDashServer({
      extra: [fastHeadroom()],
      config: (c) => {
        c.server.tokens = [{ name: 'dash', token: 'test-token-123456', scope: 'admin' }] as typeof c.server.tokens;
      },
    });
    servers.push(server);
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(`${server.base}/`);
    // The page itself is public; the data is not: the settings dialog opens on the token field.
    await expect.poll(async () => page.locator('dialog.settings').evaluate((d) => (d as unknown as { open: boolean }).open), { timeout: 15_000 }).toBe(true);
    expect((await signal(page)).state).toBe('NONE');
    await page.fill('#set-token', 'test-token-123456');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await signal(page)).state, { timeout: 15_000 }).toMatch(/^(GO|EASE_IN|HOLD)$/);
    await expect.poll(async () => page.locator('.link').getAttribute('data-link'), { timeout: 15_000 }).toBe('live');
    // Only the 401s of the first load, before the token, are logged by the browser.
    expect(browser.errors.filter((e) => !/401|Unauthorized|WebSocket/.test(e))).toEqual([]);
  });

  it('light theme and a phone-width screen', async () => {
    const server = await startDashServer({ extra: [fastHeadroom()] });
    servers.push(server);
    browser = await openBrowser({ width: 390, height: 844 });
    const { page } = browser;
    await page.goto(`${server.base}/`);
    await expect.poll(async () => (await signal(page)).state, { timeout: 15_000 }).toMatch(/^(GO|EASE_IN|HOLD)$/);
    // Nothing wider than the screen: no horizontal scrolling on a phone.
    await page.waitForTimeout(2500);
    expect(await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot('dashboard-phone.png');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.click('button[aria-label="switch light or dark theme"]');
    expect(await page.evaluate(() => (globalThis as unknown as Win).document.documentElement.dataset.theme)).toBe('light');
    await page.waitForTimeout(500);
    await shoot('dashboard-light.png');
    expect(readFileSync(join(shots, 'dashboard-light.png')).length).toBeGreaterThan(10_000);
    expect(browser.errors).toEqual([]);
  });
});
