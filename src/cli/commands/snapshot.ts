import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../core/engine.js';
import { killIfStatfsStuck } from '../../host/statfs.js';
import type { ApiSnapshot } from '../../shared/protocol.js';
import { errorMessage } from '../../shared/errors.js';
import { EXIT } from '../exit-codes.js';
import { type RootFlags, rootsFromFlags } from '../roots.js';

export interface SnapshotFlags extends RootFlags {
  json?: boolean;
  config?: string;
  /** Gap between the priming pass and the real one, so rates are real (ms). */
  sampleMs?: number;
}

/**
 * `headroom snapshot`: one collection pass, printed, no server. Rates need two readings, so
 * it reads counters once, waits a second, and reports the second pass (never fake zeros).
 */
export async function runSnapshot(flags: SnapshotFlags, out: (s: string) => void): Promise<number> {
  let engine: Engine;
  try {
    engine = await Engine.create({ flag: flags.config, roots: rootsFromFlags(flags) });
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return EXIT.CONFIG;
  }
  try {
    await engine.scheduler.runOnce();
    await sleep(flags.sampleMs ?? 1000);
    await engine.scheduler.runOnce();
    const metrics: Record<string, Record<string, unknown>> = {};
    for (const [name, entry] of engine.cache.all()) metrics[name] = engine.briefOf(name, entry.data);
    const snap: ApiSnapshot = {
      ts: new Date().toISOString(),
      system: engine.system(),
      headroom: metrics.headroom ?? null,
      metrics,
    };
    out(flags.json ? JSON.stringify(snap, null, 2) : formatSnapshot(snap));
    return EXIT.OK;
  } finally {
    await engine.stop();
    // A statfs blocked in the kernel (dead NFS server) would make the exit hang: SIGKILL.
    await killIfStatfsStuck((line) => process.stderr.write(`${line}\n`));
  }
}

/** A readable, compact rendering: one block per collector, scalars and short arrays inline. */
export function formatSnapshot(snap: ApiSnapshot): string {
  const { hostname, os, kernel, arch } = snap.system;
  const lines = [`${hostname} · ${os} · ${kernel} · ${arch} · ${snap.ts}`];
  for (const name of Object.keys(snap.metrics).sort()) {
    lines.push('', name);
    flatten(snap.metrics[name], '', (k, v) => lines.push(`  ${k.padEnd(28)} ${v}`));
  }
  return lines.join('\n');
}

function flatten(node: unknown, prefix: string, emit: (k: string, v: string) => void): void {
  if (node === null || typeof node !== 'object') {
    emit(prefix, node === null ? '—' : String(node));
    return;
  }
  if (Array.isArray(node)) {
    if (node.every((x) => x === null || typeof x !== 'object')) {
      emit(prefix, node.map((x) => (x === null ? '—' : String(x))).join(' '));
      return;
    }
    node.forEach((x, i) => {
      flatten(x, `${prefix}[${i}]`, emit);
    });
    return;
  }
  for (const [k, v] of Object.entries(node)) flatten(v, prefix ? `${prefix}.${k}` : k, emit);
}
