/**
 * What `headroom serve` costs the machine: every Linux collector at 1 s, then at its default
 * interval, each with one WebSocket client and one `/api` poll per second (the client is its own
 * process, measured apart), idle and again with 3,000 extra sleeping processes. CPU ms per wall
 * second of the whole process tree (/proc/<pid>/stat utime+stime+cutime+cstime), RSS (VmRSS),
 * and the number of processes spawned (must be 0). Next to the 3,000-process runs, the floor:
 * a minimal C loop that lists /proc and reads every /proc/<pid>/stat once a second.
 *
 * Run: `npx tsx bench/overhead.ts` (or bench/run.sh overhead). Durations: BENCH_WARMUP_S
 * (default 10), BENCH_DURATION_S (60), BENCH_EXTRA_PROCS (3000). Refuses to run when the 1-min
 * load average is above 0.5 (see bench/lib/machine.ts for BENCH_WAIT_QUIET / BENCH_FORCE).
 */
import { headroomClient, measureHeadroom, measureFloor } from './lib/scenarios.js';
import { quietGate, seconds } from './lib/machine.js';
import { measureTrees } from './lib/measure.js';
import { repoRoot, startDaemon, startSleepers } from './lib/procs.js';
import { TreeMeter } from './lib/proctree.js';
import { f1, f2, record, table } from './lib/results.js';

const warm = seconds('BENCH_WARMUP_S', 10);
const dur = seconds('BENCH_DURATION_S', 60);
const extra = seconds('BENCH_EXTRA_PROCS', 3000);
const { load, warning } = await quietGate('overhead');

const BUDGET_CPU = 5;
const BUDGET_RSS = 60;
const rows: Array<Array<string | number>> = [];
const notes: string[] = [];
let idle1s = Number.NaN;
let idle1sRss = Number.NaN;
let busy1s = Number.NaN;
let floor = Number.NaN;

for (const procs of [0, extra]) {
  const sleepers = await startSleepers(procs);
  try {
    for (const interval of [1, null] as const) {
      const r = await measureHeadroom(interval, warm, dur, sleepers.pids, headroomClient);
      const label = `${interval === null ? 'default intervals' : 'all at 1 s'}, ${procs === 0 ? 'idle' : `+${procs} sleeping processes`}`;
      rows.push([
        label,
        r.processes,
        f2(r.monitor.cpuMsPerS),
        f1(r.monitor.rssMeanMb),
        f1(r.monitor.rssMaxMb),
        r.monitor.spawned,
        f2(r.client.cpuMsPerS),
        r.clientCounts,
      ]);
      if (interval === 1 && procs === 0) {
        idle1s = r.monitor.cpuMsPerS;
        idle1sRss = r.monitor.rssMaxMb;
      }
      if (interval === 1 && procs > 0) busy1s = r.monitor.cpuMsPerS;
    }
    if (procs > 0) {
      const fl = await measureFloor(warm, dur, sleepers.pids);
      floor = fl.cpuMsPerS;
      rows.push([`floor: C loop reading every /proc/<pid>/stat once a second, +${procs}`, fl.processes, f2(fl.cpuMsPerS), f1(fl.rssMaxMb), f1(fl.rssMaxMb), 0, '—', '—']);
    }
  } finally {
    await sleepers.stop();
  }
}

// The runtime's own floor, for the RSS budget: a bare Node.js process with a 1 s timer, and one
// that has also loaded the two libraries every `headroom serve` needs (HTTP server, SQLite).
const REF_S = Math.min(dur, 10);
for (const [label, code] of [
  ['reference: bare Node.js process, a 1 s timer', 'setInterval(() => {}, 1000)'],
  ["reference: Node.js + fastify + better-sqlite3 loaded, a 1 s timer", "require('fastify'); require('better-sqlite3'); setInterval(() => {}, 1000)"],
] as const) {
  const d = startDaemon(process.execPath, ['-e', code], { cwd: repoRoot });
  try {
    const m = await measureTrees({ ref: new TreeMeter(d.pid, new Set()) }, 2, REF_S);
    rows.push([label, '—', f2(m.ref.cpuMsPerS), f1(m.ref.rssMeanMb), f1(m.ref.rssMaxMb), m.ref.spawned, '—', '—']);
  } finally {
    await d.stop();
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
notes.push(
  `Budget, idle at 1 s: CPU ≤ ${BUDGET_CPU} ms/s → ${f2(idle1s)} (${verdict(idle1s <= BUDGET_CPU)}); RSS ≤ ${BUDGET_RSS} MB → ${f1(idle1sRss)} (${verdict(idle1sRss <= BUDGET_RSS)}).`,
  `Budget, +${extra} processes at 1 s: ≤ 2 × floor (${f2(2 * floor)} ms/s) → ${f2(busy1s)} = ${f2(busy1s / floor)} × floor (${verdict(busy1s <= 2 * floor)}).`,
  `Warm-up ${warm} s, then ${dur} s measured per row. CPU = utime+stime(+cutime+cstime) of the process tree from /proc, per wall second; the client (one WebSocket, one keep-alive GET /api a second) is its own process, counted apart. "processes" = pids in /proc during the run.`,
);
record(
  'overhead (headroom serve)',
  load,
  warning,
  table(['run', 'processes', 'CPU ms/s', 'RSS MB mean', 'RSS MB max', 'spawned', 'client CPU ms/s', 'client: /api ok, ws msgs'], rows),
  notes,
);
