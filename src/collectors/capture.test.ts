import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureHost } from '../../test/helpers/collector-context.js';
import { captureFixture } from './capture.js';

const source = fixtureHost('debian12-vm-2c');
let dest: string | undefined;
afterEach(async () => {
  if (dest) await rm(dest, { recursive: true, force: true });
});

describe('captureFixture', () => {
  it('copies the collectors’ files under {proc,sys,rootfs} and describes the host', async () => {
    dest = await mkdtemp(join(tmpdir(), 'headroom-capture-'));
    const when = new Date('2026-02-03T04:05:06Z');
    const result = await captureFixture(dest, source, when);

    for (const rel of ['proc/stat', 'proc/meminfo', 'proc/pressure/cpu', 'sys/devices/system/cpu/cpu1/topology/core_id', 'rootfs/etc/os-release']) {
      expect(result.captured).toContain(rel);
      const [tree, ...rest] = rel.split('/');
      const root = tree === 'proc' ? source.procRoot : tree === 'sys' ? source.sysRoot : source.rootfs;
      expect(await readFile(join(dest, rel), 'utf8')).toBe(await readFile(join(root, ...rest), 'utf8'));
    }
    // What the machine lacks is recorded, a missing directory once rather than file by file.
    expect(result.absent).toContain('proc/pressure/irq (ENOENT)');
    expect(result.absent).toContain('sys/devices/system/cpu/cpu0/cpufreq/ (no directory)');
    expect(result.absent.some((a) => a.includes('scaling_cur_freq'))).toBe(false);

    const md = await readFile(join(dest, 'HOST.md'), 'utf8');
    expect(md).toContain('- kernel: 6.18.44-fc-v782');
    expect(md).toContain('- distro: Debian GNU/Linux 12 (bookworm)');
    expect(md).toContain('- arch: x86_64');
    expect(md).toContain('- captured: 2026-02-03T04:05:06.000Z');
    expect(md).toContain('- proc/stat\n');
  });
});
