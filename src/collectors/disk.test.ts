import { describe, expect, it } from 'vitest';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { extractMetric } from '../shared/metrics.js';
import { type DiskPayload, type DiskState, diskMonitor, isWholeDisk } from './disk.js';
import { RETRY_BASE_MS } from './disk-volumes.js';

const roots = fixtureHost('debian12-vm-2c');
const GB = 2 ** 30;

function setup(overrides: Record<string, string | null> = {}) {
  const t = makeCollectorContext<DiskState>(roots, { name: 'disk_monitor' });
  for (const [rel, text] of Object.entries(overrides)) t.fs.overrides.set(t.fs.proc(rel), text);
  return t;
}
const collect = async (t: ReturnType<typeof setup>) => (await diskMonitor.collect(t.ctx)) as DiskPayload;

const figures = (blocks: number, bfree: number, bavail: number, bsize = 4096) => ({
  type: 61267,
  bsize,
  blocks,
  bfree,
  bavail,
  files: 1000,
  ffree: 250,
});

describe('disk_monitor on the debian12-vm-2c fixture', () => {
  it('reports / from the captured statfs answers, df-style, and filters pseudo filesystems and tmpfs', async () => {
    const t = setup();
    const p = await collect(t);
    // statfs.json "/": blocks 66053021, bfree 60157326, bavail 20702033, bsize 4096.
    const used = (66053021 - 60157326) * 4096;
    const avail = 20702033 * 4096;
    expect(p.volumes.local).toEqual([
      {
        mountpoint: '/',
        device: '/dev/vda',
        fstype: 'ext4',
        total_gb: Math.round(((66053021 * 4096) / GB) * 1000) / 1000,
        used_gb: Math.round((used / GB) * 1000) / 1000,
        free_gb: Math.round((avail / GB) * 1000) / 1000,
        pct: Math.round((used / (used + avail)) * 1000) / 10,
        inodes_pct: Math.round(((16777216 - 16337554) / 16777216) * 1000) / 10,
        stale: false,
        error: null,
      },
    ]);
    expect(p.volumes.network).toEqual([]);
    expect(p.volumes.root_pct).toBe(p.volumes.local[0]!.pct);
  });

  it('lists whole disks only, with null rates on the first sample and real ones after', async () => {
    const t = setup();
    const first = await collect(t);
    expect(Object.keys(first.io)).toEqual(['vda']);
    expect(first.io.vda).toEqual({ read_mbps: null, write_mbps: null, read_iops: null, write_iops: null, util_pct: null, in_flight: 0 });

    // vda + 2 s: 2048 sectors (1 MiB) read in 40 reads, 8192 sectors written in 10 writes, 500 ms busy.
    t.fs.overrides.set(
      t.fs.proc('diskstats'),
      ' 254 0 vda 13752 5072 855282 6065 1737 19344 1017080 2073 2 2812 8582 3241 19 40368 441 3 1\n',
    );
    t.clock.advance(2000);
    const second = await collect(t);
    expect(second.io.vda).toEqual({ read_mbps: 0.5, write_mbps: 2, read_iops: 20, write_iops: 5, util_pct: 25, in_flight: 2 });
  });

  it('a counter that goes backwards (device re-plugged) gives null, never a negative rate', async () => {
    const t = setup();
    await collect(t);
    t.fs.overrides.set(t.fs.proc('diskstats'), ' 254 0 vda 10 0 80 1 5 0 40 1 0 2 3\n');
    t.clock.advance(5000);
    const p = await collect(t);
    expect(p.io.vda).toMatchObject({ read_mbps: null, write_mbps: null, read_iops: null, write_iops: null, util_pct: null });
    t.fs.overrides.set(t.fs.proc('diskstats'), ' 254 0 vda 20 0 2128 1 5 0 40 1 0 1002 3\n');
    t.clock.advance(1000);
    expect((await collect(t)).io.vda).toMatchObject({ read_mbps: 1, read_iops: 10, write_iops: 0, util_pct: 100 });
  });

  it('PSI io from /proc/pressure/io, and the reason when the kernel has none', async () => {
    const p = await collect(setup());
    expect(p.pressure?.io.some).toMatchObject({ avg10: expect.any(Number), total_s: expect.any(Number) });
    expect(p.pressure_reason).toBeNull();
    const none = await collect(setup({ 'pressure/io': null }));
    expect(none.pressure).toBeNull();
    expect(none.pressure_reason).toMatch(/kernel without PSI/);
  });

  it('every declared metric finds a number (second sample)', async () => {
    const t = setup();
    await collect(t);
    t.clock.advance(1000);
    const p = await collect(t);
    for (const m of diskMonitor.metrics) expect(extractMetric(p, m.path).length, m.name).toBeGreaterThan(0);
  });
});

