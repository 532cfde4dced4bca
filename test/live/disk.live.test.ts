/**
 * Live checks of disk_monitor on this machine: volume figures against `df -B1`, write rates
 * against bytes this test writes itself, and a real hung mount — a FUSE filesystem whose daemon
 * the test stops with SIGSTOP, which makes statfs(2) on it block in the kernel.
 * Subprocesses (df, sync, the FUSE daemon, a `headroom snapshot`) are the test's own tools; the
 * collector uses none.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, readFile, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type DiskPayload, type DiskState, diskMonitor } from '../../src/collectors/disk.js';
import { RETRY_BASE_MS } from '../../src/collectors/disk-volumes.js';
import { DEFAULT_ROOTS } from '../../src/host/hostfs.js';
import { LiveStatfs, stuckStatfsCalls } from '../../src/host/statfs.js';
import { makeCollectorContext, projectRoot } from '../helpers/collector-context.js';

const run = promisify(execFile);
const linux = process.platform === 'linux';
const GB = 2 ** 30;
const MB = 2 ** 20;
const scratch = join(projectRoot, '.tmp');
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

async function collect(t: ReturnType<typeof makeCollectorContext<DiskState>>): Promise<DiskPayload> {
  const p = await diskMonitor.collect(t.ctx);
  expect(p.available).toBe(true);
  return p as DiskPayload;
}

/** `df -B1 --output=…` rows keyed by mount point. */
async function df(): Promise<Map<string, { fstype: string; size: number; used: number; avail: number; pct: number }>> {
  const { stdout } = await run('df', ['-B1', '--output=target,fstype,size,used,avail,pcent']);
  const rows = stdout.trim().split('\n').slice(1);
  return new Map(
    rows.map((r) => {
      const [target, fstype, size, used, avail, pct] = r.trim().split(/\s+/);
      return [target!, { fstype: fstype!, size: Number(size), used: Number(used), avail: Number(avail), pct: Number.parseInt(pct!, 10) }];
    }),
  );
}

/** The whole disk under a path: st_dev → /sys/dev/block/M:m → its parent when a partition. */
function backingDisk(path: string): { disk: string | null; why: string } {
  const dev = statSync(path, { bigint: true }).dev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const link = `/sys/dev/block/${major}:${minor}`;
  if (!existsSync(link)) return { disk: null, why: `${path} is on ${major}:${minor}, not a block device (tmpfs, overlay, network?)` };
  const target = resolve(dirname(link), readlinkSync(link));
  const disk = existsSync(join(link, 'partition')) ? basename(dirname(target)) : basename(target);
  if (/^(dm-|md)/.test(disk)) return { disk: null, why: `${path} is on ${disk}, a stacked device disk_monitor does not list` };
  return { disk, why: '' };
}

