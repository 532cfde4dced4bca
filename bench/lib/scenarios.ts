import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startHeadroom } from './headroom.js';
import { type Measured, measureTrees } from './measure.js';
import { benchDir, cProgram, type Daemon, startDaemon } from './procs.js';
import { TreeMeter } from './proctree.js';

const clientTs = join(benchDir, 'lib', 'client.ts');

export function procCount(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

/** The polling client as its own process (see client.ts): `args` are its arguments. */
export function startClient(args: string[]): Daemon {
  return startDaemon(process.execPath, ['--import', 'tsx', clientTs, ...args]);
}

/** headroom's client: one WebSocket on /ws and one GET /api a second. */
export const headroomClient = (base: string): string[] => ['--ws', `${base.replace('http', 'ws')}/ws`, `${base}/api`];

/** Stop the client and read its one-line JSON of counts. */
export async function stopClient(c: Daemon): Promise<string> {
  await c.stop();
  try {
    const n = JSON.parse(c.output().trim().split('\n').pop() ?? '{}') as Record<string, number>;
    const ws = n.ws_messages ? `, ${n.ws_messages} ws` : '';
    return `${n.ok}/${n.requests} ok${ws}`;
  } catch {
    return 'no report';
  }
}

export interface RunResult {
  monitor: Measured;
  client: Measured;
  clientCounts: string;
  processes: number;
}

/** Measure a monitor's process tree and its client's over the same window. */
export async function measureWithClient(pid: number, client: Daemon, warm: number, dur: number, ignore: Set<number>): Promise<RunResult> {
  const meters = { monitor: new TreeMeter(pid, ignore), client: new TreeMeter(client.pid, ignore) };
  const processes = procCount();
  const m = await measureTrees(meters, warm, dur);
  return { ...m, clientCounts: await stopClient(client), processes };
}

export async function measureHeadroom(
  intervalS: number | null,
  warm: number,
  dur: number,
  ignore: Set<number>,
  clientArgs: (base: string) => string[],
): Promise<RunResult> {
  const h = await startHeadroom(intervalS);
  try {
    const client = startClient(clientArgs(h.base));
    return await measureWithClient(h.daemon.pid, client, warm, dur, ignore);
  } finally {
    await h.stop();
  }
}

/** The floor: statfloor.c reading every /proc/<pid>/stat once a second. */
export async function measureFloor(warm: number, dur: number, ignore: Set<number>): Promise<Measured & { processes: number }> {
  const d = startDaemon(cProgram('statfloor'), ['loop']);
  try {
    const processes = procCount();
    const m = await measureTrees({ floor: new TreeMeter(d.pid, ignore) }, warm, dur);
    return { ...m.floor, processes };
  } finally {
    await d.stop();
  }
}
