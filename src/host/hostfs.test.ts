import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostFs } from './hostfs.js';

const onLinux = process.platform === 'linux';
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

function utimeTicks(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[11]);
}

describe('HostFs reads', () => {
  it.runIf(onLinux)('keeps a global procfs file open and still reads it fresh every time', async () => {
    const fs = new HostFs();
    cleanup.push(() => fs.closeKept());
    const first = await fs.read('/proc/self/stat');
    expect(fs.keptFiles).toBe(1);
    // Burn CPU until the kernel's tick count for us moves (10 ms granularity).
    const before = utimeTicks(first);
    let now = before;
    const deadline = Date.now() + 5000;
    while (now === before && Date.now() < deadline) {
      let x = 0;
      for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
      if (x < 0) break;
      now = utimeTicks(await fs.read('/proc/self/stat'));
    }
    expect(now).toBeGreaterThan(before);
    expect(fs.keptFiles).toBe(1);
  });

  it.runIf(onLinux)('does not keep /proc/<pid>/ files (they would outlive their process) nor absent ones', async () => {
    const fs = new HostFs();
    cleanup.push(() => fs.closeKept());
    expect(await fs.read(`/proc/${process.pid}/stat`)).toMatch(/^\d+ \(/);
    expect(await fs.tryRead('/proc/no-such-file')).toBeNull();
    await expect(fs.read('/proc/no-such-file')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(fs.keptFiles).toBe(0);
  });

  it('reads plain directories (fixture trees) afresh, so a file replaced on disk is seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostfs-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const fs = new HostFs({ procRoot: dir, sysRoot: dir, rootfs: dir });
    writeFileSync(join(dir, 'stat'), 'one\n');
    expect(await fs.read(fs.proc('stat'))).toBe('one\n');
    writeFileSync(join(dir, 'stat.next'), 'two\n');
    renameSync(join(dir, 'stat.next'), join(dir, 'stat'));
    expect(await fs.read(fs.proc('stat'))).toBe('two\n');
    expect(fs.keptFiles).toBe(0);
  });
});
