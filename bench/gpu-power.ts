/**
 * CPU cost of one gpu_monitor and one power_monitor pass over the fixture hosts, where this
 * machine has no GPU, RAPL, battery or sensors of its own:
 *  - gpu_monitor with the fake libnvidia-ml.so.1 (two GPUs, three processes) over the
 *    workstation tree (two amdgpu cards): the cost of the FFI calls, buffers and /proc joins on
 *    our side — a real driver adds its own time per NVML call;
 *  - power_monitor over the laptop and workstation trees (RAPL, battery, zones, hwmon).
 * Run: `npx tsx bench/gpu-power.ts [passes]` — prints a table and appends it to bench/RESULTS.md.
 */
import { appendFileSync } from 'node:fs';
import Value from 'typebox/value';
import { gpuMonitor } from '../src/collectors/gpu.js';
import { powerMonitor } from '../src/collectors/power.js';
import { ManualClock } from '../src/core/clock.js';
import type { AnyCollector, CollectorContext } from '../src/core/collector.js';
import { type Config, ConfigSchema } from '../src/core/config/schema.js';
import { RateTracker } from '../src/core/rates.js';
import { HostFs } from '../src/host/hostfs.js';
import { buildFakeNvml, scenarioPath } from '../test/fixtures/nvml/build.js';
import { fixtureHost } from '../test/helpers/collector-context.js';
import { resultHeading } from './heading.js';

const passes = Number(process.argv[2] ?? 2000);
const config = Value.Default(ConfigSchema, {}) as Config;
const rows: string[] = [];
process.env.FAKE_NVML_SCENARIO = scenarioPath('two-gpus');
const lib = buildFakeNvml('current');

async function bench(label: string, def: AnyCollector, host: string, options: Record<string, unknown>): Promise<void> {
  const clock = new ManualClock();
  const ctx: CollectorContext = {
    name: def.name,
    config,
    options,
    fs: new HostFs(fixtureHost(host)),
    clock,
    rates: new RateTracker(),
    state: {},
    previous: null,
    signal: new AbortController().signal,
    latest: () => undefined,
    collectorStatus: () => ({}),
  };
  const tick = async () => {
    clock.advance(2000);
    return def.collect(ctx);
  };
  for (let i = 0; i < 50; i++) await tick(); // warm-up: JIT, NVML init, first samples
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < passes; i++) await tick();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  await def.close?.(ctx);
  rows.push(`| ${label} | ${((cpu.user + cpu.system) / passes / 1000).toFixed(3)} | ${(wall / passes).toFixed(3)} | ${passes} |`);
}

await bench('gpu_monitor: fake NVML, 2 GPUs + 2 amdgpu cards (workstation)', gpuMonitor, 'workstation-zram-nfs', { nvml_library: lib });
await bench('gpu_monitor: amdgpu sysfs only (workstation)', gpuMonitor, 'workstation-zram-nfs', { nvml: false });
await bench('power_monitor: laptop (RAPL, battery, 3 zones, 4 hwmon chips)', powerMonitor, 'laptop-battery-browsers', {});
await bench('power_monitor: workstation (RAPL, 6 hwmon chips, 4 fans)', powerMonitor, 'workstation-zram-nfs', {});

const table = ['', resultHeading('gpu and power collectors'), '', '| collector | CPU ms / pass | wall ms / pass | passes |', '|---|---|---|---|', ...rows].join('\n');
console.log(table);
appendFileSync(new URL('./RESULTS.md', import.meta.url), `${table}\n`);
