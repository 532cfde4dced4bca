import { type ProcessesPayload, type ProcessRow, processMonitor } from '../collectors/processes.js';
import type { CollectorContext } from '../core/collector.js';
import { RateTracker } from '../core/rates.js';

/**
 * The process table service_monitor works from. process_monitor already scans /proc every tick,
 * so its latest table is used when it is fresh; only when it is switched off, failing or slower
 * than us does service_monitor run the same collector code on a private state of its own (so
 * /proc is scanned once per tick when both run, and never twice).
 */
export interface OwnTable {
  state: Record<string, unknown>;
  rates: RateTracker;
}

export type TableResult =
  | { rows: ProcessRow[]; source: 'process_monitor' | 'scan'; pending?: undefined }
  | { pending: string; rows?: undefined };

export async function processTable(ctx: CollectorContext<{ own?: OwnTable }>): Promise<TableResult> {
  const p = ctx.latest('process_monitor');
  const status = ctx.collectorStatus();
  const theirs = status.process_monitor;
  const ours = status[ctx.name];
  if (p === undefined && theirs?.last_run === null && theirs.errors === 0) {
    // It runs but has not finished its first scan (start-up, reload): wait rather than scan twice.
    return { pending: 'waiting for the first process_monitor table' };
  }
  let fresh = p?.available === true && Array.isArray(p.processes);
  if (fresh && theirs && ours) {
    const age = theirs.last_run === null ? Number.POSITIVE_INFINITY : ctx.clock.wallMs() - Date.parse(theirs.last_run);
    fresh = theirs.interval <= ours.interval && age <= 3 * theirs.interval * 1000;
  }
  if (fresh) {
    closeOwn(ctx.state);
    return { rows: p!.processes as ProcessRow[], source: 'process_monitor' };
  }
  ctx.state.own ??= { state: {}, rates: new RateTracker() };
  const own = ctx.state.own;
  const sub = { ...ctx, name: 'process_monitor', options: {}, state: own.state, rates: own.rates, previous: null };
  const payload = (await processMonitor.collect(sub as never)) as ProcessesPayload;
  return { rows: payload.processes, source: 'scan' };
}

/** Give back the files our private scanner keeps open (stop, reload, or process_monitor is back). */
export function closeOwn(state: { own?: OwnTable }): void {
  const scanner = (state.own?.state as { scanner?: { close(): void } } | undefined)?.scanner;
  scanner?.close();
  state.own = undefined;
}
