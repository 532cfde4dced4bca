import { describe, expect, it } from 'vitest';
import { MetricRing, seriesKey } from './ring.js';

const specs = [
  { name: 'aggregate_pct', path: 'aggregate_pct', unit: 'percent' as const, kind: 'gauge' as const, help: 'x' },
  { name: 'per_core_pct', path: 'per_core_pct[core]', unit: 'percent' as const, kind: 'gauge' as const, help: 'x' },
];

describe('MetricRing', () => {
  it('records declared metrics per series, oldest first, bounded by capacity', () => {
    const ring = new MetricRing(3);
    ring.setSpecs('cpu', specs);
    for (let i = 1; i <= 5; i++) ring.record({ plugin: 'cpu', ts: i * 1000, data: { aggregate_pct: i, per_core_pct: [i, i * 2] } });
    expect(ring.get('cpu.aggregate_pct')).toEqual({ t: [3000, 4000, 5000], v: [3, 4, 5] });
    expect(ring.get(seriesKey('cpu', 'per_core_pct', { core: '1' }))).toEqual({ t: [3000, 4000, 5000], v: [6, 8, 10] });
    expect(ring.count()).toBe(3);
    expect(ring.seriesCount()).toBe(3);
  });

  it('skips unavailable payloads and undeclared collectors', () => {
    const ring = new MetricRing(10);
    ring.setSpecs('cpu', specs);
    ring.record({ plugin: 'cpu', ts: 1, data: { available: false, error: 'x' } });
    ring.record({ plugin: 'other', ts: 1, data: { aggregate_pct: 5 } });
    expect(ring.seriesCount()).toBe(0);
  });

  it('resizes keeping the newest samples, and drops series of stopped collectors', () => {
    const ring = new MetricRing(5);
    ring.setSpecs('cpu', specs);
    for (let i = 1; i <= 5; i++) ring.record({ plugin: 'cpu', ts: i, data: { aggregate_pct: i } });
    ring.resize(2);
    expect(ring.get('cpu.aggregate_pct')?.v).toEqual([4, 5]);
    ring.resize(10);
    ring.record({ plugin: 'cpu', ts: 6, data: { aggregate_pct: 6 } });
    expect(ring.get('cpu.aggregate_pct')?.v).toEqual([4, 5, 6]);
    ring.retainCollectors(new Set(['gpu']));
    expect(ring.seriesCount()).toBe(0);
  });
});
