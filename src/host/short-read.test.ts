import { closeSync, openSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeptFiles, ProcReader } from './proc-reader.js';

/** read() syscalls made by this thread so far (the kernel's own count). */
const syscr = () => Number(/^syscr: (\d+)$/m.exec(readFileSync('/proc/thread-self/io', 'utf8'))![1]);

describe('reading a single_open procfs file in one syscall', () => {
  it('shortReadEnds: one read per pass instead of two (the second only finds EOF), same text', () => {
    const reader = new ProcReader();
    const fd = openSync('/proc/self/stat', 'r');
    try {
      const passes = 100;
      const count = (shortReadEnds: boolean) => {
        const overhead = (() => {
          const a = syscr();
          return syscr() - a; // what one syscr() reading costs in reads
        })();
        const before = syscr();
        for (let i = 0; i < passes; i++) reader.readFd(fd, 64 * 1024, false, shortReadEnds);
        return syscr() - before - overhead;
      };
      expect(count(true)).toBe(passes);
      expect(count(false)).toBe(2 * passes);
      const text = reader.readFd(fd, 64 * 1024, false, true);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split(' ')[0]).toBe(String(process.pid));
    } finally {
      closeSync(fd);
    }
  });

  it('KeptFiles built for single_open files reads /proc/<pid>/stat through one kept descriptor', () => {
    const kept = new KeptFiles(new ProcReader(), 8, true);
    const a = kept.read('/proc/self/stat', 64 * 1024);
    const before = syscr();
    const b = kept.read('/proc/self/stat', 64 * 1024);
    const reads = syscr() - before;
    expect(kept.size).toBe(1);
    expect(b.split(' ')[0]).toBe(a.split(' ')[0]);
    // one pread, plus whatever one syscr() costs
    expect(reads).toBeLessThanOrEqual(1 + 2);
    kept.closeAll();
  });
});
