import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureHost, makeCollectorContext, OverridableFs } from '../../test/helpers/collector-context.js';
import type { CollectorRuntime } from '../core/collector.js';
import { extractMetric } from '../shared/metrics.js';
import { combineLag, RESOLUTION_MS, type SelfState, selfMonitor } from './self.js';

const roots = fixtureHost('debian12-vm-2c');
const STAT = readFileSync(`${roots.procRoot}/self/stat`, 'utf8');

/** Directory listings a test can replace (the fixture has no /proc/<child>/task). */
class ListingFs extends OverridableFs {
  readonly lists = new Map<string, string[]>();
  override async list(path: string): Promise<string[]> {
    return this.lists.get(path) ?? super.list(path);
  }
}

function setup() {
  const t = makeCollectorContext<SelfState>(roots, { name: 'self_monitor' });
  const fs = new ListingFs(roots);
  t.ctx.fs = fs;
  return { ...t, fs, collect: () => selfMonitor.collect(t.ctx), close: () => selfMonitor.close!(t.ctx) };
}

/** /proc/<pid>/stat with utime and stime (fields 14, 15) and starttime (22) replaced. */
function statWith(utime: number, stime: number, pid = 28218, starttime = 304107): string {
  const close = STAT.lastIndexOf(')');
  const rest = STAT.slice(close + 2).trim().split(' ');
  rest[11] = String(utime);
  rest[12] = String(stime);
  rest[19] = String(starttime);
  return `${pid} (node) ${rest.join(' ')}\n`;
}

