import Value from 'typebox/value';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processMonitor } from '../../src/collectors/processes.js';
import type { AnyCollector } from '../../src/core/collector.js';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';
import { Engine } from '../../src/core/engine.js';
import { ProcessScanner } from '../../src/host/process-table.js';
import { queryProcesses } from '../../src/server/routes/processes.js';
import { createApp } from '../../src/server/app.js';
import type { ProcessRow } from '../../src/shared/protocol-processes.js';
import { fixtureHost } from '../helpers/collector-context.js';

const H = { host: '127.0.0.1:7700' };
const defaults = () => structuredClone(Value.Default(ConfigSchema, { plugin_dirs: [] }) as Config);

const row = (pid: number, over: Partial<ProcessRow> = {}): ProcessRow => ({
  pid,
  ppid: 1,
  user: 'root',
  uid: 0,
  name: `p${pid}`,
  exe: `p${pid}`,
  cmdline: `/usr/bin/p${pid}`,
  state: 'S',
  kernel_thread: false,
  cpu_pct: 0,
  rss_mb: 1,
  threads: 1,
  read_mbps: null,
  write_mbps: null,
  start_time: null,
  cgroup: '/',
  unit: null,
  container_id: null,
  ...over,
});

const TABLE: ProcessRow[] = [
  row(1, { name: 'systemd', exe: 'systemd', cmdline: '/sbin/init', cpu_pct: 0.5, rss_mb: 12 }),
  row(200, { name: 'postgres', exe: 'postgres', user: 'postgres', uid: 105, cpu_pct: 35, rss_mb: 300, unit: 'postgresql@14-main.service' }),
  row(300, { name: 'Web Content', exe: 'firefox', user: 'bob', uid: 1000, cpu_pct: 80, rss_mb: 900, state: 'R' }),
  row(301, { name: 'firefox', exe: 'firefox', user: 'bob', uid: 1000, cpu_pct: null, rss_mb: 1500 }),
  row(400, { name: 'dd', exe: 'dd', cpu_pct: 10, rss_mb: 2, state: 'D', container_id: 'ab'.repeat(32) }),
  row(500, { name: 'zombie', exe: 'zombie', cmdline: '', cpu_pct: 0, rss_mb: 0, state: 'Z' }),
];

const fake = (data: Record<string, unknown>): AnyCollector => ({
  name: 'process_monitor',
  description: 'fake process table',
  interval: 2,
  metrics: [],
  collect: async () => data,
});

let engine: Engine | null = null;
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  await engine?.stop();
  engine = null;
  close = null;
});

async function boot(collectors: AnyCollector[], opts: { roots?: ReturnType<typeof fixtureHost> } = {}) {
  engine = await Engine.create({ builtins: collectors, config: defaults(), ...(opts.roots ? { roots: opts.roots } : {}) });
  await engine.scheduler.runOnce();
  const { app } = await createApp({ engine });
  close = () => app.close();
  return (url: string) => app.inject({ url, headers: H });
}

describe('queryProcesses', () => {
  const pids = (q: Parameters<typeof queryProcesses>[1]) => queryProcesses(TABLE, q).processes.map((r) => r.pid);

  it.each([
    [{}, [300, 200, 400, 1, 500, 301]],
    [{ sort: 'cpu', order: 'asc' }, [500, 1, 400, 200, 300, 301]],
    [{ sort: 'rss' }, [301, 300, 200, 1, 400, 500]],
    [{ sort: 'pid' }, [1, 200, 300, 301, 400, 500]],
    [{ sort: 'pid', order: 'desc' }, [500, 400, 301, 300, 200, 1]],
    [{ sort: 'name' }, [400, 301, 200, 1, 300, 500]],
    [{ sort: 'rss', limit: '2' }, [301, 300]],
    [{ filter: 'FIREFOX' }, [300, 301]],
    [{ filter: 'postgresql@' }, [200]],
    [{ filter: 'abab' }, [400]],
    [{ filter: '30', sort: 'pid' }, [300, 301]],
    [{ user: 'bob', sort: 'pid' }, [300, 301]],
    [{ user: '105' }, [200]],
    [{ state: 'RD' }, [300, 400]],
    [{ state: 'Z' }, [500]],
    [{ user: 'nobody' }, []],
  ] as const)('%j → %j', (q, want) => {
    expect(pids(q as never)).toEqual(want);
  });

  it('counts matches before the limit; limit is clamped to at least 1', () => {
    expect(queryProcesses(TABLE, { user: 'bob', limit: '1' })).toMatchObject({ matched: 2, processes: [{ pid: 300 }] });
    expect(queryProcesses(TABLE, { limit: '0' }).processes).toHaveLength(1);
  });
});

