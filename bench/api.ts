/**
 * HTTP throughput and latency of `headroom serve`: `wrk -t2 -c50 --latency` against `/api` (the
 * full snapshot) and `/api/headroom` (the signal, evaluated per request), with every collector at
 * 1 s as a user would have it running. Reports wrk's requests/s and latency percentiles (50, 75,
 * 90, 99 %, max), non-2xx responses and socket errors (both must be 0), and the server's CPU
 * (process tree, ms per wall second) and RSS during each run. wrk and the server share this
 * machine's cores; wrk's own CPU is reported beside the server's.
 *
 * Budget (reported, never asserted): `/api` ≥ 10,000 requests/s on loopback with p99 < 10 ms.
 *
 * Run: `npx tsx bench/api.ts` (or bench/run.sh api). Needs wrk (Debian: apt-get install -y wrk).
 * BENCH_WARMUP_S (default 5): collectors running before the first wrk run; BENCH_DURATION_S (20):
 * each wrk run. Refuses a busy machine (bench/lib/machine.ts: BENCH_WAIT_QUIET, BENCH_FORCE).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { startHeadroom } from './lib/headroom.js';
import { quietGate, seconds, sleep } from './lib/machine.js';
import { startDaemon } from './lib/procs.js';
import { TreeMeter } from './lib/proctree.js';
import { f1, f2, record, table } from './lib/results.js';

const BUDGET_RPS = 10_000;
const BUDGET_P99_MS = 10;
const THREADS = 2;
const CONNECTIONS = 50;

const warm = seconds('BENCH_WARMUP_S', 5);
const dur = Math.max(1, Math.round(seconds('BENCH_DURATION_S', 20)));

function findWrk(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim();
  } catch {
    console.error('api: wrk not found; install it (Debian: apt-get install -y wrk)');
    process.exit(2);
  }
}

interface WrkResult {
  rps: number;
  /** Latency percentiles in ms, keyed '50', '75', '90', '99'. */
  pct: Record<string, number>;
  maxMs: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  transferPerS: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function ms(value: string, unit: string): number {
  const u = UNIT_MS[unit];
  if (u === undefined) throw new Error(`wrk: unknown time unit ${unit}`);
  return Number(value) * u;
}

/** The figures of `wrk --latency` output. */
function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output lacks ${re}:\n${out}`);
    return Number(m[1]);
  };
  const pct: Record<string, number> = {};
  for (const m of out.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$/gm)) pct[m[1]!] = ms(m[2]!, m[3]!);
  const max = /^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m|h)/m.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: num(/^Requests\/sec:\s+([\d.]+)/m),
    pct,
    maxMs: max ? ms(max[1]!, max[2]!) : Number.NaN,
    requests: num(/^\s+(\d+) requests in /m),
    non2xx: /Non-2xx or 3xx responses: (\d+)/.exec(out) ? num(/Non-2xx or 3xx responses: (\d+)/) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    transferPerS: /^Transfer\/sec:\s+(\S+)/m.exec(out)?.[1] ?? '?',
  };
}

interface Run {
  path: string;
  wrk: WrkResult;
  bodyKb: number;
  serverCpu: number;
  serverRssMax: number;
  wrkCpu: number;
}

/** CPU ms of the children of the shell that ran wrk, from the shell's `times` (last line). */
function childCpuMs(out: string): number {
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(out);
  return m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : Number.NaN;
}

async function wrkRun(wrk: string, base: string, path: string, serverPid: number): Promise<Run> {
  const res = await fetch(`${base}${path}`);
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  const server = new TreeMeter(serverPid);
  const s0 = server.read();
  const t0 = performance.now();
  // wrk under a shell whose `times` then prints wrk's CPU (user, system) after it exits.
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${dur}s`, '--latency', `${base}${path}`];
  const d = startDaemon('sh', ['-c', '"$0" "$@"; s=$?; times; exit $s', wrk, ...args]);
  let rssMax = s0.rssKb;
  let finished = false;
  const done = d.exited.then((code) => {
    finished = true;
    return code;
  });
  while (!finished) {
    await Promise.race([done, sleep(1000)]);
    rssMax = Math.max(rssMax, server.read().rssKb);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const s1 = server.read();
  const code = await done;
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${d.output()}`);
  return {
    path,
    wrk: parseWrk(d.output()),
    bodyKb: body.byteLength / 1024,
    serverCpu: (s1.cpuMs - s0.cpuMs) / elapsed,
    serverRssMax: Math.max(rssMax, s1.rssKb) / 1024,
    wrkCpu: childCpuMs(d.output()) / elapsed,
  };
}

const wrk = findWrk();
const { load, warning } = await quietGate('api');
const h = await startHeadroom(1);
const runs: Run[] = [];
try {
  await sleep(warm * 1000);
  for (const path of ['/api', '/api/headroom']) {
    console.error(`api: wrk ${path} for ${dur} s`);
    runs.push(await wrkRun(wrk, h.base, path, h.daemon.pid));
  }
} finally {
  await h.stop();
}

const p = (r: Run, k: string) => f2(r.wrk.pct[k] ?? Number.NaN);
const rows = runs.map((r) => [
  `GET ${r.path}`,
  f2(r.bodyKb),
  Math.round(r.wrk.rps),
  p(r, '50'),
  p(r, '75'),
  p(r, '90'),
  p(r, '99'),
  f2(r.wrk.maxMs),
  r.wrk.requests,
  r.wrk.non2xx,
  r.wrk.socketErrors,
  f1(r.serverCpu),
  f1(r.serverRssMax),
  f1(r.wrkCpu),
]);
const apiRun = runs.find((r) => r.path === '/api');
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const notes: string[] = [];
if (apiRun) {
  const rpsOk = apiRun.wrk.rps >= BUDGET_RPS;
  const p99 = apiRun.wrk.pct['99'] ?? Number.NaN;
  const ok = rpsOk && p99 < BUDGET_P99_MS && apiRun.wrk.non2xx === 0 && apiRun.wrk.socketErrors === 0;
  notes.push(
    `Budget: /api ≥ ${BUDGET_RPS} requests/s with p99 < ${BUDGET_P99_MS} ms → ${Math.round(apiRun.wrk.rps)} requests/s, p99 ${f2(p99)} ms (${verdict(ok)}).`,
  );
}
notes.push(
  `\`wrk -t${THREADS} -c${CONNECTIONS} -d${dur}s --latency\` per row (keep-alive connections, loopback); the server runs every collector at 1 s and had ${warm} s to warm up. ` +
    `wrk and the server share this machine's ${cpus().length} cores, so requests/s is a floor for the server alone. Latency percentiles are wrk's (ms). ` +
    `"non-2xx" counts wrk's "Non-2xx or 3xx responses" (must be 0). Server CPU = utime+stime of its process tree per wall second; RSS = largest per-second VmRSS sample.`,
);
record(
  'api (HTTP throughput and latency)',
  load,
  warning,
  table(
    [
      'request',
      'body KB',
      'requests/s',
      'p50 ms',
      'p75 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'requests',
      'non-2xx',
      'socket errors',
      'server CPU ms/s',
      'server RSS MB max',
      'wrk CPU ms/s',
    ],
    rows,
  ),
  notes,
);