describe.runIf(linux)('disk_monitor on this machine', () => {
  it('volume figures agree with df -B1', async () => {
    const t = makeCollectorContext<DiskState>(DEFAULT_ROOTS, { name: 'disk_monitor' });
    t.ctx.config.disk.include_tmpfs = true;
    try {
      const [p, rows] = await Promise.all([collect(t), df()]);
      const root = p.volumes.local.find((v) => v.mountpoint === '/');
      const dfRoot = rows.get('/')!;
      expect(root, 'a volume at /').toBeDefined();
      expect(root!.fstype).toBe(dfRoot.fstype);
      expect(root!.total_gb! * GB).toBeCloseTo(dfRoot.size, -7); // ± 5 MB: rounding to 0.001 GB
      // Used and available move with whatever else writes meanwhile: ± 64 MiB.
      expect(Math.abs(root!.used_gb! * GB - dfRoot.used)).toBeLessThan(64 * MB);
      expect(Math.abs(root!.free_gb! * GB - dfRoot.avail)).toBeLessThan(64 * MB);
      // df rounds Use% up to an integer; we keep one decimal.
      expect(Math.abs(Math.ceil(root!.pct!) - dfRoot.pct)).toBeLessThanOrEqual(1);
      expect(p.volumes.root_pct).toBe(root!.pct);
      // Same volumes as df (which also hides pseudo filesystems and duplicate mounts); devtmpfs
      // is memory, left out even with include_tmpfs.
      const dfMounts = [...rows].filter(([, r]) => r.fstype !== 'devtmpfs').map(([m]) => m);
      const ours = [...p.volumes.local, ...p.volumes.network].map((v) => v.mountpoint);
      expect(ours.sort()).toEqual(dfMounts.sort());
    } finally {
      await diskMonitor.close!(t.ctx);
    }
  });

  it('write MB/s × seconds matches the bytes this test writes and fsyncs (± 10 %)', async (ctx) => {
    mkdirSync(scratch, { recursive: true });
    const { disk, why } = backingDisk(scratch);
    if (!disk) ctx.skip(`cannot tell the disk backing ${scratch}: ${why}`);
    let mono = 0;
    const clock = { monotonicMs: () => (mono = performance.now()), wallMs: () => Date.now() };
    const t = makeCollectorContext<DiskState>(DEFAULT_ROOTS, { name: 'disk_monitor', clock });
    const N = 64;
    const chunk = Buffer.alloc(MB, 0x5a);
    const file = join(scratch, `disk-live-${process.pid}.bin`);
    cleanups.push(() => rmSync(file, { force: true }));
    const attempts: string[] = [];
    try {
      // Other processes write too (this is a shared machine): up to three tries for one quiet window.
      for (let attempt = 0; attempt < 3; attempt++) {
        execFileSync('sync'); // flush what others left dirty before the window opens
        const fh = await open(file, 'w');
        const before = await collect(t);
        if (!before.io[disk!]) ctx.skip(`${disk} is not among the disks disk_monitor lists`);
        const t0 = mono;
        for (let i = 0; i < N; i++) await fh.write(chunk);
        await fh.sync();
        await fh.close();
        const after = await collect(t);
        const seconds = (mono - t0) / 1000;
        const mib = after.io[disk!]!.write_mbps! * seconds;
        attempts.push(`${mib.toFixed(1)} MiB in ${seconds.toFixed(2)} s`);
        if (Math.abs(mib - N) <= N * 0.1) break;
      }
      const last = Number.parseFloat(attempts.at(-1)!);
      expect(Math.abs(last - N), `wrote ${N} MiB to ${disk}; measured ${attempts.join(', ')}`).toBeLessThanOrEqual(N * 0.1);
    } finally {
      await diskMonitor.close!(t.ctx);
    }
  });
});

// ---- A real hung mount: FUSE with its daemon stopped -------------------------------------------

const PYTHON = '/usr/bin/python3';
const FUSE_DAEMON = `
import errno, stat, sys
from fusepy import FUSE, Operations, FuseOSError
class Remote(Operations):
    def getattr(self, path, fh=None):
        if path == '/':
            return dict(st_mode=(stat.S_IFDIR | 0o755), st_nlink=2)
        raise FuseOSError(errno.ENOENT)
    def readdir(self, path, fh):
        return ['.', '..']
    def statfs(self, path):
        return dict(f_bsize=4096, f_frsize=4096, f_blocks=262144, f_bfree=65536, f_bavail=65536, f_files=100, f_ffree=50, f_namemax=255)
# fsname and subtype as sshfs writes them: mountinfo shows "fuse.sshfs tester@127.0.0.1:/export".
FUSE(Remote(), sys.argv[1], foreground=True, nothreads=True, fsname='tester@127.0.0.1:/export', subtype='sshfs')
`;

function fuseMissing(): string | null {
  if (!linux) return 'FUSE is Linux-only here';
  if (!existsSync('/dev/fuse')) return '/dev/fuse absent (container without the FUSE device)';
  if (process.getuid?.() !== 0) return 'mounting FUSE needs root here';
  if (!existsSync('/usr/bin/fusermount') && !existsSync('/usr/bin/fusermount3')) return 'fusermount absent (apt-get install fuse3)';
  try {
    execFileSync(PYTHON, ['-c', 'import fusepy'], { stdio: 'ignore' });
  } catch {
    return 'python3 fusepy absent (apt-get install python3-fusepy)';
  }
  return null;
}

const missing = fuseMissing();

