import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import type { Clock } from '../../src/core/clock.js';
import { ManualClock } from '../../src/core/clock.js';
import type { CollectorContext } from '../../src/core/collector.js';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';
import { RateTracker } from '../../src/core/rates.js';
import { HostFs, type HostRoots } from '../../src/host/hostfs.js';

/** The checkout's root, for fixtures addressed from it. */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Roots of a fixture host laid out as `<dir>/{proc,sys,rootfs}`. */
export function fixtureRoots(dir: string): HostRoots {
  return { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'rootfs') };
}

export function fixtureHost(id: string): HostRoots {
  return fixtureRoots(join(projectRoot, 'test/fixtures/hosts', id));
}

/**
 * A HostFs whose files a test can replace per path: a string is served instead of the file,
 * null makes the file look absent (ENOENT), an Error is thrown as the read's failure (e.g.
 * `errnoError('EACCES', path)` for a root-only file). Everything else reads the real tree.
 */
export class OverridableFs extends HostFs {
  readonly overrides = new Map<string, string | null | Error>();

  override async read(path: string): Promise<string> {
    if (!this.overrides.has(path)) return super.read(path);
    const text = this.overrides.get(path);
    if (text instanceof Error) throw text;
    if (text === null || text === undefined) throw errnoError('ENOENT', path);
    return text;
  }

  override async tryRead(path: string): Promise<string | null> {
    if (!this.overrides.has(path)) return super.tryRead(path);
    const text = this.overrides.get(path);
    return typeof text === 'string' ? text : null;
  }

  override async readAsync(path: string): Promise<string> {
    if (!this.overrides.has(path)) return super.readAsync(path);
    return this.read(path);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EIO: 'i/o error',
  ENODATA: 'no data available',
};

/** An error shaped like the one Node's fs throws for `code` on `path`. */
export function errnoError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${ERRNO_TEXT[code] ?? 'error'}, open '${path}'`), { code, path, syscall: 'open' });
}

export interface TestContext<State> {
  ctx: CollectorContext<State>;
  fs: OverridableFs;
  clock: ManualClock;
}

/** A CollectorContext as the scheduler would build it, over the given roots, with default config. */
export function makeCollectorContext<State = Record<string, unknown>>(
  roots: HostRoots,
  options: { name?: string; clock?: Clock } = {},
): TestContext<State> {
  const manual = new ManualClock();
  const fs = new OverridableFs(roots);
  const ctx: CollectorContext<State> = {
    name: options.name ?? 'test',
    config: Value.Default(ConfigSchema, {}) as Config,
    options: {},
    fs,
    clock: options.clock ?? manual,
    rates: new RateTracker(),
    state: {} as State,
    previous: null,
    signal: new AbortController().signal,
    latest: () => undefined,
    collectorStatus: () => ({}),
  };
  return { ctx, fs, clock: manual };
}
