import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countKeysSet, runConfigCheck, runConfigPath } from './config.js';

let root: string;
let cwd: string;
let home: string;

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env, cwd, home } };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'headroom-cli-config-'));
  cwd = join(root, 'work');
  home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(join(home, '.config', 'headroom'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('runConfigCheck', () => {
  it('prints OK with the number of keys set and exits 0 for a valid file', async () => {
    const file = join(cwd, 'good.yaml');
    writeFileSync(file, 'server:\n  port: 7800\nthresholds:\n  ram: { warn: 60, critical: 80 }\nplugin_dirs: [a, b]\n');
    const t = io();
    expect(await runConfigCheck(file, t.io)).toBe(0);
    expect(t.out).toEqual([`OK: ${file} (4 keys set, defaults for the rest)`]);
    expect(t.err).toEqual([]);
  });

  it('prints every problem as file:line:column: message and exits 2', async () => {
    const file = join(cwd, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: high\nthresholds:\n  ram: { warn: 90, critical: 85 }\nsever: 1\n');
    const t = io();
    expect(await runConfigCheck(file, t.io)).toBe(2);
    expect(t.err).toEqual([
      `${file}:2:9: server.port: expected an integer between 0 and 65535, got "high"`,
      `${file}:4:16: thresholds.ram: warn (90) must not be above critical (85)`,
      `${file}:5:1: unknown key "sever" at the top level (did you mean "server"?)`,
      `3 problems in ${file}`,
    ]);
    expect(t.out).toEqual([]);
  });

  it('reports a YAML syntax error with its place', async () => {
    const file = join(cwd, 'syntax.yaml');
    writeFileSync(file, 'server:\n  host: "127.0.0.1\n');
    const t = io();
    expect(await runConfigCheck(file, t.io)).toBe(2);
    expect(t.err[0]).toMatch(new RegExp(`^${file}:2:9: YAML syntax error: Missing closing "quote`));
  });

  it('checks the file the lookup order finds when none is given', async () => {
    const file = join(home, '.config', 'headroom', 'config.yaml');
    writeFileSync(file, 'server:\n  port: 7800\n');
    const t = io();
    expect(await runConfigCheck(undefined, t.io)).toBe(0);
    expect(t.out).toEqual([`OK: ${file} (1 key set, defaults for the rest)`]);
  });

  it('says defaults apply when no file exists, and exits 0', async () => {
    const t = io();
    expect(await runConfigCheck(undefined, t.io)).toBe(0);
    expect(t.out[0]).toMatch(/^no config file found .*built-in defaults apply$/);
  });

  it('exits 2 naming the path when the named file does not exist', async () => {
    const t = io();
    expect(await runConfigCheck('missing.yaml', t.io)).toBe(2);
    expect(t.err).toEqual([`${join(cwd, 'missing.yaml')}: cannot read config file: no such file`]);
    const e = io({ HEADROOM_CONFIG: '/nowhere/c.yaml' });
    expect(await runConfigCheck(undefined, e.io)).toBe(2);
    expect(e.err[0]).toContain('$HEADROOM_CONFIG does not exist');
  });

  it('uses io.env for token_env', async () => {
    const file = join(cwd, 'tok.yaml');
    writeFileSync(file, 'server:\n  host: 0.0.0.0\n  tokens:\n    - token_env: HR_T\n');
    const missing = io();
    expect(await runConfigCheck(file, missing.io)).toBe(2);
    expect(missing.err[0]).toBe(`${file}:4:18: server.tokens[0].token_env: environment variable HR_T is not set`);
    expect(await runConfigCheck(file, io({ HR_T: 'y'.repeat(24) }).io)).toBe(0);
  });
});

describe('runConfigPath', () => {
  it.each([
    { source: 'flag', file: 'f.yaml', why: 'named by --config' },
    { source: 'env', file: 'e.yaml', why: 'named by $HEADROOM_CONFIG' },
    { source: 'cwd', file: 'config.yaml', why: './config.yaml in the working directory' },
  ])('prints the path and why: $source', ({ source, file, why }) => {
    const path = join(cwd, file);
    writeFileSync(path, '');
    const lookup = source === 'flag' ? { flag: path } : source === 'env' ? { env: { HEADROOM_CONFIG: path } } : {};
    const t = io();
    expect(runConfigPath(t.io, lookup)).toBe(0);
    expect(t.out).toEqual([`${path} (${source}: ${why})`]);
  });

  it('prints the home path, or that built-in defaults apply', () => {
    const none = io();
    expect(runConfigPath(none.io)).toBe(0);
    expect(none.out).toEqual(['(none: built-in defaults)']);
    const file = join(home, '.config', 'headroom', 'config.yaml');
    writeFileSync(file, '');
    const t = io();
    expect(runConfigPath(t.io)).toBe(0);
    expect(t.out).toEqual([`${file} (home: ~/.config/headroom/config.yaml)`]);
  });

  it('exits 2 when --config names a missing file', () => {
    const t = io();
    expect(runConfigPath(t.io, { flag: 'nope.yaml' })).toBe(2);
    expect(t.err[0]).toContain('does not exist');
  });
});

describe('countKeysSet', () => {
  it.each([
    [null, 0],
    [{}, 0],
    [{ a: 1, b: { c: 1, d: { e: 2 } } }, 3],
    [{ list: [1, 2], empty: {}, commented: null }, 2],
  ])('%j → %d', (value, n) => expect(countKeysSet(value)).toBe(n));
});
