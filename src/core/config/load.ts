/**
 * Finding and loading config.yaml (SPEC §10): `--config`, `$HEADROOM_CONFIG`, `./config.yaml`,
 * `~/.config/headroom/config.yaml`, else built-in defaults. A path the user named explicitly
 * must exist (a typo there would otherwise silently run on defaults); the two conventional
 * places are simply skipped when absent.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, errorMessage, HeadroomError } from '../../shared/errors.js';
import { parseConfigText } from './parse.js';
import { expandHome } from './postprocess.js';
import { type ConfigProblem, formatProblem } from './problems.js';
import type { Config } from './schema.js';

export type { ParseOptions, ParseResult } from './parse.js';
export { parseConfigText } from './parse.js';
export { type ConfigProblem, formatProblem } from './problems.js';
export { redactConfig } from './redact.js';

export type ConfigSource = 'flag' | 'env' | 'cwd' | 'home' | 'default';

export interface LoadConfigOptions {
  /** The --config value, if given. */
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  home?: string | undefined;
}

export interface ResolvedConfigPath {
  /** Absolute path, or null when no file applies and built-in defaults are used. */
  path: string | null;
  source: ConfigSource;
}

/** The same lookup options, named for resolveConfigPath. */
export type ConfigLookup = LoadConfigOptions;

/** Label used in messages for the defaults-only case, where there is no file to name. */
export const DEFAULTS_FILE = '(built-in defaults)';

function kindOf(path: string): 'file' | 'dir' | 'other' | 'missing' {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Which config file applies, and why.
 * @throws HeadroomError CONFIG when --config or $HEADROOM_CONFIG names a path that is not a file.
 * @example resolveConfigPath({ flag: './my.yaml' }) // { path: '/abs/my.yaml', source: 'flag' }
 */
export function resolveConfigPath(lookup: ConfigLookup = {}): ResolvedConfigPath {
  const env = lookup.env ?? process.env;
  const cwd = lookup.cwd ?? process.cwd();
  const home = lookup.home ?? homedir();
  const explicit: [string | undefined, ConfigSource, string][] = [
    [lookup.flag, 'flag', '--config'],
    [env.HEADROOM_CONFIG, 'env', '$HEADROOM_CONFIG'],
  ];
  for (const [given, source, label] of explicit) {
    if (!given) continue;
    const path = resolve(cwd, expandHome(given, home));
    const kind = kindOf(path);
    if (kind === 'file') return { path, source };
    const why = kind === 'missing' ? 'does not exist' : kind === 'dir' ? 'is a directory' : 'is not a regular file';
    throw new HeadroomError(ErrorCodes.CONFIG, `config file named by ${label} ${why}`, { file: path });
  }
  const conventional: [string, ConfigSource][] = [
    [join(cwd, 'config.yaml'), 'cwd'],
    [join(home, '.config', 'headroom', 'config.yaml'), 'home'],
  ];
  for (const [path, source] of conventional) if (kindOf(path) === 'file') return { path: resolve(path), source };
  return { path: null, source: 'default' };
}

/** Invalid configuration: `problems` has every one, the message lists them one per line. */
export class ConfigError extends HeadroomError {
  readonly problems: ConfigProblem[];
  constructor(file: string, problems: ConfigProblem[]) {
    const n = problems.length;
    const list = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
    super(ErrorCodes.CONFIG, `invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${list}`, { file });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  path: string | null;
  source: ConfigSource;
}

/**
 * Resolve, read, validate and post-process the config. On reload, a caller keeps the previous
 * config when this throws (SPEC §9: a bad config never replaces a running one).
 * @throws ConfigError with every problem; HeadroomError CONFIG when the file cannot be found or read.
 */
export async function loadConfig(lookup: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const { path, source } = resolveConfigPath(lookup);
  let text = '';
  if (path !== null) {
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new HeadroomError(ErrorCodes.CONFIG, `cannot read config file: ${errorMessage(err)}`, { file: path }, { cause: err });
    }
  }
  const file = path ?? DEFAULTS_FILE;
  const { config, problems } = parseConfigText(text, file, { env: lookup.env, home: lookup.home });
  if (!config) throw new ConfigError(file, problems);
  return { config, path, source };
}