describe('disk_monitor: garbage and absence', () => {
  it('garbled /proc/diskstats costs the I/O figures only, with the file and line in the reason', async () => {
    const p = await collect(setup({ diskstats: ' 254 0 vda 1 2 x 4 5 6 7 8 9 10 11\n' }));
    expect(p.io).toEqual({});
    expect(p.io_reason).toBe('/proc/diskstats:1: "x" is not a counter'.replace('/proc', roots.procRoot));
    expect(p.volumes.local).toHaveLength(1);
  });

  it('garbled mountinfo fails the collector with a clear ParseError', async () => {
    await expect(collect(setup({ 'self/mountinfo': '26 1 254:0 / / rw ext4 /dev/vda rw\n' }))).rejects.toThrow(
      /mountinfo:1: no "-" separator/,
    );
  });

  it('no mountinfo at all (not Linux) is "no data", not a failure', async () => {
    const t = makeCollectorContext<DiskState>(fixtureHost('no-such-host'), { name: 'disk_monitor' });
    expect(await diskMonitor.collect(t.ctx)).toMatchObject({ available: false, reason: /mountinfo absent/ });
  });

  it('a malformed statfs.json is named in the error', async () => {
    await expect(collect(setup({ 'self/statfs.json': '{"/": {"bsize": -1}}' }))).rejects.toThrow(/statfs\.json:1: \/: "type"/);
  });
});

// A desktop's mount table: escaped names, a bind mount, an over-mount, network and FUSE mounts.
const DESKTOP = `21 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
22 21 0:21 / /proc rw - proc proc rw
23 21 0:22 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,size=1638400k
24 21 259:1 / /boot/efi rw,relatime shared:6 - vfat /dev/nvme0n1p1 rw
25 21 259:2 /srv/data /data rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
26 21 8:17 / /media/u/My\\040Disk rw,nosuid shared:7 - exfat /dev/sdb1 rw
27 21 0:50 / /mnt/nas rw,relatime shared:8 - nfs4 nas:/export/media rw,vers=4.2
28 21 0:51 / /mnt/nas2 rw,relatime shared:9 - nfs4 nas:/export/backup rw,vers=4.2
29 21 0:60 / /home/u/remote rw,nosuid shared:10 - fuse.sshfs u@host:/srv rw
30 21 7:3 / /snap/core/1 ro shared:11 - squashfs /dev/loop3 ro
31 21 0:70 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw,lowerdir=/x
32 21 0:80 / /run/user/1000/doc rw - fuse.portal portal rw
33 21 0:90 / /mnt/scratch rw - xfs /dev/sdc rw
34 21 0:91 / /mnt/scratch rw - ext4 /dev/sdd rw
35 27 0:95 / /mnt/nas/cache rw - ext4 /dev/sde rw
`;
const DESKTOP_STATFS = JSON.stringify({
  '/': figures(1000, 400, 300),
  '/boot/efi': figures(100, 90, 90, 512),
  '/data': figures(1000, 400, 300),
  '/media/u/My Disk': figures(2000, 1000, 1000),
  '/mnt/nas': figures(4000, 1000, 1000),
  '/mnt/nas2': { error: 'timeout' },
  '/home/u/remote': { error: 'EACCES' },
  '/mnt/scratch': figures(10, 5, 5),
  '/mnt/nas/cache': figures(10, 5, 5),
  '/run': figures(10, 10, 10),
});

