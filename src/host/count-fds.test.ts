import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFds, isProcfs } from './proc-reader.js';

describe('countFds', () => {
  it('on this kernel: follows descriptors the test opens and closes, and agrees with a listing', () => {
    const real = isProcfs('/proc');
    expect(real).toBe(true);
    const before = countFds('/proc/self/fd', real, 1);
    const fds = Array.from({ length: 50 }, () => openSync('/proc/self/stat', 'r'));
    const during = countFds('/proc/self/fd', real, 1);
    for (const fd of fds) closeSync(fd);
    const after = countFds('/proc/self/fd', real, 1);
    expect(during - before).toBe(50);
    expect(after).toBe(before);
    // The listing holds one descriptor of its own while it runs.
    expect(Math.abs(readdirSync('/proc/self/fd').length - 1 - after)).toBeLessThanOrEqual(1);
  });

  it('a fixture tree (not procfs) is listed: entries minus the ones the listing holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-fds-'));
    try {
      const fd = join(dir, '1234', 'fd');
      mkdirSync(fd, { recursive: true });
      for (const n of ['0', '1', '2']) writeFileSync(join(fd, n), '');
      expect(isProcfs(dir)).toBe(false);
      expect(countFds(fd, false)).toBe(3);
      expect(countFds(fd, false, 1)).toBe(2);
      expect(() => countFds(join(dir, '999', 'fd'), false)).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
