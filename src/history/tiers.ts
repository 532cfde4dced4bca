/**
 * The storage tiers, declared as data: what each keeps, how its chunks are cut, and which config
 * key sets its retention. Everything else (writer, rollups, queries, retention) reads this table.
 */
import type { Config } from '../core/config/schema.js';
import { parseDurationS } from '../shared/units.js';

export type TierName = 'raw' | 'minute' | 'hour';

export interface Tier {
  /** Stored in the `tier` column of `chunks`. */
  id: number;
  name: TierName;
  /** Rollup bucket width in ms; 0 = raw samples at collection resolution. */
  bucketMs: number;
  /** Columns of each record: raw [value]; rollups [min, avg, max, count]. */
  columns: readonly string[];
  /** A chunk is closed when it holds this many records… */
  chunkRecords: number;
  /** …or when the next record would make it span more than this. */
  chunkSpanMs: number;
  /** Config key under `history.retention`. */
  retention: 'raw' | 'minute' | 'hour';
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export const TIERS: readonly Tier[] = [
  { id: 0, name: 'raw', bucketMs: 0, columns: ['value'], chunkRecords: 1024, chunkSpanMs: 6 * HOUR, retention: 'raw' },
  {
    id: 1,
    name: 'minute',
    bucketMs: MINUTE,
    columns: ['min', 'avg', 'max', 'count'],
    chunkRecords: 720,
    chunkSpanMs: 12 * HOUR,
    retention: 'minute',
  },
  {
    id: 2,
    name: 'hour',
    bucketMs: HOUR,
    columns: ['min', 'avg', 'max', 'count'],
    chunkRecords: 24 * 7,
    chunkSpanMs: 7 * 24 * HOUR,
    retention: 'hour',
  },
] as const;

export const RAW = TIERS[0]!;
export const ROLLUP_TIERS = TIERS.filter((t) => t.bucketMs > 0);

export function tierByName(name: string): Tier | undefined {
  return TIERS.find((t) => t.name === name);
}

/** Decimal places stored per column: rollup averages keep two more than the metric's own. */
export function columnPrecision(tier: Tier, precision: number | undefined): (number | undefined)[] {
  if (tier.bucketMs === 0) return [precision];
  const avg = precision === undefined ? undefined : Math.min(precision + 2, 12);
  return [precision, avg, precision, 0];
}

/** Retention per tier in ms, from `history.retention` (durations already validated). */
export function retentionMs(config: Config['history']): Record<TierName, number> {
  const ms = (v: string | number) => (parseDurationS(v) ?? 0) * 1000;
  return { raw: ms(config.retention.raw), minute: ms(config.retention.minute), hour: ms(config.retention.hour) };
}

export const bucketStart = (t: number, bucketMs: number): number => Math.floor(t / bucketMs) * bucketMs;

/** The side tables and the tier retention they follow: events like the hour tier, snapshots like the minute tier. */
export const SIDE_RETENTION = { events: 'hour', snapshots: 'minute' } as const satisfies Record<string, TierName>;

/** Size-cap eviction never removes data newer than this (the store would be useless). */
export const CAP_PROTECT_MS = 3_600_000;
