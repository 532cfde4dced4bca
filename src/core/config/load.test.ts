import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Value from 'typebox/value';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, HeadroomError } from '../../shared/errors.js';
import { ConfigError, loadConfig, parseConfigText, resolveConfigPath } from './load.js';
import { ConfigSchema } from './schema.js';
import { keyPaths, type SchemaNode } from './schema-walk.js';

let root: string;
let cwd: string;
let home: string;
const homeConfig = () => join(home, '.config', 'headroom', 'config.yaml');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'headroom-config-'));
  cwd = join(root, 'work');
  home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(join(home, '.config', 'headroom'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveConfigPath', () => {
  it.each([
    { name: 'flag wins over everything', files: ['flag', 'env', 'cwd', 'home'], want: 'flag' },
    { name: '$HEADROOM_CONFIG next', files: ['env', 'cwd', 'home'], want: 'env' },
    { name: './config.yaml next', files: ['cwd', 'home'], want: 'cwd' },
    { name: '~/.config/headroom/config.yaml last', files: ['home'], want: 'home' },
    { name: 'defaults when nothing exists', files: [], want: 'default' },
  ])('$name', ({ files, want }) => {
    const paths: Record<string, string> = {
      flag: join(root, 'flag.yaml'),
      env: join(root, 'env.yaml'),
      cwd: join(cwd, 'config.yaml'),
      home: homeConfig(),
    };
    for (const f of files) writeFileSync(paths[f]!, '');
    const r = resolveConfigPath({
      flag: files.includes('flag') ? paths.flag : undefined,
      env: files.includes('env') ? { HEADROOM_CONFIG: paths.env } : {},
      cwd,
      home,
    });
    expect(r).toEqual({ path: want === 'default' ? null : paths[want], source: want });
  });

  it('resolves a relative --config against cwd and expands ~', () => {
    writeFileSync(join(cwd, 'mine.yaml'), '');
    expect(resolveConfigPath({ flag: 'mine.yaml', env: {}, cwd, home }).path).toBe(join(cwd, 'mine.yaml'));
    writeFileSync(join(home, 'h.yaml'), '');
    expect(resolveConfigPath({ flag: '~/h.yaml', env: {}, cwd, home }).path).toBe(join(home, 'h.yaml'));
  });

  it.each([
    { name: 'a missing --config', lookup: { flag: 'nope.yaml' }, msg: 'config file named by --config does not exist' },
    { name: 'a missing $HEADROOM_CONFIG', lookup: { env: { HEADROOM_CONFIG: '/nope/c.yaml' } }, msg: 'named by $HEADROOM_CONFIG does not exist' },
    { name: 'a directory', lookup: { flag: '.' }, msg: 'is a directory' },
  ])('an explicit path that is not a file is an error: $name', ({ lookup, msg }) => {
    writeFileSync(join(cwd, 'config.yaml'), ''); // must not be used as a fallback
    const run = () => resolveConfigPath({ env: {}, cwd, home, ...lookup });
    expect(run).toThrow(HeadroomError);
    expect(run).toThrow(msg);
    try {
      run();
    } catch (err) {
      expect((err as HeadroomError).code).toBe(ErrorCodes.CONFIG);
      expect((err as HeadroomError).place?.file).toMatch(/nope|work/);
    }
  });
});

describe('loadConfig', () => {
  it('loads defaults when no file exists', async () => {
    const r = await loadConfig({ env: {}, cwd, home });
    expect(r.path).toBeNull();
    expect(r.source).toBe('default');
    expect(r.config.server.host).toBe('127.0.0.1');
    expect(r.config.history.path).toBe(join(home, '.local', 'share', 'headroom', 'history.db'));
  });

  it('loads the file the lookup finds', async () => {
    writeFileSync(homeConfig(), 'server:\n  port: 7800\n');
    const r = await loadConfig({ env: {}, cwd, home });
    expect([r.path, r.source, r.config.server.port]).toEqual([homeConfig(), 'home', 7800]);
  });

  it('throws a ConfigError carrying every problem and listing them in its message', async () => {
    const file = join(cwd, 'config.yaml');
    writeFileSync(file, 'server:\n  port: x\nthresholds:\n  ramm: 1\n');
    const err = await loadConfig({ env: {}, cwd, home }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(HeadroomError);
    const ce = err as ConfigError;
    expect(ce.code).toBe(ErrorCodes.CONFIG);
    expect(ce.problems.map((p) => [p.line, p.column, p.key])).toEqual([
      [2, 9, 'server.port'],
      [4, 3, 'thresholds.ramm'],
    ]);
    expect(ce.message).toContain(`${file}:2:9: server.port: expected an integer between 0 and 65535, got "x"`);
    expect(ce.message).toContain(`${file}:4:3: unknown key "ramm" in thresholds (did you mean "ram"?)`);
  });

  it('names the env var of a missing token_env', async () => {
    writeFileSync(join(cwd, 'config.yaml'), 'server:\n  tokens:\n    - token_env: HR_TOKEN\n');
    await expect(loadConfig({ env: {}, cwd, home })).rejects.toThrow('environment variable HR_TOKEN is not set');
    const ok = await loadConfig({ env: { HR_TOKEN: 'x'.repeat(20) }, cwd, home });
    expect(ok.config.server.tokens[0]!.token).toBe('x'.repeat(20));
  });
});

describe('config.yaml.example', () => {
  const examplePath = new URL('../../../config.yaml.example', import.meta.url);
  const text = readFileSync(examplePath, 'utf8');
  const parsed = parse(text) as Record<string, unknown>;
  const paths = keyPaths(ConfigSchema as unknown as SchemaNode);
  const defaults = Value.Default(ConfigSchema, {});
  const get = (path: string) =>
    path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), parsed);
  const defaultOf = (path: string) =>
    path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);

  it('loads with zero problems', () => {
    expect(parseConfigText(text, 'config.yaml.example', { env: {}, home: '/h' }).problems).toEqual([]);
  });

  it('documents every key of the schema', () => {
    const missing = paths.filter((k) => {
      if (!k.variable) return !(k.path.split('.').at(-1)! in ((get(k.path.split('.').slice(0, -1).join('.')) as object) ?? parsed));
      // Keys inside lists and free-form maps are shown in commented examples.
      const name = k.path.split('.').at(-1)!;
      return !new RegExp(`^\\s*#?\\s*(- )?${name}:`, 'm').test(text);
    });
    expect(missing.map((k) => k.path)).toEqual([]);
    expect(paths.length).toBeGreaterThan(100);
  });

  it('shows the default value of every fixed key', () => {
    for (const k of paths.filter((p) => !p.variable)) {
      const want = defaultOf(k.path);
      const got = get(k.path);
      const isMap = want !== null && typeof want === 'object' && !Array.isArray(want);
      if (isMap && Object.keys(want).length > 0) continue; // a section: its keys are compared one by one
      // An empty list or map is written as an empty section with commented examples below it.
      if (got === null && (isMap || (Array.isArray(want) && want.length === 0))) continue;
      expect([k.path, got]).toEqual([k.path, want]);
    }
  });

  it('gives every key a comment, on its line or just above it', () => {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!/^\s*[a-z_]+:/.test(line) || /:\s*$/.test(line)) return; // sections are explained by their keys
      const key = line.trim().split(':')[0]!;
      expect([key, line.includes('#') || /^\s*#/.test(lines[i - 1] ?? '')]).toEqual([key, true]);
    });
  });
});
