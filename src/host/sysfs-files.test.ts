import { describe, expect, it } from 'vitest';
import { errnoError, fixtureHost } from '../../test/helpers/collector-context.js';
import { HostFs } from './hostfs.js';
import { AdaptiveReads, errnoPhrase, readFileSet, SLOW_READ_MS } from './sysfs-files.js';

/** A HostFs serving names from a table; `slow` names block the thread on a sync read. */
class TableFs extends HostFs {
  readonly sync: string[] = [];
  readonly pool: string[] = [];
  constructor(
    private readonly table: Record<string, string | Error>,
    private readonly slow = new Set<string>(),
  ) {
    super(fixtureHost('debian12-vm-2c'));
  }
  private answer(path: string): string {
    const name = path.split('/').pop()!;
    const v = this.table[name];
    if (v === undefined) throw errnoError('ENOENT', path);
    if (v instanceof Error) throw v;
    return v;
  }
  override async read(path: string): Promise<string> {
    this.sync.push(path);
    if (this.slow.has(path.split('/').pop()!)) {
      const end = performance.now() + SLOW_READ_MS * 4;
      while (performance.now() < end) {
        // a driver holding the thread (an EC, SMM)
      }
    }
    return this.answer(path);
  }
  override async readAsync(path: string): Promise<string> {
    this.pool.push(path);
    return this.answer(path);
  }
}

describe('readFileSet', () => {
  it('reads what exists, says why the others failed, and treats ENOENT as absent', async () => {
    const fs = new TableFs({ name: 'nvme\n', temp1_input: '41850\n', energy_uj: errnoError('EACCES', 'energy_uj'), temp2_input: errnoError('ENODATA', 'x') });
    const set = await readFileSet(fs, '/d', ['name', 'temp1_input', 'energy_uj', 'temp2_input', 'temp3_input']);
    expect(set).toEqual({ files: { name: 'nvme\n', temp1_input: '41850\n' }, errors: { energy_uj: 'EACCES', temp2_input: 'ENODATA' } });
    expect(fs.pool).toEqual([]);
    await readFileSet(fs, '/d', ['name'], { async: true });
    expect(fs.pool).toEqual(['/d/name']);
  });

  it.each([
    ['EACCES', 'permission denied'],
    ['ENODATA', 'no reading available (sensor not ready)'],
    ['EIO', 'I/O error from the driver'],
    ['EINVAL', 'not supported by the driver'],
    ['EBUSY', 'EBUSY'],
  ])('errnoPhrase(%s)', (code, phrase) => {
    expect(errnoPhrase(code)).toBe(phrase);
  });
});

describe('AdaptiveReads', () => {
  it('reads a source synchronously until it is slow once, then through the threadpool', async () => {
    const fs = new TableFs({ temp1_input: '50000\n', fan1_input: '900\n' }, new Set(['fan1_input']));
    const reads = new AdaptiveReads();
    for (let i = 0; i < 3; i++) {
      expect((await reads.read(fs, 'hwmon0', '/h0', ['temp1_input'])).files).toEqual({ temp1_input: '50000\n' });
      expect((await reads.read(fs, 'hwmon1', '/h1', ['fan1_input'])).files).toEqual({ fan1_input: '900\n' });
    }
    expect(fs.sync).toEqual(['/h0/temp1_input', '/h1/fan1_input', '/h0/temp1_input', '/h0/temp1_input']);
    expect(fs.pool).toEqual(['/h1/fan1_input', '/h1/fan1_input']);
    expect(reads.slowSources).toEqual(['hwmon1']);
  });
});
