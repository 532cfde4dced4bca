/**
 * Helpers for history tests: a History on a real SQLite file under a temp dir, driven by a
 * manual clock, and a feeder that turns simulated series into bus samples.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import Value from 'typebox/value';
import { ManualClock } from '../../src/core/clock.js';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';
import { MetricRing } from '../../src/core/ring.js';
import { DEFAULT_TUNING, History, type HistoryTuning } from '../../src/history/service.js';
import type { MetricSpec } from '../../src/shared/metrics.js';

export const T0 = Date.UTC(2026, 0, 1);

export function historyConfig(path: string, patch?: (c: Config['history']) => void): Config['history'] {
  const c = structuredClone((Value.Default(ConfigSchema, {}) as Config).history);
  c.path = path;
  patch?.(c);
  return c;
}

export interface TestHistory {
  h: History;
  clock: ManualClock;
  ring: MetricRing;
  logs: string[];
}

/** A started History at `path` (timers unused: tests call flush() themselves). */
export function openHistory(
  path: string,
  opts: { patch?: (c: Config['history']) => void; clock?: ManualClock; tuning?: Partial<HistoryTuning>; ring?: number } = {},
): TestHistory {
  const clock = opts.clock ?? new ManualClock(0, T0);
  const ring = new MetricRing(opts.ring ?? 100);
  const logs: string[] = [];
  const h = new History(
    historyConfig(path, opts.patch),
    { clock, ring, log: (level, msg) => logs.push(`${level}: ${msg}`), latest: () => undefined },
    { ...DEFAULT_TUNING, flushEveryMs: 3_600_000, maintainEveryMs: 3_600_000, ...opts.tuning },
  );
  h.start();
  return { h, clock, ring, logs };
}

export const gauge = (name: string, precision?: number): MetricSpec => ({
  name,
  path: name,
  unit: 'percent',
  kind: 'gauge',
  help: `test ${name}`,
  ...(precision === undefined ? {} : { precision }),
});

/** Feed one tick of `collector` to the ring and the history. */
export function tick(t: TestHistory, collector: string, data: Record<string, unknown>): void {
  const ev = { plugin: collector, data, ts: t.clock.wallMs() };
  t.ring.record(ev);
  t.h.ingest(ev);
}

export function setSpecs(t: TestHistory, collector: string, specs: MetricSpec[]): void {
  t.ring.setSpecs(collector, specs);
  t.h.setSpecs(collector, specs);
}

/** Mount a tmpfs at `dir` (root only); returns false where mounting is not allowed. */
export function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status === 0;
}

export function umount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}

export const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['--version']).status === 0;
})();
