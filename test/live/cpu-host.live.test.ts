/**
 * Live checks on this machine: the collectors read the real /proc and /sys, and their figures
 * must agree with the kernel's own accounting and with work this test does itself.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuMonitor } from '../../src/collectors/cpu.js';
import { host } from '../../src/collectors/host.js';
import { systemClock } from '../../src/core/clock.js';
import { DEFAULT_ROOTS } from '../../src/host/hostfs.js';
import { makeCollectorContext } from '../helpers/collector-context.js';

describe.runIf(process.platform === 'linux')('cpu_monitor and host on this machine', () => {
  it('host matches what Node and /proc/stat say', async () => {
    const { ctx } = makeCollectorContext(DEFAULT_ROOTS, { name: 'host', clock: systemClock });
    const p = await host.collect(ctx);
    expect(p.hostname).toBe(os.hostname());
    expect(p.kernel).toBe(os.release());
    expect(p.cpu_cores).toBe(os.cpus().length);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    expect(p.boot_time).toBe(new Date(btime * 1000).toISOString());
    expect(p.uptime_s!).toBeCloseTo(os.uptime(), -1);
    expect(p.ram_total_gb! * 2 ** 30).toBeCloseTo(os.totalmem(), -8);
  });

  it('sees a one-core busy loop it runs itself', async () => {
    const { ctx } = makeCollectorContext(DEFAULT_ROOTS, { name: 'cpu_monitor', clock: systemClock });
    const first = await cpuMonitor.collect(ctx);
    expect(first.core_count).toBe(os.cpus().length);
    expect(first.aggregate_pct).toBeNull();

    const start = performance.now();
    let spin = 0;
    while (performance.now() - start < 1000) spin += Math.sqrt(spin + 1);
    const second = await cpuMonitor.collect(ctx);

    // One of N cores fully busy is 100/N % of the machine; demand a clear share of that.
    expect(second.aggregate_pct!).toBeGreaterThan((100 / os.cpus().length) * 0.6);
    expect(Math.max(...second.per_core_pct.map((v) => v ?? 0))).toBeGreaterThan(60);
    const sum = Object.values(second.breakdown).reduce((a: number, v) => a + (v ?? 0), 0);
    expect(sum).toBeGreaterThan(99.5);
    expect(sum).toBeLessThan(100.5);
    expect(second.context_switches_per_s!).toBeGreaterThan(0);
    expect(second.per_core_pct).toHaveLength(os.cpus().length);
  });
});
