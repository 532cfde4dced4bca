/**
 * Conformance with node_exporter for disks: /proc/diskstats parsed by us must give every
 * node_disk_* counter node_exporter computed from the same file (e2e-output.txt), and
 * disk_monitor run over the tree must pick its disks and volumes by the rules it documents.
 * The tree is read in place at ../shared/fixtures/node_exporter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DiskPayload, type DiskState, diskMonitor, isWholeDisk } from '../../src/collectors/disk.js';
import { selectVolumes } from '../../src/collectors/disk-volumes.js';
import type { HostRoots } from '../../src/host/hostfs.js';
import { FixtureStatfs } from '../../src/host/statfs.js';
import { DISKSTATS_SECTOR_BYTES, type DiskStats, parseDiskstats } from '../../src/parsers/proc-diskstats.js';
import { parseMountinfo } from '../../src/parsers/proc-mountinfo.js';
import { makeCollectorContext, projectRoot } from '../helpers/collector-context.js';
import { type PromSample, parsePromText, samples, value } from '../helpers/prom-text.js';

const dir = resolve(projectRoot, '../shared/fixtures/node_exporter');
const roots: HostRoots = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'no-rootfs') };
const proc = (rel: string) => readFileSync(join(roots.procRoot, rel), 'utf8');

let node: PromSample[];
let disks: Map<string, DiskStats>;

beforeAll(() => {
  if (!existsSync(join(dir, 'e2e-output.txt'))) {
    throw new Error(`node_exporter fixture not found at ${dir} (expected ../shared/fixtures/node_exporter beside the checkout)`);
  }
  node = parsePromText(readFileSync(join(dir, 'e2e-output.txt'), 'utf8'));
  disks = new Map(parseDiskstats(proc('diskstats')).map((d) => [d.name, d]));
});

// node_exporter metric → our field, and how node_exporter scales it (it reports discards in sectors).
const COUNTERS: Array<[string, keyof DiskStats, number]> = [
  ['node_disk_reads_completed_total', 'reads', 1],
  ['node_disk_reads_merged_total', 'reads_merged', 1],
  ['node_disk_read_bytes_total', 'read_bytes', 1],
  ['node_disk_read_time_seconds_total', 'read_time_s', 1],
  ['node_disk_writes_completed_total', 'writes', 1],
  ['node_disk_writes_merged_total', 'writes_merged', 1],
  ['node_disk_written_bytes_total', 'written_bytes', 1],
  ['node_disk_write_time_seconds_total', 'write_time_s', 1],
  ['node_disk_io_now', 'in_flight', 1],
  ['node_disk_io_time_seconds_total', 'io_time_s', 1],
  ['node_disk_io_time_weighted_seconds_total', 'weighted_io_time_s', 1],
  ['node_disk_discards_completed_total', 'discards', 1],
  ['node_disk_discards_merged_total', 'discards_merged', 1],
  ['node_disk_discarded_sectors_total', 'discarded_bytes', DISKSTATS_SECTOR_BYTES],
  ['node_disk_discard_time_seconds_total', 'discard_time_s', 1],
  ['node_disk_flush_requests_total', 'flushes', 1],
  ['node_disk_flush_requests_time_seconds_total', 'flush_time_s', 1],
];

describe('/proc/diskstats (14-, 18- and 20-field lines)', () => {
  it.each(COUNTERS)('%s: every device node_exporter reports', (metric, field, scale) => {
    const series = samples(node, metric);
    expect(series.length, metric).toBeGreaterThan(0);
    for (const s of series) {
      const ours = disks.get(s.labels.device!)?.[field] as number | null | undefined;
      expect(ours, `${metric}{device="${s.labels.device}"}`).not.toBeNull();
      // ms → s: node_exporter multiplies by 0.001 (65.4 s reads 65.4, 9653.88 reads
      // 9653.880000000001); we divide by 1000, the correctly rounded value. Equal to 9 decimals.
      expect(ours! / scale, `${metric}{device="${s.labels.device}"}`).toBeCloseTo(s.value, 9);
    }
  });

  it('discard and flush counters exist exactly where the kernel line is long enough', () => {
    const withDiscards = new Set(samples(node, 'node_disk_discards_completed_total').map((s) => s.labels.device));
    const withFlushes = new Set(samples(node, 'node_disk_flush_requests_total').map((s) => s.labels.device));
    for (const [name, d] of disks) {
      if (!samples(node, 'node_disk_io_now', { device: name }).length) continue;
      expect(d.discards !== null, name).toBe(withDiscards.has(name));
      expect(d.flushes !== null, name).toBe(withFlushes.has(name));
    }
  });
});

describe('disk_monitor over the node_exporter tree', () => {
  it('reports whole disks: node_exporter’s devices minus device-mapper, mmcblk partitions and optical', async () => {
    const t = makeCollectorContext<DiskState>(roots, { name: 'disk_monitor' });
    t.ctx.state.statfs = new FixtureStatfs(new Map(), 'no statfs answers in this tree');
    const p = (await diskMonitor.collect(t.ctx)) as DiskPayload;
    // node_exporter drops loop, ram, fd and sd/vd/xvd/hd/nvme partitions by its default
    // device-exclude pattern but keeps dm-*, md*, sr*, and mmcblk partitions (its pattern does not
    // cover the `p` form). We also leave out dm-* (stacked on disks already counted — dm-0 here is
    // `nvme0n1_crypt`, a LUKS mapping whose I/O is also the disk's, so listing both counts it
    // twice), mmcblk0p1/p2 (partitions) and sr0 (an optical drive).
    const nodeDevices = samples(node, 'node_disk_io_now').map((s) => s.labels.device!);
    const expected = nodeDevices.filter((d) => !/^dm-\d+$|^mmcblk\d+p\d+$|^sr\d+$/.test(d)).sort();
    expect(Object.keys(p.io).sort()).toEqual(expected);
    expect(expected).toEqual(['mmcblk0', 'nvme0n1', 'sda', 'sdb', 'sdc', 'vda']);
    for (const d of expected) expect(p.io[d]!.in_flight).toBe(value(node, 'node_disk_io_now', { device: d }));
    // And every device node_exporter drops, we drop too.
    for (const name of disks.keys()) if (!nodeDevices.includes(name)) expect(isWholeDisk(name), name).toBe(false);
    expect(p.pressure?.io.some?.total_s).toBeCloseTo(value(node, 'node_pressure_io_waiting_seconds_total'), 9);
    expect(p.pressure?.io.full?.total_s).toBeCloseTo(value(node, 'node_pressure_io_stalled_seconds_total'), 9);
  });

  it('reads the host init’s mount table (proc/1) when rootfs is not /, and picks volumes from it', async () => {
    const t = makeCollectorContext<DiskState>(roots, { name: 'disk_monitor' });
    t.ctx.state.statfs = new FixtureStatfs(new Map(), 'no statfs answers in this tree');
    const p = (await diskMonitor.collect(t.ctx)) as DiskPayload;
    // proc/1/mountinfo: `/`, /boot, one of the two binds of /dev/sda (escaped \040 and \011 in
    // the kubelet paths; equally long, so the first stays), and the xfs bind mount. tmpfs,
    // cgroup, autofs (over-mounted by binfmt_misc) and gvfsd-fuse are left out.
    expect(p.volumes.local.map((v) => v.mountpoint)).toEqual([
      '/',
      '/boot',
      '/var/lib/kubelet/plugins/kubernetes.io/vsphere-volume/mounts/[vsanDatastore] bafb9e5a-8856-7e6c-699c-801844e77a4a/kubernetes-dynamic-pvc-3eba5bba-48a3-11e8-89ab-005056b92113.vmdk',
      '/var/lib/containers/storage/overlay',
    ]);
    expect(p.volumes.local.every((v) => v.error?.includes('no answer') && v.total_gb === null)).toBe(true);
  });

  it('proc/10/mountinfo: a duplicate NFS mount is dropped, an over-mount at the same point wins', () => {
    const mounts = parseMountinfo(proc('10/mountinfo'));
    const picked = selectVolumes(mounts, { includeTmpfs: false, excludeFstypes: [], excludeMountpoints: [] });
    expect(picked.map((c) => [c.kind, c.mount.mountpoint, c.mount.fstype, c.isolate])).toEqual([
      ['local', '/', 'ext4', false],
      ['network', '/mnt/nfs/test', 'nfs4', true],
      ['network', '/mnt/nfs/test-dupe', 'nfs', true],
    ]);
  });
});
