import { describe, expect, it } from 'vitest';
import type { LatestEntry } from '../core/latest.js';
import { unpack } from './codec.js';
import { Snapshots, snapshotOf } from './snapshots.js';

const M = 60_000;

describe('Snapshots', () => {
  it('one per minute, only new payloads, retried until stored, unavailable payloads skipped', () => {
    let entry: LatestEntry | undefined;
    const snaps = new Snapshots(() => entry);
    expect(snaps.due(0)).toEqual([]); // no process collector yet: try again next flush
    entry = { ts: 5, data: { top_processes: [{ pid: 1 }] } };
    const first = snaps.due(1000);
    expect(first.map((s) => [s.ts, s.source])).toEqual([[5, 'process_monitor']]);
    expect(JSON.parse(Buffer.from(unpack(first[0]!.data)).toString())).toEqual(entry.data);
    expect(snaps.due(2000)).toHaveLength(1); // not stored yet (a failed flush): still due
    snaps.stored(first, 2000);
    expect(snaps.count).toBe(1);
    entry = { ts: 6, data: { top_processes: [] } };
    expect(snaps.due(30_000)).toEqual([]); // same minute
    expect(snaps.due(M + 1)).toHaveLength(1);
    entry = { ts: 7, data: { available: false, error: 'x' } };
    expect(snaps.due(2 * M)).toEqual([]);
  });
});

describe('snapshotOf', () => {
  it('keeps the top lists and counts of a process payload, not the full table', () => {
    const data = { available: true, counts: { total: 2 }, top_cpu: [{ pid: 1 }], top_rss: [{ pid: 2 }], processes: [{ pid: 1 }, { pid: 2 }], scan: {} };
    expect(snapshotOf(data)).toEqual({ available: true, counts: { total: 2 }, top_cpu: [{ pid: 1 }], top_rss: [{ pid: 2 }] });
  });
  it('keeps a payload without top lists whole', () => {
    expect(snapshotOf({ a: 1, b: [2] })).toEqual({ a: 1, b: [2] });
  });
});
