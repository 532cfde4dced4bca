import { describe, expect, it } from 'vitest';
import { Rollup, rollupAll } from './rollup.js';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe('Rollup', () => {
  it('finishes a bucket when a sample of a later bucket arrives', () => {
    const r = new Rollup(M);
    expect(r.add(T0 + 1000, 5)).toBeNull();
    expect(r.add(T0 + 30_000, 1)).toBeNull();
    expect(r.add(T0 + 59_999, 9)).toBeNull();
    expect(r.add(T0 + M, 2)).toEqual({ t: T0, min: 1, avg: 5, max: 9, count: 3 });
    expect(r.partial()).toEqual({ t: T0 + M, min: 2, avg: 2, max: 2, count: 1 });
  });

  it('finishes a quiet bucket once the clock passes its end, and ignores late samples for it', () => {
    const r = new Rollup(M);
    r.add(T0 + 10_000, 4);
    expect(r.finishIfEndedBy(T0 + M - 1)).toBeNull();
    expect(r.finishIfEndedBy(T0 + M)).toEqual({ t: T0, min: 4, avg: 4, max: 4, count: 1 });
    expect(r.partial()).toBeNull();
    expect(r.add(T0 + 50_000, 100)).toBeNull();
    expect(r.partial()).toBeNull();
    expect(r.add(T0 + M + 1, 1)).toBeNull();
    expect(r.partial()?.t).toBe(T0 + M);
  });

  it('skips empty buckets (a gap produces no record)', () => {
    const out = rollupAll([T0, T0 + 5 * M], [1, 2], M);
    expect(out.map((r) => r.t)).toEqual([T0, T0 + 5 * M]);
  });

  it('agrees with a brute-force min/avg/max over random samples', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const t: number[] = [];
    const v: number[] = [];
    for (let x = T0; x < T0 + 3 * 3_600_000; x += 1000 + Math.floor(rnd() * 3000)) {
      t.push(x);
      v.push(Math.round(rnd() * 1000) / 10);
    }
    for (const bucket of [M, 3_600_000]) {
      const out = rollupAll(t, v, bucket);
      const groups = new Map<number, number[]>();
      t.forEach((x, i) => {
        const b = Math.floor(x / bucket) * bucket;
        groups.set(b, [...(groups.get(b) ?? []), v[i]!]);
      });
      expect(out.length).toBe(groups.size);
      for (const rec of out) {
        const g = groups.get(rec.t)!;
        expect(rec.min).toBe(Math.min(...g));
        expect(rec.max).toBe(Math.max(...g));
        expect(rec.count).toBe(g.length);
        expect(rec.avg).toBeCloseTo(g.reduce((a, b) => a + b, 0) / g.length, 9);
      }
    }
  });
});
