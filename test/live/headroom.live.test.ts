/**
 * Live checks of the headroom signal (SPEC §3) on this machine: the real collectors and the real
 * `headroom` collector run in a real Engine, and this test creates the conditions itself —
 * memory pushed into a zram device, memory pushed into a swap FILE, every core busy, and a drill
 * bigger than the machine's RAM — then checks the state, the causes and their numbers against the
 * payloads the signal was computed from.
 *
 * Every headroom tick is recorded together with the ram_monitor / cpu_monitor payloads that were
 * the latest when it was published (what the collector read: it reads the cache synchronously and
 * no other collector can publish in between) and with `headroomNow()` evaluated at that moment,
 * which must give the same answer as the collector.
 *
 * The machine is restored after each scenario, also on failure: children killed by their PID,
 * swapoff, swap file removed, zram device reset (removed if this test added it), cgroup removed,
 * engine stopped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CpuPayload } from '../../src/collectors/cpu.js';
import type { RamPayload } from '../../src/collectors/ram.js';
import type { Config } from '../../src/core/config/schema.js';
import { Engine } from '../../src/core/engine.js';
import { headroomNow } from '../../src/headroom/live.js';
import { createApp } from '../../src/server/app.js';
import type { Cause, HeadroomPayload } from '../../src/shared/protocol-headroom.js';
import { testConfig } from '../helpers/server.js';

const run = promisify(execFile);
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (v: number) => Math.round(v * 10) / 10;
/** How the signal writes a size: MB below 1 GB. */
const size = (gb: number) => (gb < 1 ? `${Math.round(gb * 1024)} MB` : `${r1(gb)} GB`);
/** Swap used of one kind from the payload: the per-device figures have 1 MB resolution. */
// biome-ignore lint/suspicious/noExplicitAny: payload read as the API shows it
function swapUsed(ram: any, kind: 'zram' | 'disk'): number {
  const devices = (ram.swap.devices as { kind: string; used_gb: number }[]).filter((d) => d.kind === kind).reduce((a, d) => a + d.used_gb, 0);
  return Math.max(ram.swap[kind].used_gb, devices);
}

/**
 * ram_monitor and headroom both tick every 2 s: a condition that starts just after a ram_monitor
 * read is seen by the next one (≤ 2 s), and by the next headroom tick (≤ 2 s more). The bound
 * adds room for a loaded 2-core machine, where timers fire late: it is a correctness bound (the
 * signal reacts within a couple of ticks), not a benchmark. The measured figures are logged.
 */
const LATENCY_BOUND_MS = 9000;
/** How long to wait for anything that should happen within a few ticks. */
const WAIT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// Restoring the machine: every resource registers its undo as soon as it exists; undone in
// reverse order after each test (and once more after all, should a hook have been skipped).

