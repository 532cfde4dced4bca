import type { HostFs } from '../host/hostfs.js';
import { captureStatfsAnswers, LiveStatfs, type StatfsFigures, type StatfsOutcome } from '../host/statfs.js';
import { type MountInfo, parseMountinfo } from '../parsers/proc-mountinfo.js';
import { BYTES_PER_GB, clampPct, round } from '../shared/units.js';

/**
 * Which mounts are volumes, local or network, and how their statfs answers become payload
 * entries (with the stale/back-off bookkeeping for mounts that hang). Pure functions, except
 * the health map the collector keeps between ticks.
 */

export interface Volume {
  mountpoint: string;
  /** The mount source: `/dev/nvme0n1p2`, `nas:/export`, `//host/share` … */
  device: string;
  fstype: string;
  total_gb: number | null;
  /** blocks − bfree, as `df` "Used". */
  used_gb: number | null;
  /** bavail: what an unprivileged user may still write (the root reserve excluded), as `df` "Avail". */
  free_gb: number | null;
  /** used / (used + avail), rounded as `df` "Use%" is (but to 0.1, not up to an integer). */
  pct: number | null;
  /** Inodes in use; null where the filesystem does not count them (btrfs, many FUSE). */
  inodes_pct: number | null;
  /** statfs did not answer in time (or is in back-off): the figures are the last known, or null. */
  stale: boolean;
  /** Why figures are stale or missing; null when fresh. */
  error: string | null;
}

/** Kernel and virtual filesystems that are never volumes. */
const PSEUDO_FSTYPES = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs',
  'bpf', 'pstore', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'nsfs',
  'rpc_pipefs', 'nfsd', 'efivarfs', 'selinuxfs', 'smackfs', 'apparmorfs', 'rootfs', 'ramfs',
  'usbfs', 'xenfs', 'overlayfs_lower', 'squashfs', 'erofs', 'fuse.gvfsd-fuse', 'fuse.portal',
  'fuse.lxcfs', 'fuse.snapfuse', 'fuse.squashfuse', 'fuse.squashfuse_ll', 'fuse.xdg-document-portal',
]);
/** Filesystems whose data lives on another machine (or the VM host). */
const NETWORK_FSTYPES = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ncpfs', 'afs', 'coda', '9p', 'virtiofs', 'ceph', 'glusterfs',
  'lustre', 'gpfs', 'beegfs', 'orangefs', 'pvfs2', 'davfs', 'fuse.sshfs', 'sshfs', 'fuse.rclone',
  'fuse.s3fs', 'fuse.gcsfuse', 'fuse.glusterfs', 'fuse.ceph-fuse', 'fuse.cephfs', 'fuse.juicefs',
  'fuse.davfs2', 'fuse.curlftpfs', 'fuse.smbnetfs', 'fuse.goofys', 'fuse.blobfuse', 'fuse.blobfuse2',
  'fuse.mfs', 'fuse.lizardfs', 'fuse.seaweedfs', 'fuse.cvmfs',
]);
/** In-kernel filesystems whose statfs reads in-memory counters: safe on the threadpool. */
const KERNEL_LOCAL_FSTYPES = new Set([
  'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'vfat', 'msdos', 'exfat', 'ntfs3', 'hfs', 'hfsplus',
  'jfs', 'reiserfs', 'nilfs2', 'bcachefs', 'zfs', 'iso9660', 'udf', 'tmpfs', 'overlay', 'minix', 'ufs',
]);

export type MountKind = 'pseudo' | 'local' | 'network';

export function classifyMount(m: Pick<MountInfo, 'fstype' | 'source' | 'mountpoint'>): MountKind {
  if (PSEUDO_FSTYPES.has(m.fstype)) return 'pseudo';
  // Overlay outside `/` is a container's merged view of a disk already listed; at `/` it is the
  // root of the container we run in.
  if (m.fstype === 'overlay' && m.mountpoint !== '/') return 'pseudo';
  if (m.mountpoint.includes('/.zfs/snapshot/')) return 'pseudo';
  if (NETWORK_FSTYPES.has(m.fstype)) return 'network';
  // An unlisted FUSE type mounting `host:/path`, `user@host:` or `//host/share` is remote too.
  if (m.fstype.startsWith('fuse') && /^(\/\/[^/]|[^/\s]+:)/.test(m.source)) return 'network';
  return 'local';
}

export interface VolumeFilter {
  includeTmpfs: boolean;
  excludeFstypes: string[];
  excludeMountpoints: string[];
}

export interface VolumeCandidate {
  mount: MountInfo;
  kind: 'local' | 'network';
  /** statfs may hang: ask it only off the threadpool (see host/statfs.ts). */
  isolate: boolean;
}

/** `*` = any run of characters (slashes included); everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * The volumes among the mounts, in mountinfo order:
 *  - pseudo filesystems out; tmpfs only when `includeTmpfs`; the configured types and patterns out;
 *  - a mount point mounted over keeps only its top mount (the one statfs sees);
 *  - one filesystem mounted twice (same major:minor — a bind mount, or `/run/netns` from the
 *    root disk) keeps the shortest mount point, as `df` does. btrfs subvolumes and network
 *    exports share a device number but are different trees a user mounted on purpose, so for
 *    them the mounted root is part of the key.
 */
