import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseMountinfo, unescapeMountField } from './proc-mountinfo.js';

// Real lines: this Debian 12 VM (kernel 6.18), plus an Ubuntu desktop's NFS, sshfs and snap lines.
const DEBIAN_VM = `21 26 0:20 / /proc rw,relatime - proc proc rw
26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
41 26 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard,resv_strict
`;

describe('parseMountinfo: valid', () => {
  it('reads every field of a plain line', () => {
    const [proc, root, bind] = parseMountinfo(DEBIAN_VM);
    expect(proc).toEqual({
      mount_id: 21,
      parent_id: 26,
      major: 0,
      minor: 20,
      root: '/',
      mountpoint: '/proc',
      options: ['rw', 'relatime'],
      optional: [],
      fstype: 'proc',
      source: 'proc',
      super_options: ['rw'],
    });
    expect(root).toMatchObject({ major: 254, minor: 0, mountpoint: '/', fstype: 'ext4', source: '/dev/vda' });
    expect(bind).toMatchObject({ root: '/run/netns', mountpoint: '/run/netns', optional: ['shared:1'] });
  });

  it.each([
    {
      name: 'escaped space, tab, newline and backslash in mount point and source',
      line: '90 26 8:17 / /media/My\\040Disk\\011x\\012y\\134z rw - vfat /dev/sdb1\\040(usb) rw',
      want: { mountpoint: '/media/My Disk\tx\ny\\z', source: '/dev/sdb1 (usb)' },
    },
    {
      name: 'several optional fields',
      line: '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 shared:7 propagate_from:2 - ext3 /dev/root rw,errors=continue',
      want: { optional: ['master:1', 'shared:7', 'propagate_from:2'], root: '/mnt1', fstype: 'ext3' },
    },
    {
      name: 'NFS export',
      line: '120 26 0:52 / /mnt/nas rw,relatime shared:60 - nfs4 nas.lan:/export/media rw,vers=4.2,rsize=1048576',
      want: { fstype: 'nfs4', source: 'nas.lan:/export/media', major: 0, minor: 52 },
    },
    {
      name: 'FUSE subtype',
      line: '130 26 0:60 / /home/u/remote rw,nosuid,nodev,relatime shared:70 - fuse.sshfs u@host:/srv rw,user_id=1000,group_id=1000',
      want: { fstype: 'fuse.sshfs', source: 'u@host:/srv' },
    },
    {
      name: 'no super options (very old kernels)',
      line: '15 1 8:1 / / rw - ext4 /dev/sda1',
      want: { super_options: [] },
    },
    {
      name: 'extra whitespace and CRLF-free trailing blanks',
      line: '  15  1 8:1 / / rw - ext4 /dev/sda1 rw   ',
      want: { mountpoint: '/', super_options: ['rw'] },
    },
  ])('$name', ({ line, want }) => {
    const mounts = parseMountinfo(`${line}\n`);
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatchObject(want);
  });

  it('skips blank lines and keeps file order', () => {
    const mounts = parseMountinfo(`\n${DEBIAN_VM}\n\n`);
    expect(mounts.map((m) => m.mount_id)).toEqual([21, 26, 41]);
  });

  it('unescapes only three-digit octal escapes', () => {
    expect(unescapeMountField('a\\040b\\0c\\x')).toBe('a b\\0c\\x');
  });
});

describe('parseMountinfo: malformed', () => {
  const F = '/proc/self/mountinfo';
  it.each([
    { name: 'empty', text: '', line: 1, msg: /empty/ },
    { name: 'only blank lines', text: '\n \n', line: 1, msg: /empty/ },
    { name: 'missing separator', text: '26 1 254:0 / / rw ext4 /dev/vda rw\n', line: 1, msg: /no "-" separator/ },
    { name: 'not enough fields', text: '26 1 254:0 /\n', line: 1, msg: /4 fields/ },
    { name: 'nothing after the separator', text: '26 1 254:0 / / rw -\n', line: 1, msg: /type or source missing/ },
    { name: 'type but no source', text: '26 1 254:0 / / rw - ext4\n', line: 1, msg: /type or source missing/ },
    { name: 'garbage id', text: `${DEBIAN_VM}x7 1 254:0 / / rw - ext4 /dev/vda rw\n`, line: 4, msg: /not numbers/ },
    { name: 'bad device number', text: '26 1 254-0 / / rw - ext4 /dev/vda rw\n', line: 1, msg: /not major:minor/ },
    { name: 'huge device number', text: '26 1 99999999999999999999:0 / / rw - ext4 /dev/vda rw\n', line: 1, msg: /not major:minor/ },
    { name: 'truncated mid-line', text: `${DEBIAN_VM}42 26 254:0 /srv /sr`, line: 4, msg: /5 fields/ },
  ])('$name', ({ text, line, msg }) => {
    expectParseError(() => parseMountinfo(text, F), F, line, msg);
  });
});
