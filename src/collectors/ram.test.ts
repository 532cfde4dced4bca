import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CollectorRuntime } from '../core/collector.js';
import { DEFAULT_ROOTS } from '../host/hostfs.js';
import { extractMetric } from '../shared/metrics.js';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { type RamPayload, ramMonitor } from './ram.js';

const roots = fixtureHost('debian12-vm-2c');
const P = (rel: string) => `${roots.procRoot}/${rel}`;
const S = (rel: string) => `${roots.sysRoot}/${rel}`;
const MEMINFO = readFileSync(P('meminfo'), 'utf8');
const kb = (key: string) => Number(new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(MEMINFO)![1]) * 1024;
const GiB = 2 ** 30;

function setup() {
  const t = makeCollectorContext<Record<string, unknown>>(roots, { name: 'ram_monitor' });
  const tick = (): Promise<RamPayload> => ramMonitor.collect(t.ctx as never);
  return { ...t, tick };
}

const SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
const swaps = (zramUsedKb: number, fileUsedKb: number, partUsedKb = 0) =>
  `${SWAPS_HEADER}/dev/zram0 partition 8388604 ${zramUsedKb} 100\n/swap.img file 2097148 ${fileUsedKb} -2\n/dev/vda3 partition 1048572 ${partUsedKb} -3\n`;

describe('ram_monitor over debian12-vm-2c', () => {
  it('RAM: used = total − MemAvailable, and the extras, from /proc/meminfo', async () => {
    const { tick } = setup();
    const p = await tick();
    const total = kb('MemTotal');
    const avail = kb('MemAvailable');
    expect(p.ram_total_gb).toBeCloseTo(total / GiB, 2);
    expect(p.ram_used_gb).toBeCloseTo((total - avail) / GiB, 2);
    expect(p.ram_free_gb).toBeCloseTo(avail / GiB, 2);
    expect(p.available_gb).toBe(p.ram_free_gb);
    expect(p.ram_pct).toBeCloseTo(((total - avail) / total) * 100, 1);
    expect(p).toMatchObject({
      available: true,
      available_source: 'MemAvailable',
      mem_free_gb: Math.round((kb('MemFree') / GiB) * 100) / 100,
      buffers_gb: Math.round((kb('Buffers') / GiB) * 100) / 100,
      cached_gb: Math.round((kb('Cached') / GiB) * 100) / 100,
      shared_gb: Math.round((kb('Shmem') / GiB) * 100) / 100,
      pressure: { memory: { some: { avg10: 0, avg60: 0, avg300: 0, total_s: 0 }, full: { avg10: 0, avg60: 0, avg300: 0, total_s: 0 } } },
      pressure_reason: null,
      oom_kills: 0,
      oom_kill_recent: false,
      oom_kill_age_s: null,
      vmstat_reason: null,
      swap_reason: null,
    });
  });

  it('no swap on the fixture: zeros, and rates null on the first sample then 0', async () => {
    const { tick, clock } = setup();
    const first = await tick();
    expect(first.swap).toEqual({
      zram: { used_gb: 0, total_gb: 0, pct: 0, velocity_mbps: null, device_count: 0, compression_ratio: null, ram_used_gb: null, algorithm: null },
      disk: { used_gb: 0, total_gb: 0, pct: 0, velocity_mbps: null, device_count: 0 },
      devices: [],
      in_pages_per_s: null,
      out_pages_per_s: null,
    });
    clock.advance(2000);
    const second = await tick();
    expect(second.swap).toMatchObject({ zram: { velocity_mbps: 0 }, disk: { velocity_mbps: 0 }, in_pages_per_s: 0, out_pages_per_s: 0 });
  });

  it('top_processes from its own scan: groups by executable, kernel threads left out, the browser labelled', async () => {
    const { tick } = setup();
    const p = await tick();
    expect(p.top_processes_source).toBe('scan');
    expect(p.top_processes.map((g) => [g.name, g.rss_mb, g.count])).toEqual([
      ['node', 39, 1],
      ['process_api', 12.4, 1],
      ['bash', 3.9, 1],
      ['firefox', 3.2, 1],
      ['(sd-pam)', 1.6, 1],
    ]);
    expect(p.top_processes[3]).toEqual({
      name: 'firefox',
      label: 'Browser (Firefox)',
      browser: 'Firefox',
      rss_mb: 3.2,
      count: 1,
      renderer_count: 1,
      earlyoom_risk: false,
    });
    expect(p.earlyoom_browser_warn).toBe(false);
    expect(extractMetric(p, 'top_processes[rank].rss_mb')).toHaveLength(5);
  });
});

