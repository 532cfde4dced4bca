import { describe, expect, it } from 'vitest';
import { RateTracker } from '../core/rates.js';
import { type Activity, computeThroughput, pruneActivity } from './throughput.js';

function tracker() {
  const rates = new RateTracker();
  const activity = new Map<string, Activity>();
  let mono = 0;
  let wall = Date.UTC(2026, 0, 1);
  const tick = (models: Record<string, { prompt_total: number | null; completion_total: number | null }>, advanceMs: number, running: number | null = null) => {
    mono += advanceMs;
    wall += advanceMs;
    const used = new Set<string>();
    const t = computeThroughput({ models, rates, keyPrefix: 'ep', monoMs: mono, wallMs: wall, activity, usedKeys: used, running });
    rates.retainOnly(used);
    pruneActivity(activity, used);
    return { t, wall };
  };
  return { tick, activity };
}

describe('computeThroughput', () => {
  it('null rates on the first sample, then deltas over time; totals summed', () => {
    const { tick } = tracker();
    const first = tick({ a: { prompt_total: 1000, completion_total: 500 } }, 0).t;
    expect(first).toMatchObject({ completion_tokens_per_s: null, prompt_tokens_per_s: null, completion_tokens_total: 500, prompt_tokens_total: 1000, generating: false });
    const second = tick({ a: { prompt_total: 1100, completion_total: 700 } }, 5000).t;
    expect(second).toMatchObject({ completion_tokens_per_s: 40, prompt_tokens_per_s: 20, completion_tokens_total: 700, generating: true });
    expect(second.per_model.a).toMatchObject({ completion_tokens_per_s: 40, generating: true });
  });

  it('a counter reset (server restart) gives null, not a negative or a spike', () => {
    const { tick } = tracker();
    tick({ a: { prompt_total: 1000, completion_total: 5000 } }, 0);
    expect(tick({ a: { prompt_total: 10, completion_total: 20 } }, 5000).t.completion_tokens_per_s).toBeNull();
    expect(tick({ a: { prompt_total: 10, completion_total: 70 } }, 5000).t.completion_tokens_per_s).toBe(10);
  });

  it('per-model rates add up; idle_s and last_generation_ts follow the completion counter', () => {
    const { tick } = tracker();
    const t0 = tick({ a: { prompt_total: 0, completion_total: 0 }, b: { prompt_total: 0, completion_total: 100 } }, 0);
    const t1 = tick({ a: { prompt_total: 0, completion_total: 50 }, b: { prompt_total: 0, completion_total: 100 } }, 10_000);
    expect(t1.t.completion_tokens_per_s).toBe(5);
    expect(t1.t.per_model.a).toMatchObject({ generating: true, last_generation_ts: t1.wall, idle_s: 0 });
    // b never generated since first seen: idle counts from first sight.
    expect(t1.t.per_model.b).toMatchObject({ generating: false, last_generation_ts: null, idle_s: 10 });
    const t2 = tick({ a: { prompt_total: 0, completion_total: 50 }, b: { prompt_total: 0, completion_total: 100 } }, 60_000);
    expect(t2.t.per_model.a).toMatchObject({ generating: false, last_generation_ts: t1.wall, idle_s: 60 });
    expect(t2.t.per_model.b!.idle_s).toBe(70);
    expect(t0.t.per_model.b!.idle_s).toBe(0);
  });

  it('a running request counts as generating even between counter moves', () => {
    const { tick } = tracker();
    expect(tick({ a: { prompt_total: 1, completion_total: 1 } }, 0, 2).t.generating).toBe(true);
  });

  it('a model that disappears is forgotten; when it returns its rate starts over', () => {
    const { tick, activity } = tracker();
    tick({ a: { prompt_total: 1, completion_total: 1 } }, 0);
    tick({}, 5000);
    expect(activity.size).toBe(0);
    expect(tick({ a: { prompt_total: 1, completion_total: 100 } }, 5000).t.completion_tokens_per_s).toBeNull();
  });
});