describe('GET /api/processes', () => {
  it('serves the latest table, filtered, sorted and cut, with counts and the time it was collected', async () => {
    const get = await boot([fake({ available: true, counts: { total: 6, running: 1, sleeping: 3, disk_sleep: 1, stopped: 0, zombie: 1, idle: 0, other: 0, threads: 6 }, processes: TABLE })]);
    const res = await get('/api/processes?sort=rss&order=desc&limit=2&filter=fire&user=bob');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ available: true, total: 6, matched: 2, counts: { total: 6, zombie: 1 } });
    expect(body.processes.map((r: ProcessRow) => r.pid)).toEqual([301, 300]);
    expect(body.processes[0]).toEqual(TABLE[3]);
    expect(Date.parse(body.ts)).not.toBeNaN();
  });

  it.each([
    ['sort=memory', /sort/],
    ['order=up', /order/],
    ['limit=ten', /limit/],
    ['limit=-1', /limit/],
    ['state=R1', /state/],
    ['sortt=cpu', /unknown field "sortt"/],
    [`filter=${'x'.repeat(300)}`, /filter/],
  ])('?%s → 400 naming the parameter', async (qs, message) => {
    const get = await boot([fake({ available: true, processes: TABLE })]);
    const res = await get(`/api/processes?${qs}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
  });

  it('process_monitor off or failing: available false with the reason, not an error', async () => {
    let get = await boot([]);
    let body = (await get('/api/processes')).json();
    expect(body).toMatchObject({ available: false, reason: expect.stringMatching(/not running/), total: 0, processes: [] });
    await close!();
    await engine!.stop();
    get = await boot([{ ...fake({}), collect: async () => { throw new Error('no /proc here'); } }]);
    body = (await get('/api/processes')).json();
    expect(body).toMatchObject({ available: false, reason: 'process_monitor failed: no /proc here', counts: null });
  });

  it('with the real collector on the fixture host: redacted command lines; requests never scan /proc', async () => {
    const get = await boot([processMonitor], { roots: fixtureHost('debian12-vm-2c') });
    const scans = vi.spyOn(ProcessScanner.prototype, 'scan');
    try {
      for (let i = 0; i < 20; i++) expect((await get('/api/processes?sort=pid&limit=1000')).statusCode).toBe(200);
      expect(scans).not.toHaveBeenCalled();
    } finally {
      scans.mockRestore();
    }
    const body = (await get('/api/processes?filter=idle.js')).json();
    expect(body.total).toBe(7);
    expect(body.processes).toHaveLength(1);
    expect(body.processes[0].cmdline).toBe('node /tmp/fx/idle.js --password=*** --api-key *** postgres://app:***@db:5432/x');
    expect(JSON.stringify(body)).not.toMatch(/hunter2|s3cret|abc123/);
  });

  it('?at= points to the stored snapshot in the history store (307)', async () => {
    const get = await boot([]);
    const res = await get('/api/processes?at=1h');
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe('/api/history/processes?at=1h');
  });

  it('is in /openapi.json with its query parameters and response schema', async () => {
    const get = await boot([fake({ available: true, processes: [] })]);
    const spec = (await get('/openapi.json')).json();
    const op = spec.paths['/api/processes'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['at', 'filter', 'limit', 'order', 'sort', 'state', 'user']);
    expect(op.responses['200'].content['application/json'].schema).toBeDefined();
  });
});
