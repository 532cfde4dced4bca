import { type CollectorContext, defaultTimeoutS, defineCollector, type Payload, type UnavailablePayload } from '../core/collector.js';
import type { HostFs } from '../host/hostfs.js';
import { FixtureStatfs, LiveStatfs, parseStatfsFixture, type StatfsSource } from '../host/statfs.js';
import { type DiskStats, parseDiskstats } from '../parsers/proc-diskstats.js';
import { parseMountinfo } from '../parsers/proc-mountinfo.js';
import { type Pressure, parsePressure } from '../parsers/proc-pressure.js';
import { type MetricSpec, metric, psiMetrics } from '../shared/metrics.js';
import { BYTES_PER_MB, clampPct, round } from '../shared/units.js';
import { due, type MountHealth, recordOutcome, selectVolumes, toVolume, type Volume, type VolumeCandidate } from './disk-volumes.js';

export type { Volume } from './disk-volumes.js';

/** Per whole disk, over the last interval; null on the first sample and after a counter reset. */
export interface DiskIo {
  read_mbps: number | null;
  write_mbps: number | null;
  read_iops: number | null;
  write_iops: number | null;
  /** Share of wall time the disk had a request in flight (io_ticks), like iostat %util. */
  util_pct: number | null;
  /** Requests in flight now. */
  in_flight: number | null;
}

export interface DiskPayload extends Payload {
  available: true;
  volumes: { local: Volume[]; network: Volume[]; root_pct: number | null };
  io: Record<string, DiskIo>;
  /** Why `io` is empty; null when /proc/diskstats was read. */
  io_reason: string | null;
  pressure: { io: Pressure } | null;
  pressure_reason: string | null;
}

export interface DiskState {
  /** Where statfs answers come from; chosen on the first tick (tests may set it first). */
  statfs?: StatfsSource;
  health?: Map<string, MountHealth>;
  /** The volumes the last mount table selected, and that table's text. */
  selected?: { text: string; config: unknown; candidates: VolumeCandidate[] };
}

/**
 * Whole disks only. Partitions (`sda1`, `nvme0n1p2`, `mmcblk0p1`) would count the same I/O
 * twice; loop, ram, zram, floppy and optical devices are not disks a job writes to (zram is
 * ram_monitor's); device-mapper and md arrays sit on top of disks already listed, so their I/O
 * is counted once, on the physical disk; `nvme0c0n1` are the hidden per-path nodes of a
 * multipath namespace.
 */
const NOT_A_DISK = /^(loop|ram|zram|fd|sr|dm-|md)\d*$|^(sd|hd|vd|xvd)[a-z]+\d+$|\dp\d+$|^nvme\d+c\d+n\d+$|^mmcblk\d+(boot\d+|rpmb)$/;

export function isWholeDisk(name: string): boolean {
  return !NOT_A_DISK.test(name);
}

const spec = metric;

// Volumes are labelled by their index in volumes.local (the path syntax labels array elements by
// index); network volumes are not declared until a fixture host has one to check them against.
const metrics: MetricSpec[] = [
  spec('root_pct', 'volumes.root_pct', 'percent', 'gauge', 'space used on the volume mounted at /, as df Use%', 1),
  spec('volume_total_gb', 'volumes.local[volume].total_gb', 'gigabytes', 'gauge', 'size of a local volume', 3),
  spec('volume_used_gb', 'volumes.local[volume].used_gb', 'gigabytes', 'gauge', 'space used on a local volume (blocks - free)', 3),
  spec('volume_free_gb', 'volumes.local[volume].free_gb', 'gigabytes', 'gauge', 'space a user may still write on a local volume', 3),
  spec('volume_pct', 'volumes.local[volume].pct', 'percent', 'gauge', 'space used on a local volume, as df Use%', 1),
  spec('volume_inodes_pct', 'volumes.local[volume].inodes_pct', 'percent', 'gauge', 'inodes used on a local volume', 1),
  spec('io_read_mbps', 'io{device}.read_mbps', 'megabytes_per_second', 'gauge', 'bytes read from a disk per second (MiB/s)', 3),
  spec('io_write_mbps', 'io{device}.write_mbps', 'megabytes_per_second', 'gauge', 'bytes written to a disk per second (MiB/s)', 3),
  spec('io_read_iops', 'io{device}.read_iops', 'per_second', 'gauge', 'reads completed by a disk per second', 1),
  spec('io_write_iops', 'io{device}.write_iops', 'per_second', 'gauge', 'writes completed by a disk per second', 1),
  spec('io_util_pct', 'io{device}.util_pct', 'percent', 'gauge', 'share of time a disk had I/O in flight (iostat %util)', 1),
  spec('io_in_flight', 'io{device}.in_flight', 'count', 'gauge', 'requests in flight on a disk', 0),
  ...psiMetrics('io', 'I/O'),
];

