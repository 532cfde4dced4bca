/**
 * The whole product, for real: `headroom serve` (the built CLI, real collectors on this machine)
 * is SIGKILLed at random moments, restarted on the same history file, killed again. Each time the
 * file must pass `PRAGMA integrity_check`, must not be taken for a damaged file, and must hold
 * everything up to the last flush (flushes run every 5 s).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricRing } from '../../src/core/ring.js';
import { queryHistory } from '../../src/history/reader.js';
import { History } from '../../src/history/service.js';
import { cliPath, killAllCli, projectRoot, startCliServer } from '../helpers/server.js';
import { historyConfig } from './helpers.js';

const ROUNDS = 3;
let home: string;

/** Build dist/ when it is older than src/. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  let built = 0;
  try {
    built = statSync(cliPath).mtimeMs;
  } catch {}
  if (built > newest(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'headroom-serve-kill-'));
  writeFileSync(join(home, 'config.yaml'), 'collectors:\n  cpu_monitor: {interval: 1}\n');
}, 120_000);
afterAll(async () => {
  await killAllCli();
  rmSync(home, { recursive: true, force: true });
});

/** The newest cpu_monitor.aggregate_pct sample the file holds, read without a server. */
function newestOnDisk(path: string): number | null {
  const h = new History(historyConfig(path), { clock: { monotonicMs: () => 0, wallMs: () => Date.now() }, ring: new MetricRing(10), log: () => {}, latest: () => undefined });
  try {
    h.openReadOnly();
    if (!h.writer!.byKey.has('cpu_monitor.aggregate_pct')) return null;
    const q = queryHistory(h, ['cpu_monitor.aggregate_pct'], Date.now() - 600_000, Date.now(), 1000);
    const avg = q.series['cpu_monitor.aggregate_pct']!.avg;
    for (let i = avg.length - 1; i >= 0; i--) if (avg[i] !== null) return q.t[i]!;
    return null;
  } finally {
    h.close();
  }
}

describe('kill -9 of headroom serve', () => {
  it(`${ROUNDS} kills at random moments: integrity ok, not moved aside, flushed history kept`, async () => {
    const path = join(home, '.local', 'share', 'headroom', 'history.db');
    let previousNewest: number | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      const { cli, base } = await startCliServer(['--port', '0', '--config', join(home, 'config.yaml')], { cwd: home, home });
      const status = (await (await fetch(`${base}/api/status`)).json()) as { history: unknown };
      expect(status.history, `round ${round}`).toMatchObject({ state: 'ok', moved_aside: null, path });
      // What the previous run flushed is still there after the restart.
      if (previousNewest !== null) expect(newestOnDisk(path)).toBeGreaterThanOrEqual(previousNewest);
      const runFor = round === 0 ? 7000 : 2000 + Math.floor(Math.random() * 7000);
      await sleep(runFor);
      const after = (await (await fetch(`${base}/api/status`)).json()) as { history: { last_flush: string | null } };
      const flushed = after.history.last_flush;
      cli.signal('SIGKILL');
      const exit = await cli.exited;
      expect(exit.signal).toBe('SIGKILL');
      const db = new Database(path);
      expect(db.pragma('integrity_check', { simple: true }), `round ${round}`).toBe('ok');
      db.close();
      const newest = newestOnDisk(path);
      // Every flush writes everything collected before it: the file reaches at least to the
      // last flush this run reported before it was killed (give or take one collection).
      if (flushed !== null) expect(newest ?? 0, `round ${round}`).toBeGreaterThanOrEqual(Date.parse(flushed) - 3000);
      previousNewest = newest ?? previousNewest;
    }
  }, 120_000);
});
