import { setTimeout as sleep } from 'node:timers/promises';
import Value from 'typebox/value';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostFs } from '../host/hostfs.js';
import { Bus, type SampleEvent } from './bus.js';
import { systemClock } from './clock.js';
import type { AnyCollector, CollectorContext } from './collector.js';
import { ConfigSchema } from './config/schema.js';
import { LatestCache } from './latest.js';
import { Scheduler } from './scheduler.js';

const config = Value.Default(ConfigSchema, {}) as ReturnType<typeof Value.Default> & object;

function harness() {
  const bus = new Bus();
  const cache = new LatestCache();
  const events: SampleEvent[] = [];
  const logs: string[] = [];
  bus.on('sample', (e) => events.push(e));
  const scheduler = new Scheduler({
    fs: new HostFs(),
    clock: systemClock,
    cache,
    bus,
    // biome-ignore lint/suspicious/noExplicitAny: default config from the schema
    config: config as any,
    log: (l, m) => logs.push(`${l}: ${m}`),
  });
  return { bus, cache, events, logs, scheduler, of: (n: string) => events.filter((e) => e.plugin === n) };
}

const def = (name: string, collect: AnyCollector['collect'], extra: Partial<AnyCollector> = {}): AnyCollector => ({
  name,
  description: name,
  interval: 0.05,
  timeout: 0.1,
  metrics: [],
  collect,
  ...extra,
});

