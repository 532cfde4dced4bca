import { describe, expect, it } from 'vitest';
import { RateTracker } from './rates.js';

describe('RateTracker', () => {
  it('is null on the first sample, then a per-second float rate over monotonic time', () => {
    const r = new RateTracker();
    expect(r.rate('rx', 1000, 0)).toBeNull();
    expect(r.rate('rx', 4000, 2000)).toBe(1500);
    expect(r.rate('rx', 4001, 2500)).toBeCloseTo(2, 10); // float division, not integer
  });

  it('returns null on a counter reset or wrap, then measures from the new baseline', () => {
    const r = new RateTracker();
    r.rate('x', 5_000_000, 0);
    expect(r.rate('x', 10, 1000)).toBeNull();
    expect(r.rate('x', 110, 2000)).toBe(100);
  });

  it('returns null when no time passed or time went backwards, never Infinity', () => {
    const r = new RateTracker();
    r.rate('x', 1, 1000);
    expect(r.rate('x', 2, 1000)).toBeNull();
    expect(r.rate('x', 3, 500)).toBeNull();
  });

  it('keeps keys apart and forgets keys not retained', () => {
    const r = new RateTracker();
    r.rate('a', 0, 0);
    r.rate('b', 0, 0);
    r.retainOnly(new Set(['a']));
    expect(r.has('a')).toBe(true);
    expect(r.has('b')).toBe(false);
    expect(r.rate('b', 100, 1000)).toBeNull(); // b starts over
    expect(r.rate('a', 100, 1000)).toBe(100);
  });

  it('ignores non-finite values without poisoning the baseline', () => {
    const r = new RateTracker();
    r.rate('x', 0, 0);
    expect(r.rate('x', Number.NaN, 1000)).toBeNull();
    expect(r.rate('x', 50, 2000)).toBe(25);
  });

  it('delta gives raw difference and elapsed time', () => {
    const r = new RateTracker();
    expect(r.delta('j', 100, 0)).toBeNull();
    expect(r.delta('j', 160, 500)).toEqual({ delta: 60, elapsedMs: 500 });
  });

  it('sweep() forgets what was neither fed nor kept since the previous sweep; kept keys keep their baseline', () => {
    const r = new RateTracker();
    r.rate('fed', 0, 0);
    r.rate('kept', 100, 0);
    r.rate('gone', 0, 0);
    r.sweep();
    r.rate('fed', 10, 1000);
    r.keep('kept'); // not re-read this pass
    r.keep('never-seen'); // no effect
    r.sweep();
    expect(r.has('fed')).toBe(true);
    expect(r.has('gone')).toBe(false);
    expect(r.has('never-seen')).toBe(false);
    // The kept baseline spans both passes: 100 → 300 over 2 s.
    expect(r.rate('kept', 300, 2000)).toBe(100);
    expect(r.rate('gone', 5, 2000)).toBeNull();
  });
});