describe('ram_monitor swap', () => {
  it('splits zram from disk swap (partitions AND files), with totals from /proc/swaps and zram compression', async () => {
    const { tick, fs } = setup();
    fs.overrides.set(P('swaps'), swaps(1024 * 1024, 512 * 1024, 256 * 1024));
    fs.overrides.set(S('block/zram0/mm_stat'), '1707339776 674729245 702652416 0 702652416 12345 123 4567 4567\n');
    fs.overrides.set(S('block/zram0/comp_algorithm'), 'lzo lzo-rle [zstd]\n');
    const p = await tick();
    expect(p.swap!.zram).toEqual({
      used_gb: 1,
      total_gb: 8,
      pct: 12.5,
      velocity_mbps: null,
      device_count: 1,
      compression_ratio: 2.53,
      ram_used_gb: 0.654,
      algorithm: 'zstd',
    });
    expect(p.swap!.disk).toEqual({ used_gb: 0.75, total_gb: 3, pct: 25, velocity_mbps: null, device_count: 2 });
    expect(p.swap!.devices.map((d) => [d.name, d.kind, d.type])).toEqual([
      ['/dev/zram0', 'zram', 'partition'],
      ['/swap.img', 'disk', 'file'],
      ['/dev/vda3', 'disk', 'partition'],
    ]);
  });

  it('velocity: MB/s of growth; 0 (never negative) while swap drains; no spike after a device goes away', async () => {
    const { tick, fs, clock } = setup();
    fs.overrides.set(P('swaps'), swaps(0, 0));
    expect((await tick()).swap!.disk.velocity_mbps).toBeNull();
    clock.advance(2000);
    fs.overrides.set(P('swaps'), swaps(20 * 1024, 100 * 1024));
    let p = await tick();
    expect(p.swap!.zram.velocity_mbps).toBe(10);
    expect(p.swap!.disk.velocity_mbps).toBe(50);
    clock.advance(2000);
    fs.overrides.set(P('swaps'), swaps(10 * 1024, 40 * 1024));
    p = await tick();
    expect(p.swap!.zram.velocity_mbps).toBe(0);
    expect(p.swap!.disk.velocity_mbps).toBe(0);
    clock.advance(1000);
    fs.overrides.set(P('swaps'), `${SWAPS_HEADER}/dev/zram0 partition 8388604 10240 100\n`);
    p = await tick();
    expect(p.swap!.disk).toMatchObject({ velocity_mbps: 0, total_gb: 0, device_count: 0 });
    clock.advance(1000);
    fs.overrides.set(P('swaps'), `${SWAPS_HEADER}/dev/zram0 partition 8388604 11264 100\n`);
    expect((await tick()).swap!.zram.velocity_mbps).toBe(1);
  });

  it('swap-in/out pages per second from vmstat pswpin/pswpout', async () => {
    const { tick, fs, clock } = setup();
    const vm = readFileSync(P('vmstat'), 'utf8');
    await tick();
    clock.advance(2000);
    fs.overrides.set(P('vmstat'), vm.replace(/^pswpin \d+$/m, 'pswpin 300').replace(/^pswpout \d+$/m, 'pswpout 1000'));
    const p = await tick();
    expect(p.swap).toMatchObject({ in_pages_per_s: 150, out_pages_per_s: 500 });
  });

  it.each([
    { name: 'garbage /proc/swaps', file: P('swaps'), text: `${SWAPS_HEADER}/dev/zram0 partition lots 0 1\n`, check: (p: RamPayload) => {
      expect(p.swap).toBeNull();
      expect(p.swap_reason).toMatch(/swaps:2: size "lots"/);
    } },
    { name: 'no /proc/swaps (kernel without swap)', file: P('swaps'), text: null, check: (p: RamPayload) => {
      expect(p.swap!.disk.total_gb).toBe(0);
      expect(p.swap_reason).toMatch(/kernel without swap support/);
    } },
    { name: 'garbage vmstat', file: P('vmstat'), text: 'pswpin\n', check: (p: RamPayload) => {
      expect(p.vmstat_reason).toMatch(/vmstat:1: expected "name count"/);
      expect(p.oom_kills).toBeNull();
      expect(p.swap!.in_pages_per_s).toBeNull();
    } },
    { name: 'vmstat without oom_kill (Linux < 4.13)', file: P('vmstat'), text: 'pswpin 0\npswpout 0\n', check: (p: RamPayload) => {
      expect(p.oom_kills).toBeNull();
      expect(p.vmstat_reason).toMatch(/no oom_kill counter/);
    } },
    { name: 'no PSI', file: P('pressure/memory'), text: null, check: (p: RamPayload) => {
      expect(p.pressure).toBeNull();
      expect(p.pressure_reason).toMatch(/kernel without PSI/);
    } },
    { name: 'garbage PSI', file: P('pressure/memory'), text: 'some avg10=x\n', check: (p: RamPayload) => {
      expect(p.pressure).toBeNull();
      expect(p.pressure_reason).toMatch(/memory:1: some avg10/);
    } },
  ])('$name: costs only its own figures', async ({ file, text, check }) => {
    const { tick, fs } = setup();
    fs.overrides.set(file, text);
    const p = await tick();
    expect(p.ram_total_gb).toBeGreaterThan(0);
    check(p);
    expect(JSON.stringify(p)).not.toMatch(/NaN|Infinity/);
  });

  it('a garbled mm_stat costs the compression ratio, not the zram totals', async () => {
    const { tick, fs } = setup();
    fs.overrides.set(P('swaps'), swaps(1024, 0));
    fs.overrides.set(S('block/zram0/mm_stat'), '1 2\n');
    const p = await tick();
    expect(p.swap!.zram).toMatchObject({ used_gb: 0, total_gb: 8, compression_ratio: null, ram_used_gb: null });
  });

  it('garbage or empty /proc/meminfo fails the tick with the place', async () => {
    const { tick, fs } = setup();
    fs.overrides.set(P('meminfo'), 'MemTotal: lots kB\n');
    await expect(tick()).rejects.toThrow(/meminfo:1: MemTotal: "lots" is not an integer/);
    fs.overrides.set(P('meminfo'), '');
    await expect(tick()).rejects.toThrow(/meminfo:1: file is empty/);
  });

  it('without MemAvailable (kernel < 3.14) available is estimated from free + file pages + reclaimable slab', async () => {
    const { tick, fs } = setup();
    fs.overrides.set(P('meminfo'), 'MemTotal: 1048576 kB\nMemFree: 262144 kB\nActive(file): 131072 kB\nInactive(file): 131072 kB\nSReclaimable: 0 kB\n');
    const p = await tick();
    expect(p).toMatchObject({ available_source: 'estimate', ram_total_gb: 1, ram_free_gb: 0.5, ram_used_gb: 0.5, ram_pct: 50, buffers_gb: null });
  });
});