export const diskMonitor = defineCollector<DiskPayload | UnavailablePayload, DiskState>({
  name: 'disk_monitor',
  description: 'volumes (local and network, hung mounts reported stale), per-disk I/O rates and utilisation, PSI io',
  interval: 5,
  metrics,
  async collect(ctx) {
    const now = ctx.clock.monotonicMs();
    const mountinfo = await readMountinfo(ctx.fs);
    if (mountinfo === null) {
      return { available: false, reason: `${ctx.fs.proc('self/mountinfo')} absent: disk_monitor reads Linux procfs` };
    }
    const [volumes, io, pressure] = await Promise.all([
      readVolumes(ctx, mountinfo, now),
      readIo(ctx, now),
      readIoPressure(ctx.fs),
    ]);
    return {
      available: true,
      volumes,
      io: io.value,
      io_reason: io.reason,
      pressure: pressure.value && { io: pressure.value },
      pressure_reason: pressure.reason,
    };
  },
  async close(ctx) {
    await ctx.state.statfs?.close();
    ctx.state.statfs = undefined;
  },
});

/**
 * The mount table. With the default rootfs `/` it is our own (`self`); with `--path.rootfs`
 * pointing at a host's root from inside a container it is the host init's (`1`), whose mount
 * points resolve under that rootfs — as node_exporter does.
 */
async function readMountinfo(fs: HostFs): Promise<{ text: string; file: string } | null> {
  const candidates = fs.roots.rootfs === '/' ? ['self/mountinfo'] : ['1/mountinfo', 'self/mountinfo'];
  for (const rel of candidates) {
    const file = fs.proc(rel);
    const text = await fs.tryRead(file);
    if (text !== null) return { text, file };
  }
  return null;
}

async function statfsSource(ctx: CollectorContext<DiskState>): Promise<StatfsSource> {
  if (ctx.state.statfs) return ctx.state.statfs;
  const file = ctx.fs.proc('self/statfs.json');
  const text = await ctx.fs.tryRead(file);
  ctx.state.statfs = text === null ? new LiveStatfs(ctx.fs.roots.rootfs) : new FixtureStatfs(parseStatfsFixture(text, file), file);
  return ctx.state.statfs;
}

