import { describe, expect, it } from 'vitest';
import { extractMetric, metricPathLabels, parseMetricPath } from './metrics.js';

const payload = {
  aggregate_pct: 12.5,
  load_avg: { '1m': 0.5 },
  per_core_pct: [10, null, 30],
  io: { sda: { read_mbps: 1.5 }, nvme0n1: { read_mbps: 0 } },
  gpus: [{ util_pct: 40 }, { util_pct: 'n/a' }],
  on_battery: true,
};

describe('metric paths', () => {
  it.each([
    ['aggregate_pct', [{ labels: {}, value: 12.5 }]],
    ['load_avg.1m', [{ labels: {}, value: 0.5 }]],
    [
      'per_core_pct[core]',
      [
        { labels: { core: '0' }, value: 10 },
        { labels: { core: '2' }, value: 30 },
      ],
    ],
    [
      'io{device}.read_mbps',
      [
        { labels: { device: 'sda' }, value: 1.5 },
        { labels: { device: 'nvme0n1' }, value: 0 },
      ],
    ],
    ['gpus[gpu].util_pct', [{ labels: { gpu: '0' }, value: 40 }]],
    ['on_battery', [{ labels: {}, value: 1 }]],
    ['missing.field', []],
    ['aggregate_pct.deeper', []],
  ])('%s', (path, expected) => {
    expect(extractMetric(payload, path)).toEqual(expected);
  });

  it('tolerates payloads that are not objects', () => {
    expect(extractMetric(null, 'a.b')).toEqual([]);
    expect(extractMetric({ per_core_pct: 'x' }, 'per_core_pct[core]')).toEqual([]);
  });

  it('rejects malformed paths and lists labels', () => {
    expect(() => parseMetricPath('a..b')).toThrow(/malformed/);
    expect(() => parseMetricPath('a[Core]')).toThrow(/malformed/);
    expect(metricPathLabels('gpus[gpu].procs{pid}.mb')).toEqual(['gpu', 'pid']);
  });
});
