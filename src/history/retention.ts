/**
 * Retention and the size cap. Each tier keeps its chunks for `history.retention.<tier>` (a chunk
 * goes when its newest record is older than that); events and snapshots follow the tier named in
 * SIDE_RETENTION. When the file still exceeds `history.max_size_mb`, the biggest consumer loses
 * its oldest tenth, again and again, until the data fits in 90 % of the cap — but nothing newer
 * than CAP_PROTECT_MS is ever removed; if that alone is over the cap, the result says so.
 */
import type { Store } from './store.js';
import { CAP_PROTECT_MS, SIDE_RETENTION, TIERS, type TierName } from './tiers.js';
import type { Writer } from './writer.js';

export interface MaintenanceReport {
  /** Chunks removed by retention, per tier name. */
  expired: Record<string, number>;
  /** Rounds of size-cap eviction. */
  evictions: number;
  /** The protected recent data alone exceeds the cap. */
  overCap: boolean;
  fileBytes: number;
}

function subtract(writer: Writer, tierId: number, gone: { chunks: number; samples: number; bytes: number }): void {
  const st = writer.stats[tierId]!;
  st.chunks -= gone.chunks;
  st.samples -= gone.samples;
  st.bytes -= gone.bytes;
}

/** Apply retention to every tier and side table. */
export function expire(store: Store, writer: Writer, retention: Record<TierName, number>, now: number): Record<string, number> {
  const expired: Record<string, number> = {};
  store.tx(() => {
    for (const tier of TIERS) {
      const cutoff = now - retention[tier.retention];
      const gone = store.deleteChunksBefore(tier.id, cutoff);
      expired[tier.name] = gone.chunks;
      if (gone.chunks > 0) subtract(writer, tier.id, gone);
      writer.stats[tier.id]!.oldest = store.oldest(tier.id);
      writer.forgetBefore(tier.id, cutoff);
    }
    // A series whose newest sample is older than the longest retention has nothing left.
    expired.series = writer.forgetSilent(now - Math.max(...TIERS.map((t) => retention[t.retention])));
    expired.events = store.deleteEventsBefore(now - retention[SIDE_RETENTION.events]);
    expired.snapshots = store.deleteSnapshotsBefore(now - retention[SIDE_RETENTION.snapshots]);
  });
  return expired;
}

/** Evict oldest data until the file fits the cap (see the file comment). */
export function enforceCap(store: Store, writer: Writer, capBytes: number, now: number): { evictions: number; overCap: boolean } {
  if (store.fileBytes() <= capBytes && store.liveBytes() <= capBytes) return { evictions: 0, overCap: false };
  const target = capBytes * 0.9;
  const protect = now - CAP_PROTECT_MS;
  let evictions = 0;
  while (store.liveBytes() > target) {
    const snap = store.snapshotStats();
    const candidates = [
      ...TIERS.map((t) => ({ kind: 'tier' as const, id: t.id, bytes: writer.stats[t.id]!.bytes, count: writer.stats[t.id]!.chunks })),
      { kind: 'snapshots' as const, id: -1, bytes: snap.bytes, count: snap.n },
    ].sort((a, b) => b.bytes - a.bytes);
    let removed = false;
    for (const c of candidates) {
      if (c.count === 0) continue;
      const limit = Math.max(1, Math.ceil(c.count / 10));
      if (c.kind === 'snapshots') removed = store.deleteOldestSnapshots(protect, limit) > 0;
      else {
        const gone = store.deleteOldestChunks(c.id, protect, limit);
        if (gone.chunks > 0) {
          subtract(writer, c.id, gone);
          writer.stats[c.id]!.oldest = store.oldest(c.id);
          removed = true;
        }
      }
      if (removed) break;
    }
    if (!removed) break;
    evictions++;
  }
  store.shrink();
  return { evictions, overCap: store.liveBytes() > capBytes };
}

/** Retention, then the cap, then give free pages back to the file system. */
export function maintain(
  store: Store,
  writer: Writer,
  retention: Record<TierName, number>,
  capBytes: number,
  now: number,
): MaintenanceReport {
  const expired = expire(store, writer, retention, now);
  const { evictions, overCap } = enforceCap(store, writer, capBytes, now);
  if (evictions === 0) store.shrink();
  return { expired, evictions, overCap, fileBytes: store.fileBytes() };
}
