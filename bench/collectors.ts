/**
 * CPU cost of one collection pass per built-in collector on this machine's real /proc and /sys.
 * Run: `npx tsx bench/collectors.ts [passes]` — prints a table and appends it to bench/RESULTS.md.
 * Process CPU time (user+system, all threads) is what the monitor costs the machine; wall time
 * is shown too.
 */
import { appendFileSync } from 'node:fs';
import Value from 'typebox/value';
import { builtinCollectors } from '../src/collectors/index.js';
import { systemClock } from '../src/core/clock.js';
import type { CollectorContext } from '../src/core/collector.js';
import { type Config, ConfigSchema } from '../src/core/config/schema.js';
import { RateTracker } from '../src/core/rates.js';
import { HostFs } from '../src/host/hostfs.js';
import { resultHeading } from './heading.js';

const passes = Number(process.argv[2] ?? 2000);
const config = Value.Default(ConfigSchema, {}) as Config;
const rows: string[] = [];
// Some collectors wait on unref'd timers (self_monitor's lag probe); keep the loop alive meanwhile.
const keepAlive = setInterval(() => {}, 1000);

for (const def of builtinCollectors) {
  const ctx: CollectorContext = {
    name: def.name,
    config,
    options: {},
    fs: new HostFs(),
    clock: systemClock,
    rates: new RateTracker(),
    state: {},
    previous: null,
    signal: new AbortController().signal,
    latest: () => undefined,
    collectorStatus: () => ({}),
  };
  for (let i = 0; i < 50; i++) await def.collect(ctx); // warm-up: JIT, first-sample state
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < passes; i++) await def.collect(ctx);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const cpuUs = (cpu.user + cpu.system) / passes;
  rows.push(`| ${def.name} | ${(cpuUs / 1000).toFixed(3)} | ${((wall * 1000) / passes / 1000).toFixed(3)} | ${passes} |`);
}

const header = [
  '',
  resultHeading('collectors'),
  '',
  '| collector | CPU ms / pass | wall ms / pass | passes |',
  '|---|---|---|---|',
];
clearInterval(keepAlive);
const table = [...header, ...rows].join('\n');
console.log(table);
appendFileSync(new URL('./RESULTS.md', import.meta.url), `${table}\n`);
