import { execFile, execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/helpers/collector-context.js';
import { FixtureStatfs, LiveStatfs, parseStatfsFixture, stuckStatfsCalls } from './statfs.js';
import { STARTUP_GRACE_MS, StatfsPool, type StatfsOutcome } from './statfs-pool.js';

/**
 * The hang is real, not simulated in JS: for paths containing `/hung` the worker opens a FIFO
 * for reading, which blocks its thread inside the kernel (in open(2)) until a writer appears —
 * the same situation as statfs(2) waiting on a dead NFS server or a stopped FUSE daemon, and
 * like those it is ended by SIGKILL only. Every test unblocks its workers before it ends (Node
 * joins worker threads at exit: a vitest process left with one blocked would never end).
 * test/live/disk.live.test.ts does it with a real FUSE mount.
 */
let dir: string;
let fifo: string;
let writer: number | null = null;
const pools: StatfsPool[] = [];

const hangingFn = () =>
  `(p) => { if (p.includes('/hung')) { fs.closeSync(fs.openSync(${JSON.stringify(fifo)}, 'r')); return fs.statfsSync('/'); } return fs.statfsSync(p); }`;
const make = (opts: ConstructorParameters<typeof StatfsPool>[0] = {}) => {
  const p = new StatfsPool({ statfsFn: hangingFn(), ...opts });
  pools.push(p);
  return p;
};
/** Let the blocked open(2) calls through: a writer appears (and stays, so later opens pass too). */
const release = () => {
  writer ??= openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
};
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const threads = () => readdirSync('/proc/self/task').length;
/** Child processes of this one (every thread's list), from /proc/self/task/<tid>/children. */
const children = () =>
  readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return []; // the thread ended while we looked
    }
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-statfs-'));
  fifo = join(dir, 'hang.fifo');
  execFileSync('mkfifo', [fifo]);
});
afterEach(async () => {
  // Unblock whatever still waits on the FIFO (ENXIO: nothing does), and wait for it to return.
  try {
    release();
  } catch {}
  await until(() => stuckStatfsCalls().length === 0 && pools.every((p) => p.stats().stuck === 0 && p.stats().busy === 0));
  await Promise.all(pools.splice(0).map((p) => p.close()));
  if (writer !== null) closeSync(writer);
  writer = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux')('StatfsPool (worker threads)', () => {
  it('answers as fs.statfsSync does, and with the errno for a missing path, from a thread of this process', async () => {
    const before = threads();
    const p = make();
    const [ok, missing] = await Promise.all([p.statfs('/', 2000), p.statfs('/no/such/dir', 2000)]);
    const want = statfsSync('/');
    expect(ok).toMatchObject({ status: 'ok', figures: { type: want.type, bsize: want.bsize, blocks: want.blocks } });
    expect(missing).toMatchObject({ status: 'error', code: 'ENOENT' });
    // Quick answers need one worker; no spare was started, and no process either.
    expect(p.stats()).toMatchObject({ workers: 1, started: 1, stuck: 0 });
    expect(threads()).toBeGreaterThan(before);
    expect(children()).toEqual([]);
  });

  it('hung calls time out, each on its own thread, while the others answer and this process runs on', async () => {
    const p = make({ workers: 8, maxStuck: 8 });
    // More hung calls than this process has threadpool threads: were they on our threadpool,
    // readFile below could not complete at all until they returned.
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const hung = pool + 2;
    const timeoutMs = 1500;
    const t0 = performance.now();
    const calls = [...Array.from({ length: hung }, (_, i) => p.statfs(`/hung/${i}`, timeoutMs)), p.statfs('/', timeoutMs)];
    let settled = false;
    const all = Promise.all(calls).finally(() => {
      settled = true;
    });
    // Reads while every hung call is blocked in the kernel (not while workers start: that is CPU).
    let reads = 0;
    let worstMs = 0;
    while (!settled) {
      const allHung = p.stats().busy >= hung;
      const r0 = performance.now();
      await readFile(join(projectRoot, 'package.json'));
      if (!allHung) continue;
      worstMs = Math.max(worstMs, performance.now() - r0);
      reads++;
    }
    const outcomes = await all;
    // Bounded by the timeout (plus the first worker's start-up), not by the hang (forever).
    expect(performance.now() - t0).toBeLessThan(timeoutMs + STARTUP_GRACE_MS);
    expect(outcomes.slice(0, -1)).toEqual(Array(hung).fill({ status: 'timeout', after_ms: timeoutMs }));
    expect(outcomes.at(-1)!.status).toBe('ok');
    expect(p.stats()).toMatchObject({ stuck: hung, workers: 1 });
    expect(stuckStatfsCalls().map((c) => [c.path, c.thread]).sort()).toEqual(
      Array.from({ length: hung }, (_, i) => [`/hung/${i}`, 'worker']),
    );
    expect(reads).toBeGreaterThan(10);
    expect(worstMs).toBeLessThan(250); // each read took a normal time, none waited for a hung call
  });

  it('a call waiting behind a slow one gets a spare worker (defaults)', async () => {
    const p = make();
    const [hung, ok] = await Promise.all([p.statfs('/hung/1', 1500), p.statfs('/', 1500)]);
    expect(hung).toEqual({ status: 'timeout', after_ms: 1500 });
    expect(ok.status).toBe('ok');
    expect(p.stats()).toMatchObject({ started: 2, workers: 1, stuck: 1, stuck_paths: ['/hung/1'] });
  });

  it('with no spare allowed, a queued call answers unavailable (not asked), and a fresh worker takes the next', async () => {
    const p = make({ workers: 1 });
    const [hung, queued] = await Promise.all([p.statfs('/hung/1', 300), p.statfs('/', 300)]);
    expect(hung).toEqual({ status: 'timeout', after_ms: 300 });
    expect(queued).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/not asked within 300 ms/) });
    expect(await p.statfs('/', 2000)).toMatchObject({ status: 'ok' });
    expect(p.stats()).toMatchObject({ started: 2, workers: 1, stuck: 1 });
  });

  it('a call that comes back late frees its worker, which is used again', async () => {
    const p = make({ workers: 1 });
    expect(await p.statfs('/hung/a', 200)).toEqual({ status: 'timeout', after_ms: 200 });
    expect(p.stats()).toMatchObject({ stuck: 1, workers: 0 });
    expect(stuckStatfsCalls()).toEqual([{ path: '/hung/a', thread: 'worker', sinceMs: expect.any(Number) }]);
    release();
    await until(() => p.stats().stuck === 0);
    expect(stuckStatfsCalls()).toEqual([]);
    expect(await p.statfs('/', 2000)).toMatchObject({ status: 'ok' });
    expect(p.stats()).toMatchObject({ started: 1, workers: 1 });
  });

  it('a mount still stuck is not asked again: later calls wait on the stuck call', async () => {
    const p = make();
    expect(await p.statfs('/hung/a', 200)).toEqual({ status: 'timeout', after_ms: 200 });
    expect(await p.statfs('/hung/a', 200)).toEqual({ status: 'timeout', after_ms: 200 });
    expect(p.stats()).toMatchObject({ started: 1, stuck: 1 }); // no second thread tied up
    const waiting = p.statfs('/hung/a', 5000);
    release();
    expect(await waiting).toMatchObject({ status: 'ok', figures: { blocks: statfsSync('/').blocks } });
  });

  it('at most maxStuck abandoned workers; then calls answer unavailable until one comes back', async () => {
    const p = make({ workers: 1, maxStuck: 2 });
    expect((await p.statfs('/hung/1', 200)).status).toBe('timeout');
    expect((await p.statfs('/hung/2', 200)).status).toBe('timeout');
    const refused = await p.statfs('/', 200);
    expect(refused).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/2 statfs calls are stuck .*\/hung\/1, \/hung\/2/) });
    expect(p.stats()).toMatchObject({ started: 2, stuck: 2, workers: 0 });
    // They come back: one rejoins the pool (workers: 1), the other is terminated; none started.
    release();
    await until(() => p.stats().stuck === 0);
    expect(await p.statfs('/', 2000)).toMatchObject({ status: 'ok' });
    expect(p.stats()).toMatchObject({ started: 2, workers: 1 });
  });

  it('close() ends the healthy workers; a stuck one stays registered until it returns', async () => {
    const p = make();
    expect((await p.statfs('/hung/x', 200)).status).toBe('timeout');
    expect((await p.statfs('/', 2000)).status).toBe('ok');
    const joined = p.statfs('/hung/x', 5000);
    const before = threads();
    await p.close();
    expect(await joined).toMatchObject({ status: 'unavailable', message: 'statfs pool closed' });
    await until(() => threads() < before); // the healthy worker's thread is gone
    expect(await p.statfs('/', 1000)).toMatchObject({ status: 'unavailable', message: 'statfs pool closed' });
    expect(stuckStatfsCalls().map((c) => c.path)).toEqual(['/hung/x']);
    release();
    await until(() => stuckStatfsCalls().length === 0);
  });
});

