/**
 * Time from exec to the first `/api` 200 of `headroom serve` (the built CLI, default collector
 * intervals, a private config and history directory): spawn, then GET /api every 5 ms (a fresh
 * connection each time) until one answers 200. Two cases per repetition: a first start (new
 * directory: the history database is created) and a restart on the same directory (the database
 * exists). Reference row: Node's own bare startup, `node -e 0`, spawn to exit.
 *
 * Budget (reported, never asserted): first `/api` 200 within 1 s of exec (judged on the median).
 *
 * Run: `npx tsx bench/startup.ts` (or bench/run.sh startup). BENCH_REPS (default 10).
 * Refuses a busy machine (bench/lib/machine.ts: BENCH_WAIT_QUIET, BENCH_FORCE).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchConfig, ensureBuilt, mainJs } from './lib/headroom.js';
import { quietGate, seconds, sleep } from './lib/machine.js';
import { startDaemon } from './lib/procs.js';
import { f1, record, table } from './lib/results.js';

const BUDGET_MS = 1000;
const POLL_MS = 5;
const TIMEOUT_MS = 30_000;
const reps = Math.round(seconds('BENCH_REPS', 10));

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** One GET: the status code, or 0 when nothing answered. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
  });
}

interface Timing {
  /** exec → first /api 200, ms. */
  api: number;
  /** exec → its "headroom listening" log line read from its output, ms (NaN: not before the 200). */
  listening: number;
}

/** Spawn `headroom serve` on `dir`'s config and time exec → first /api 200. */
async function timeServe(dir: string): Promise<Timing> {
  const cfg = join(dir, 'config.yaml');
  const port = await freePort();
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), HEADROOM_CONFIG: cfg };
  const url = `http://127.0.0.1:${port}/api`;
  const t0 = performance.now();
  const d = startDaemon(process.execPath, [mainJs, 'serve', '--port', String(port), '--config', cfg], { env, cwd: dir });
  let listening = Number.NaN;
  const seeLog = (b: Buffer) => {
    if (Number.isNaN(listening) && b.includes('headroom listening')) listening = performance.now() - t0;
  };
  d.child.stdout?.on('data', seeLog);
  d.child.stderr?.on('data', seeLog);
  try {
    for (;;) {
      const next = performance.now() + POLL_MS;
      if ((await status(url)) === 200) return { api: performance.now() - t0, listening };
      if (d.child.exitCode !== null) throw new Error(`headroom serve exited (${d.child.exitCode}):\n${d.output()}`);
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`no /api 200 within ${TIMEOUT_MS} ms:\n${d.output()}`);
      await sleep(Math.max(0, next - performance.now()));
    }
  } finally {
    await d.stop();
  }
}

/** `node -e 0`: spawn to exit, ms. */
function timeBareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', () => resolve(performance.now() - t0));
  });
}

function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

ensureBuilt();
const { load, warning } = await quietGate('startup');
const first: Timing[] = [];
const restart: Timing[] = [];
const bare: number[] = [];
for (let i = 0; i < reps; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  try {
    writeFileSync(join(dir, 'config.yaml'), benchConfig(dir, null));
    first.push(await timeServe(dir));
    await sleep(200);
    restart.push(await timeServe(dir));
    await sleep(200);
    bare.push(await timeBareNode());
    console.error(`startup: rep ${i + 1}/${reps}: first ${f1(first[i]!.api)} ms, restart ${f1(restart[i]!.api)} ms, node -e 0 ${f1(bare[i]!)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (label: string, xs: number[], listening: number[] = []) => {
  const s = stats(xs);
  return [label, xs.length, f1(s.min), f1(s.median), f1(s.max), listening.length > 0 ? f1(stats(listening).median) : '—'];
};
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const api = (ts: Timing[]) => ts.map((t) => t.api);
const listen = (ts: Timing[]) => ts.map((t) => t.listening).filter((x) => !Number.isNaN(x));
const mFirst = stats(api(first)).median;
const mRestart = stats(api(restart)).median;
record(
  'startup (exec → first /api 200)',
  load,
  warning,
  table(
    ['run', 'reps', 'min ms', 'median ms', 'max ms', '"listening" logged, median ms'],
    [
      row('headroom serve, first start (new history database)', api(first), listen(first)),
      row('headroom serve, restart (existing database)', api(restart), listen(restart)),
      row('reference: node -e 0 (spawn → exit)', bare),
    ],
  ),
  [
    `Budget: first /api 200 within ${BUDGET_MS} ms of exec → median ${f1(mFirst)} ms first start, ${f1(mRestart)} ms restart (${verdict(Math.max(mFirst, mRestart) <= BUDGET_MS)}; slowest ${f1(Math.max(...api(first), ...api(restart)))} ms).`,
    `The built CLI (\`node dist/cli/main.js serve\`) with default collector intervals, a private config and history directory; GET /api every ${POLL_MS} ms on a new connection from spawn() until a 200. "listening" = when its \`headroom listening\` log line was first seen (after config, collectors' first once-run and listen).`,
  ],
);