describe('self_monitor over debian12-vm-2c', () => {
  it('reports the captured process from /proc/self; heap and event loop are this process', async () => {
    const { collect, close } = setup();
    const p = await collect();
    expect(p).toMatchObject({
      available: true,
      pid: 28218,
      cpu_pct: null,
      rss_mb: Math.round((42936 / 1024) * 10) / 10,
      threads: 11,
      // 20 entries were captured; one was the handle that listed the directory.
      open_fds: 19,
      children: { count: 0, pids: [], cpu_pct: 0, rss_mb: 0 },
      // No loop observations before the first tick.
      event_loop_lag_ms: { p50: null, p99: null, max: null },
    });
    expect(p.heap_used_mb).toBeGreaterThan(0);
    expect(p.heap_total_mb).toBeGreaterThanOrEqual(p.heap_used_mb);
    await close();
  });

  it('cpu_pct from utime + stime deltas over the monotonic clock, % of one CPU', async () => {
    const { fs, clock, collect, close } = setup();
    const path = `${roots.procRoot}/self/stat`;
    fs.overrides.set(path, statWith(100, 50));
    await collect();
    clock.advance(2000);
    fs.overrides.set(path, statWith(300, 130)); // +280 ticks = 2.8 s of CPU in 2 s
    const p = await collect();
    expect(p.cpu_pct).toBe(140);
    await close();
  });

  it('children: every descendant, with summed CPU and RSS; a child that vanished is skipped', async () => {
    const { fs, clock, collect, close } = setup();
    const tid = '28218';
    fs.overrides.set(`${roots.procRoot}/self/task/${tid}/children`, '4242 4243 ');
    fs.lists.set(`${roots.procRoot}/4242/task`, ['4242']);
    fs.overrides.set(`${roots.procRoot}/4242/task/4242/children`, '5000');
    const child = (pid: number, ticks: number, rssKb: number) => {
      fs.overrides.set(`${roots.procRoot}/${pid}/stat`, statWith(ticks, 0, pid, 9000 + pid));
      fs.overrides.set(`${roots.procRoot}/${pid}/status`, `Name:\tx\nUid:\t0\t0\t0\t0\nVmRSS:\t${rssKb} kB\nThreads:\t1\n`);
    };
    child(4242, 10, 1024);
    child(5000, 0, 2048);
    // 4243 has no /proc entry: it exited between the listing and the read.
    const first = await collect();
    expect(first.children).toEqual({ count: 3, pids: [4242, 4243, 5000], cpu_pct: null, rss_mb: 3 });
    clock.advance(1000);
    child(4242, 60, 1024);
    child(5000, 25, 2048);
    const second = await collect();
    expect(second.children).toEqual({ count: 3, pids: [4242, 4243, 5000], cpu_pct: 75, rss_mb: 3 });
    await close();
  });

  it("children from process_monitor's table when it runs: no children files read, same sums", async () => {
    const { ctx, fs, collect, close } = setup();
    const row = (pid: number, ppid: number, cpu_pct: number | null, rss_mb: number) => ({ pid, ppid, cpu_pct, rss_mb });
    const table = [row(1, 0, 0, 9), row(28218, 1, 5, 50), row(4242, 28218, 20, 1), row(5000, 4242, 55, 2), row(4243, 28218, 0, 0.5), row(7, 1, 99, 99)];
    ctx.latest = (name) => (name === 'process_monitor' ? { available: true, processes: table } : undefined);
    const read = fs.tryRead.bind(fs);
    const paths: string[] = [];
    fs.tryRead = async (path: string) => {
      paths.push(path);
      return read(path);
    };
    const p = await collect();
    expect(p.children).toEqual({ count: 3, pids: [4242, 4243, 5000], cpu_pct: 75, rss_mb: 3.5 });
    expect(paths.filter((x) => x.endsWith('/children'))).toEqual([]);
    // A child seen for the first time (CPU not known yet) makes the sum unknown, as from /proc.
    table[2] = row(4242, 28218, null, 1);
    expect((await collect()).children.cpu_pct).toBeNull();
    await close();
  });

  it('collection cost of every collector from the scheduler', async () => {
    const { ctx, collect, close } = setup();
    const status: Record<string, CollectorRuntime> = {
      cpu_monitor: { interval: 2, last_run: '2026-01-01T00:00:00.000Z', last_duration_ms: 1.25, errors: 0, last_error: null, available: true },
      gpu_monitor: { interval: 2, last_run: null, last_duration_ms: null, errors: 3, last_error: 'x', available: false },
    };
    ctx.collectorStatus = () => status;
    const p = await collect();
    expect(p.collectors).toEqual({
      cpu_monitor: { interval: 2, last_duration_ms: 1.25, last_duration_s: 0.00125, errors: 0, available: true },
      gpu_monitor: { interval: 2, last_duration_ms: null, last_duration_s: null, errors: 3, available: false },
    });
    expect(extractMetric(p, 'collectors{collector}.last_duration_s')).toEqual([{ labels: { collector: 'cpu_monitor' }, value: 0.00125 }]);
    await close();
  });

  it('a second tick right after the first still rests on a real observation of the loop', async () => {
    const { collect, close } = setup();
    await collect();
    const p = await collect();
    expect(p.event_loop_lag_ms.max).not.toBeNull();
    expect(p.event_loop_lag_ms.p99).toBeGreaterThanOrEqual(0);
    expect(p.event_loop_lag_s.max).toBeCloseTo(p.event_loop_lag_ms.max! / 1000, 4);
    await close();
  });

  it('close() stops the monitor; the next collect starts a fresh one', async () => {
    const { ctx, collect, close } = setup();
    await collect();
    expect(ctx.state.loop).toBeDefined();
    await close();
    expect(ctx.state.loop).toBeUndefined();
    expect((await collect()).event_loop_lag_ms.p50).toBeNull();
    await close();
  });

  it('garbage in /proc/self/stat fails the tick with the file', async () => {
    const { fs, collect, close } = setup();
    fs.overrides.set(`${roots.procRoot}/self/stat`, '28218 (node) R 1 2\n');
    await expect(collect()).rejects.toThrow(`${roots.procRoot}/self/stat:1: 3 fields after comm, needs at least 22`);
    await close();
  });
});

describe('combineLag', () => {
  const ns = (ms: number) => (ms + RESOLUTION_MS) * 1e6;
  const hist = (count: number, p50: number, p99: number, max: number) => ({
    count,
    max: ns(max),
    percentile: (q: number) => ns(q === 50 ? p50 : p99),
  });
  it.each([
    { name: 'no samples, no probe', h: hist(0, 0, 0, 0), probe: null, want: { p50: null, p99: null, max: null } },
    { name: 'only the probe', h: hist(0, 0, 0, 0), probe: 3, want: { p50: 3, p99: 3, max: 3 } },
    { name: 'few samples: p99 is the largest, probe included', h: hist(20, 0.2, 1, 1), probe: 190, want: { p50: 0.2, p99: 190, max: 190 } },
    { name: 'many samples: one probe does not move p99', h: hist(500, 0.2, 1, 2), probe: 190, want: { p50: 0.2, p99: 1, max: 190 } },
    { name: 'many samples, quiet probe', h: hist(500, 0.2, 1, 200), probe: 0.5, want: { p50: 0.2, p99: 1, max: 200 } },
  ])('$name', ({ h, probe, want }) => {
    const got = combineLag(h, probe);
    for (const k of ['p50', 'p99', 'max'] as const) {
      if (want[k] === null) expect(got[k]).toBeNull();
      else expect(got[k]).toBeCloseTo(want[k], 6);
    }
  });
});

