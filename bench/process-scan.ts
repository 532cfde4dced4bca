/**
 * Process-scan cost against the amount of work: for 100, 1,000, 3,000 and 10,000 extra sleeping
 * processes, CPU per warm scan (the /proc/<pid> reader alone), per process_monitor pass (scan +
 * table + rates + top lists) and per ram_monitor pass on that table, each also per 1,000
 * processes, next to the floor measured in the same run: a C loop that lists /proc and reads
 * every /proc/<pid>/stat (bench/lib/statfloor.c), nothing more.
 *
 * Run: `npx tsx bench/process-scan.ts [counts…]` (or bench/run.sh process-scan).
 */
import { execFileSync } from 'node:child_process';
import Value from 'typebox/value';
import { processMonitor } from '../src/collectors/processes.js';
import { ramMonitor } from '../src/collectors/ram.js';
import type { CollectorContext, Payload } from '../src/core/collector.js';
import { type Config, ConfigSchema } from '../src/core/config/schema.js';
import { HostFs } from '../src/host/hostfs.js';
import { ProcessScanner } from '../src/host/process-table.js';
import { benchContext } from './lib/context.js';
import { quietGate, sleep } from './lib/machine.js';
import { cProgram, startSleepers } from './lib/procs.js';
import { f2, record, table } from './lib/results.js';
import { procCount } from './lib/scenarios.js';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const extras = counts.length > 0 ? counts : [100, 1000, 3000, 10_000];
const { load, warning } = await quietGate('process-scan');
const config = Value.Default(ConfigSchema, {}) as Config;
const fs = new HostFs();

const ctx = (name: string, latest?: (n: string) => Payload | undefined): CollectorContext =>
  benchContext(name, config, fs, latest, []);

/** CPU ms of this process per call, over `times` calls (after one untimed call). */
async function perCall(times: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < times; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / times;
}

const floorBin = cProgram('statfloor');
const rows: Array<Array<string | number>> = [];
// Warm-up: the JIT compiles the scan and table code on background threads whose CPU counts in
// this process's time; let it finish before anything is measured.
{
  const scanner = new ProcessScanner(fs);
  const pm = ctx('process_monitor');
  const until = performance.now() + 3000;
  while (performance.now() < until) {
    await scanner.scan(() => performance.now());
    await processMonitor.collect(pm as never);
  }
  scanner.close();
  await processMonitor.close!(pm as never);
}
for (const extra of extras) {
  const sleepers = await startSleepers(extra);
  try {
    await sleep(500);
    const passes = Math.max(5, Math.round(60_000 / (extra + 200)));
    const n = procCount();
    const [pids, floorMs] = execFileSync(floorBin, ['passes', String(passes * 2)], { encoding: 'utf8' }).trim().split(' ').map(Number);
    // Warm: every process already seen once (argv, user, cgroup cached), as in a running server.
    const scanner = new ProcessScanner(fs);
    const scanMs = await perCall(passes, () => scanner.scan(() => performance.now()));
    scanner.close();
    const pm = ctx('process_monitor');
    let tablePayload: Payload | undefined;
    const pmMs = await perCall(passes, async () => {
      tablePayload = await processMonitor.collect(pm as never);
    });
    const ram = ctx('ram_monitor', (name) => (name === 'process_monitor' ? tablePayload : undefined));
    const ramMs = await perCall(passes, () => ramMonitor.collect(ram as never));
    await processMonitor.close!(pm as never);
    await ramMonitor.close!(ram as never);
    const per1k = (ms: number) => f2((ms / n) * 1000);
    rows.push([
      `+${extra}`,
      n,
      `${f2(floorMs!)} (${per1k(floorMs!)})`,
      `${f2(scanMs)} (${per1k(scanMs)})`,
      `${f2(pmMs)} (${per1k(pmMs)})`,
      `${f2(ramMs)}`,
      f2(scanMs / floorMs!),
      f2(pmMs / floorMs!),
      passes,
    ]);
    void pids;
  } finally {
    await sleepers.stop();
  }
}

record(
  'process-scan',
  load,
  warning,
  table(
    ['extra', 'processes', 'floor ms/scan (per 1k)', 'scan ms (per 1k)', 'process_monitor ms (per 1k)', 'ram_monitor ms', 'scan ÷ floor', 'process_monitor ÷ floor', 'passes'],
    rows,
  ),
  [
    'CPU ms per pass of this process (user + system), warm: every process seen before. Floor: bench/lib/statfloor.c, list /proc + open/read/close every /proc/<pid>/stat, in the same run.',
    'process_monitor = scan + rows (user, cgroup, redacted cmdline cached per process) + CPU/IO rates + counts + top lists; ram_monitor groups that table by executable.',
  ],
);
