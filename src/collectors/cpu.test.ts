import { readFileSync } from 'node:fs';
import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { RateTracker } from '../core/rates.js';
import { extractMetric } from '../shared/metrics.js';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { type CpuPayload, cpuFromOs, cpuMonitor } from './cpu.js';
import { sumThrottles } from './cpu-sysfs.js';

const roots = fixtureHost('debian12-vm-2c');
const statPath = `${roots.procRoot}/stat`;
const STAT_1 = readFileSync(statPath, 'utf8');
const STAT_2 = readFileSync(`${roots.procRoot}/stat.next`, 'utf8');
// HOST.md of the fixture: the two samples were read 1000 ms apart.
const ELAPSED_MS = 1000;
const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** Raw jiffy columns of one /proc/stat line, read independently of the parser under test. */
function columns(text: string, key: string): number[] {
  const line = text.split('\n').find((l) => l.split(/\s+/)[0] === key);
  if (!line) throw new Error(`no ${key} line`);
  return line.trim().split(/\s+/).slice(1).map(Number);
}

/** Expected % from two raw samples: the first 8 columns partition time; guest is inside user. */
function expectedPct(key: string): { busy: number; modes: Record<string, number> } {
  const a = columns(STAT_1, key).slice(0, 8);
  const b = columns(STAT_2, key).slice(0, 8);
  const d = b.map((v, i) => v - a[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  const modes = Object.fromEntries(MODES.map((m, i) => [m, (d[i]! / total) * 100]));
  return { busy: ((total - d[3]! - d[4]!) / total) * 100, modes };
}

/** Our values are rounded to 1 decimal: within 0.05 of the exact figure. */
function expectPct(actual: number | null | undefined, exact: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(0.05 + 1e-9);
}

function setup() {
  const t = makeCollectorContext<Record<string, unknown>>(roots, { name: 'cpu_monitor' });
  const tick = async (stat: string): Promise<CpuPayload> => {
    t.fs.overrides.set(statPath, stat);
    return cpuMonitor.collect(t.ctx);
  };
  return { ...t, tick };
}

describe('cpu_monitor over debian12-vm-2c', () => {
  it('reports nulls, never zeros, for every rate on the first sample', async () => {
    const { tick } = setup();
    const p = await tick(STAT_1);
    expect(p).toMatchObject({
      available: true,
      model: 'AMD EPYC',
      core_count: 2,
      per_core_pct: [null, null],
      aggregate_pct: null,
      context_switches_per_s: null,
      interrupts_per_s: null,
      procs_running: columns(STAT_1, 'procs_running')[0],
      procs_blocked: columns(STAT_1, 'procs_blocked')[0],
      // No cpufreq in this VM: cpuinfo's "cpu MHz" stands in.
      freq_mhz: [2096.003, 2096.003],
      throttle: null,
      pressure_reason: null,
    });
    expect(Object.values(p.breakdown).every((v) => v === null)).toBe(true);
    expect(p.load_avg).toEqual({ '1m': 1.14, '5m': 0.44, '15m': 0.19 });
    expect(p.pressure?.cpu.some).toEqual({ avg10: 15.71, avg60: 11.32, avg300: 4.87, total_s: 25.669865 });
  });

  it('does not look again for absent cpufreq / thermal_throttle files for a minute, then does', async () => {
    const { tick, fs, clock } = setup();
    const opened: string[] = [];
    const tryRead = fs.tryRead.bind(fs);
    fs.tryRead = async (path: string) => {
      opened.push(path);
      return tryRead(path);
    };
    const optional = () => opened.filter((p) => /cpufreq|thermal_throttle/.test(p)).length;
    await tick(STAT_1);
    const first = optional();
    expect(first).toBeGreaterThan(0); // this VM has neither
    clock.advance(1000);
    const p = await tick(STAT_2);
    expect(optional()).toBe(first);
    // The figures do not change for it: MHz from /proc/cpuinfo, no throttle counts.
    expect(p.freq_mhz).toEqual([2096.003, 2096.003]);
    expect(p.throttle).toBeNull();
    clock.advance(60_000);
    await tick(STAT_2);
    expect(optional()).toBe(2 * first);
  });

  it('computes percentages and rates from the two captures exactly', async () => {
    const { tick, clock } = setup();
    await tick(STAT_1);
    clock.advance(ELAPSED_MS);
    const p = await tick(STAT_2);

    const all = expectedPct('cpu');
    expectPct(p.aggregate_pct, all.busy);
    for (const m of MODES) expectPct(p.breakdown[m], all.modes[m]!);
    expectPct(p.per_core_pct[0], expectedPct('cpu0').busy);
    expectPct(p.per_core_pct[1], expectedPct('cpu1').busy);
    const sum = Object.values(p.breakdown).reduce((a: number, v) => a + (v ?? 0), 0);
    expect(Math.abs(sum - 100)).toBeLessThanOrEqual(0.4);

    const perSecond = (key: string) => (columns(STAT_2, key)[0]! - columns(STAT_1, key)[0]!) / (ELAPSED_MS / 1000);
    expect(p.context_switches_per_s).toBeCloseTo(perSecond('ctxt'), 1);
    expect(p.interrupts_per_s).toBeCloseTo(perSecond('intr'), 1);
    // The capture busy-looped one core for the whole second: that core is (nearly) saturated.
    expect(Math.max(...p.per_core_pct.map((v) => v ?? 0))).toBeGreaterThan(90);
  });

  it('gives null, never a negative, when the counters go backwards, then recovers', async () => {
    const { tick, clock } = setup();
    await tick(STAT_2);
    clock.advance(ELAPSED_MS);
    const reset = await tick(STAT_1);
    expect(reset.aggregate_pct).toBeNull();
    expect(reset.per_core_pct).toEqual([null, null]);
    expect(Object.values(reset.breakdown).every((v) => v === null)).toBe(true);
    expect(reset.context_switches_per_s).toBeNull();
    expect(reset.interrupts_per_s).toBeNull();

    clock.advance(ELAPSED_MS);
    const after = await tick(STAT_2);
    expectPct(after.aggregate_pct, expectedPct('cpu').busy);
    expect(after.context_switches_per_s).not.toBeNull();
  });

  it('gives null when no CPU time passed between samples', async () => {
    const { tick, clock } = setup();
    await tick(STAT_1);
    clock.advance(ELAPSED_MS);
    const same = await tick(STAT_1);
    expect(same.aggregate_pct).toBeNull();
    expect(same.context_switches_per_s).toBe(0);
  });

  it('says why PSI is missing instead of failing', async () => {
    const { ctx, fs } = setup();
    fs.overrides.set(`${roots.procRoot}/pressure/cpu`, null);
    const p = await cpuMonitor.collect(ctx);
    expect(p.pressure).toBeNull();
    expect(p.pressure_reason).toMatch(/absent: kernel without PSI/);
  });

  it('keeps the CPU figures when the PSI file is garbled, and says where', async () => {
    const { ctx, fs } = setup();
    fs.overrides.set(`${roots.procRoot}/pressure/cpu`, 'some avg10=x\n');
    const p = await cpuMonitor.collect(ctx);
    expect(p.pressure).toBeNull();
    expect(p.pressure_reason).toContain(`${roots.procRoot}/pressure/cpu:1:`);
    expect(p.core_count).toBe(2);
  });

  it('fails with the file and line when /proc/stat is garbage', async () => {
    const { tick } = setup();
    await expect(tick('cpu  1 2 x 4\n')).rejects.toThrow(`${statPath}:1: cpu system: "x"`);
  });
});

describe('cpu_monitor metric declarations', () => {
  it('has unique snake_case names', () => {
    const names = cpuMonitor.metrics.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('declares every numeric field of the payload', async () => {
    const { tick, clock } = setup();
    await tick(STAT_1);
    clock.advance(ELAPSED_MS);
    // Throttle counts are absent in this VM; give them a value so their paths are checked too.
    const p = { ...(await tick(STAT_2)), throttle: { core_throttle_count: 1, package_throttle_count: 2 } };
    const declared = new Set<string>();
    for (const m of cpuMonitor.metrics) {
      const found = extractMetric(p, m.path);
      expect(found.length, `${m.path} selects nothing`).toBeGreaterThan(0);
      declared.add(m.path.replace(/\[[a-z_]+\]/g, '[]'));
    }
    for (const leaf of numericLeaves(p)) expect(declared, `${leaf} not declared`).toContain(leaf);
  });
});

/** Paths of numeric leaves, arrays written `name[]`. */
function numericLeaves(node: unknown, prefix = ''): string[] {
  if (typeof node === 'number') return [prefix];
  if (Array.isArray(node)) return [...new Set(node.flatMap((el) => numericLeaves(el, `${prefix}[]`)))];
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => numericLeaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('sumThrottles', () => {
  const r = (cpu: number, pkg: number | null, core: number | null, c: number | null, p: number | null) => ({
    cpu,
    package: pkg,
    core,
    core_throttle_count: c,
    package_throttle_count: p,
  });
  it.each([
    { name: 'no thermal_throttle anywhere', readings: [r(0, null, null, null, null)], want: null },
    { name: 'hyper-threads share a core counter', readings: [r(0, 0, 0, 5, 30), r(1, 0, 0, 5, 30)], want: { core_throttle_count: 5, package_throttle_count: 30 } },
    { name: 'two packages', readings: [r(0, 0, 0, 5, 30), r(1, 0, 1, 0, 30), r(2, 1, 0, 0, 6), r(3, 1, 1, 9, 6)], want: { core_throttle_count: 14, package_throttle_count: 36 } },
    { name: 'no topology: each CPU counts', readings: [r(0, null, null, 1, 2), r(1, null, null, 1, 2)], want: { core_throttle_count: 2, package_throttle_count: 4 } },
  ])('$name', ({ readings, want }) => {
    expect(sumThrottles(readings)).toEqual(want);
  });
});

describe('cpuFromOs (non-Linux fallback)', () => {
  const cpu = (user: number, idle: number): os.CpuInfo => ({
    model: 'Apple M2',
    speed: 3500,
    times: { user, nice: 0, sys: 0, idle, irq: 0 },
  });
  it('is null first, then computes from os.cpus() time deltas', () => {
    const rates = new RateTracker();
    const first = cpuFromOs(rates, 0, [cpu(100, 900), cpu(0, 1000)], [1, 2, 3]);
    expect(first).toMatchObject({ aggregate_pct: null, per_core_pct: [null, null], core_count: 2, model: 'Apple M2', freq_mhz: [3500, 3500] });
    const second = cpuFromOs(rates, 2000, [cpu(200, 900), cpu(0, 1100)], [1, 2, 3]);
    expect(second.per_core_pct).toEqual([100, 0]);
    expect(second.aggregate_pct).toBe(50);
    expect(second.breakdown).toMatchObject({ user: 50, idle: 50, iowait: null, steal: null });
    expect(second.pressure).toBeNull();
  });
});
