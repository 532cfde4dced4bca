import { parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/<pid>/mountinfo (proc(5), Documentation/filesystems/proc.rst "3.5 /proc/<pid>/mountinfo")
 * → one entry per mount, in file order (parents before children, later mounts later):
 *
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2) (3)   (4)   (5)         (6)       (7)     (8) (9)   (10)      (11)
 *
 * (7) is zero or more optional `tag[:value]` fields, ended by the lone `-` of (8). The kernel
 * escapes space, tab, newline and backslash in root, mount point, type and source as octal
 * (`\040`, `\011`, `\012`, `\134`); they are unescaped here, so `/mnt/My\040Disk` is `/mnt/My Disk`.
 *
 * Rule for bad input: blank lines are skipped. A line without the `-` separator after at least
 * six fields, without a type and source after it, or whose ids or `major:minor` are not numbers
 * throws a ParseError naming the file and line: the kernel never writes such a line, so the
 * text is not a mountinfo file and no volume list read from it could be trusted. A file with no
 * mount at all throws too (every mount namespace has a root).
 */
export interface MountInfo {
  mount_id: number;
  parent_id: number;
  /** st_dev of the filesystem: the same pair on two lines means one filesystem mounted twice. */
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted here (`/` unless a bind mount or subvolume). */
  root: string;
  mountpoint: string;
  /** Per-mount options (rw, nosuid, relatime …). */
  options: string[];
  /** Optional fields such as `shared:1`, `master:2`, `propagate_from:3`, `unbindable`. */
  optional: string[];
  /** `ext4`, `nfs4`, `fuse.sshfs` (FUSE types carry their subtype after the dot). */
  fstype: string;
  /** What was mounted: `/dev/vda`, `server:/export`, `//host/share`, `tmpfs`, `none` … */
  source: string;
  /** Per-superblock options. */
  super_options: string[];
}

const MIN_FIELDS_BEFORE_SEPARATOR = 6;

/** Undo the kernel's octal escaping (`\040` → space); other text is left as it is. */
export function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountinfo(text: string, file = '/proc/self/mountinfo'): MountInfo[] {
  const mounts: MountInfo[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '') return;
    const sep = fields.indexOf('-', MIN_FIELDS_BEFORE_SEPARATOR);
    if (sep < 0) {
      throw new ParseError(
        file,
        line,
        fields.length < MIN_FIELDS_BEFORE_SEPARATOR
          ? `${fields.length} fields, a mount line has at least ${MIN_FIELDS_BEFORE_SEPARATOR} before "-"`
          : 'no "-" separator before the filesystem type',
      );
    }
    if (fields.length < sep + 3) throw new ParseError(file, line, 'filesystem type or source missing after "-"');
    const mountId = parseUint(fields[0]);
    const parentId = parseUint(fields[1]);
    if (mountId === null || parentId === null) {
      throw new ParseError(file, line, `mount ids "${fields[0]}" "${fields[1]}" are not numbers`);
    }
    const dev = /^(\d+):(\d+)$/.exec(fields[2]!);
    const major = parseUint(dev?.[1]);
    const minor = parseUint(dev?.[2]);
    if (major === null || minor === null) throw new ParseError(file, line, `"${fields[2]}" is not major:minor`);
    mounts.push({
      mount_id: mountId,
      parent_id: parentId,
      major,
      minor,
      root: unescapeMountField(fields[3]!),
      mountpoint: unescapeMountField(fields[4]!),
      options: fields[5]!.split(','),
      optional: fields.slice(MIN_FIELDS_BEFORE_SEPARATOR, sep),
      fstype: unescapeMountField(fields[sep + 1]!),
      source: unescapeMountField(fields[sep + 2]!),
      super_options: fields[sep + 3]?.split(',') ?? [],
    });
  });
  if (mounts.length === 0) {
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : 'no mount lines');
  }
  return mounts;
}
