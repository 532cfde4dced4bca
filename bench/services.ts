/**
 * CPU cost of service_monitor: N `sleep 600` children (default 1000) as background, 20 configured
 * services of three processes each (matched by command line), and one pre-fork server with 3
 * workers matched by its port. Measures a pass with process_monitor's table (the normal case),
 * a pass whose port map is cold (every listener's owner looked up through /proc/<pid>/fd), and
 * a pass with service_monitor's own scan (process_monitor off). Kills every child by PID.
 * Run: `npx tsx bench/services.ts [children] [passes]` — prints a table and appends it to
 * bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Value from 'typebox/value';
import { type ProcessesPayload, processMonitor } from '../src/collectors/processes.js';
import { type ServicesPayload, serviceMonitor } from '../src/collectors/services.js';
import type { CollectorContext, Payload } from '../src/core/collector.js';
import { type Config, ConfigSchema } from '../src/core/config/schema.js';
import { HostFs } from '../src/host/hostfs.js';
import { benchContext } from './lib/context.js';
import { resultHeading } from './heading.js';

const n = Number(process.argv[2] ?? 1000);
const passes = Number(process.argv[3] ?? 20);
const loadBefore = loadavg()[0]!;
const fs = new HostFs();
const TAG = `bench-svc-${process.pid}`;

const kids: ChildProcess[] = [];
const extra: number[] = [];
const killAll = () => {
  for (const pid of [...kids.map((k) => k.pid!), ...extra]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
};
process.on('exit', killAll);
const child = (cmd: string, args: string[]) => {
  const k = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  k.on('error', () => {});
  kids.push(k);
  return k;
};

console.error(`spawning ${n} sleep processes, 20 services, one server…`);
for (let i = 0; i < n; i++) child('sleep', ['600']);
for (let i = 0; i < 20; i++) child('sh', ['-c', 'sleep 600 & sleep 600 & wait', `${TAG}-${i}`]);
const serverFile = join(tmpdir(), `${TAG}-server.cjs`);
writeFileSync(
  serverFile,
  `const net = require('net'), { fork } = require('child_process');
if (process.argv[2] === 'worker') process.on('message', (m, s) => { if (m === 'server') process.send('ok'); });
else { const s = net.createServer().listen(0, '127.0.0.1', () => { let ok = 0; const pids = [];
  for (let i = 0; i < 3; i++) { const w = fork(__filename, ['worker'], { execArgv: [] }); pids.push(w.pid);
    w.on('message', () => { if (++ok === 3) console.log(JSON.stringify({ port: s.address().port, pids })); }); w.send('server', s); } }); }`,
);
const server = child(process.execPath, [serverFile]);
const { port, pids } = await new Promise<{ port: number; pids: number[] }>((resolve) => server.stdout!.once('data', (d) => resolve(JSON.parse(String(d)))));
extra.push(...pids);
await new Promise((r) => setTimeout(r, 2000));

const config = Value.Default(ConfigSchema, {
  services: [
    ...Array.from({ length: 20 }, (_, i) => ({ name: `svc-${i}`, match: { cmdline: `${TAG}-${i}$` } })),
    { name: 'web', match: { port } },
  ],
}) as Config;

const ctx = (name: string, latest?: (n: string) => Payload | undefined): CollectorContext =>
  benchContext(name, config, fs, latest, ['service_monitor', 'process_monitor']);

async function measure(times: number, fn: () => Promise<unknown>, after: () => void | Promise<void> = () => {}) {
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

const rows: string[] = [];
const row = (what: string, m: { cpu: number; wall: number }, times: number, out?: ServicesPayload) =>
  rows.push(`| ${what} | ${m.cpu.toFixed(2)} | ${m.wall.toFixed(2)} | ${times} | ${out ? `${out.ports.dirs_listed} / ${out.ports.links_read}` : ''} |`);

const pm = ctx('process_monitor');
await processMonitor.collect(pm as never);
const table = (await processMonitor.collect(pm as never)) as ProcessesPayload;
const shared = (name: string) => (name === 'process_monitor' ? table : undefined);

const warm = ctx('service_monitor', shared);
let out = (await serviceMonitor.collect(warm as never)) as ServicesPayload;
out = (await serviceMonitor.collect(warm as never)) as ServicesPayload;
row('service_monitor pass, shared table, warm', await measure(passes, async () => { out = (await serviceMonitor.collect(warm as never)) as ServicesPayload; }), passes, out);
const web = out.services.find((s) => s.name === 'web')!;

let cold = ctx('service_monitor', shared);
let coldOut: ServicesPayload | undefined;
row(
  'service_monitor pass, shared table, cold (port owner looked up)',
  await measure(5, async () => { coldOut = (await serviceMonitor.collect(cold as never)) as ServicesPayload; }, async () => {
    await serviceMonitor.close!(cold as never);
    cold = ctx('service_monitor', shared);
  }),
  5,
  coldOut,
);

const own = ctx('service_monitor');
await serviceMonitor.collect(own as never);
let ownOut: ServicesPayload | undefined;
row('service_monitor pass, own scan (process_monitor off)', await measure(passes, async () => { ownOut = (await serviceMonitor.collect(own as never)) as ServicesPayload; }), passes, ownOut);
await serviceMonitor.close!(own as never);
await processMonitor.close!(pm as never);

console.error(`killing ${kids.length + extra.length} children by PID…`);
killAll();
rmSync(serverFile, { force: true });

const header = [
  '',
  resultHeading('services'),
  '',
  `${n} \`sleep 600\` children + 20 configured services (3 processes each, by cmdline) + a server with 3 workers (by port); ` +
    `${table.counts.total} processes in the table; ${out.services.length} services listed; web = ${web.process_count} processes, ports ${web.ports.join(',')}.`,
  `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after: other work on the machine shows as noise.`,
  'CPU is this process\'s user + system time. "fd dirs / links" = /proc/<pid>/fd directories listed and links read in the (last) pass.',
  '',
  '| pass | CPU ms / pass | wall ms / pass | passes | fd dirs / links |',
  '|---|---|---|---|---|',
];
const text = [...header, ...rows].join('\n');
console.log(text);
appendFileSync(new URL('./RESULTS.md', import.meta.url), `${text}\n`);
process.exit(0);
