/** The history part of `GET /api/status`: state, sizes per tier, flush timings, the last error. */
import type { Config } from '../core/config/schema.js';
import type { HistoryStatus } from '../shared/protocol-history.js';
import type { Store } from './store.js';
import { retentionMs, TIERS } from './tiers.js';
import type { Writer } from './writer.js';

export interface StatusInput {
  config: Config['history'];
  state: HistoryStatus['state'];
  writer: Writer | null;
  store: Store | null;
  events: number;
  snapshots: number;
  lastFlush: { at: number; ms: number } | null;
  longestFlushMs: number | null;
  overCap: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  movedAside: string | null;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const ms2 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

export function buildStatus(i: StatusInput): HistoryStatus {
  const w = i.writer;
  const retention = retentionMs(i.config);
  // Rows hold the full chunks; open ones (and full ones not yet written) are counted from memory.
  const memory = TIERS.map(() => 0);
  if (w)
    for (const s of w.byId.values())
      for (const t of TIERS) for (const c of s.memChunks(t.id)) memory[t.id]! += c.n;
  const tiers: HistoryStatus['tiers'] = {};
  for (const t of TIERS) {
    const st = w?.stats[t.id];
    tiers[t.name] = {
      samples: (st?.samples ?? 0) + memory[t.id]!,
      bytes: st?.bytes ?? 0,
      chunks: st?.chunks ?? 0,
      oldest: iso(st?.oldest),
      retention_s: retention[t.retention] / 1000,
    };
  }
  const raw = w?.stats[0];
  return {
    enabled: i.config.enabled,
    state: i.state,
    path: i.config.path || null,
    series: w?.byId.size ?? 0,
    samples: tiers.raw!.samples,
    disk_bytes: i.store?.fileBytes() ?? 0,
    bytes_per_sample: raw && raw.samples > 0 ? Math.round((raw.bytes / raw.samples) * 1000) / 1000 : null,
    tiers,
    events: i.events,
    snapshots: i.snapshots,
    last_flush: iso(i.lastFlush?.at),
    last_flush_ms: ms2(i.lastFlush?.ms),
    longest_flush_ms: ms2(i.longestFlushMs),
    dropped_samples: w?.dropped ?? 0,
    over_cap: i.overCap,
    last_error: i.lastError,
    last_error_at: iso(i.lastErrorAt),
    moved_aside: i.movedAside,
  };
}