/**
 * Exit with a worker stuck in the kernel, in a process of its own. `node` runs the scripts
 * through tsx; they import the modules under test. Each run's worker blocks on the FIFO and is
 * never released: only the process's end frees it.
 */
describe.runIf(process.platform === 'linux')('exiting with a stuck worker', () => {
  const runScript = async (name: string, body: string, timeout = 15_000) => {
    const script = join(dir, `${name}.mts`);
    const url = (f: string) => JSON.stringify(new URL(f, import.meta.url).href);
    writeFileSync(
      script,
      `import { StatfsPool } from ${url('./statfs-pool.ts')};
import { killIfStatfsStuck } from ${url('./statfs-stuck.ts')};
const pool = new StatfsPool({ statfsFn: ${JSON.stringify(hangingFn())} });
${body}
`,
    );
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, timeout });
      return { stdout, stderr, signal: null as string | null, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; signal: string | null; code: number | null };
      return { stdout: e.stdout, stderr: e.stderr, signal: e.signal, code: e.code };
    }
  };

  it('the premise: Node waits for a worker blocked in the kernel, so process.exit() never returns', async () => {
    const r = await runScript(
      'premise',
      `const { Worker } = await import('node:worker_threads');
const code = \`require('node:worker_threads').parentPort.postMessage('blocking'); require('node:fs').openSync(${JSON.stringify(fifo)}, 'r')\`;
const w = new Worker(code, { eval: true });
w.on('message', () => setTimeout(() => { console.log('exiting'); process.exit(0); }, 200));`,
      3000,
    );
    expect(r.stdout).toContain('exiting');
    expect(r.signal).toBe('SIGTERM'); // killed by execFile's timeout: the exit hung
  });

  it('killIfStatfsStuck: returns while nothing is stuck; with a stuck call, logs it and SIGKILLs', async () => {
    const r = await runScript(
      'documented',
      `await killIfStatfsStuck((l) => console.error('premature', l));
console.log('nothing stuck yet');
const o = await pool.statfs('/hung/exit', 300);
console.log(o.status);
await pool.close();
process.stdout.write('y'.repeat(400_000) + '\\n'); // more than a pipe holds: must be drained first
await killIfStatfsStuck((l) => console.error(l));
console.log('not reached');`,
    );
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe(`nothing stuck yet\ntimeout\n${'y'.repeat(400_000)}\n`);
    expect(r.stderr).toMatch(/^statfs stuck in the kernel on \/hung\/exit \(worker thread, since \d{4}-\d\d-\d\dT[\d:.]+Z\).*SIGKILL\n$/);
  });

  it('left to end by itself, the process does not hang: the exit hook logs and SIGKILLs', async () => {
    const r = await runScript(
      'natural',
      `console.log((await pool.statfs('/hung/natural', 300)).status);
await pool.close();`,
    );
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).toBe('timeout\n');
    expect(r.stderr).toMatch(/^headroom: statfs stuck in the kernel on \/hung\/natural \(worker thread/);
  });

  it('once the call has returned, the process ends by itself, normally (an idle worker holds nothing)', async () => {
    const r = await runScript(
      'recovered',
      `const { closeSync, openSync, constants } = await import('node:fs');
const o = await pool.statfs('/hung/back', 300);
const w = openSync(${JSON.stringify(fifo)}, constants.O_WRONLY | constants.O_NONBLOCK);
while (pool.stats().stuck > 0) await new Promise((r) => setTimeout(r, 10));
closeSync(w);
await killIfStatfsStuck((l) => console.error(l));
console.log(o.status, (await pool.statfs('/', 2000)).status, pool.stats().workers, 'idle worker; not closed');`,
    );
    expect(r).toMatchObject({ signal: null, code: 0, stdout: 'timeout ok 1 idle worker; not closed\n', stderr: '' });
  });
});