async function readVolumes(
  ctx: CollectorContext<DiskState>,
  mountinfo: { text: string; file: string },
  now: number,
): Promise<DiskPayload['volumes']> {
  const { disk } = ctx.config;
  // The mount table rarely changes: the same text (and config) selects the same volumes.
  const last = ctx.state.selected;
  const candidates =
    last && last.text === mountinfo.text && last.config === disk
      ? last.candidates
      : selectVolumes(parseMountinfo(mountinfo.text, mountinfo.file), {
          includeTmpfs: disk.include_tmpfs,
          excludeFstypes: disk.exclude_fstypes,
          excludeMountpoints: disk.exclude_mountpoints,
        });
  ctx.state.selected = { text: mountinfo.text, config: disk, candidates };
  const source = await statfsSource(ctx);
  // All calls run at once, so the slowest bounds the tick; keep that well inside the tick's timeout.
  const tickMs = (ctx.config.collectors[ctx.name]?.timeout ?? defaultTimeoutS(diskMonitor)) * 1000;
  const timeoutMs = Math.min(disk.statfs_timeout_ms, tickMs / 2);
  ctx.state.health ??= new Map();
  const health = ctx.state.health;
  await Promise.all(
    candidates.map(async ({ mount, isolate }) => {
      const h = health.get(mount.mountpoint);
      if (!due(h, now)) return;
      const outcome = await source.statfs(mount.mountpoint, isolate, timeoutMs);
      health.set(mount.mountpoint, recordOutcome(h, outcome, now));
    }),
  );
  const present = new Set(candidates.map((c) => c.mount.mountpoint));
  for (const mp of health.keys()) if (!present.has(mp)) health.delete(mp);

  const out: DiskPayload['volumes'] = { local: [], network: [], root_pct: null };
  for (const { mount, kind } of candidates) {
    const h = health.get(mount.mountpoint)!;
    // A filesystem of zero blocks is a pseudo one we did not list (df leaves these out too).
    if (h.last?.blocks === 0) continue;
    const v = toVolume(mount, h);
    out[kind].push(v);
    if (mount.mountpoint === '/') out.root_pct = v.pct;
  }
  return out;
}

async function readIo(
  ctx: CollectorContext<DiskState>,
  now: number,
): Promise<{ value: Record<string, DiskIo>; reason: string | null }> {
  const file = ctx.fs.proc('diskstats');
  const text = await ctx.fs.tryRead(file);
  if (text === null) return { value: {}, reason: `${file} absent or unreadable` };
  let stats: DiskStats[];
  try {
    stats = parseDiskstats(text, file);
  } catch (err) {
    // Volumes and PSI still stand; the garbled file costs the I/O figures only.
    return { value: {}, reason: (err as Error).message };
  }
  const value: Record<string, DiskIo> = {};
  const keys = new Set<string>();
  const rate = (dev: string, field: string, v: number | null): number | null => {
    const key = `${dev}.${field}`;
    keys.add(key);
    return v === null ? null : ctx.rates.rate(key, v, now);
  };
  for (const d of stats) {
    if (!isWholeDisk(d.name)) continue;
    const mbps = (r: number | null) => (r === null ? null : round(r / BYTES_PER_MB, 3));
    const busy = rate(d.name, 'io_time_s', d.io_time_s);
    value[d.name] = {
      read_mbps: mbps(rate(d.name, 'read_bytes', d.read_bytes)),
      write_mbps: mbps(rate(d.name, 'written_bytes', d.written_bytes)),
      read_iops: round(rate(d.name, 'reads', d.reads), 1),
      write_iops: round(rate(d.name, 'writes', d.writes), 1),
      util_pct: busy === null ? null : round(clampPct(busy * 100), 1),
      in_flight: d.in_flight,
    };
  }
  ctx.rates.retainOnly(keys);
  return { value, reason: stats.length > 0 && Object.keys(value).length === 0 ? 'no whole disks in /proc/diskstats' : null };
}

async function readIoPressure(fs: HostFs): Promise<{ value: Pressure | null; reason: string | null }> {
  const path = fs.proc('pressure/io');
  let text: string;
  try {
    text = await fs.read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: null, reason: `${path} absent: kernel without PSI (needs Linux >= 4.20, CONFIG_PSI=y)` };
    if (code === 'EOPNOTSUPP') return { value: null, reason: 'PSI disabled at boot (psi=0); boot with psi=1 to enable' };
    return { value: null, reason: `${path}: ${(err as Error).message}` };
  }
  try {
    return { value: parsePressure(text, path), reason: null };
  } catch (err) {
    return { value: null, reason: (err as Error).message };
  }
}
