/**
 * Helpers for the live service tests: children started (and killed, by pid) by the test, and a
 * small pipeline that runs process_monitor then service_monitor over the real /proc, with other
 * collectors' payloads (cpu_monitor, power_monitor, ollama_monitor …) given by the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type ProcessesPayload, processMonitor } from '../../src/collectors/processes.js';
import { type ServicesPayload, serviceMonitor } from '../../src/collectors/services.js';
import { systemClock } from '../../src/core/clock.js';
import type { Payload } from '../../src/core/collector.js';
import type { Config } from '../../src/core/config/schema.js';
import { DEFAULT_ROOTS } from '../../src/host/hostfs.js';
import { makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';

const children = new Set<ChildProcess>();

/** A node child running `code`, with a recognisable argv[0] and extra arguments; remembered for cleanup. */
export function nodeChild(name: string, code: string, args: string[] = [], detached = false): ChildProcess {
  const c = spawn(process.execPath, ['-e', code, '--', ...args], { argv0: name, stdio: ['ignore', 'pipe', 'inherit'], detached });
  children.add(c);
  return c;
}

/** Any child process (sh, sleep …), remembered for cleanup. */
export function anyChild(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(c);
  return c;
}

/** The first line the child prints (it is ready, and may say something: a port, pids). */
export function firstLine(c: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        c.stdout!.off('data', onData);
        resolve(buf.slice(0, nl));
      }
    };
    c.stdout!.on('data', onData);
    c.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
}

/** Kill every child this file started (and their process groups where detached), by pid. */
export async function killAll(extraPids: number[] = []): Promise<void> {
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          children.delete(c);
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          process.kill(c.pid!, 'SIGKILL');
        }),
    ),
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children of a pid, from /proc (to know what a test's own process tree looks like). */
export async function childrenOf(pid: number): Promise<number[]> {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface Pipeline {
  /** One tick: process_monitor, then service_monitor reading it (and the given payloads). */
  tick(): Promise<{ procs: ProcessesPayload; svc: ServicesPayload }>;
  /** Other collectors' payloads service_monitor sees; a function is called with the fresh table. */
  latest: Record<string, Payload | ((procs: ProcessesPayload) => Payload) | undefined>;
  /** Rows of the table service_monitor sees (default all): tests that need "the rest is idle" on a shared machine drop the neighbours' busy processes. */
  keep: ((row: ProcessesPayload['processes'][number]) => boolean) | null;
  config: Config;
}

export function pipeline(config: Record<string, unknown>): Pipeline {
  const cfg = defaultConfig(config);
  const proc = makeCollectorContext<Record<string, unknown>>(DEFAULT_ROOTS, { name: 'process_monitor', clock: systemClock });
  const svc = makeCollectorContext<Record<string, unknown>>(DEFAULT_ROOTS, { name: 'service_monitor', clock: systemClock });
  proc.ctx.config = cfg;
  svc.ctx.config = cfg;
  const p: Pipeline = {
    config: cfg,
    latest: {},
    keep: null,
    async tick() {
      const all = (await processMonitor.collect(proc.ctx as never)) as ProcessesPayload;
      const procs = p.keep ? { ...all, processes: all.processes.filter(p.keep) } : all;
      const resolved: Record<string, Payload | undefined> = { process_monitor: procs };
      for (const [k, v] of Object.entries(p.latest)) resolved[k] = typeof v === 'function' ? v(procs) : v;
      svc.ctx.latest = (name) => resolved[name];
      const out = (await serviceMonitor.collect(svc.ctx as never)) as ServicesPayload;
      svc.ctx.previous = out;
      return { procs, svc: out };
    },
  };
  return p;
}
