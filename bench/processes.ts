/**
 * CPU cost of the process table with thousands of processes: spawns N `sleep 600` children
 * (default 3000), measures process_monitor passes and the /proc scan alone, cold (first sight
 * of every process: cmdline, status, cgroup read) and warm (only stat + io per process), plus
 * ram_monitor with the shared table and with its own scan. Kills every child by PID.
 * Run: `npx tsx bench/processes.ts [children] [passes]` — prints a table and appends it to
 * bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resultHeading } from './heading.js';
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import Value from 'typebox/value';
import { processMonitor } from '../src/collectors/processes.js';
import { ramMonitor } from '../src/collectors/ram.js';
import type { CollectorContext, Payload } from '../src/core/collector.js';
import { type Config, ConfigSchema } from '../src/core/config/schema.js';
import { HostFs } from '../src/host/hostfs.js';
import { benchContext } from './lib/context.js';
import { ProcessScanner } from '../src/host/process-table.js';

const n = Number(process.argv[2] ?? 3000);
const loadBefore = loadavg()[0]!;
const passes = Number(process.argv[3] ?? 20);
const config = Value.Default(ConfigSchema, {}) as Config;
const fs = new HostFs();

const ctx = (name: string, latest?: (n: string) => Payload | undefined): CollectorContext =>
  benchContext(name, config, fs, latest, ['ram_monitor', 'process_monitor']);

/**
 * CPU ms (user + system, this process) and wall ms per call of `fn`, over `times` calls.
 * `after` runs outside the measurement (closing what a cold pass opened).
 */
async function measure(
  times: number,
  fn: () => Promise<unknown>,
  after: () => void | Promise<void> = () => {},
): Promise<{ cpu: number; wall: number }> {
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < times; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await fn();
    const c = process.cpuUsage(c0);
    wall += performance.now() - w0;
    cpu += (c.user + c.system) / 1000;
    await after();
  }
  return { cpu: cpu / times, wall: wall / times };
}

const kids: ChildProcess[] = [];
const killAll = () => {
  for (const k of kids) {
    try {
      process.kill(k.pid!, 'SIGKILL');
    } catch {}
  }
};
process.on('exit', killAll);

console.error(`spawning ${n} sleep processes…`);
for (let i = 0; i < n; i++) {
  const k = spawn('sleep', ['600'], { stdio: 'ignore', detached: false });
  k.on('error', () => {});
  kids.push(k);
}
await new Promise((r) => setTimeout(r, 2000));

// Warm up the JIT and the code paths on a throwaway scanner.
const warmup = new ProcessScanner(fs);
await warmup.scan(() => performance.now());
warmup.close();

const rows: string[] = [];
const row = (what: string, m: { cpu: number; wall: number }, times: number) =>
  rows.push(`| ${what} | ${m.cpu.toFixed(2)} | ${m.wall.toFixed(2)} | ${times} |`);
const clock = () => performance.now();

// Cold: a fresh scanner / collector state every call, closed outside the measurement.
let cold = new ProcessScanner(fs);
row('scan, cold (every process new)', await measure(5, () => cold.scan(clock), () => { cold.close(); cold = new ProcessScanner(fs); }), 5);
cold.close();
const warmScanner = new ProcessScanner(fs);
await warmScanner.scan(clock);
row(`scan, warm (${warmScanner.openFiles} files kept open)`, await measure(passes, () => warmScanner.scan(clock)), passes);
warmScanner.close();
const noKeep = new ProcessScanner(fs, { fdBudget: 0 });
await noKeep.scan(clock);
row('scan, warm, no files kept open (open/read/close each)', await measure(passes, () => noKeep.scan(clock)), passes);
const lightScanner = new ProcessScanner(fs, { users: false, cgroup: false, io: false });
await lightScanner.scan(clock);
row('scan, warm, stat only (ram_monitor fallback)', await measure(passes, () => lightScanner.scan(clock)), passes);
lightScanner.close();

let pmCold = ctx('process_monitor');
row(
  'process_monitor pass, cold',
  await measure(5, () => processMonitor.collect(pmCold as never), async () => {
    await processMonitor.close!(pmCold as never);
    pmCold = ctx('process_monitor');
  }),
  5,
);
const pm = ctx('process_monitor');
let table: Payload | undefined;
table = await processMonitor.collect(pm as never);
row('process_monitor pass, warm', await measure(passes, async () => { table = await processMonitor.collect(pm as never); }), passes);

const ramShared = ctx('ram_monitor', (name) => (name === 'process_monitor' ? table : undefined));
await ramMonitor.collect(ramShared as never);
row('ram_monitor pass, shared table', await measure(passes, () => ramMonitor.collect(ramShared as never)), passes);
const ramOwn = ctx('ram_monitor');
await ramMonitor.collect(ramOwn as never);
row('ram_monitor pass, own scan (process_monitor off)', await measure(passes, () => ramMonitor.collect(ramOwn as never)), passes);
await ramMonitor.close!(ramOwn as never);
await processMonitor.close!(pm as never);

const procCount = (table as { counts: { total: number } }).counts.total;
const payloadKb = Buffer.byteLength(JSON.stringify(table)) / 1024;

console.error(`killing ${kids.length} children by PID…`);
killAll();
await Promise.all(kids.map((k) => (k.exitCode !== null || k.signalCode !== null ? null : new Promise((r) => k.once('exit', r)))));

const header = [
  '',
  resultHeading('processes'),
  '',
  `${n} \`sleep 600\` children spawned; ${procCount} processes in the table; process_monitor payload ${payloadKb.toFixed(0)} KiB as JSON.`,
  `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after: other work on the machine shows as noise.`,
  'CPU is this process\'s user + system time; "cold" = every process seen for the first time.',
  '',
  '| pass | CPU ms / pass | wall ms / pass | passes |',
  '|---|---|---|---|',
];
const tableText = [...header, ...rows].join('\n');
console.log(tableText);
appendFileSync(new URL('./RESULTS.md', import.meta.url), `${tableText}\n`);
