import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyCollector } from '../../src/core/collector.js';
import { startServer, type TestServer, testConfig } from '../helpers/server.js';
import { serviceRow } from './rows.js';

const rec = (id: string, severity: 'INFO' | 'WARN' | 'CRITICAL', service: string | null) => ({
  id,
  kind: id.split(':')[0],
  severity,
  service,
  text: `${id} text`,
  evidence: { n: 1 },
});

/** service_monitor's payload as the real collector shapes it (figures made up). */
const payload = {
  available: true,
  services: [serviceRow('web', { cpu_pct: 3.2, ports: [8080] }), serviceRow('leaky', { memory_growth_mb_h: 7100 })],
  by_service: {},
  idle: {
    state: 'idle',
    idle: true,
    burners: [],
    rest_cpu_pct: 1.2,
    since: '2026-01-01T00:00:00.000Z',
    stretch_s: 120,
    stretch_energy_wh: 0.2,
    today_s: 3600,
    energy_today_wh: 6,
    energy_covered_s: 3600,
    burn_today_s: 0,
    burn_energy_today_wh: 0,
    power_w: 6,
    power_source: 'rapl',
    power_source_label: 'RAPL package power (power_monitor.package_w)',
    power_reason: null,
    last_stretch: null,
    day: '2026-01-01',
    tracked_since: '2026-01-01T00:00:00.000Z',
    consumers: [{ name: 'web', energy_wh: 0.4, cpu_s: 40, avg_cpu_pct: 1.1, burning: false }],
  },
  recommendations: [rec('memory_growth:leaky', 'CRITICAL', 'leaky'), rec('browser_earlyoom:Chrome', 'INFO', null)],
  counts: { services: 2, running: 2, recommendations: 2 },
  processes_source: 'process_monitor',
  ports: { listeners: 3, links_read: 0, dirs_listed: 4, denied: 0, unresolved: 0, reason: null },
};

const fake: AnyCollector = { name: 'service_monitor', description: 'fixed services payload', interval: 3600, metrics: [], collect: async () => payload };

let srv: TestServer;
let bare: TestServer;
beforeAll(async () => {
  const config = testConfig((c) => {
    c.history.enabled = false;
  });
  srv = await startServer({ collectors: [fake], config });
  await srv.engine.scheduler.runOnce();
  bare = await startServer({ collectors: [], config });
});
afterAll(async () => {
  await srv?.close();
  await bare?.close();
});

const get = async (s: TestServer, url: string) => {
  const r = await s.app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
};

describe('GET /api/services, /api/idle, /api/recommendations', () => {
  it('/api/services: every service with its figures, the idle analysis, recommendations, port stats', async () => {
    const { status, body } = await get(srv, '/api/services');
    expect(status).toBe(200);
    expect(body).toMatchObject({ available: true, processes_source: 'process_monitor', ports: { listeners: 3 } });
    expect(body.ts).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.services.map((s: { name: string }) => s.name)).toEqual(['web', 'leaky']);
    expect(body.services[0]).toMatchObject({ cpu_pct: 3.2, ports: [8080], status: 'running', power: { source: null } });
    expect(body.idle).toMatchObject({ state: 'idle', energy_today_wh: 6, consumers: [{ name: 'web', energy_wh: 0.4 }] });
    expect(body.recommendations).toHaveLength(2);
  });

  it('/api/idle: the idle analysis and the recommendations', async () => {
    const { body } = await get(srv, '/api/idle');
    expect(body).toMatchObject({ available: true, idle: { today_s: 3600, power_source: 'rapl' } });
    expect(body.recommendations.map((r: { id: string }) => r.id)).toEqual(['memory_growth:leaky', 'browser_earlyoom:Chrome']);
  });

  it('/api/recommendations filters by min_severity and service; a bad severity is a 400', async () => {
    expect((await get(srv, '/api/recommendations')).body.recommendations).toHaveLength(2);
    expect((await get(srv, '/api/recommendations?min_severity=WARN')).body.recommendations.map((r: { id: string }) => r.id)).toEqual(['memory_growth:leaky']);
    expect((await get(srv, '/api/recommendations?service=nope')).body.recommendations).toEqual([]);
    expect((await get(srv, '/api/recommendations?min_severity=LOUD')).status).toBe(400);
  });

  it('without service_monitor: available false with the reason, empty lists (never a 500)', async () => {
    for (const url of ['/api/services', '/api/idle', '/api/recommendations']) {
      const { status, body } = await get(bare, url);
      expect([url, status]).toEqual([url, 200]);
      expect(body).toMatchObject({ available: false, reason: expect.stringMatching(/service_monitor is not running/), recommendations: [] });
    }
  });

  it('the routes are in the OpenAPI document', async () => {
    const { body } = await get(srv, '/openapi.json');
    for (const p of ['/api/services', '/api/idle', '/api/recommendations']) expect(Object.keys(body.paths)).toContain(p);
  });
});
