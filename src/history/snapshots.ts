/**
 * Process snapshots: once a minute, the latest payload of each snapshot source — the process
 * collector's top lists and counts, not its full process table — is kept, compressed, for
 * `?at=` lookups ("what was running at 3 am?").
 */
import type { LatestEntry } from '../core/latest.js';
import { pack, unpack } from './codec.js';
import type { Store } from './store.js';

/** Collectors whose payload is kept once a minute. */
export const SNAPSHOT_SOURCES = ['process_monitor'];

/** Too big to keep once a minute (compressed): skipped, the next minute tries again. */
const MAX_SNAPSHOT_BYTES = 256 * 1024;

/**
 * What of a payload is kept: when it has `top_*` lists, those and `counts` (a full process table
 * every minute would dwarf all metrics); otherwise the whole payload.
 */
export function snapshotOf(data: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(data);
  if (!keys.some((k) => k.startsWith('top_'))) return data;
  return Object.fromEntries(keys.filter((k) => k.startsWith('top_') || k === 'counts' || k === 'available').map((k) => [k, data[k]]));
}

export interface Snapshot {
  ts: number;
  source: string;
  data: Buffer;
}

export class Snapshots {
  /** Per source: the minute of the last stored snapshot and the payload time it had. */
  private last = new Map<string, { minute: number; ts: number }>();
  count = 0;

  constructor(private readonly latest: (name: string) => LatestEntry | undefined) {}

  /** The snapshots due now: one per source per minute, only new payloads; retried until stored. */
  due(now: number): Snapshot[] {
    const minute = Math.floor(now / 60_000);
    const out: Snapshot[] = [];
    for (const source of SNAPSHOT_SOURCES) {
      const last = this.last.get(source);
      if (last?.minute === minute) continue;
      const entry = this.latest(source);
      if (!entry || entry.data.available === false || entry.ts === last?.ts) continue;
      const data = pack(Buffer.from(JSON.stringify(snapshotOf(entry.data))));
      if (data.length <= MAX_SNAPSHOT_BYTES) out.push({ ts: entry.ts, source, data });
    }
    return out;
  }

  /** They were written (the flush committed). */
  stored(snaps: Snapshot[], now: number): void {
    this.count += snaps.length;
    for (const s of snaps) this.last.set(s.source, { minute: Math.floor(now / 60_000), ts: s.ts });
  }

  refresh(store: Store | null): void {
    this.count = store ? store.snapshotStats().n : 0;
  }
}

/** The snapshot of a source taken at or before `at` (else the first after), decoded. */
export function snapshotAt(store: Store | null, source: string, at: number): { ts: number; data: unknown } | null {
  const row = store?.snapshotNear(source, at);
  if (!row) return null;
  return { ts: row.ts_ms, data: JSON.parse(Buffer.from(unpack(row.data)).toString('utf8')) };
}
