import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from './clock.js';
import { LATE_WAIT_MS, Wakeups } from './wakeups.js';

// Fake timers move Date.now(); the monotonic clock follows it, plus `skew` (a clock read ahead of
// or behind the timer's own, as Node's cached loop time is).
let skew = 0;
const clock: Clock = { monotonicMs: () => Date.now() + skew, wallMs: () => Date.now() };

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  skew = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Wakeups', () => {
  it('uses one timer for everything, runs what is due together in one go, oldest first, nothing early', () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    w.at(100, () => ran.push('a'));
    w.at(100, () => ran.push('b'));
    w.at(50, () => ran.push('c'));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(49);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['c']);
    vi.advanceTimersByTime(49);
    expect(ran).toEqual(['c']);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['c', 'a', 'b']);
    expect(w.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a callback a little early rather than waking again for it, and re-arms for later ones', () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    w.at(101.5, () => ran.push('a'));
    w.at(300, () => ran.push('b'));
    skew = -1; // the timer fires at 101 on its clock, the monotonic clock reads 100
    vi.advanceTimersByTime(102);
    expect(ran).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(['a', 'b']);
  });

  it('a callback planning the next one is honoured; cancelling the last one drops the timer', () => {
    const w = new Wakeups(clock);
    let n = 0;
    let cancel = () => {};
    const tick = () => {
      n++;
      cancel = w.at(clock.monotonicMs() + 10, tick);
    };
    cancel = w.at(10, tick);
    vi.advanceTimersByTime(35);
    expect(n).toBe(3);
    cancel();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(n).toBe(3);
  });

  it('an earlier callback added later moves the timer forward', () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    w.at(100, () => ran.push('late'));
    w.at(20, () => ran.push('early'));
    vi.advanceTimersByTime(20);
    expect(ran).toEqual(['early']);
  });

  it('late callbacks of a wake-up run after the others have settled, in the same wake-up', async () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    let release = () => {};
    w.at(100, () => ran.push('meta'), true);
    w.at(100, () => {
      ran.push('ram start');
      return new Promise<void>((r) => {
        release = () => {
          ran.push('ram done');
          r();
        };
      });
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(ran).toEqual(['ram start']);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(ran).toEqual(['ram start', 'ram done', 'meta']);
  });

  it('a hung collector holds late callbacks back LATE_WAIT_MS at most; a cancelled one never runs', async () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    w.at(100, () => ran.push('meta'), true);
    const cancel = w.at(100, () => ran.push('cancelled'), true);
    w.at(100, () => new Promise(() => {}));
    await vi.advanceTimersByTimeAsync(100);
    cancel();
    await vi.advanceTimersByTimeAsync(LATE_WAIT_MS - 1);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['meta']);
  });

  it('late callbacks with nothing else due run at once', () => {
    const w = new Wakeups(clock);
    const ran: string[] = [];
    w.at(100, () => ran.push('meta'), true);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(['meta']);
  });
});
