/**
 * Live: self_monitor on this very process (the test worker). Its figures must agree with the
 * kernel's own accounting in /proc/self and with what the test does to itself: block the event
 * loop, burn CPU, open descriptors, start a child.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuMonitor } from '../../src/collectors/cpu.js';
import { type SelfPayload, type SelfState, selfMonitor } from '../../src/collectors/self.js';
import { Bus } from '../../src/core/bus.js';
import { systemClock } from '../../src/core/clock.js';
import { LatestCache } from '../../src/core/latest.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { DEFAULT_ROOTS, HostFs } from '../../src/host/hostfs.js';
import { makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function setup() {
  const { ctx } = makeCollectorContext<SelfState>(DEFAULT_ROOTS, { name: 'self_monitor', clock: systemClock });
  closers.push(() => selfMonitor.close!(ctx));
  return () => selfMonitor.collect(ctx);
}

const status = (key: string, pid: number | 'self' = 'self'): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`))!;
  return Number(line.split(/\s+/)[1]);
};
const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the event loop is blocked
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('self_monitor live', () => {
  it.each([
    { name: 'right after the previous tick (the window a histogram reset would lose)', before: 0 },
    { name: 'in the middle of the interval', before: 60 },
  ])('a 200 ms block of the event loop shows in the next sample: $name', async ({ before }) => {
    const collect = setup();
    await collect();
    await sleep(100);
    const quiet = await collect();
    expect(quiet.event_loop_lag_ms.max!).toBeLessThan(150);
    await sleep(before);
    block(200);
    // Enough normal wake-ups after the block (resolution 50 ms) for the median to be normal.
    await sleep(500);
    const p = await collect();
    expect(p.event_loop_lag_ms.max!).toBeGreaterThanOrEqual(150);
    expect(p.event_loop_lag_ms.p99!).toBeGreaterThanOrEqual(150);
    expect(p.event_loop_lag_ms.p50!).toBeLessThan(150);
    expect(p.event_loop_lag_s.max!).toBeCloseTo(p.event_loop_lag_ms.max! / 1000, 4);
    // The histogram restarts each tick: the next interval no longer carries the block.
    await sleep(100);
    expect((await collect()).event_loop_lag_ms.max!).toBeLessThan(150);
  });

  it('rss_mb agrees with VmRSS and threads with Threads in /proc/self/status', async () => {
    const collect = setup();
    const threadsBefore = status('Threads');
    const p = await collect();
    const rssKb = status('VmRSS');
    expect(Math.abs(p.rss_mb! - rssKb / 1024)).toBeLessThanOrEqual(Math.max(2, (rssKb / 1024) * 0.02));
    expect([threadsBefore, status('Threads')]).toContain(p.threads);
    expect(p.pid).toBe(process.pid);
    expect(Math.abs(p.uptime_s - process.uptime())).toBeLessThanOrEqual(1);
    expect(p.heap_used_mb).toBeCloseTo(process.memoryUsage().heapUsed / 2 ** 20, -1);
  });

  it('cpu_pct matches CPU time the test burns, as the kernel counts it', async () => {
    const collect = setup();
    await collect();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < 6; i++) {
      block(100);
      await sleep(30);
    }
    const used = process.cpuUsage(cpu0);
    const p = await collect();
    const elapsed = performance.now() - t0;
    const expected = ((used.user + used.system) / 1000 / elapsed) * 100;
    // /proc/self/stat counts in 10 ms ticks: two ticks of slack over the window, plus a little.
    expect(Math.abs(p.cpu_pct! - expected)).toBeLessThanOrEqual((20 / elapsed) * 100 + 3);
    // The busy loop got real CPU (less than a full core when the machine is shared).
    expect(p.cpu_pct!).toBeGreaterThan(20);
  });

  it('open_fds moves by exactly the descriptors the test opens', async () => {
    const collect = setup();
    const before = (await collect()).open_fds!;
    const fds = Array.from({ length: 50 }, () => openSync('/dev/null', 'r'));
    try {
      expect((await collect()).open_fds).toBe(before + 50);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    expect((await collect()).open_fds).toBe(before);
  });

  it('children: a process the test starts is listed, with its RSS', async () => {
    const collect = setup();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    closers.push(() => child.kill('SIGKILL'));
    await new Promise((r) => child.once('spawn', r));
    await sleep(300); // let it load
    const p: SelfPayload = await collect();
    expect(p.children.pids).toContain(child.pid);
    const rssMb = status('VmRSS', child.pid!) / 1024;
    expect(p.children.rss_mb!).toBeGreaterThanOrEqual(rssMb * 0.9);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sleep(50);
    expect((await collect()).children.pids).not.toContain(child.pid);
  });

  it('reports every collector’s last duration as the scheduler records it', async () => {
    const scheduler = new Scheduler({
      fs: new HostFs(DEFAULT_ROOTS),
      clock: systemClock,
      cache: new LatestCache(),
      bus: new Bus(),
      config: defaultConfig(),
      log: () => {},
    });
    await scheduler.replaceAll([cpuMonitor, selfMonitor], defaultConfig());
    closers.push(() => scheduler.stop());
    await scheduler.runOnce();
    // Both run in the same pass: self_monitor sees cpu_monitor's duration from before or after it.
    const before = scheduler.status().cpu_monitor!.last_duration_ms;
    const out = await scheduler.runOnce();
    const after = scheduler.status().cpu_monitor!.last_duration_ms;
    const cost = (out.get('self_monitor') as SelfPayload).collectors.cpu_monitor!;
    expect(cost).toMatchObject({ interval: 2, errors: 0, available: true });
    expect([before, after]).toContain(cost.last_duration_ms);
    expect(cost.last_duration_ms!).toBeGreaterThan(0);
    expect(cost.last_duration_s!).toBeCloseTo(cost.last_duration_ms! / 1000, 6);
    const self = out.get('self_monitor') as SelfPayload;
    expect(Object.keys(self.collectors).sort()).toEqual(['cpu_monitor', 'self_monitor']);
  });
});