let current: Scheduler | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('scheduler', () => {
  it('runs each collector on its own interval and publishes {plugin, data, ts}', async () => {
    const h = harness();
    current = h.scheduler;
    let n = 0;
    await h.scheduler.replaceAll([def('counter', async () => ({ n: ++n }))], config as never);
    h.scheduler.start();
    await sleep(280);
    const got = h.of('counter');
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.map((e) => e.data.n)).toEqual(got.map((_, i) => i + 1));
    expect(h.cache.get('counter')?.data).toEqual(got.at(-1)?.data);
    const st = h.scheduler.status().counter!;
    expect(st.errors).toBe(0);
    expect(st.available).toBe(true);
    expect(st.last_duration_ms).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['throws synchronously', () => {
      throw new Error('boom sync');
    }, /boom sync/],
    ['rejects', async () => {
      throw new Error('boom async');
    }, /boom async/],
    ['hangs', () => new Promise<never>(() => {}), /timed out after 0.1s/],
    ['returns a non-object', async () => 42 as never, /did not return an object/],
  ])('a collector that %s yields {available:false, error} and the others are unaffected', async (_n, bad, msg) => {
    const h = harness();
    current = h.scheduler;
    let good = 0;
    await h.scheduler.replaceAll(
      [def('bad', bad as AnyCollector['collect']), def('good', async () => ({ good: ++good }))],
      config as never,
    );
    h.scheduler.start();
    await sleep(400);
    const bad1 = h.of('bad')[0]!;
    expect(bad1.data.available).toBe(false);
    expect(String(bad1.data.error)).toMatch(msg);
    // The healthy collector kept its pace: ~8 ticks in 400 ms at 50 ms; allow for a slow CI machine.
    expect(h.of('good').length).toBeGreaterThanOrEqual(5);
    const st = h.scheduler.status().bad!;
    expect(st.errors).toBeGreaterThanOrEqual(1);
    expect(st.last_error).toBeTypeOf('string'); // a hung one later reports 'still running'
    expect(st.available).toBe(false);
    expect(h.logs.filter((l) => l.includes('collector bad')).length).toBe(1); // first failure only
  });

  it('backs off exponentially while failing and recovers by itself', async () => {
    const h = harness();
    current = h.scheduler;
    let calls = 0;
    let failUntil = 4;
    const times: number[] = [];
    await h.scheduler.replaceAll(
      [
        def('flaky', async () => {
          calls++;
          times.push(performance.now());
          if (calls <= failUntil) throw new Error(`fail ${calls}`);
          return { ok: true };
        }, { interval: 0.02 }),
      ],
      config as never,
    );
    h.scheduler.start();
    await sleep(900);
    // Gaps after failures 1,2,3: 40, 80, 160 ms (interval 20 ms × 2^n).
    const gaps = times.slice(1, 4).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]! / gaps[0]!).toBeGreaterThan(1.5);
    const st = h.scheduler.status().flaky!;
    expect(st.consecutive_errors).toBe(0); // recovered
    expect(st.errors).toBe(4);
    expect(st.backoff_s).toBe(0);
    expect(h.cache.get('flaky')?.data).toEqual({ ok: true });
    expect(h.logs.some((l) => l.includes('recovered after 4'))).toBe(true);
    failUntil = 0;
  });

  it('never calls a hung collector again while it is still stuck, and reports it', async () => {
    const h = harness();
    current = h.scheduler;
    let calls = 0;
    let release: () => void = () => {};
    await h.scheduler.replaceAll(
      [
        def('stuck', (ctx: CollectorContext) => {
          calls++;
          return new Promise((resolve) => {
            release = () => resolve({ late: true });
            ctx.signal.addEventListener('abort', () => {}); // ignores abort, as a badly written plugin would
          });
        }, { interval: 0.02, timeout: 0.05 }),
      ],
      config as never,
    );
    h.scheduler.start();
    await sleep(500);
    expect(calls).toBe(1);
    const errs = h.of('stuck').map((e) => String(e.data.error));
    expect(errs[0]).toMatch(/timed out/);
    expect(errs.slice(1).some((e) => /still running a previous collection/.test(e))).toBe(true);
    release();
    await sleep(400);
    expect(calls).toBeGreaterThan(1); // free again once the stuck call settled
  });

  it('aborts the signal of a tick that overruns its timeout', async () => {
    const h = harness();
    current = h.scheduler;
    let aborted: unknown = null;
    await h.scheduler.replaceAll(
      [
        def('slow', (ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              resolve({ too: 'late' });
            });
          }), { interval: 5, timeout: 0.05 }),
      ],
      config as never,
    );
    h.scheduler.start();
    await sleep(150);
    expect(String(aborted)).toMatch(/timed out/);
    expect(h.of('slow')[0]!.data.available).toBe(false);
  });

  it('a slow collector does not delay a fast one', async () => {
    const h = harness();
    current = h.scheduler;
    await h.scheduler.replaceAll(
      [
        def('slow', async () => {
          await sleep(250);
          return { slow: true };
        }, { interval: 0.3, timeout: 1 }),
        def('fast', async () => ({ fast: true }), { interval: 0.03 }),
      ],
      config as never,
    );
    h.scheduler.start();
    await sleep(240);
    expect(h.of('slow').length).toBe(0);
    expect(h.of('fast').length).toBeGreaterThanOrEqual(4);
  });

  it('gives collectors their previous payload, a persistent rate tracker and state, and meta access', async () => {
    const h = harness();
    current = h.scheduler;
    const seen: unknown[] = [];
    await h.scheduler.replaceAll(
      [
        def('src', async (ctx) => {
          const n = ((ctx.state.n as number) ?? 0) + 1;
          ctx.state.n = n;
          seen.push(ctx.previous);
          return { n, rate: ctx.rates.rate('n', n * 10, n * 1000) };
        }, { interval: 5 }),
        def('meta', async (ctx) => ({ saw: ctx.latest('src')?.n ?? null }), { meta: true, interval: 5 }),
      ],
      config as never,
    );
    const first = await h.scheduler.runOnce();
    const second = await h.scheduler.runOnce();
    expect(first.get('src')).toEqual({ n: 1, rate: null });
    expect(second.get('src')).toEqual({ n: 2, rate: 10 });
    expect(seen).toEqual([null, { n: 1, rate: null }]);
    expect(second.get('meta')).toEqual({ saw: 2 }); // meta runs after the collectors it reads
  });

  it('runs a once-collector (interval 0) a single time, retrying only on failure', async () => {
    const h = harness();
    current = h.scheduler;
    let calls = 0;
    await h.scheduler.replaceAll(
      [
        def('once', async () => {
          calls++;
          if (calls === 1) throw new Error('not yet');
          return { ok: calls };
        }, { interval: 0, timeout: 0.1 }),
      ],
      config as never,
    );
    h.scheduler.start();
    await sleep(2500); // the first failure retries after 1 s × 2^1 = 2 s
    expect(calls).toBe(2);
    expect(h.cache.get('once')?.data).toEqual({ ok: 2 });
    await sleep(300);
    expect(calls).toBe(2);
  });

  it('pauses and resumes all collection, and retunes an interval at runtime', async () => {
    const h = harness();
    current = h.scheduler;
    await h.scheduler.replaceAll([def('t', async () => ({}), { interval: 0.05 })], config as never);
    h.scheduler.start();
    await sleep(120);
    h.scheduler.setEnabled(false);
    const paused = h.of('t').length;
    await sleep(200);
    expect(h.of('t').length).toBe(paused);
    expect(h.scheduler.status().t!.running).toBe(false);
    h.scheduler.setEnabled(true);
    h.scheduler.setInterval('t', 5);
    await sleep(200);
    expect(h.of('t').length).toBe(paused + 1); // restarted with one immediate tick, then 5 s away
    expect(h.scheduler.status().t!.interval).toBe(5);
  });

  it('replaceAll stops old runners (close called) and a stopped runner publishes nothing more', async () => {
    const h = harness();
    current = h.scheduler;
    let closed = 0;
    await h.scheduler.replaceAll(
      [def('a', async () => ({}), { close: () => void closed++ }), def('b', async () => ({}))],
      config as never,
    );
    h.scheduler.start();
    await sleep(60);
    await h.scheduler.replaceAll([def('b', async () => ({ v: 2 }))], config as never);
    expect(closed).toBe(1);
    expect(h.cache.get('a')).toBeUndefined();
    const before = h.of('a').length;
    await sleep(150);
    expect(h.of('a').length).toBe(before);
    expect(h.cache.get('b')?.data).toEqual({ v: 2 });
  });
});

describe('scheduler: shared tick grid', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collectors at 1, 2 and 5 s tick on one grid from the start, so they wake together', async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = { monotonicMs: () => Date.now(), wallMs: () => Date.now() };
    const starts = new Map<string, number[]>();
    const timed = (name: string, interval: number) =>
      def(
        name,
        async () => {
          starts.set(name, [...(starts.get(name) ?? []), clock.monotonicMs()]);
          return {};
        },
        { interval, timeout: 1 },
      );
    const scheduler = new Scheduler({
      fs: new HostFs(),
      clock,
      cache: new LatestCache(),
      bus: new Bus(),
      // biome-ignore lint/suspicious/noExplicitAny: default config from the schema
      config: config as any,
      log: () => {},
    });
    current = scheduler;
    await scheduler.replaceAll([timed('one', 1), timed('two', 2), timed('five', 5)], config as never);
    // Started off any round number: the grid is relative to start().
    await vi.advanceTimersByTimeAsync(333);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(10_100);
    expect(starts.get('one')).toEqual([333, 1333, 2333, 3333, 4333, 5333, 6333, 7333, 8333, 9333, 10333]);
    expect(starts.get('two')).toEqual([333, 2333, 4333, 6333, 8333, 10333]);
    expect(starts.get('five')).toEqual([333, 5333, 10333]);
    await scheduler.stop();
  });
});