describe.runIf(linux)('disk_monitor with a FUSE mount whose daemon is stopped', () => {
  it.skipIf(missing !== null)(`stale on time, threadpool untouched, recovered after the retry delay${missing ? ` (skipped: ${missing})` : ''}`, async () => {
    mkdirSync(scratch, { recursive: true });
    const dir = mkdtempSync(join(scratch, 'fuse-'));
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const daemon = spawn(PYTHON, ['-c', FUSE_DAEMON, mnt], { stdio: 'ignore' });
    cleanups.push(() => {
      daemon.kill('SIGCONT');
      daemon.kill('SIGTERM');
      try {
        execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    while (!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `)) {
      if (Date.now() > deadline) throw new Error('FUSE mount did not appear');
      await new Promise((r) => setTimeout(r, 50));
    }

    const t = makeCollectorContext<DiskState>(DEFAULT_ROOTS, { name: 'disk_monitor' });
    t.ctx.config.disk.statfs_timeout_ms = 500;
    const vol = (p: DiskPayload) => p.volumes.network.find((v) => v.mountpoint === mnt);
    try {
      const fresh = vol(await collect(t));
      expect(fresh).toMatchObject({ fstype: 'fuse.sshfs', device: 'tester@127.0.0.1:/export', total_gb: 1, used_gb: 0.75, free_gb: 0.25, pct: 75, stale: false });

      daemon.kill('SIGSTOP');
      // The hazard is real: statfs on our own threadpool would block there (checked with a probe
      // that is released below). disk_monitor's tick meanwhile must stay short and starve nothing.
      const probe = statfs(mnt).then(() => 'returned');
      const race = await Promise.race([probe, new Promise((r) => setTimeout(() => r('still blocked'), 300))]);
      expect(race).toBe('still blocked');

      t.clock.advance(5000);
      const started = performance.now();
      let done = false;
      const tick = collect(t).finally(() => {
        done = true;
      });
      let reads = 0;
      while (!done) {
        await readFile(join(projectRoot, 'package.json'));
        reads++;
      }
      const stale = vol(await tick);
      expect(performance.now() - started).toBeLessThan(500 + 2000);
      expect(reads).toBeGreaterThan(10);
      expect(stale).toMatchObject({ stale: true, total_gb: 1, pct: 75, error: expect.stringMatching(/did not answer within 500 ms/) });

      // The tick's call is still blocked, in a worker thread of this process, registered.
      expect(stuckStatfsCalls()).toEqual([{ path: mnt, thread: 'worker', sinceMs: expect.any(Number) }]);

      // LiveStatfs's safety net: a mount it trusted to the threadpool that hangs anyway is
      // registered as stuck and sends every later call to the worker pool until it comes back.
      const live = new LiveStatfs('/');
      try {
        expect(await live.statfs(mnt, false, 300)).toEqual({ status: 'timeout', after_ms: 300 });
        expect(live.poolStats()).toBeNull();
        expect(stuckStatfsCalls().filter((c) => c.thread === 'threadpool').map((c) => c.path)).toEqual([mnt]);
        expect(await live.statfs('/', false, 2000)).toMatchObject({ status: 'ok' });
        expect(live.poolStats()).toMatchObject({ started: 1 });
      } finally {
        await live.close();
      }

      // (e) `headroom snapshot` as a real process on this machine: its worker blocks on the mount
      // for good; it still prints its snapshot, names the stuck call and ends by SIGKILL instead
      // of hanging in Node's exit.
      const home = mkdtempSync(join(dir, 'home-'));
      writeFileSync(join(home, 'config.yaml'), 'disk:\n  statfs_timeout_ms: 500\n');
      const snap = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), 'snapshot', '--json', '-c', join(home, 'config.yaml')], {
        cwd: projectRoot,
        env: { ...process.env, HOME: home },
        timeout: 60_000,
        maxBuffer: 256 * MB, // the JSON lists every process of this machine
      }).then(
        () => ({ signal: null as string | null, stdout: '', stderr: 'exited normally', message: '' }),
        (e: { signal: string | null; stdout: string; stderr: string; message: string }) => e,
      );
      expect(snap.signal, `${snap.message}\n${snap.stderr}`).toBe('SIGKILL');
      expect(snap.stderr).toMatch(new RegExp(`statfs stuck in the kernel on ${mnt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(worker thread, since `));
      const printed = JSON.parse(snap.stdout) as { metrics: { disk_monitor: DiskPayload } };
      expect(vol(printed.metrics.disk_monitor)).toMatchObject({ stale: true, error: expect.stringMatching(/did not answer within 500 ms/) });

      daemon.kill('SIGCONT');
      expect(await probe).toBe('returned');
      // Every blocked call came back: nothing is left that would hold up this process's exit.
      const until = Date.now() + 5000;
      while (stuckStatfsCalls().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(stuckStatfsCalls()).toEqual([]);
      t.clock.advance(RETRY_BASE_MS);
      expect(vol(await collect(t))).toMatchObject({ stale: false, pct: 75, error: null });
    } finally {
      daemon.kill('SIGCONT');
      await diskMonitor.close!(t.ctx);
    }
  });
});