describe('ram_monitor OOM kills', () => {
  it('oom_kill_recent while the counter rose within pressure.oom_hold_s; a counter that goes back is no kill', async () => {
    const { tick, fs, clock, ctx } = setup();
    const vm = readFileSync(P('vmstat'), 'utf8');
    const kills = (n: number) => fs.overrides.set(P('vmstat'), vm.replace(/^oom_kill \d+$/m, `oom_kill ${n}`));
    kills(3);
    // Kills before we started are not "recent": the kernel keeps no time for them.
    expect(await tick()).toMatchObject({ oom_kills: 3, oom_kill_recent: false });
    clock.advance(2000);
    kills(4);
    expect(await tick()).toMatchObject({ oom_kills: 4, oom_kill_recent: true, oom_kill_age_s: 0 });
    clock.advance(ctx.config.pressure.oom_hold_s * 1000);
    expect(await tick()).toMatchObject({ oom_kill_recent: true, oom_kill_age_s: ctx.config.pressure.oom_hold_s });
    clock.advance(1000);
    expect(await tick()).toMatchObject({ oom_kill_recent: false });
    clock.advance(1000);
    kills(0);
    expect(await tick()).toMatchObject({ oom_kills: 0, oom_kill_recent: false });
  });
});

describe('ram_monitor top_processes from process_monitor', () => {
  const row = (exe: string, rss_mb: number, cmdline = exe, kernel_thread = false) => ({ exe, rss_mb, cmdline, kernel_thread });
  const table = {
    available: true,
    processes: [
      row('chrome', 500, '/opt/google/chrome/chrome'),
      row('chrome', 300, '/opt/google/chrome/chrome --type=renderer --lang=en'),
      row('chrome', 200, '/opt/google/chrome/chrome --type=renderer --extension-process'),
      row('chrome', 250, '/opt/google/chrome/chrome --type=renderer'),
      row('chrome', 50, '/opt/google/chrome/chrome --type=gpu-process'),
      row('kworker', 0, '', true),
      row('postgres', 120, 'postgres: 14/main: checkpointer'),
    ],
  };
  const status = (processIntervalS: number, lastRunAgoMs: number, wallMs: number): Record<string, CollectorRuntime> => {
    const rt = (interval: number, ago: number): CollectorRuntime => ({
      interval,
      last_run: new Date(wallMs - ago).toISOString(),
      last_duration_ms: 1,
      errors: 0,
      last_error: null,
      available: true,
    });
    return { ram_monitor: rt(2, 0), process_monitor: rt(processIntervalS, lastRunAgoMs) };
  };

  it('uses the fresh shared table: no scan of its own; browser group with its tab estimate and earlyoom risk', async () => {
    const { tick, ctx, fs, clock } = setup();
    ctx.latest = (name) => (name === 'process_monitor' ? table : undefined);
    ctx.collectorStatus = () => status(2, 1500, clock.wallMs());
    // 4 GiB of RAM, 60 % used: Chrome's 1300 MB is above 20 % (819 MB), RAM below the 70 % floor.
    fs.overrides.set(P('meminfo'), 'MemTotal: 4194304 kB\nMemFree: 1000 kB\nMemAvailable: 1677722 kB\n');
    const p = await tick();
    expect(p.top_processes_source).toBe('process_monitor');
    expect(p.top_processes).toEqual([
      { name: 'chrome', label: 'Browser (Chrome)', browser: 'Chrome', rss_mb: 1300, count: 5, renderer_count: 2, earlyoom_risk: true },
      { name: 'postgres', label: 'postgres', browser: null, rss_mb: 120, count: 1, renderer_count: 0, earlyoom_risk: false },
    ]);
    expect(p).toMatchObject({ earlyoom_browser_warn: true, earlyoom_pressure: false, ram_pct: 60 });
    fs.overrides.set(P('meminfo'), 'MemTotal: 4194304 kB\nMemFree: 1000 kB\nMemAvailable: 419430 kB\n');
    expect(await tick()).toMatchObject({ earlyoom_browser_warn: true, earlyoom_pressure: true, ram_pct: 90 });
  });

  it.each([
    ['stale (last run 10 s ago)', 2, 10_000],
    ['slower than ram_monitor (interval 10 s)', 10, 0],
  ])('falls back to its own scan when the shared table is %s', async (_name, interval, ago) => {
    const { tick, ctx, clock } = setup();
    ctx.latest = (name) => (name === 'process_monitor' ? table : undefined);
    ctx.collectorStatus = () => status(interval, ago, clock.wallMs());
    const p = await tick();
    expect(p.top_processes_source).toBe('scan');
    expect(p.top_processes[0]!.name).toBe('node');
  });

  it.runIf(process.platform === 'linux')('drops its own scanner (and its open files) once the shared table is back; close() releases it too (real /proc)', async () => {
    const { ctx, clock } = makeCollectorContext<Record<string, unknown>>(DEFAULT_ROOTS, { name: 'ram_monitor' });
    const tick = () => ramMonitor.collect(ctx as never);
    await tick();
    const state = ctx.state as { scanner?: { openFiles: number } };
    const own = state.scanner!;
    expect(own.openFiles).toBeGreaterThan(0);
    ctx.latest = (name) => (name === 'process_monitor' ? table : undefined);
    ctx.collectorStatus = () => status(2, 0, clock.wallMs());
    await tick();
    expect(own.openFiles).toBe(0);
    expect(state.scanner).toBeUndefined();
    ctx.latest = () => undefined;
    await tick();
    await ramMonitor.close!(ctx as never);
    expect(state.scanner!.openFiles).toBe(0);
  });

  it('waits (no scan of its own) while process_monitor runs but has no table yet', async () => {
    const { tick, ctx, clock } = setup();
    const st = status(2, 0, clock.wallMs());
    st.process_monitor = { ...st.process_monitor!, last_run: null };
    ctx.collectorStatus = () => st;
    const p = await tick();
    expect(p).toMatchObject({ top_processes: [], top_processes_source: null, top_processes_reason: 'waiting for the first process_monitor table' });
    expect((ctx.state as { scanner?: unknown }).scanner).toBeUndefined();
    expect(p.ram_total_gb).toBeGreaterThan(0);
  });

  it('falls back when process_monitor failed its last tick', async () => {
    const { tick, ctx } = setup();
    ctx.latest = () => ({ available: false, error: 'boom' });
    expect((await tick()).top_processes_source).toBe('scan');
  });
});
