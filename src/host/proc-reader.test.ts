import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeptFiles, ProcReader } from './proc-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ProcReader', () => {
  it('reads small and big files whole, reusing and growing its buffer', () => {
    const r = new ProcReader();
    const big = 'x'.repeat(100_000);
    writeFileSync(join(dir, 'big'), big);
    writeFileSync(join(dir, 'small'), 'hello\n');
    expect(r.read(join(dir, 'small'), 1 << 20)).toBe('hello\n');
    expect(r.read(join(dir, 'big'), 1 << 20)).toBe(big);
    expect(r.read(join(dir, 'small'), 1 << 20)).toBe('hello\n');
  });

  it('stops at max bytes; UTF-8 is decoded; a missing file throws ENOENT', () => {
    const r = new ProcReader();
    writeFileSync(join(dir, 'long'), 'y'.repeat(40_000));
    expect(r.read(join(dir, 'long'), 20_000)).toHaveLength(20_000);
    writeFileSync(join(dir, 'utf8'), 'Wéb Çontent');
    expect(r.read(join(dir, 'utf8'), 100)).toBe('Wéb Çontent');
    expect(() => r.read(join(dir, 'nope'), 100)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it.runIf(process.platform === 'linux')('reads procfs files that report size 0', () => {
    expect(new ProcReader().read('/proc/self/stat', 1 << 16)).toMatch(/^\d+ \(/);
  });

  it.runIf(process.platform === 'linux')('a kept procfs file re-read at offset 0 shows fresh values', () => {
    const kept = new KeptFiles(new ProcReader(), 10);
    const cpuTicks = () => {
      const f = kept.read('/proc/self/stat', 1 << 16).split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    const before = cpuTicks();
    expect(kept.size).toBe(1);
    const start = performance.now();
    let x = 0;
    while (performance.now() - start < 300) x += Math.sqrt(x + 1);
    expect(cpuTicks()).toBeGreaterThan(before);
    expect(kept.size).toBe(1);
    kept.closeAll();
    expect(kept.size).toBe(0);
  });

  it.runIf(process.platform === 'linux')('a kept file of a process that exited reads ESRCH: closed, the path re-opened (ENOENT)', async () => {
    const kept = new KeptFiles(new ProcReader(), 10);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const path = `/proc/${child.pid}/stat`;
    expect(kept.read(path, 1 << 16)).toMatch(/\(sleep\)/);
    expect(kept.size).toBe(1);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    expect(() => kept.read(path, 1 << 16)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(kept.size).toBe(0);
  });
});
