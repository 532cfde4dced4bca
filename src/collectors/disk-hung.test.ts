import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureHost, makeCollectorContext, projectRoot } from '../../test/helpers/collector-context.js';
import { LiveStatfs, stuckStatfsCalls } from '../host/statfs.js';
import { STARTUP_GRACE_MS } from '../host/statfs-pool.js';
import { type DiskPayload, type DiskState, diskMonitor } from './disk.js';
import { RETRY_BASE_MS } from './disk-volumes.js';

/**
 * disk_monitor with NFS mounts whose statfs never returns. The statfs workers' function is
 * swapped for one that, for mount points under /hung, blocks its thread in open(2) on a FIFO
 * nobody writes — a real kernel block, as a dead NFS server causes — until the test opens the
 * write end (which it must do before the file ends: Node joins worker threads at exit).
 * test/live/disk.live.test.ts repeats this with a real FUSE mount whose daemon is stopped.
 */
let dir: string;
let fifo: string;
let writer: number | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-disk-hung-'));
  fifo = join(dir, 'hang.fifo');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => {
  if (writer !== null) closeSync(writer);
  rmSync(dir, { recursive: true, force: true });
});

const HUNG = 6;
const mountinfo = () => [
  '26 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  ...Array.from({ length: HUNG }, (_, i) => `${50 + i} 26 0:${50 + i} / /hung/${i} rw - nfs4 deadnas:/export/${i} rw,hard`),
  `70 26 0:70 / ${dir} rw - nfs4 livenas:/export rw`,
].join('\n');

describe.runIf(process.platform === 'linux')('disk_monitor with hung network mounts', () => {
  it('returns on time with them stale, starves nothing, and recovers when they come back', async () => {
    const t = makeCollectorContext<DiskState>(fixtureHost('debian12-vm-2c'), { name: 'disk_monitor' });
    t.fs.overrides.set(t.fs.proc('self/mountinfo'), mountinfo());
    const hang = `(p) => { if (p.startsWith('/hung/')) { fs.closeSync(fs.openSync(${JSON.stringify(fifo)}, 'r')); return fs.statfsSync('/'); } return fs.statfsSync(p); }`;
    // One worker per mount, so all hang at once (the default pool would take a few ticks).
    const statfs = new LiveStatfs('/', { statfsFn: hang, workers: HUNG + 1, maxStuck: HUNG });
    t.ctx.state.statfs = statfs;
    const timeoutMs = 1000;
    t.ctx.config.disk.statfs_timeout_ms = timeoutMs;
    try {
      // (a) + (b): one tick while the calls hang, with a "collector" reading files through the
      // threadpool the whole time and the event loop's delay recorded.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      let done = false;
      const started = performance.now();
      const tick = diskMonitor.collect(t.ctx).finally(() => {
        done = true;
      });
      // Reads counted while every hung call is blocked in the kernel (not while the workers start:
      // that costs CPU, not threads).
      let reads = 0;
      let worstReadMs = 0;
      while (!done) {
        const allHung = (statfs.poolStats()?.busy ?? 0) >= HUNG;
        const r0 = performance.now();
        await readFile(join(projectRoot, 'package.json'));
        if (!allHung) continue;
        worstReadMs = Math.max(worstReadMs, performance.now() - r0);
        reads++;
      }
      const p = (await tick) as DiskPayload;
      const tookMs = performance.now() - started;
      lag.disable();

      const hung = p.volumes.network.filter((v) => v.mountpoint.startsWith('/hung/'));
      expect(hung).toHaveLength(HUNG);
      for (const v of hung) {
        expect(v).toMatchObject({ stale: true, total_gb: null, pct: null, error: expect.stringMatching(/did not answer within 1000 ms/) });
      }
      expect(p.volumes.network.find((v) => v.mountpoint === dir)).toMatchObject({ stale: false, error: null });
      expect(p.volumes.local[0]).toMatchObject({ mountpoint: '/', stale: false });
      expect(p.io.vda).toBeDefined();
      // Bounded by the statfs timeout plus the first worker's start-up, not by the hang (forever).
      expect(tookMs).toBeLessThan(timeoutMs + STARTUP_GRACE_MS);
      // Each hung mount holds one worker thread, blocked in the kernel; the threadpool holds none.
      expect(statfs.poolStats()).toMatchObject({ stuck: HUNG });
      expect(stuckStatfsCalls().filter((c) => c.thread === 'worker')).toHaveLength(HUNG);
      // More hung calls than the threadpool has threads, yet file reads went on at normal speed.
      expect(reads).toBeGreaterThan(10);
      expect(worstReadMs).toBeLessThan(250);
      expect(lag.max / 1e6).toBeLessThan(250);

      // In back-off they are not asked again: the next tick is immediate and still stale.
      t.clock.advance(5000);
      const again = (await diskMonitor.collect(t.ctx)) as DiskPayload;
      expect(again.volumes.network.filter((v) => v.stale)).toHaveLength(HUNG);
      expect(statfs.poolStats()).toMatchObject({ stuck: HUNG, started: HUNG + 1 });

      // (c) The server answers again; after the retry delay the mounts are asked and recover.
      writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      t.clock.advance(RETRY_BASE_MS);
      const back = (await diskMonitor.collect(t.ctx)) as DiskPayload;
      const root = statfsSync('/');
      for (const v of back.volumes.network.filter((x) => x.mountpoint.startsWith('/hung/'))) {
        expect(v).toMatchObject({ stale: false, error: null });
        expect(v.total_gb! * 2 ** 30).toBeCloseTo(root.blocks * root.bsize, -7);
      }
      // The workers came back and were reused: none stuck, none started since.
      expect(stuckStatfsCalls()).toEqual([]);
      expect(statfs.poolStats()).toMatchObject({ stuck: 0, started: HUNG + 1 });
    } finally {
      // Whatever happened above, no worker may stay blocked: this process must be able to end.
      try {
        writer ??= openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {} // ENXIO: no reader, nothing blocked
      while (stuckStatfsCalls().length > 0) await new Promise((r) => setTimeout(r, 10));
      await diskMonitor.close!(t.ctx);
    }
    expect(t.ctx.state.statfs).toBeUndefined();
  });
});
