import { statfs as statfsCb } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../parsers/parse-error.js';
import { type StatfsFigures, type StatfsOutcome, StatfsPool, type StatfsPoolOptions } from './statfs-pool.js';
import { markStatfsStuck } from './statfs-stuck.js';

export type { StatfsFigures, StatfsOutcome } from './statfs-pool.js';
export { describeStuckStatfs, killIfStatfsStuck, type StuckStatfsCall, stuckStatfsCalls } from './statfs-stuck.js';

/**
 * Where disk_monitor gets statfs(2) answers for mount points: the live machine, or the
 * `statfs.json` captured with a fixture tree. Every call settles (never rejects, never hangs
 * past its timeout).
 *
 * Units: Node's `StatFs` exposes f_bsize but not f_frsize, and the kernel counts blocks in
 * f_frsize units. Every in-kernel filesystem sets them equal (or leaves f_frsize 0, which the
 * kernel then fills with f_bsize); only a FUSE daemon can report them apart (sshfs to a macOS
 * server: bsize 1 MiB, frsize 4 KiB), and for such a mount the sizes come out bsize/frsize times
 * too large. Verified against `df` with a FUSE filesystem reporting 131072 / 1024.
 */
export interface StatfsSource {
  /**
   * @param mountpoint as in mountinfo (the source resolves it under its rootfs)
   * @param isolate true for mounts whose statfs may hang (network, FUSE, unknown types, or under
   *   such a mount): they never touch this process's threadpool.
   */
  statfs(mountpoint: string, isolate: boolean, timeoutMs: number): Promise<StatfsOutcome>;
  close(): Promise<void>;
}

/**
 * The live machine. Isolated mounts go to a {@link StatfsPool} of worker threads, started on
 * first need. Other mounts — in-kernel filesystems on block devices, tmpfs — use `fs.statfs`
 * on the threadpool: ext4, xfs, btrfs, vfat … answer statfs from counters kept in memory,
 * without I/O, so the call takes microseconds even when the disk underneath has died. If one of
 * them ever outlives its timeout anyway, it is registered as stuck (statfs-stuck.ts: a
 * threadpool thread blocked in the kernel also keeps the process from exiting) and every mount
 * goes through the pool until it has come back, so at most one threadpool thread can be lost
 * that way.
 *
 * A call stuck in the kernel outlives close(): see statfs-stuck.ts for how the process ends then.
 */
export class LiveStatfs implements StatfsSource {
  private pool: StatfsPool | null = null;
  private localStuck = 0;

  constructor(
    private readonly rootfs = '/',
    private readonly poolOptions: StatfsPoolOptions = {},
  ) {}

  statfs(mountpoint: string, isolate: boolean, timeoutMs: number): Promise<StatfsOutcome> {
    const path = join(this.rootfs, mountpoint);
    if (isolate || this.localStuck > 0) {
      this.pool ??= new StatfsPool(this.poolOptions);
      return this.pool.statfs(path, timeoutMs);
    }
    return this.onThreadpool(path, timeoutMs);
  }

  /** The pool's numbers (null while no mount has needed it). */
  poolStats(): ReturnType<StatfsPool['stats']> | null {
    return this.pool?.stats() ?? null;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }

  private onThreadpool(path: string, timeoutMs: number): Promise<StatfsOutcome> {
    return new Promise((resolve) => {
      const sinceMs = Date.now();
      let unmark: (() => void) | null = null;
      const timer = setTimeout(() => {
        this.localStuck++;
        unmark = markStatfsStuck(path, sinceMs, 'threadpool');
        resolve({ status: 'timeout', after_ms: timeoutMs });
      }, timeoutMs);
      statfsCb(path, (err, s) => {
        if (unmark) {
          this.localStuck--;
          unmark();
          return;
        }
        clearTimeout(timer);
        if (err) resolve({ status: 'error', code: err.code ?? 'EIO', message: err.message });
        else resolve({ status: 'ok', figures: figuresOf(s) });
      });
    });
  }
}

function figuresOf(s: StatfsFigures): StatfsFigures {
  return { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
}

/** One entry of a fixture's statfs.json: the figures, or the failure the capture saw. */
export type StatfsFixtureEntry = StatfsFigures | { error: string };

const FIGURE_KEYS = ['type', 'bsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree'] as const;

/**
 * A fixture tree's answers: `<procRoot>/self/statfs.json`, keyed by mount point as mountinfo
 * writes it. The file lives inside the proc tree on purpose: procfs cannot hold such a file, so
 * a live machine is never mistaken for a fixture. `{"error": "timeout"}` stands for a hung mount
 * (the call times out), `{"error": "EACCES"}` for a failure with that code.
 */
export class FixtureStatfs implements StatfsSource {
  constructor(
    private readonly answers: Map<string, StatfsFixtureEntry>,
    private readonly file: string,
  ) {}

  async statfs(mountpoint: string, _isolate: boolean, timeoutMs: number): Promise<StatfsOutcome> {
    const a = this.answers.get(mountpoint);
    if (!a) return { status: 'error', code: 'ENOENT', message: `no answer for ${mountpoint} in ${this.file}` };
    if ('error' in a) {
      return a.error === 'timeout'
        ? { status: 'timeout', after_ms: timeoutMs }
        : { status: 'error', code: a.error, message: `${a.error} (captured in ${this.file})` };
    }
    return { status: 'ok', figures: a };
  }

  async close(): Promise<void> {}
}

/** Parse a statfs.json; a malformed file throws a ParseError naming it (line 1: it is JSON). */
export function parseStatfsFixture(text: string, file: string): Map<string, StatfsFixtureEntry> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ParseError(file, 1, `not JSON: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ParseError(file, 1, 'expected an object keyed by mount point');
  }
  const out = new Map<string, StatfsFixtureEntry>();
  for (const [mountpoint, v] of Object.entries(data)) {
    const e = v as Record<string, unknown>;
    if (e && typeof e.error === 'string') {
      out.set(mountpoint, { error: e.error });
      continue;
    }
    const bad = FIGURE_KEYS.find((k) => !(Number.isSafeInteger(e?.[k]) && (e[k] as number) >= 0));
    if (bad) throw new ParseError(file, 1, `${mountpoint}: "${bad}" is not a non-negative integer`);
    out.set(mountpoint, Object.fromEntries(FIGURE_KEYS.map((k) => [k, e[k]])) as unknown as StatfsFigures);
  }
  return out;
}

/** The JSON text of a statfs.json for these mount points, asked of `source` (capture-fixture). */
export async function captureStatfsAnswers(
  source: StatfsSource,
  mounts: Array<{ mountpoint: string; isolate: boolean }>,
  timeoutMs: number,
): Promise<string> {
  const outcomes = await Promise.all(mounts.map((m) => source.statfs(m.mountpoint, m.isolate, timeoutMs)));
  const out: Record<string, StatfsFixtureEntry> = {};
  mounts.forEach((m, i) => {
    const o = outcomes[i]!;
    out[m.mountpoint] =
      o.status === 'ok' ? o.figures : { error: o.status === 'error' ? o.code : o.status === 'timeout' ? 'timeout' : 'unavailable' };
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}
