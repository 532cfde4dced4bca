import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { builtinCollectors } from '../../src/collectors/index.js';
import { type Daemon, repoRoot, startDaemon, waitHttp } from './procs.js';

/**
 * The CLI under test: this checkout's dist/, or BENCH_DIST (a dist/ built from another revision,
 * for before/after figures; the result heading then names it).
 */
export const distDir = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(repoRoot, 'dist');
export const mainJs = join(distDir, 'cli', 'main.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build dist/ when it is missing or older than src/ (benches measure what users run). */
export function ensureBuilt(): void {
  if (process.env.BENCH_DIST) {
    if (!existsSync(mainJs)) throw new Error(`BENCH_DIST: no ${mainJs}`);
    return;
  }
  if (existsSync(mainJs) && statSync(mainJs).mtimeMs >= newestMtime(join(repoRoot, 'src'))) return;
  console.error('bench: dist/ is missing or older than src/: building');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

export interface HeadroomRun {
  daemon: Daemon;
  port: number;
  base: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A config for the bench: history in a private directory, no user plugins, and either every
 * periodic built-in collector at `intervalS` or each at its default (`intervalS` null).
 */
export function benchConfig(dir: string, intervalS: number | null): string {
  const lines = ['history:', `  path: ${JSON.stringify(join(dir, 'history.db'))}`, 'plugin_dirs: []', 'collectors:'];
  const periodic = builtinCollectors.filter((c) => c.interval > 0);
  if (intervalS === null) lines.push('  {}');
  else for (const c of periodic) lines.push(`  ${c.name}: { interval: ${intervalS} }`);
  return `${lines.join('\n')}\n`;
}

let nextPort = 17_800 + (process.pid % 100) * 10;

/**
 * `headroom serve` as a user runs it (the built CLI), on a loopback port, with HOME and the XDG
 * directories pointed at a fresh temporary directory. Resolves when /api answers 200.
 */
export async function startHeadroom(intervalS: number | null, opts: { nodeArgs?: string[] } = {}): Promise<HeadroomRun> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, benchConfig(dir, intervalS));
  const port = nextPort++;
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), HEADROOM_CONFIG: cfg };
  const daemon = startDaemon(process.execPath, [...(opts.nodeArgs ?? []), mainJs, 'serve', '--port', String(port), '--config', cfg], {
    env,
    cwd: dir,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/api`, 15_000, daemon);
  return {
    daemon,
    port,
    base,
    dir,
    stop: async () => {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
