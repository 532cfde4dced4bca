import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headroomCollector } from '../../src/collectors/headroom.js';
import type { AnyCollector } from '../../src/core/collector.js';
import { startServer, type TestServer, testConfig } from '../helpers/server.js';

const ram: AnyCollector = {
  name: 'ram_monitor',
  description: 'fixed RAM figures',
  interval: 3600,
  metrics: [],
  collect: async () => ({ available: true, ram_total_gb: 32, ram_pct: 60, swap: null, top_processes: [] }),
};

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer({
    collectors: [ram, { ...headroomCollector, interval: 3600 }],
    config: testConfig((c) => {
      c.history.enabled = false;
      c.drills = { 'llm-14b': { ram_delta_gb: 4 }, big: { ram_delta_gb: 10 } };
    }),
  });
  await srv.engine.scheduler.runOnce();
});
afterAll(() => srv?.close());

const get = async (q: string) => {
  const r = await srv.app.inject({ method: 'GET', url: `/api/headroom${q}` });
  return { status: r.statusCode, body: r.json() };
};

describe('GET /api/headroom', () => {
  it('evaluates now, lists drills and the inputs it could not use', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'GO', reason_code: 'all_nominal', available_drills: ['big', 'llm-14b'] });
    expect(body.breakdown.ram).toMatchObject({ current: 60, delta: 8, projected: 68, threshold: 85, headroom: 17 });
    expect(body.missing_inputs).toEqual(['cpu_monitor', 'disk_monitor', 'gpu_monitor', 'ups_monitor', 'power_monitor', 'ollama_monitor']);
  });

  it('?drill=NAME applies the profile (GB converted against RAM total)', async () => {
    const { body } = await get('?drill=big');
    expect(body.breakdown.ram).toMatchObject({ delta: 31.3, projected: 91.3, headroom: -6.3 });
    expect(body).toMatchObject({ state: 'HOLD', reason_code: 'ram_projected_breach' });
    expect(body.reason).toMatch(/drill big/);
  });

  it('ad-hoc parameters override', async () => {
    const { body } = await get('?drill=big&ram_delta_pct=20');
    expect(body.breakdown.ram).toMatchObject({ delta: 20, projected: 80, headroom: 5 });
    expect(body.state).toBe('GO');
    expect((await get('?ram_delta_gb=8')).body.breakdown.ram.delta).toBe(25);
  });

  it('400 for an unknown drill, naming the known ones; 400 for a malformed number or unknown parameter', async () => {
    const unknown = await get('?drill=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/unknown drill "nope"; known drills: big, llm-14b/);
    expect((await get('?ram_delta_pct=lots')).status).toBe(400);
    expect((await get('?ram_delta_pct=-5')).status).toBe(400);
    const extra = await get('?rm_delta=1');
    expect(extra.status).toBe(400);
    expect(extra.body.message).toMatch(/rm_delta/);
  });

  it('/api carries the collector payload at the top level', async () => {
    const r = await srv.app.inject({ method: 'GET', url: '/api' });
    expect(r.json().headroom).toMatchObject({ state: 'GO', reason: 'All systems nominal' });
  });
});
