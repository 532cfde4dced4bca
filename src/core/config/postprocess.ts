/**
 * Turning a valid config into the one the process runs with: paths get "~" expanded (the shell
 * does not do it inside a YAML file), an empty history path becomes the XDG data file, and tokens
 * read from the environment get their value, so the rest of headroom never looks at env itself.
 */
import { isAbsolute, join } from 'node:path';
import { type ConfigProblem, formatKey, type Locator } from './problems.js';
import type { Config } from './schema.js';

export interface PostProcessEnv {
  env: NodeJS.ProcessEnv;
  home: string;
}

/** "~" and "~/x" → the home directory; "~user/x" is left alone (no passwd lookups). */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/** $XDG_DATA_HOME/headroom/history.db; the XDG spec says a relative XDG_DATA_HOME is ignored. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv, home: string): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, 'headroom', 'history.db');
}

/** Expand paths of a valid config in place (it is the loader's own copy). */
export function expandPaths(config: Config, { env, home }: PostProcessEnv): void {
  config.plugin_dirs = config.plugin_dirs.map((d) => expandHome(d, home));
  config.history.path = config.history.path ? expandHome(config.history.path, home) : defaultHistoryPath(env, home);
  config.server.tls.cert = expandHome(config.server.tls.cert, home);
  config.server.tls.key = expandHome(config.server.tls.key, home);
  config.notifications.opswire_script = expandHome(config.notifications.opswire_script, home);
}

/**
 * Replace each token_env by the secret it names. Runs on data that may still hold type errors
 * (so a missing variable is reported with every other problem), hence the guards. Call it after
 * the "exactly one of token / token_env" check, which the filled-in token would confuse.
 */
export function resolveTokenEnv(data: unknown, file: string, loc: Locator, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const server = (data as { server?: { tokens?: unknown } } | null)?.server;
  const tokens = Array.isArray(server?.tokens) ? (server.tokens as unknown[]) : [];
  tokens.forEach((t, i) => {
    if (t === null || typeof t !== 'object') return;
    const entry = t as { token?: unknown; token_env?: unknown };
    if (typeof entry.token_env !== 'string' || entry.token_env === '') return;
    if (typeof entry.token === 'string' && entry.token !== '') return; // both set: reported by checks
    const segments = ['server', 'tokens', i, 'token_env'];
    const key = formatKey(segments);
    const value = env[entry.token_env];
    const problem = (message: string) => problems.push({ file, ...lineCol(loc, segments), key, message });
    if (!value) problem(`${key}: environment variable ${entry.token_env} is not set`);
    // Same floor as a literal token in the schema: a short bearer token is guessable.
    else if (value.length < 16) {
      problem(`${key}: environment variable ${entry.token_env} holds ${value.length} characters; a token needs at least 16`);
    } else entry.token = value;
  });
  return problems;
}

function lineCol(loc: Locator, segments: (string | number)[]): { line: number; column: number } {
  const { line, column } = loc.at(segments);
  return { line, column };
}
