import { readFileSync } from 'node:fs';

/** 1-minute load average above which a measurement is not worth recording. */
export const QUIET_LOAD = 0.5;

export function loadavg1(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function loadavgLine(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Refuse to measure on a busy machine. Prints the load average; when the 1-minute figure is
 * above QUIET_LOAD it waits up to BENCH_WAIT_QUIET seconds (default 0) for it to drop, then
 * either exits with code 2 or, with BENCH_FORCE=1, goes on and returns a warning that every
 * table of the run must carry.
 */
export async function quietGate(what: string): Promise<{ load: number; warning: string | null }> {
  const waitS = Number(process.env.BENCH_WAIT_QUIET ?? 0);
  const deadline = Date.now() + waitS * 1000;
  let load = loadavg1();
  console.error(`${what}: load average ${loadavgLine()} (quiet below ${QUIET_LOAD})`);
  while (load > QUIET_LOAD && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10_000));
    load = loadavg1();
    console.error(`${what}: waiting for a quiet machine, load ${loadavgLine()}`);
  }
  if (load <= QUIET_LOAD) return { load, warning: null };
  const warning = `**LOADED MACHINE: 1-minute load average ${load.toFixed(2)} > ${QUIET_LOAD} before measuring; figures are not comparable.**`;
  if (process.env.BENCH_FORCE === '1') {
    console.error(`${what}: ${warning} (BENCH_FORCE=1: measuring anyway)`);
    return { load, warning };
  }
  console.error(`${what}: refusing to measure on a busy machine. Wait, set BENCH_WAIT_QUIET=<seconds>, or BENCH_FORCE=1 to record flagged figures.`);
  process.exit(2);
}

/** Seconds from an environment variable (bench durations are tunable for quick trial runs). */
export function seconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
