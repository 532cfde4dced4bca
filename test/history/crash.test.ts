/**
 * kill -9 for real: a child process writes history at a high rate and is SIGKILLed at random
 * moments, again and again. After each kill the file must pass `PRAGMA integrity_check`, and
 * reopening must find every sample the child had reported durable, each with the right value,
 * with no holes — only the unflushed tail may be missing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { queryHistory } from '../../src/history/reader.js';
import { rollupAll } from '../../src/history/rollup.js';
import { crashSpecs, crashValue } from './crash-values.js';
import { openHistory, setSpecs, T0 } from './helpers.js';
import { prng } from './sim.js';

const SERIES = 60;
const KILLS = 8;
const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'headroom-crash-'));
const path = join(dir, 'history.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the writer from `first` until killed after `ms`; resolves with the last durable tick. */
function runAndKill(first: number, ms: number): Promise<{ durable: number | null; stderr: string; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', writer, path, String(first), String(SERIES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let durable: number | null = null;
    let stderr = '';
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), ms);
        const m = /^durable (\d+)$/.exec(line);
        if (m) durable = Number(m[1]);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ durable, stderr, signal }));
  });
}

describe('kill -9 during writes', () => {
  it(`${KILLS} SIGKILLs at random moments: integrity ok, every durable sample back, nothing invented`, async () => {
    const rnd = prng(Date.now() % 100_000);
    let next = T0;
    let totalDurable = 0;
    for (let round = 0; round < KILLS; round++) {
      const run = await runAndKill(next, 300 + Math.floor(rnd() * 900));
      expect(run.signal, run.stderr).toBe('SIGKILL');
      expect(run.durable, `round ${round}: the writer never reported a flush; stderr:\n${run.stderr}`).not.toBeNull();
      const db = new Database(path);
      expect(db.pragma('integrity_check', { simple: true }), `round ${round}`).toBe('ok');
      db.close();
      const t = openHistory(path);
      try {
        expect(t.h.status().state, t.h.status().last_error ?? '').toBe('ok');
        setSpecs(t, 'crash', crashSpecs(SERIES));
        const end = run.durable! + 30_000;
        const q = queryHistory(t.h, ['crash.s1'], run.durable! - 600_000, run.durable!, 60_000);
        expect(q.tier).toBe('minute');
        const minutes = Math.min(10, Math.floor((run.durable! - T0) / 60_000));
        expect(q.series['crash.s1']!.avg.filter((x) => x !== null).length).toBeGreaterThanOrEqual(minutes);
        for (const k of [0, SERIES >> 1, SERIES - 1]) {
          const key = `crash.s${k}`;
          const s = t.h.writer!.byKey.get(key)!;
          const raw = t.h.writer!.read(s, 0, T0, end);
          const got: [number, number][] = raw.t.map((ts, i) => [ts, raw.cols[0]![i]!]);
          // Every tick from T0 up to the last durable one, in order, with its value; maybe a few more.
          const expected = (run.durable! - T0) / 1000 + 1;
          expect(got.length, `round ${round} ${key}`).toBeGreaterThanOrEqual(expected);
          got.forEach(([ts, v], i) => {
            expect(ts).toBe(T0 + i * 1000);
            expect(v).toBe(crashValue(ts, k));
          });
          if (k === 0) {
            // Minute rollups survive too and agree with the raw samples they summarise.
            const minutes = t.h.writer!.read(s, 1, T0, end);
            const want = rollupAll(got.map((g) => g[0]), got.map((g) => g[1]), 60_000);
            expect(minutes.t.length).toBeGreaterThanOrEqual(Math.floor((run.durable! - T0) / 60_000));
            minutes.t.forEach((mt, i) => {
              const w = want.find((r) => r.t === mt)!;
              expect([minutes.cols[0]![i], minutes.cols[2]![i], minutes.cols[3]![i]]).toEqual([w.min, w.max, w.count]);
              expect(minutes.cols[1]![i]).toBeCloseTo(w.avg, 2);
            });
            next = got[got.length - 1]![0] + 1000;
            totalDurable = expected;
          }
        }
      } finally {
        t.h.close();
      }
    }
    expect(totalDurable).toBeGreaterThan(KILLS * 10);
  }, 120_000);
});