describe.runIf(process.platform === 'linux')('LiveStatfs', () => {
  it('in-kernel local mounts use the threadpool; isolated ones the worker pool, started on first need', async () => {
    const s = new LiveStatfs('/', { statfsFn: hangingFn() });
    try {
      expect(await s.statfs('/', false, 1000)).toMatchObject({ status: 'ok' });
      expect(s.poolStats()).toBeNull();
      const o: StatfsOutcome = await s.statfs('/hung', true, 200);
      expect(o).toEqual({ status: 'timeout', after_ms: 200 });
      expect(s.poolStats()).toMatchObject({ started: 1, stuck: 1 });
      release();
      await until(() => s.poolStats()!.stuck === 0);
    } finally {
      await s.close();
    }
  });
});

describe('FixtureStatfs and statfs.json', () => {
  const file = '/fixture/proc/self/statfs.json';
  const answers = parseStatfsFixture(
    JSON.stringify({
      '/': { type: 1, bsize: 4096, blocks: 10, bfree: 5, bavail: 4, files: 3, ffree: 1 },
      '/mnt/dead': { error: 'timeout' },
      '/mnt/locked': { error: 'EACCES' },
    }),
    file,
  );

  it('answers figures, timeouts and errors as captured', async () => {
    const s = new FixtureStatfs(answers, file);
    expect(await s.statfs('/', false, 100)).toMatchObject({ status: 'ok', figures: { blocks: 10 } });
    expect(await s.statfs('/mnt/dead', true, 100)).toEqual({ status: 'timeout', after_ms: 100 });
    expect(await s.statfs('/mnt/locked', true, 100)).toMatchObject({ status: 'error', code: 'EACCES' });
    expect(await s.statfs('/nope', false, 100)).toMatchObject({ status: 'error', code: 'ENOENT' });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an array', '[]', /keyed by mount point/],
    ['a negative count', '{"/": {"type": 1, "bsize": 1, "blocks": -1, "bfree": 0, "bavail": 0, "files": 0, "ffree": 0}}', /"blocks"/],
    ['a missing field', '{"/": {"type": 1, "bsize": 1}}', /"blocks"/],
    ['a huge number', '{"/": {"type": 1, "bsize": 1e300, "blocks": 1, "bfree": 0, "bavail": 0, "files": 0, "ffree": 0}}', /"bsize"/],
  ])('rejects %s with the file named', (_, text, msg) => {
    expect(() => parseStatfsFixture(text, file)).toThrow(msg);
    expect(() => parseStatfsFixture(text, file)).toThrow(`${file}:1:`);
  });
});