const undo: Array<{ what: string; fn: () => unknown }> = [];
async function restore(): Promise<void> {
  const failures: string[] = [];
  while (undo.length > 0) {
    const step = undo.pop()!;
    try {
      await step.fn();
    } catch (err) {
      failures.push(`${step.what}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`restoring the machine failed: ${failures.join('; ')}`);
}
afterEach(restore);
afterAll(restore);

function killChild(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    try {
      process.kill(c.pid!, 'SIGKILL');
    } catch {
      resolve();
    }
  });
}

/** A node child running `code`, killed by its PID on restore; `lines` collects its stdout lines. */
function child(code: string): { proc: ChildProcess; lines: string[] } {
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (proc.pid === undefined) throw new Error('could not spawn a child');
  undo.push({ what: `kill child ${proc.pid}`, fn: () => killChild(proc) });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  return { proc, lines };
}

async function waitFor<T>(find: () => T | undefined | null | false, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = find();
    if (v !== undefined && v !== null && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------------------------
// Skip reasons, cgroup, swap devices.

const MEMCG_V1 = '/sys/fs/cgroup/memory';
const CGROUP_V2 = '/sys/fs/cgroup';

/** Where a memory-limited cgroup can be made: cgroup v1's memory hierarchy or cgroup v2. */
function memoryCgroupParent(): { dir: string; limitFile: string } | null {
  if (existsSync(join(MEMCG_V1, 'memory.limit_in_bytes'))) return { dir: MEMCG_V1, limitFile: 'memory.limit_in_bytes' };
  try {
    const enabled = readFileSync(join(CGROUP_V2, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    if (enabled.includes('memory')) return { dir: CGROUP_V2, limitFile: 'memory.max' };
  } catch {}
  return null;
}

const hasTool = (tool: string) => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((d) => existsSync(join(d, tool)));

function rootSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (swapon, zram, cgroups)';
  return null;
}

function swapSkipReason(zram: boolean): string | null {
  const base = rootSkipReason();
  if (base) return base;
  for (const tool of [...(zram ? ['zramctl'] : []), 'mkswap', 'swapon', 'swapoff']) if (!hasTool(tool)) return `${tool} not installed`;
  if (zram && !existsSync('/sys/class/zram-control') && !existsSync('/sys/block/zram0')) return 'no zram module loaded';
  if (!memoryCgroupParent()) return 'no memory cgroup controller (v1, or enabled in the v2 root) to push a child into swap';
  return null;
}

/** /proc/swaps: device or file name → used KiB. */
function procSwapsUsed(): Map<string, number> {
  const lines = readFileSync('/proc/swaps', 'utf8').trim().split('\n').slice(1);
  return new Map(lines.map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, Number(f[3])]));
}

/** The scenarios need their own device to be the only swap: another one would take the pages. */
function otherSwapInUse(): string | null {
  const names = [...procSwapsUsed().keys()];
  return names.length > 0 ? `swap already active on this machine (${names.join(', ')}); the scenario needs its device to be the only swap` : null;
}

async function zramSwap(sizeMb: number): Promise<string> {
  const before = new Set(readdirSync('/sys/block').filter((d) => d.startsWith('zram')));
  const dev = (await run('zramctl', ['--find', '--size', `${sizeMb}M`])).stdout.trim();
  const name = dev.replace('/dev/', '');
  undo.push({
    what: `reset ${dev}`,
    fn: () => {
      // Reset through sysfs (keeps the device); remove it only if this test added it.
      writeFileSync(`/sys/block/${name}/reset`, '1');
      if (!before.has(name)) writeFileSync('/sys/class/zram-control/hot_remove', name.replace('zram', ''));
    },
  });
  await run('mkswap', [dev]);
  await run('swapon', ['-p', '100', dev]);
  undo.push({ what: `swapoff ${dev}`, fn: () => run('swapoff', [dev]) });
  return dev;
}

async function fileSwap(sizeMb: number): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'headroom-live-swap-'));
  undo.push({ what: `remove ${dir}`, fn: () => rmSync(dir, { recursive: true, force: true }) });
  const file = join(dir, 'swapfile');
  // Written out (no holes), 0600, as swapon wants it.
  const fd = openSync(file, 'w', 0o600);
  try {
    const chunk = Buffer.alloc(16 * MiB);
    for (let i = 0; i < sizeMb / 16; i++) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  await run('mkswap', [file]);
  await run('swapon', [file]);
  undo.push({ what: `swapoff ${file}`, fn: () => run('swapoff', [file]) });
  return file;
}

/** A memory cgroup limited to `limitMb`; removed on restore (after its processes are killed). */
function memoryCgroup(limitMb: number): string {
  const parent = memoryCgroupParent()!;
  const dir = join(parent.dir, `headroom-live-headroom-${process.pid}`);
  mkdirSync(dir);
  undo.push({
    what: `remove cgroup ${dir}`,
    fn: async () => {
      for (let i = 0; existsSync(dir); i++) {
        try {
          rmdirSync(dir);
        } catch (err) {
          // EBUSY while the killed child's exit is still being accounted.
          if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || i > 100) throw err;
          await sleep(50);
        }
      }
    },
  });
  writeFileSync(join(dir, parent.limitFile), String(limitMb * MiB));
  return join(dir, 'cgroup.procs');
}

/**
 * A child that moves itself into the cgroup, then allocates `stepMb` of compressible data
 * (1 KiB random blocks repeated: ~4:1 in zram) every 100 ms up to `capMb`, prints `cap` and
 * holds it all. Under the cgroup's limit the kernel pushes its older pages out to swap, steadily.
 */
function swapHog(procsFile: string, stepMb: number, capMb: number) {
  return child(`
    require('fs').writeFileSync(${JSON.stringify(procsFile)}, String(process.pid));
    const block = require('crypto').randomBytes(1024);
    const chunks = [];
    console.log('in');
    const t = setInterval(() => {
      chunks.push(Buffer.alloc(${stepMb} * 1024 * 1024, block));
      if (chunks.length * ${stepMb} >= ${capMb}) { clearInterval(t); console.log('cap'); }
    }, 100);
    setInterval(() => chunks.length, 1000);`);
}

// ---------------------------------------------------------------------------------------------
// The engine and what it publishes.

interface Tick {
  /** performance.now() when the headroom sample was published. */
  at: number;
  h: HeadroomPayload;
  /** The latest ram_monitor / cpu_monitor payloads at that moment: the collector's inputs. */
  ram: RamPayload | undefined;
  cpu: CpuPayload | undefined;
  /** headroomNow() at the same moment. */
  now: HeadroomPayload;
}

interface Live {
  engine: Engine;
  ticks: Tick[];
  /** Every ram_monitor / cpu_monitor sample, with performance.now() at publication. */
  ram: Array<{ at: number; data: RamPayload }>;
  cpu: Array<{ at: number; data: CpuPayload }>;
}

async function startEngine(patch?: (c: Config) => void): Promise<Live> {
  const config = testConfig((c) => {
    c.history.enabled = false;
    patch?.(c);
  });
  const engine = await Engine.create({ config });
  const live: Live = { engine, ticks: [], ram: [], cpu: [] };
  engine.bus.on('sample', (ev) => {
    const at = performance.now();
    if (ev.plugin === 'ram_monitor') live.ram.push({ at, data: ev.data as RamPayload });
    if (ev.plugin === 'cpu_monitor') live.cpu.push({ at, data: ev.data as CpuPayload });
    if (ev.plugin !== 'headroom') return;
    live.ticks.push({
      at,
      h: ev.data as HeadroomPayload,
      ram: engine.cache.get('ram_monitor')?.data as RamPayload | undefined,
      cpu: engine.cache.get('cpu_monitor')?.data as CpuPayload | undefined,
      now: headroomNow(engine),
    });
  });
  undo.push({ what: 'stop the engine', fn: () => engine.stop() });
  await engine.start();
  // Velocities and CPU percentages need two samples; then one headroom tick on top of them.
  await waitFor(() => live.ram.length >= 2 && live.ticks.some((t) => t.ram === live.ram.at(-1)?.data), 'two ram_monitor samples and a headroom tick after them');
  return live;
}

const codes = (h: HeadroomPayload) => h.causes.map((c) => c.code);
const cause = (h: HeadroomPayload, code: string): Cause | undefined => h.causes.find((c) => c.code === code);

/** The invariants of every published signal: state, reason and overrides follow the causes; the live evaluation agrees. */
function checkConsistent(t: Tick): void {
  const { h } = t;
  expect(t.now).toEqual(h);
  const holds = h.causes.filter((c) => c.level === 'HOLD');
  const eases = h.causes.filter((c) => c.level === 'EASE_IN');
  // HOLD causes are listed first.
  expect(h.causes).toEqual([...holds, ...eases]);
  expect(h.state).toBe(holds.length > 0 ? 'HOLD' : eases.length > 0 ? 'EASE_IN' : 'GO');
  expect(h.state_level).toBe({ GO: 0, EASE_IN: 1, HOLD: 2 }[h.state]);
  expect(h.reason).toBe(h.causes[0]?.text ?? 'All systems nominal');
  expect(h.reason_code).toBe(h.causes[0]?.code ?? 'all_nominal');
  expect(h.overrides).toEqual(h.causes.slice(1).map((c) => c.text));
  expect(h.cause_count).toBe(h.causes.length);
}

const summary = (t: Tick) => `${t.h.state} [${codes(t.h).join(', ')}]`;

// ---------------------------------------------------------------------------------------------

const zramWhy = swapSkipReason(true);
const fileWhy = swapSkipReason(false);

describe.skipIf(zramWhy !== null)(`headroom under zram swap growth${zramWhy ? ` (skipped: ${zramWhy})` : ''}`, () => {
  it('pages pushed into zram (the only swap) → EASE_IN zram_swap_growing within two intervals; clears when it stops', async (ctx) => {
    const busy = otherSwapInUse();
    if (busy) return ctx.skip(busy);
    const dev = await zramSwap(1024);
    const procs = memoryCgroup(48);
    // cpu_monitor off: on a shared 2-core machine the CPU is often saturated by other work,
    // which rightly makes the state HOLD (cpu_critical) and would hide the EASE_IN under test.
    // The CPU path has its own scenario below.
    const live = await startEngine((c) => {
      c.plugins.cpu_monitor = false;
    });
    const base = live.ticks.at(-1)!;
    expect(codes(base.h)).not.toContain('zram_swap_growing');
    expect(base.h.missing_inputs).toContain('cpu_monitor');

    const tSpawn = performance.now();
    // 2 MiB every 100 ms: ~20 MB/s into swap once past the limit, gentle enough not to stall
    // the whole machine (memory PSI "full" would add a HOLD of its own).
    const hog = swapHog(procs, 2, 320);
    const tSwap = await waitFor(() => (procSwapsUsed().get(dev) ?? 0) > 0 && performance.now(), `pages in ${dev}`);
    const seen = await waitFor(
      () => live.ticks.find((t) => t.at > tSwap && cause(t.h, 'zram_swap_growing')),
      'a headroom tick with zram_swap_growing',
    );
    const latency = seen.at - tSwap;
    const ramTicks = live.ram.filter((s) => s.at > tSwap && s.at <= seen.at).length;
    console.log(
      `zram: child started → first page in zram ${Math.round(tSwap - tSpawn)} ms; first page in zram → EASE_IN seen ${Math.round(latency)} ms; ` +
        `ram_monitor samples in between: ${ramTicks}`,
    );
    expect(latency).toBeLessThan(LATENCY_BOUND_MS);
    // In ticks, whatever the load: seen on the headroom tick after the first or second
    // ram_monitor sample since the first page went out (the first may have read /proc/swaps
    // just before, or seen less than the 0.01 GB used_gb rounds to).
    expect(ramTicks).toBeGreaterThanOrEqual(1);
    expect(ramTicks).toBeLessThanOrEqual(2);

    const z = seen.ram!.swap!.zram;
    console.log(`zram: first cause "${cause(seen.h, 'zram_swap_growing')!.text}"; zram used_gb ${z.used_gb}, ram_used_gb ${z.ram_used_gb}, ratio ${z.compression_ratio}; memory PSI ${JSON.stringify(seen.ram!.pressure?.memory)}`);
    const c = cause(seen.h, 'zram_swap_growing')!;
    expect(swapUsed(seen.ram!, 'zram')).toBeGreaterThan(0);
    expect(z.velocity_mbps!).toBeGreaterThanOrEqual(1);
    expect(seen.ram!.swap!.disk.device_count).toBe(0);
    expect(c).toEqual({
      code: 'zram_swap_growing',
      level: 'EASE_IN',
      source: 'ram_monitor',
      text: `zram swap growing ${r1(z.velocity_mbps!)} MB/s (${size(swapUsed(seen.ram!, 'zram'))} swapped out${z.ram_used_gb == null ? '' : `, ${size(z.ram_used_gb)} of RAM compressed`})`,
      value: z.velocity_mbps,
      threshold: 1,
    });
    expect(seen.h.state).toBe('EASE_IN');
    // The first EASE_IN rule, so the reason; the others (memory PSI, I/O PSI, …) follow as overrides.
    expect(seen.h.reason_code).toBe('zram_swap_growing');
    expect(seen.h.reason).toBe(c.text);
    expect(seen.h.causes.filter((x) => x.level === 'HOLD')).toEqual([]);

    // Let it grow to its cap, then stop it: the cause must go once used zram stops growing.
    await waitFor(() => hog.lines.includes('cap'), 'the child to reach its cap');
    const tCap = performance.now();
    const growing = live.ticks.filter((t) => t.at >= seen.at && t.at <= tCap);
    await killChild(hog.proc);
    const tKill = performance.now();
    const cleared = await waitFor(() => live.ticks.find((t) => t.at > tKill && !cause(t.h, 'zram_swap_growing')), 'zram_swap_growing to clear');
    console.log(
      `zram: while growing ${growing.map(summary).join(' | ')}; cleared ${Math.round(cleared.at - tKill)} ms after the kill → ${summary(cleared)}`,
    );
    // Every published signal: consistent with itself, and the zram cause present exactly when its
    // inputs say so (no lag behind ram_monitor, no flapping of its own).
    for (const t of live.ticks) {
      checkConsistent(t);
      const zz = t.ram?.swap?.zram;
      if (zz) expect(cause(t.h, 'zram_swap_growing') !== undefined).toBe(zz.used_gb > 0 && zz.velocity_mbps !== null && zz.velocity_mbps >= 1);
    }
  }, 120_000);
});

describe.skipIf(fileWhy !== null)(`headroom under disk swap${fileWhy ? ` (skipped: ${fileWhy})` : ''}`, () => {
  it('pages pushed into a swap file (the only swap) → HOLD disk_swap_active with ram_monitor’s figures; clears when it stops', async (ctx) => {
    const busy = otherSwapInUse();
    if (busy) return ctx.skip(busy);
    const file = await fileSwap(512);
    const procs = memoryCgroup(48);
    const live = await startEngine();
    const base = live.ticks.at(-1)!;
    expect(codes(base.h)).not.toContain('disk_swap_active');

    const tSpawn = performance.now();
    const hog = swapHog(procs, 2, 320);
    const tSwap = await waitFor(() => (procSwapsUsed().get(file) ?? 0) > 0 && performance.now(), `pages in ${file}`);
    const seen = await waitFor(() => live.ticks.find((t) => t.at > tSwap && cause(t.h, 'disk_swap_active')), 'a headroom tick with disk_swap_active');
    const latency = seen.at - tSwap;
    const ramTicks = live.ram.filter((s) => s.at > tSwap && s.at <= seen.at).length;
    console.log(
      `disk swap: child started → first page in the file ${Math.round(tSwap - tSpawn)} ms; first page in the file → HOLD seen ${Math.round(latency)} ms; ` +
        `ram_monitor samples in between: ${ramTicks}`,
    );
    expect(latency).toBeLessThan(LATENCY_BOUND_MS);
    expect(ramTicks).toBeGreaterThanOrEqual(1);
    expect(ramTicks).toBeLessThanOrEqual(2);

    console.log(`disk swap: first cause "${cause(seen.h, 'disk_swap_active')!.text}"; memory PSI ${JSON.stringify(seen.ram!.pressure?.memory)}`);
    await waitFor(() => hog.lines.includes('cap'), 'the child to reach its cap');
    const tCap = performance.now();
    const growing = live.ticks.filter((t) => t.at >= seen.at && t.at <= tCap);
    // Checked on every tick while it grew (the numbers change from tick to tick).
    for (const t of growing.filter((x) => cause(x.h, 'disk_swap_active'))) {
      const d = t.ram!.swap!.disk;
      expect(d.device_count).toBe(1);
      expect(t.ram!.swap!.zram.device_count).toBe(0);
      expect(swapUsed(t.ram!, 'disk')).toBeGreaterThan(0);
      expect(d.velocity_mbps!).toBeGreaterThan(0);
      expect(cause(t.h, 'disk_swap_active')).toEqual({
        code: 'disk_swap_active',
        level: 'HOLD',
        source: 'ram_monitor',
        text: `Disk swap active: ${r1(d.velocity_mbps!)} MB/s into swap, ${size(swapUsed(t.ram!, 'disk'))} used`,
        value: d.velocity_mbps,
        threshold: 0,
      });
      expect(t.h.state).toBe('HOLD');
      // The first HOLD rule: nothing can precede it.
      expect(t.h.reason_code).toBe('disk_swap_active');
      expect(t.h.causes[0]!.code).toBe('disk_swap_active');
    }
    await killChild(hog.proc);
    const tKill = performance.now();
    const cleared = await waitFor(() => live.ticks.find((t) => t.at > tKill && !cause(t.h, 'disk_swap_active')), 'disk_swap_active to clear');
    console.log(
      `disk swap: while growing ${growing.map(summary).join(' | ')}; cleared ${Math.round(cleared.at - tKill)} ms after the kill → ${summary(cleared)}`,
    );
    for (const t of live.ticks) {
      checkConsistent(t);
      const d = t.ram?.swap?.disk;
      if (d) expect(cause(t.h, 'disk_swap_active') !== undefined).toBe(d.used_gb > 0 && d.velocity_mbps !== null && d.velocity_mbps > 0);
    }
  }, 120_000);
});

describe.skipIf(process.platform !== 'linux')('headroom with every core busy', () => {
  it('busy loops on all cores → cpu_monitor ≥ 95 % and HOLD cpu_critical with the projection built on that figure', async () => {
    const live = await startEngine();
    const cfg = live.engine.config;
    const baseline = live.ticks.at(-1)!;
    const n = os.cpus().length;
    const tSpawn = performance.now();
    for (let i = 0; i < n; i++) {
      const { proc } = child('for (;;) {}');
      // Lowest priority: they take the idle time without starving the engine under test.
      os.setPriority(proc.pid!, 19);
    }
    // The first signal computed from a cpu_monitor sample published after the loops started.
    const seen = await waitFor(
      () => live.ticks.find((t) => t.at > tSpawn && live.cpu.some((s) => s.data === t.cpu && s.at > tSpawn) && cause(t.h, 'cpu_critical')),
      'a headroom tick with cpu_critical',
    );
    const latency = seen.at - tSpawn;
    // Hold the load for three more headroom ticks: it must not flap.
    const from = live.ticks.length;
    await waitFor(() => live.ticks.length >= from + 3, 'three more headroom ticks');
    const held = live.ticks.slice(live.ticks.indexOf(seen));
    console.log(
      `cpu: baseline aggregate ${baseline.cpu?.aggregate_pct}% (${summary(baseline)}); loops started → HOLD seen ${Math.round(latency)} ms; ` +
        `then ${held.map((t) => `${t.cpu?.aggregate_pct}% ${summary(t)}`).join(' | ')}`,
    );
    expect(latency).toBeLessThan(LATENCY_BOUND_MS);

    for (const t of held) {
      checkConsistent(t);
      const cpu = t.cpu!;
      const agg = cpu.aggregate_pct!;
      expect(agg).toBeGreaterThanOrEqual(95);
      expect(cpu.core_count).toBe(n);
      for (const core of cpu.per_core_pct) expect(core!).toBeGreaterThan(85);
      // cpu_monitor's own breakdown: busy + idle + iowait = 100 (each rounded to 0.1).
      expect(Math.abs(agg + (cpu.breakdown.idle ?? 0) + (cpu.breakdown.iowait ?? 0) - 100)).toBeLessThanOrEqual(0.15);
      expect(t.h.state).toBe('HOLD');
      expect(cause(t.h, 'cpu_critical')).toEqual({
        code: 'cpu_critical',
        level: 'HOLD',
        source: 'cpu_monitor',
        text: `CPU at ${r1(agg)}% (critical ${cfg.thresholds.cpu.critical}%)`,
        value: agg,
        threshold: cfg.thresholds.cpu.critical,
      });
      // Already at critical: the projected breach would only repeat it.
      expect(codes(t.h)).not.toContain('cpu_projected_breach');
      // No HOLD rule before it can fire here (no disk swap, RAM far from critical, no UPS/battery).
      expect(t.h.reason_code).toBe('cpu_critical');
      const b = t.h.breakdown.cpu!;
      expect(b.current).toBe(r1(agg));
      expect(b.delta).toBe(cfg.drill_cost.cpu_spike_pct);
      expect(b.projected).toBe(r1(b.current + b.delta));
      expect(b.threshold).toBe(cfg.thresholds.cpu.critical);
      expect(b.warn).toBe(cfg.thresholds.cpu.warn);
      expect(b.headroom).toBe(r1(b.threshold - b.projected));
      expect(b.headroom).toBeLessThan(0);
      expect(t.h.headroom.cpu).toBe(b.headroom);
    }
  }, 120_000);
});

describe.skipIf(process.platform !== 'linux')('headroom drill on this machine', () => {
  it('GET /api/headroom?ram_delta_gb=<all of RAM> → HOLD ram_projected_breach, delta ≈ 100 %, current = ram_monitor.ram_pct', async () => {
    const live = await startEngine();
    const { engine } = live;
    const { app } = await createApp({ engine });
    undo.push({ what: 'close the app', fn: () => app.close() });
    const cfg = engine.config;
    const totalGb = Math.round((os.totalmem() / GiB) * 1000) / 1000;
    const H = { host: '127.0.0.1:7700' };

    // Asked over HTTP; the answer is only comparable with a ram_monitor sample that did not
    // change during the request, so retry on the (rare) tick in between.
    let body: HeadroomPayload | undefined;
    let plain: HeadroomPayload | undefined;
    let ram: RamPayload | undefined;
    for (let i = 0; i < 10 && body === undefined; i++) {
      const before = engine.cache.get('ram_monitor');
      const res = await app.inject({ url: `/api/headroom?ram_delta_gb=${totalGb}`, headers: H });
      const res0 = await app.inject({ url: '/api/headroom', headers: H });
      expect(res.statusCode).toBe(200);
      expect(res0.statusCode).toBe(200);
      if (engine.cache.get('ram_monitor') !== before) continue;
      body = res.json() as HeadroomPayload;
      plain = res0.json() as HeadroomPayload;
      ram = before!.data as RamPayload;
      // The in-process evaluation agrees with the route, from the same cache.
      expect(JSON.parse(JSON.stringify(headroomNow(engine, { ram_delta_gb: totalGb })))).toEqual(body);
    }
    expect(body, 'a request that no ram_monitor tick interrupted').toBeDefined();
    const b = body!.breakdown.ram!;
    console.log(`drill: ram_pct ${ram!.ram_pct}% of ${ram!.ram_total_gb} GB; ram_delta_gb=${totalGb} → ${JSON.stringify(b)} ${body!.state} [${codes(body!).join(', ')}]`);

    expect(body!.drill).toMatchObject({ name: null, ram_delta_gb: totalGb });
    expect(b.current).toBe(ram!.ram_pct);
    expect(b.delta).toBeCloseTo(100, 0);
    expect(b.delta).toBe(r1((totalGb / ram!.ram_total_gb) * 100));
    expect(b.projected).toBe(r1(b.current + b.delta));
    expect(b.threshold).toBe(cfg.thresholds.ram.critical);
    expect(b.headroom).toBe(r1(b.threshold - b.projected));
    expect(body!.headroom.ram).toBe(b.headroom);
    expect(body!.state).toBe('HOLD');
    expect(cause(body!, 'ram_projected_breach')).toEqual({
      code: 'ram_projected_breach',
      level: 'HOLD',
      source: 'headroom',
      text: `RAM would breach: ${r1(b.current)}% + ${r1(b.delta)}% → ${r1(b.projected)}%, critical ${b.threshold}%`,
      value: b.projected,
      threshold: b.threshold,
    });
    checkConsistent({ at: 0, h: body!, now: body!, ram, cpu: undefined });

    // Without the drill, the default cost (ram_delta_pct) on the same sample: no breach.
    expect(plain!.breakdown.ram).toMatchObject({ current: ram!.ram_pct, delta: cfg.drill_cost.ram_delta_pct });
    if (ram!.ram_pct + cfg.drill_cost.ram_delta_pct < cfg.thresholds.ram.critical) expect(codes(plain!)).not.toContain('ram_projected_breach');
  }, 60_000);
});
