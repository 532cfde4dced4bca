import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sleep } from './machine.js';

export const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoRoot = dirname(benchDir);
/** Built helpers (C programs); under .tmp/, which git ignores. */
const buildDir = join(repoRoot, '.tmp', 'bench');

/** Compile bench/lib/<name>.c once (again when the source is newer); returns the binary's path. */
export function cProgram(name: string): string {
  const src = join(benchDir, 'lib', `${name}.c`);
  const bin = join(buildDir, name);
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(buildDir, { recursive: true });
    execFileSync('cc', ['-O2', '-o', bin, src], { stdio: 'inherit' });
  }
  return bin;
}

/** Running (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the pid is gone. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    while (alive(pid)) await sleep(20);
  }
}

export interface Daemon {
  pid: number;
  child: ChildProcess;
  /** Collected stdout + stderr (the last 64 KiB), for error messages. */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Start a long-running program (monitor, client); stop() ends it by its pid. */
export function startDaemon(cmd: string, args: string[], opts: SpawnOptions = {}): Daemon {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`cannot start ${cmd}`);
  const pid = child.pid;
  return {
    pid,
    child,
    output: () => out,
    exited,
    stop: async () => {
      await stopPid(pid);
      await exited;
    },
  };
}

/** Wait until `url` answers 200 (or throw after `timeoutMs`, with the daemon's output). */
export async function waitHttp(url: string, timeoutMs: number, d?: Daemon, headers: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status === 200) return performance.now() - t0;
    } catch {}
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${d ? `; output:\n${d.output()}` : ''}`);
    if (d && d.child.exitCode !== null) throw new Error(`process exited (${d.child.exitCode}) before ${url} answered:\n${d.output()}`);
    await sleep(20);
  }
}

export interface Sleepers {
  pids: Set<number>;
  stop(): Promise<void>;
}

/** N extra `sleep` processes (children of a small forking helper); stop() kills each by pid. */
export async function startSleepers(n: number): Promise<Sleepers> {
  if (n <= 0) return { pids: new Set(), stop: async () => {} };
  const parent = spawn(cProgram('sleepers'), [String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = new Set<number>();
  for await (const line of createInterface({ input: parent.stdout! })) if (line) pids.add(Number(line));
  if (pids.size < n) console.error(`sleepers: only ${pids.size} of ${n} started`);
  const exited = new Promise<void>((r) => parent.on('exit', () => r()));
  return {
    pids,
    stop: async () => {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      await Promise.race([exited, sleep(10_000)]);
      if (parent.exitCode === null && parent.pid) await stopPid(parent.pid);
    },
  };
}

/** Kill by pid whatever is still running of a set (leftover children of a stopped daemon). */
export async function stopAll(pids: Iterable<number>): Promise<void> {
  for (const pid of pids) if (alive(pid)) await stopPid(pid, 2000);
}
