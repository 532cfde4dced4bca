import { describe, expect, it } from 'vitest';
import { leastSquares, MAX_POINTS, RssSeries } from '../../src/services/growth.js';

describe('leastSquares', () => {
  it('recovers slope and r² of a line, of noisy data, and of flat data', () => {
    expect(leastSquares([0, 1, 2, 3], [5, 7, 9, 11])).toEqual({ slope: 2, r2: 1 });
    const noisy = leastSquares([0, 1, 2, 3, 4, 5], [0, 1.2, 1.8, 3.3, 3.9, 5.1]);
    expect(noisy.slope).toBeCloseTo(1.0, 1);
    expect(noisy.r2).toBeGreaterThan(0.97);
    expect(noisy.r2).toBeLessThan(1);
    expect(leastSquares([0, 1, 2], [4, 4, 4])).toEqual({ slope: 0, r2: 1 });
    expect(leastSquares([1, 1, 1], [1, 2, 3])).toEqual({ slope: 0, r2: 0 }); // no spread in x: no slope
  });
});

describe('RssSeries (memory growth over idle.leak_window)', () => {
  it('null with the reason until the window is half full with 5 samples, then MB/h', () => {
    const s = new RssSeries(20_000);
    for (let i = 0; i < 5; i++) s.add(i * 1000, 100 + i * 2); // 2 MB/s over 4 s: too short
    const early = s.growth();
    expect(early).toMatchObject({ mb_h: null, r2: null, points: 5, span_s: 4 });
    expect(early.reason).toMatch(/collecting: 5 samples over 4 s of the 20 s window/);
    for (let i = 5; i <= 12; i++) s.add(i * 1000, 100 + i * 2);
    const g = s.growth();
    expect(g.reason).toBeNull();
    expect(g.mb_h).toBeCloseTo(7200, 6); // 2 MB/s = 7200 MB/h
    expect(g.r2).toBeCloseTo(1, 9);
  });

  it('a sawtooth (GC) around a steady leak still gives the leak rate', () => {
    const s = new RssSeries(60_000);
    for (let i = 0; i <= 60; i++) s.add(i * 1000, 500 + i * 0.1 + (i % 5 === 4 ? -3 : 0));
    const g = s.growth();
    expect(g.mb_h! / 360).toBeCloseTo(1, 1); // 0.1 MB/s = 360 MB/h
    expect(g.r2!).toBeLessThan(1);
  });

  it('keeps only the window: an old burst is forgotten, flat memory reads 0', () => {
    const s = new RssSeries(10_000);
    for (let i = 0; i <= 10; i++) s.add(i * 1000, 100 + i * 50); // a fast climb…
    for (let i = 11; i <= 40; i++) s.add(i * 1000, 600); // …then flat for 30 s
    expect(s.growth()).toMatchObject({ mb_h: 0, span_s: 10 });
  });

  it('is bounded: at most MAX_POINTS (+2) samples however often it is fed, and ignores time going back', () => {
    const s = new RssSeries(3_600_000);
    for (let t = 0; t <= 3_600_000; t += 500) s.add(t, 1000 + t / 3_600_000); // 1 MB/h, every 0.5 s for an hour
    expect(s.size).toBeLessThanOrEqual(MAX_POINTS + 2);
    expect(s.size).toBeGreaterThan(MAX_POINTS / 2);
    expect(s.growth().mb_h).toBeCloseTo(1, 3);
    const before = s.size;
    s.add(1000, 5000);
    expect(s.size).toBe(before);
  });

  it('clear() starts over (a stopped service)', () => {
    const s = new RssSeries(4000);
    for (let i = 0; i < 6; i++) s.add(i * 1000, i);
    s.clear();
    expect(s.growth()).toMatchObject({ mb_h: null, points: 0 });
  });
});
