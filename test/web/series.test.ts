import { describe, expect, it } from 'vitest';
import type { HistoryResponse } from '../../src/shared/protocol-history.js';
import { bucketPush, type Columns, fromHistory, stepFor, trimBefore } from '../../web/src/series.js';

const res: HistoryResponse = {
  from: 0,
  to: 6000,
  step_ms: 2000,
  tier: 'ring',
  t: [0, 2000, 4000],
  series: {
    'cpu_monitor.aggregate_pct': { avg: [10, null, 30], min: [10, null, 30], max: [10, null, 30] },
    'network_monitor.rx_mbps{interface="eth0"}': { avg: [1, 2, 3], min: [1, 2, 3], max: [1, 2, 3] },
  },
};

describe('chart columns', () => {
  it('history → columns in the lines’ order; a missing series is all gaps', () => {
    const cols = fromHistory(res, ['network_monitor.rx_mbps{interface="eth0"}', 'nope', 'cpu_monitor.aggregate_pct']);
    expect(cols).toEqual({ t: [0, 2000, 4000], v: [[1, 2, 3], [null, null, null], [10, null, 30]] });
    // A copy: appending must not write into the response object.
    cols.t.push(1);
    expect(res.t).toHaveLength(3);
  });

  it('live samples append; older or equal times are ignored (replay, polling)', () => {
    const cols: Columns = { t: [1000], v: [[1], [2]] };
    bucketPush(cols, 3000, [5, null], 0);
    bucketPush(cols, 3000, [9, 9], 0);
    bucketPush(cols, 2000, [9, 9], 0);
    expect(cols).toEqual({ t: [1000, 3000], v: [[1, 5], [2, null]] });
    // A row shorter than the columns (a line added later) is padded with gaps.
    bucketPush(cols, 5000, [6], 0);
    expect(cols.v[1]).toEqual([2, null, null]);
  });

  it('on long ranges samples inside the last bucket are averaged into it', () => {
    const cols: Columns = { t: [0], v: [[10]] };
    bucketPush(cols, 60_000, [20], 60_000); // a new bucket
    bucketPush(cols, 62_000, [30], 60_000); // same bucket: mean of 20 and 30
    bucketPush(cols, 64_000, [40], 60_000); // mean of 20, 30, 40
    bucketPush(cols, 64_500, [null], 60_000); // a gap does not pull the mean
    expect(cols.t).toEqual([0, 60_000]);
    expect(cols.v[0]).toEqual([10, 30]);
    bucketPush(cols, 121_000, [50], 60_000);
    expect(cols.t).toEqual([0, 60_000, 121_000]);
  });

  it('the window moves on: points before it are dropped', () => {
    const cols: Columns = { t: [0, 1000, 2000, 3000], v: [[0, 1, 2, 3]] };
    trimBefore(cols, 2000);
    expect(cols).toEqual({ t: [2000, 3000], v: [[2, 3]] });
    trimBefore(cols, 0);
    expect(cols.t).toHaveLength(2);
  });

  it('history step: at least the collection interval, about 600 points', () => {
    expect(stepFor(5 * 60_000, 2)).toBe(2000);
    expect(stepFor(3_600_000, 2)).toBe(6000);
    expect(stepFor(30 * 86_400_000, 2)).toBe(4_320_000);
    expect(stepFor(5 * 60_000, 5)).toBe(5000);
  });
});
