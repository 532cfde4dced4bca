import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugins } from './plugins.js';

let dir: string;
const plugin = (name: string, value: number) =>
  `export default { name: '${name}', description: 'test', interval: 1, metrics: [], collect: async () => ({ value: ${value} }) };\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-plugins-'));
  await writeFile(join(dir, 'alpha.js'), plugin('alpha', 1));
  await writeFile(join(dir, 'beta.mjs'), `export const collector = ${plugin('beta', 2).slice('export default '.length)}`);
  await writeFile(join(dir, '_scratch.js'), plugin('scratch', 3));
  await writeFile(join(dir, 'notes.txt'), 'not a plugin');
  await writeFile(join(dir, 'broken.js'), 'export default {{ syntax error');
  await writeFile(join(dir, 'shape.js'), 'export default { name: "Bad Name", interval: -1 };\n');
  await writeFile(join(dir, 'clash.js'), plugin('cpu_monitor', 4));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadPlugins', () => {
  it('loads .js/.mjs collectors, skips _-prefixed and other files, reports broken ones by file', async () => {
    const res = await loadPlugins([dir, join(dir, 'does-not-exist')], 1, new Set(['cpu_monitor']));
    expect(res.collectors.map((c) => c.name).sort()).toEqual(['alpha', 'beta']);
    const byFile = Object.fromEntries(res.problems.map((p) => [p.file.split('/').pop(), p.message]));
    expect(Object.keys(byFile).sort()).toEqual(['broken.js', 'clash.js', 'shape.js']);
    expect(byFile['shape.js']).toMatch(/`name` must be a snake_case string.*`interval`.*`collect` must be a function/);
    expect(byFile['clash.js']).toMatch(/taken by a built-in/);
    const alpha = res.collectors.find((c) => c.name === 'alpha')!;
    expect(await alpha.collect({} as never)).toEqual({ value: 1 });
  });

  it('re-imports edited code on the next generation (reload)', async () => {
    await writeFile(join(dir, 'alpha.js'), plugin('alpha', 99));
    const res = await loadPlugins([dir], 2, new Set());
    const alpha = res.collectors.find((c) => c.name === 'alpha')!;
    expect(await alpha.collect({} as never)).toEqual({ value: 99 });
  });

  it('reports two plugins claiming one name', async () => {
    const other = await mkdtemp(join(tmpdir(), 'headroom-plugins2-'));
    await writeFile(join(other, 'alpha-copy.js'), plugin('alpha', 5));
    const res = await loadPlugins([dir, other], 3, new Set());
    expect(res.problems.some((p) => p.file.endsWith('alpha-copy.js') && /already used/.test(p.message))).toBe(true);
    await rm(other, { recursive: true, force: true });
  });
});
