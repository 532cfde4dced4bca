import { describe, expect, it } from 'vitest';
import { axis, fold, MAX_POINTS, niceStep, plan } from './query.js';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 5, 1, 12);
const retention = { raw: D, minute: 30 * D, hour: 400 * D };

describe('plan', () => {
  it.each([
    ['last 5 min, no step → raw at 1 s', NOW - 300_000, undefined, 'raw', 1000],
    ['last hour at 10 s → raw', NOW - H, 10_000, 'raw', 10_000],
    ['24 h at 60 s → minute', NOW - D, 60_000, 'minute', 60_000],
    ['24 h at 5 min → minute', NOW - D, 300_000, 'minute', 300_000],
    ['36 h at 15 s → raw does not reach, minute (step widened)', NOW - 36 * H, 15_000, 'minute', 60_000],
    ['7 d at 10 s → too many points, widened to 2 min, minute', NOW - 7 * D, 10_000, 'minute', 120_000],
    ['30 d at 1 h → hour', NOW - 30 * D, H, 'hour', H],
    ['90 d at 5 min → hour (minute retention is 30 d)', NOW - 90 * D, 300_000, 'hour', H],
    ['2 y → hour', NOW - 730 * D, D, 'hour', D],
  ])('%s', (_name, from, step, tier, stepOut) => {
    const p = plan(from, NOW, step, NOW, retention);
    expect(p.tier.name).toBe(tier);
    expect(p.step).toBe(stepOut);
    expect(p.start % p.step).toBe(0);
    expect(p.start).toBeLessThanOrEqual(from);
  });

  it('widens a step that would give too many points', () => {
    const p = plan(NOW - 30 * D, NOW, 1000, NOW, retention);
    expect(p.buckets).toBeLessThanOrEqual(MAX_POINTS + 1);
  });

  it('niceStep rounds up to a nice value', () => {
    expect(niceStep(1)).toBe(1000);
    expect(niceStep(7000)).toBe(10_000);
    expect(niceStep(61_000)).toBe(120_000);
    expect(niceStep(8 * D)).toBe(14 * D);
  });
});

describe('fold', () => {
  const p = { start: 0, step: 10, buckets: 4 };
  it('raw samples: min/avg/max per bucket, null where empty', () => {
    const out = fold(p, { t: [0, 5, 9, 25, 39, 40], cols: [[1, 2, 6, 4, 7, 100]] }, true);
    expect(out).toEqual({ avg: [3, null, 4, 7], min: [1, null, 4, 7], max: [6, null, 4, 7] });
    expect(axis(p)).toEqual([0, 10, 20, 30]);
  });
  it('rollup records: averages weighted by count', () => {
    const out = fold(p, { t: [0, 5], cols: [[1, 3], [2, 4], [3, 5], [1, 3]] }, false);
    expect(out.avg[0]).toBe(3.5);
    expect(out.min[0]).toBe(1);
    expect(out.max[0]).toBe(5);
  });
  it('rounds averages to precision + 2', () => {
    const out = fold({ start: 0, step: 10, buckets: 1 }, { t: [0, 1, 2], cols: [[0.1, 0.2, 0.2]] }, true, 1);
    expect(out.avg[0]).toBe(0.167);
  });
});