describe('disk_monitor: which mounts are volumes', () => {
  it('splits local and network, dedupes binds and over-mounts, filters pseudo, snaps and overlays', async () => {
    const t = setup({ 'self/mountinfo': DESKTOP, 'self/statfs.json': DESKTOP_STATFS });
    const p = await collect(t);
    expect(p.volumes.local.map((v) => v.mountpoint)).toEqual(['/', '/boot/efi', '/media/u/My Disk', '/mnt/scratch', '/mnt/nas/cache']);
    expect(p.volumes.network.map((v) => v.mountpoint)).toEqual(['/mnt/nas', '/mnt/nas2', '/home/u/remote']);
    // The over-mounted /mnt/scratch is the top (ext4) one; the bind mount /data is dropped.
    expect(p.volumes.local[3]).toMatchObject({ fstype: 'ext4', device: '/dev/sdd' });
    expect(p.volumes.network[0]).toMatchObject({ device: 'nas:/export/media', pct: 75, stale: false });
  });

  it('a mount that hangs is stale with null figures, one that refuses has its error, neither fails the tick', async () => {
    const p = await collect(setup({ 'self/mountinfo': DESKTOP, 'self/statfs.json': DESKTOP_STATFS }));
    const [, nas2, remote] = p.volumes.network;
    expect(nas2).toMatchObject({ stale: true, total_gb: null, pct: null, error: expect.stringMatching(/did not answer within 1500 ms/) });
    expect(remote).toMatchObject({ stale: false, total_gb: null, error: 'statfs: EACCES (captured in ' + roots.procRoot + '/self/statfs.json)' });
  });

  it('honours include_tmpfs, exclude_fstypes and exclude_mountpoints', async () => {
    const t = setup({ 'self/mountinfo': DESKTOP, 'self/statfs.json': DESKTOP_STATFS });
    Object.assign(t.ctx.config.disk, { include_tmpfs: true, exclude_fstypes: ['vfat'], exclude_mountpoints: ['/media/*', '/mnt/nas*'] });
    const p = await collect(t);
    expect(p.volumes.local.map((v) => v.mountpoint)).toEqual(['/', '/run', '/mnt/scratch']);
    expect(p.volumes.network.map((v) => v.mountpoint)).toEqual(['/home/u/remote']);
  });

  it('a stale mount keeps its last figures, is not asked during back-off, and recovers', async () => {
    const answers: Record<string, unknown> = { '/': figures(1000, 400, 300), '/mnt/nas': figures(4000, 1000, 1000) };
    const mountinfo = `${DESKTOP.split('\n')[0]}\n${DESKTOP.split('\n')[6]}\n`;
    const t = setup({ 'self/mountinfo': mountinfo, 'self/statfs.json': JSON.stringify(answers) });
    expect((await collect(t)).volumes.network[0]).toMatchObject({ pct: 75, stale: false });

    // The server dies: statfs times out. A fresh source reads the new answers.
    t.fs.overrides.set(t.fs.proc('self/statfs.json'), JSON.stringify({ ...answers, '/mnt/nas': { error: 'timeout' } }));
    t.ctx.state.statfs = undefined;
    t.clock.advance(5000);
    const stale = (await collect(t)).volumes.network[0]!;
    expect(stale).toMatchObject({ pct: 75, total_gb: expect.any(Number), stale: true, error: expect.stringMatching(/next try in 30 s/) });

    // The server is back, but within the back-off the mount is not asked: still stale.
    t.fs.overrides.set(t.fs.proc('self/statfs.json'), JSON.stringify({ ...answers, '/mnt/nas': figures(4000, 2000, 2000) }));
    t.ctx.state.statfs = undefined;
    t.clock.advance(5000);
    expect((await collect(t)).volumes.network[0]).toMatchObject({ pct: 75, stale: true });
    t.clock.advance(RETRY_BASE_MS);
    expect((await collect(t)).volumes.network[0]).toMatchObject({ pct: 50, stale: false, error: null });
  });
});

describe('isWholeDisk', () => {
  it.each([
    ['sda', true], ['sda1', false], ['sdaa', true], ['sdaa12', false], ['vda', true], ['vda2', false], ['xvdb', true],
    ['nvme0n1', true], ['nvme0n1p1', false], ['nvme0c0n1', false], ['mmcblk0', true], ['mmcblk0p2', false],
    ['mmcblk0boot0', false], ['loop0', false], ['ram15', false], ['zram0', false], ['dm-0', false], ['md127', false],
    ['sr0', false], ['fd0', false], ['nbd0', true], ['rbd0', true],
  ])('%s → %s', (name, whole) => {
    expect(isWholeDisk(name)).toBe(whole);
  });
});