export function selectVolumes(mounts: MountInfo[], filter: VolumeFilter): VolumeCandidate[] {
  const excludedMp = filter.excludeMountpoints.map(globToRegExp);
  const excludedFs = new Set(filter.excludeFstypes);
  const isolate = isolator(mounts);
  const top = new Map<string, MountInfo>();
  for (const m of mounts) {
    top.delete(m.mountpoint); // re-insert: a later mount over the same point wins, in its place
    top.set(m.mountpoint, m);
  }
  const byDevice = new Map<string, VolumeCandidate>();
  for (const m of top.values()) {
    const kind = classifyMount(m);
    if (kind === 'pseudo' || excludedFs.has(m.fstype)) continue;
    if (m.fstype === 'tmpfs' && !filter.includeTmpfs) continue;
    if (excludedMp.some((re) => re.test(m.mountpoint))) continue;
    const key = kind === 'network' || m.fstype === 'btrfs' ? `${m.major}:${m.minor}:${m.root}` : `${m.major}:${m.minor}`;
    const seen = byDevice.get(key);
    if (seen && seen.mount.mountpoint.length <= m.mountpoint.length) continue;
    byDevice.set(key, { mount: m, kind, isolate: isolate(m) });
  }
  const order = new Map(mounts.map((m, i) => [m, i]));
  return [...byDevice.values()].sort((a, b) => order.get(a.mount)! - order.get(b.mount)!);
}

/** Every mount a fixture capture should ask statfs of: all but pseudo filesystems. */
export function statfsCandidates(mounts: MountInfo[]): Array<{ mountpoint: string; isolate: boolean }> {
  const isolate = isolator(mounts);
  return mounts
    .filter((m) => classifyMount(m) !== 'pseudo')
    .map((m) => ({ mountpoint: m.mountpoint, isolate: isolate(m) }));
}

/**
 * A mount whose statfs may block: network, FUSE or a type we do not know — or any mount below
 * one (reaching the mount point walks the path through the hung filesystem first).
 */
function isolator(mounts: MountInfo[]): (m: MountInfo) => boolean {
  const byId = new Map(mounts.map((x) => [x.mount_id, x]));
  const risky = (x: MountInfo) => {
    const kind = classifyMount(x);
    return kind === 'network' || (kind === 'local' && !KERNEL_LOCAL_FSTYPES.has(x.fstype));
  };
  return (m) => {
    const seen = new Set<number>();
    for (let cur: MountInfo | undefined = m; cur && !seen.has(cur.mount_id); cur = byId.get(cur.parent_id)) {
      seen.add(cur.mount_id);
      if (risky(cur)) return true;
    }
    return false;
  };
}

/** What the collector remembers about one mount point between ticks. */
export interface MountHealth {
  last: StatfsFigures | null;
  stale: boolean;
  /** Consecutive timeouts. */
  failures: number;
  /** Monotonic ms before which the mount is not asked again. */
  retryAtMs: number;
  reason: string | null;
}

export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 300_000;

/** Whether to ask statfs of this mount now (false while it is in back-off after a timeout). */
export function due(h: MountHealth | undefined, nowMs: number): boolean {
  return !h || nowMs >= h.retryAtMs;
}

/** Fold one statfs outcome into the mount's health; returns the updated record. */
export function recordOutcome(h: MountHealth | undefined, o: StatfsOutcome, nowMs: number): MountHealth {
  const prev = h ?? { last: null, stale: false, failures: 0, retryAtMs: 0, reason: null };
  switch (o.status) {
    case 'ok':
      return { last: o.figures, stale: false, failures: 0, retryAtMs: 0, reason: null };
    case 'error':
      // It answered: not stale, just without figures (EACCES on another user's FUSE mount …).
      return { last: null, stale: false, failures: 0, retryAtMs: 0, reason: `statfs: ${o.message}` };
    case 'timeout': {
      const failures = prev.failures + 1;
      const wait = Math.min(RETRY_BASE_MS * 2 ** (failures - 1), RETRY_MAX_MS);
      const reason = `statfs did not answer within ${o.after_ms} ms (hung mount?); next try in ${wait / 1000} s`;
      return { last: prev.last, stale: true, failures, retryAtMs: nowMs + wait, reason };
    }
    case 'unavailable':
      // Not asked (every statfs worker busy or stuck): stale, but no back-off of its own — ask again next tick.
      return { ...prev, stale: true, reason: o.message };
  }
}

/** The payload entry for a mount, from its health after this tick. */
export function toVolume(m: MountInfo, h: MountHealth): Volume {
  const f = h.last;
  const used = f ? f.blocks - f.bfree : 0;
  const usable = f ? used + f.bavail : 0;
  const gb = (blocks: number) => (f ? round((blocks * f.bsize) / BYTES_PER_GB, 3) : null);
  return {
    mountpoint: m.mountpoint,
    device: m.source,
    fstype: m.fstype,
    total_gb: f ? gb(f.blocks) : null,
    used_gb: f ? gb(used) : null,
    free_gb: f ? gb(f.bavail) : null,
    pct: f && usable > 0 ? round(clampPct((used / usable) * 100), 1) : null,
    inodes_pct: f && f.files > 0 ? round(clampPct(((f.files - f.ffree) / f.files) * 100), 1) : null,
    stale: h.stale,
    error: h.reason,
  };
}

/**
 * capture-fixture: the `proc/self/statfs.json` to store beside a captured mount table — the
 * source tree's own file when it is itself a fixture, else live answers for every non-pseudo
 * mount in it (a hung mount is stored as `{"error": "timeout"}`). Null without a mount table.
 */
export async function captureStatfsJson(fs: HostFs, capturedMountinfo: string): Promise<string | null> {
  const existing = await fs.tryRead(fs.proc('self/statfs.json'));
  if (existing !== null) return existing;
  const text = await fs.tryRead(capturedMountinfo);
  if (text === null) return null;
  const source = new LiveStatfs(fs.roots.rootfs);
  try {
    return await captureStatfsAnswers(source, statfsCandidates(parseMountinfo(text, capturedMountinfo)), 1500);
  } finally {
    await source.close();
  }
}
