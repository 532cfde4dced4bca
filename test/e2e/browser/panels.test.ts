/**
 * The panels built against the shared payload contracts of collectors that other issues deliver
 * (gpu_monitor, power_monitor, ups_monitor, ollama_monitor, ollama_tokens). Until they land, test
 * doubles return the contract shapes (SPEC §2.2 and the lead's contracts) so the panels are seen
 * to render them; and the interactive parts (process table, settings) against the real server.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyCollector, Payload } from '../../../src/core/collector.js';
import type { ServicesResponse } from '../../../src/shared/protocol-services.js';
import { idleStateText, serviceCells, sortServices } from '../../../web/src/services-model.js';
import { fixtureHost } from '../../helpers/collector-context.js';
import { type Browser, type DashServer, openBrowser, skipReason, startDashServer } from './browser.js';
import { fastHeadroom } from './fast-headroom.js';

const double = (name: string, payload: (n: number) => Payload): AnyCollector => {
  let n = 0;
  return { name, description: `TEST DOUBLE of ${name} (contract shape)`, interval: 0.5, metrics: [], collect: async () => payload(++n) };
};

const gpu = double('gpu_monitor', (n) => {
  const g = {
    index: 0,
    name: 'NVIDIA GeForce RTX 4090',
    uuid: 'GPU-6a1f',
    vendor: 'nvidia',
    util_pct: 40 + (n % 20),
    mem_util_pct: 12,
    vram_used_gb: 18.2,
    vram_total_gb: 24,
    vram_pct: 75.8,
    temp_c: 61,
    power_w: 212.5,
    power_limit_w: 450,
    fan_pct: 38,
    clocks: { sm_mhz: 2520, mem_mhz: 10501 },
    processes: [
      { pid: 1350, name: 'ollama', user: 'ollama', service: 'ollama.service', vram_mb: 10360 },
      { pid: 301442, name: 'python3', user: 'dana', service: null, vram_mb: 7200 },
    ],
  };
  return { available: true, util_pct: g.util_pct, vram_used_gb: 18.2, vram_total_gb: 24, vram_pct: 75.8, temp_c: 61, power_w: 212.5, gpus: [g] };
});
const power = double('power_monitor', () => ({
  available: true,
  package_w: 48.3,
  on_battery: false,
  ac_online: true,
  battery_pct: null,
  battery_power_w: null,
  thermal_pressure: 'fair',
  rapl: { package_w: 48.3, dram_w: 4.1 },
  batteries: [],
  temps: [
    { label: 'Tctl', temp_c: 71.5, crit_c: 95 },
    { label: 'nvme0', temp_c: 44, crit_c: 84 },
  ],
  fans: [{ label: 'cpu_fan', rpm: 1180 }],
  throttle: {},
  reasons: {},
}));
const ups = double('ups_monitor', () => ({
  available: true,
  ups_available: true,
  ups_load_pct: 37,
  ups_realpower_w: 333,
  input_voltage: 123,
  battery_charge_pct: 100,
  battery_runtime_m: 16.8,
  ups_status: 'ONLINE',
  on_battery: true,
  low_battery: false,
  power_climbing: false,
  driver: 'apcupsd',
}));
const ollama = double('ollama_monitor', () => ({
  available: true,
  loaded_models: [
    { name: 'qwen2.5:14b', family: 'qwen2', params: '14.8B', quantization: 'Q4_K_M', size_vram_gb: 10.12, context_length: 4096, expires_in_s: null },
  ],
  total_models: 16,
  total_vram_gb: 10.12,
}));
const tokens = double('ollama_tokens', (n) => ({
  available: true,
  completion_tokens_per_s: 41 + (n % 3),
  prompt_tokens_per_s: 220,
  completion_tokens_total: 1000 * n,
  prompt_tokens_total: 5000 * n,
  generating: true,
  per_model: {},
}));

describe.skipIf(skipReason !== null)('dashboard panels in chromium', { timeout: 90_000 }, () => {
  let browser: Browser | null = null;
  let server: DashServer | null = null;
  afterEach(async () => {
    await browser?.close();
    await server?.close();
    browser = null;
    server = null;
  });

  it('GPU, power, UPS and LLM panels and strip figures render the contract shapes', async () => {
    server = await startDashServer({ extra: [fastHeadroom(), gpu, power, ups, ollama, tokens] });
    browser = await openBrowser({ width: 1440, height: 900 });
    const { page } = browser;
    await page.goto(`${server.base}/`);
    const strip = (key: string) => page.locator(`.fig[data-key="${key}"]`).textContent();
    await expect.poll(() => strip('vram'), { timeout: 15_000 }).toMatch(/^VRAM76%$/);
    await expect.poll(() => strip('ups'), { timeout: 15_000 }).toBe('⚡ON BATTERY');
    await expect.poll(() => strip('llm'), { timeout: 15_000 }).toMatch(/^LLMqwen2\.5:14b4[123] tok\/s$/);
    expect(await strip('pwr')).toBe('PWR48.3 W');

    const gpuCard = page.locator('#panel-gpu .gpu-card');
    await expect.poll(() => gpuCard.locator('h3').textContent(), { timeout: 10_000 }).toBe('0 · NVIDIA GeForce RTX 4090 (nvidia)');
    expect(await gpuCard.locator('.meter .m-value').textContent()).toBe('18.2 GB / 24.0 GB');
    expect(await gpuCard.locator('tbody tr').first().textContent()).toBe('1350ollama (ollama.service)ollama10.4 GB');
    // Utilisation draws, with temperature on its own axis.
    await expect.poll(async () => Number(await gpuCard.locator('.chart').getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(4);

    expect(await page.locator('#panel-power .temps .meter').first().textContent()).toBe('Tctl72 °C');
    expect(await page.locator('#panel-ups .stat').first().textContent()).toBe('status⚡ ON BATTERY');
    expect(await page.locator('#panel-llm tbody tr').first().textContent()).toMatch(/^qwen2\.5:14b · qwen214\.8BQ4_K_M10\.1 GB4kkept loaded$/);
    for (const id of ['gpu', 'power', 'ups', 'llm']) expect(await page.locator(`#panel-${id}`).getAttribute('class')).not.toContain('is-na');
    // Drawn at full height without error (kept only when KEEP_SCREENSHOTS=1, for a look).
    const shot = join(tmpdir(), `headroom-contract-panels-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.KEEP_SCREENSHOTS !== '1') rmSync(shot, { force: true });
    expect(browser.errors).toEqual([]);
  });

  it('process table sorts by a column and filters; settings switch a collector off through /api/configure', async () => {
    server = await startDashServer({ extra: [fastHeadroom()] });
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(`${server.base}/`);
    const rows = page.locator('#panel-processes tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(3);
    // Sort by RSS, largest first: the RSS column reads in descending order.
    await page.locator('#panel-processes th button', { hasText: 'RSS' }).click();
    await expect(page.locator('#panel-processes th[aria-sort="descending"]').textContent()).resolves.toBe('RSS');
    const mb = (t: string) => Number.parseFloat(t) * (t.endsWith('GB') ? 1000 : 1);
    await expect
      .poll(async () => {
        const rss = (await page.locator('#panel-processes tbody tr td:nth-child(6)').allTextContents()).map(mb);
        return rss.length > 3 && rss.every((v, i) => i === 0 || v <= rss[i - 1]!);
      }, { timeout: 10_000 })
      .toBe(true);
    // Filter by this test process's PID: exactly the rows that match it remain.
    await page.fill('#panel-processes input.filter', String(process.pid));
    await expect.poll(async () => (await rows.allTextContents()).every((t) => t.includes(String(process.pid))), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('#panel-processes .note').first().textContent()).toMatch(/matching/);

    // Settings: switch network_monitor off; the server stops it and the panel says so.
    await page.click('#open-settings');
    await page.locator('#col-network_monitor').uncheck();
    await expect.poll(() => server!.engine.scheduler.names().includes('network_monitor'), { timeout: 10_000 }).toBe(false);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#panel-network .na').textContent(), { timeout: 10_000 }).toMatch(/network_monitor is not running/);
    expect(browser.errors).toEqual([]);
  });
  it('services table and idle panel on the workstation fixture show what /api/services reports; sorting by RSS', async () => {
    server = await startDashServer({ roots: fixtureHost('workstation-zram-nfs'), extra: [fastHeadroom()] });
    browser = await openBrowser({ width: 1440, height: 900 });
    const { page } = browser;
    await page.goto(`${server.base}/`);
    const api = async () => (await (await fetch(`${server!.base}/api/services`)).json()) as ServicesResponse;
    const cells = (name: string) => page.locator(`#panel-services tbody tr[data-key="${name}"] td`).allTextContents();
    // Each named row reads exactly the server's figures, formatted (polled: both move together).
    for (const name of ['ollama', 'vllm', 'pg-dev', 'jupyter-lab.service']) {
      await expect
        .poll(
          async () => {
            const row = (await api()).services.find((s) => s.name === name);
            return row ? JSON.stringify(await cells(name)) === JSON.stringify(serviceCells(row)) : `no ${name} in /api/services`;
          },
          { timeout: 20_000 },
        )
        .toBe(true);
    }
    const ollama = await cells('ollama');
    expect(ollama.slice(0, 2)).toEqual(['ollama', 'running']);
    expect(ollama[3]).toBe('9.3 GB');
    expect(ollama[8]).toBe('11434');
    // Sorted by CPU (largest first) by default; by RSS on a click (jupyter-lab holds 24.8 GB).
    const names = () => page.locator('#panel-services tbody tr td:first-child').allTextContents();
    await expect
      .poll(async () => JSON.stringify(await names()) === JSON.stringify(sortServices((await api()).services, 'cpu', true).map((s) => s.name)))
      .toBe(true);
    await page.locator('#panel-services th button', { hasText: 'RSS' }).click();
    await expect.poll(() => page.locator('#panel-services th[aria-sort="descending"]').textContent()).toBe('RSS');
    await expect.poll(async () => (await names())[0]).toBe('jupyter-lab.service');
    const mb = (t: string) => Number.parseFloat(t) * (t.endsWith('GB') ? 1000 : 1);
    const rss = (await page.locator('#panel-services tbody tr td:nth-child(4)').allTextContents()).map(mb);
    expect(rss.every((v, i) => i === 0 || v <= rss[i - 1]!)).toBe(true);
    // The idle panel: the machine state and the recommendations of the same payload.
    await expect
      .poll(async () => (await page.locator('#panel-idle dl.kv dd').first().textContent()) === idleStateText((await api()).idle), { timeout: 10_000 })
      .toBe(true);
    const recs = (await api()).recommendations;
    const items = await page.locator('#panel-idle .recs li').allTextContents();
    if (recs.length === 0) expect(items).toEqual([' none']);
    else expect(items.map((t) => t.slice(0, 40))).toEqual(recs.map((r) => `${r.severity} ${r.text}`.slice(0, 40)));
    expect(await page.locator('#panel-idle').getAttribute('class')).not.toContain('is-na');
    if (process.env.KEEP_SCREENSHOTS === '1') await page.locator('#panel-services').screenshot({ path: join(tmpdir(), 'headroom-services.png') });
    if (process.env.KEEP_SCREENSHOTS === '1') await page.locator('#panel-idle').screenshot({ path: join(tmpdir(), 'headroom-idle.png') });
    expect(browser.errors).toEqual([]);
  });
});
