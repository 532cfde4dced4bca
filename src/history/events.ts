/**
 * The events log: alert and state transitions appended by other parts of headroom
 * (`engine.history.appendEvent(...)`), written with the next flush, queryable by time and kind.
 * Without a usable file the most recent ones are still kept in memory.
 */
import type { HistoryEvent } from '../shared/protocol-history.js';
import type { EventRow, Store } from './store.js';

export interface EventInput {
  /** What happened, e.g. "alert", "state", "collector". */
  kind: string;
  message: string;
  /** Who says so, e.g. the alert rule or collector name. */
  source?: string;
  severity?: 'info' | 'warning' | 'critical' | (string & {});
  /** Anything JSON-serialisable. */
  data?: unknown;
  /** Epoch ms; default now. */
  ts?: number;
}

const MAX_PENDING = 10_000;
const MAX_RECENT = 500;

type Row = Omit<EventRow, 'id'>;

const toEvent = (r: Row): HistoryEvent => {
  let data: unknown = null;
  if (r.data !== null)
    try {
      data = JSON.parse(r.data);
    } catch {
      data = r.data;
    }
  return { ts: r.ts_ms, kind: r.kind, source: r.source, severity: r.severity, message: r.message, data };
};

export class EventLog {
  private store: Store | null = null;
  private pending: Row[] = [];
  private writing = 0;
  private recent: Row[] = [];
  private stored = 0;

  attach(store: Store | null): void {
    this.store = store;
    this.stored = store ? store.eventCount() : 0;
  }

  get count(): number {
    return this.store ? this.stored + this.pending.length : this.recent.length;
  }

  append(ev: EventInput, now: number): void {
    let data: string | null = null;
    if (ev.data !== undefined)
      try {
        data = JSON.stringify(ev.data);
      } catch {
        data = JSON.stringify(String(ev.data));
      }
    const row: Row = {
      ts_ms: ev.ts ?? now,
      kind: ev.kind,
      source: ev.source ?? null,
      severity: ev.severity ?? null,
      message: ev.message,
      data,
    };
    this.pending.push(row);
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    this.recent.push(row);
    if (this.recent.length > MAX_RECENT) this.recent.shift();
  }

  /** Inside the flush transaction. */
  writePending(): void {
    if (!this.store) return;
    for (const row of this.pending) this.store.addEvent(row);
    this.writing = this.pending.length;
  }

  /** The flush transaction committed. */
  committed(): void {
    this.pending.splice(0, this.writing);
    this.stored += this.writing;
    this.writing = 0;
  }

  refreshCount(): void {
    if (this.store) this.stored = this.store.eventCount();
  }

  /** Newest first. */
  list(from: number, to: number, kind: string | null, limit: number, severities: string[] | null = null): HistoryEvent[] {
    const inRange = (r: Row) =>
      r.ts_ms >= from &&
      r.ts_ms <= to &&
      (kind === null || r.kind === kind) &&
      (severities === null || severities.includes((r.severity ?? '').toUpperCase()));
    // Newest first before the (stable) sort, so events within one millisecond keep their order.
    const mem = (this.store ? this.pending : this.recent).filter(inRange).reverse();
    const disk = this.store ? this.store.events(from, to, kind, limit, severities) : [];
    return [...mem, ...disk]
      .sort((a, b) => b.ts_ms - a.ts_ms)
      .slice(0, limit)
      .map(toEvent);
  }
}
