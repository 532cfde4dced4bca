/**
 * What disk_monitor's statfs paths cost on this machine. Run: `npx tsx bench/disk.ts [calls]`.
 *  - one disk_monitor tick (CPU of this process, all threads);
 *  - statfs('/') on the threadpool (the path for in-kernel local filesystems), and
 *    fs.statfsSync('/') on the main thread (the bare system call, for reference);
 *  - statfs('/') through the StatfsPool's worker thread (the path for network / FUSE mounts):
 *    CPU of the whole process, and how it splits between the main thread and the worker thread
 *    (from /proc/self/task/<tid>/stat), wall time per call;
 *  - starting a worker: wall time to its first answer, CPU, and the memory the first one adds
 *    (private pages of this process, before and after).
 * Prints a table; numbers go in a report or bench/RESULTS.md by hand.
 */
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { type DiskState, diskMonitor } from '../src/collectors/disk.js';
import { systemClock } from '../src/core/clock.js';
import { DEFAULT_ROOTS } from '../src/host/hostfs.js';
import { StatfsPool } from '../src/host/statfs-pool.js';
import { makeCollectorContext } from '../test/helpers/collector-context.js';

const calls = Number(process.argv[2] ?? 2000);
const rows: string[] = [];
const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** CPU µs used so far by one thread of this process (utime + stime). */
function threadCpuUs(tid: number): number {
  const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}
const tids = () => new Set(readdirSync('/proc/self/task').map(Number));

async function measure(label: string, n: number, fn: () => unknown, workerTids: number[] = []): Promise<void> {
  for (let i = 0; i < 50; i++) await fn();
  const sum = (ts: number[]) => ts.reduce((a, t) => a + threadCpuUs(t), 0);
  const main0 = threadCpuUs(process.pid);
  const worker0 = sum(workerTids);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const all = (cpu.user + cpu.system) / n;
  const main = (threadCpuUs(process.pid) - main0) / n;
  const worker = workerTids.length ? ((sum(workerTids) - worker0) / n).toFixed(1) : '-';
  rows.push(`| ${label} | ${n} | ${all.toFixed(1)} | ${main.toFixed(1)} | ${worker} | ${((wallMs * 1000) / n).toFixed(1)} |`);
}

function privateKb(): number {
  const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return kb('Private_Clean') + kb('Private_Dirty');
}

const t = makeCollectorContext<DiskState>(DEFAULT_ROOTS, { name: 'disk_monitor', clock: systemClock });
await measure('disk_monitor tick (this machine)', calls, () => diskMonitor.collect(t.ctx));
await diskMonitor.close?.(t.ctx);

await measure("fs.statfsSync('/') — main thread (reference)", calls * 5, () => statfsSync('/'));
await measure("fs.promises.statfs('/') — threadpool", calls, () => statfs('/'));

// Starting a worker (several times, for a stable figure); the last pool is kept for the calls.
const starts: Array<{ wallMs: number; cpuMs: number; kb: number }> = [];
let pool: StatfsPool | null = null;
let workerTids: number[] = [];
for (let i = 0; i < 5; i++) {
  await pool?.close();
  await new Promise((r) => setTimeout(r, 200));
  const before = tids();
  const kb0 = privateKb();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  pool = new StatfsPool();
  await pool.statfs('/', 5000);
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 200));
  starts.push({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, kb: privateKb() - kb0 });
  workerTids = [...tids()].filter((x) => !before.has(x));
}
const p = pool!;
await measure("StatfsPool.statfs('/') — worker thread", calls, () => p.statfs('/', 5000), workerTids);
await p.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const header = [
  `disk_monitor statfs paths — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Linux ${release()}, Node ${process.version}`,
  '',
  '| what | calls | CPU µs/call (process) | main thread µs/call | worker thread µs/call | wall µs/call |',
  '|---|---|---|---|---|---|',
];
console.log(
  [
    ...header,
    ...rows,
    '',
    `starting a statfs worker (median of ${starts.length}): ${median(starts.map((s) => s.wallMs)).toFixed(0)} ms to its first answer, ` +
      `${median(starts.map((s) => s.cpuMs)).toFixed(0)} ms CPU; the first one added ${(starts[0]!.kb / 1024).toFixed(1)} MiB of private memory ` +
      '(later ones reuse what the allocator kept)',
  ].join('\n'),
);
