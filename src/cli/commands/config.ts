/**
 * `headroom config check [FILE]` and `headroom config path`. Both take their environment (env,
 * cwd, home) through `io`, so tests run them against temp directories without touching the
 * process's own.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import {
  formatProblem,
  type LoadConfigOptions,
  parseConfigText,
  type ResolvedConfigPath,
  resolveConfigPath,
} from '../../core/config/load.js';
import { expandHome } from '../../core/config/postprocess.js';
import { errorMessage } from '../../shared/errors.js';
import { EXIT } from '../exit-codes.js';

export interface ConfigIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
}

const WHY: Record<ResolvedConfigPath['source'], string> = {
  flag: 'named by --config',
  env: 'named by $HEADROOM_CONFIG',
  cwd: './config.yaml in the working directory',
  home: '~/.config/headroom/config.yaml',
  default: 'no file found',
};

const LOOKUP = '--config, $HEADROOM_CONFIG, ./config.yaml, ~/.config/headroom/config.yaml';

/** Leaf keys the file sets (a list counts as one key): "3 keys set, defaults for the rest". */
export function countKeysSet(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 0;
  let n = 0;
  for (const v of Object.values(value)) {
    // An empty section ("notifications:" with every line commented out) sets nothing.
    if (v === null) continue;
    n += typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 ? countKeysSet(v) : 1;
  }
  return n;
}

/**
 * Validate FILE, or the file the lookup order finds. Problems go to `err` as
 * `file:line:column: message`; exit 2 when there are any, 0 when valid or when no file exists.
 * @example await runConfigCheck('config.yaml', { out: console.log, err: console.error }) // 0 or 2
 */
export async function runConfigCheck(file: string | undefined, io: ConfigIo): Promise<number> {
  const home = io.home ?? homedir();
  let path: string | null;
  if (file !== undefined) {
    // An explicit FILE is checked as given; the lookup order only applies without one.
    path = resolve(io.cwd ?? process.cwd(), expandHome(file, home));
  } else {
    try {
      ({ path } = resolveConfigPath({ env: io.env, cwd: io.cwd, home }));
    } catch (err) {
      io.err(errorMessage(err));
      return EXIT.CONFIG;
    }
  }
  if (path === null) {
    io.out(`no config file found (looked at ${LOOKUP}); built-in defaults apply`);
    return EXIT.OK;
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : errorMessage(err);
    io.err(`${path}: cannot read config file: ${why}`);
    return EXIT.CONFIG;
  }
  const { problems } = parseConfigText(text, path, { env: io.env, home });
  if (problems.length > 0) {
    for (const p of problems) io.err(formatProblem(p));
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${path}`);
    return EXIT.CONFIG;
  }
  const n = countKeysSet(parse(text));
  io.out(`OK: ${path} (${n} key${n === 1 ? '' : 's'} set, defaults for the rest)`);
  return EXIT.OK;
}

/**
 * Print the config file `serve` would use and why, or "(none: built-in defaults)".
 * @example runConfigPath(io, { flag: undefined }) // prints "/home/me/.config/headroom/config.yaml (~/.config/…)"
 */
export function runConfigPath(io: ConfigIo, lookup: LoadConfigOptions = {}): number {
  try {
    const { path, source } = resolveConfigPath({
      flag: lookup.flag,
      env: lookup.env ?? io.env,
      cwd: lookup.cwd ?? io.cwd,
      home: lookup.home ?? io.home,
    });
    if (path === null) io.out('(none: built-in defaults)');
    else io.out(`${path} (${source}: ${WHY[source]})`);
    return EXIT.OK;
  } catch (err) {
    io.err(errorMessage(err));
    return EXIT.CONFIG;
  }
}
