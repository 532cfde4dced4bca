import type { RateTracker } from '../core/rates.js';
import { round } from '../shared/units.js';
import type { ModelTokens } from './prom-mapping.js';

/**
 * Token counters → tokens per second per model (through the one rate tracker: null on the first
 * sample and after a counter reset, never a fake zero), cumulative totals, and per model the
 * last time its completion counter moved — what the idle recommendation ("loaded 2 h with no
 * generation") needs.
 */
export interface ModelThroughput {
  completion_tokens_per_s: number | null;
  prompt_tokens_per_s: number | null;
  completion_tokens_total: number | null;
  prompt_tokens_total: number | null;
  /** The completion counter rose since the previous sample. */
  generating: boolean;
  /** Wall-clock ms when the completion counter was last seen rising; null = not since headroom started. */
  last_generation_ts: number | null;
  /** Seconds since the last generation, or since headroom first saw the model when it saw none. */
  idle_s: number;
}

export interface Throughput {
  completion_tokens_per_s: number | null;
  prompt_tokens_per_s: number | null;
  completion_tokens_total: number | null;
  prompt_tokens_total: number | null;
  generating: boolean;
  per_model: Record<string, ModelThroughput>;
}

export interface Activity {
  firstSeenMs: number;
  lastGenerationMs: number | null;
}

export interface ThroughputInput {
  models: Record<string, ModelTokens>;
  rates: RateTracker;
  /** Distinguishes endpoints sharing one tracker. */
  keyPrefix: string;
  monoMs: number;
  wallMs: number;
  /** Per model key (prefixed); kept by the caller between ticks. */
  activity: Map<string, Activity>;
  /** Rate keys and activity keys used this tick, for the caller's retainOnly. */
  usedKeys: Set<string>;
  /** Requests in flight, when the server says: a running request counts as generating. */
  running?: number | null;
}

function sumOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

export function computeThroughput(input: ThroughputInput): Throughput {
  const per_model: Record<string, ModelThroughput> = {};
  const raw: { completion: number | null; prompt: number | null }[] = [];
  for (const [model, t] of Object.entries(input.models)) {
    const key = `${input.keyPrefix}|${model}`;
    const rate = (which: string, v: number | null) => {
      if (v === null) return null;
      input.usedKeys.add(`${key}|${which}`);
      return input.rates.rate(`${key}|${which}`, v, input.monoMs);
    };
    const completionRate = rate('completion', t.completion_total);
    const promptRate = rate('prompt', t.prompt_total);
    input.usedKeys.add(key);
    const act = input.activity.get(key) ?? { firstSeenMs: input.wallMs, lastGenerationMs: null };
    const generating = completionRate !== null && completionRate > 0;
    if (generating) act.lastGenerationMs = input.wallMs;
    input.activity.set(key, act);
    raw.push({ completion: completionRate, prompt: promptRate });
    per_model[model] = {
      completion_tokens_per_s: round(completionRate, 1),
      prompt_tokens_per_s: round(promptRate, 1),
      completion_tokens_total: round(t.completion_total, 0),
      prompt_tokens_total: round(t.prompt_total, 0),
      generating,
      last_generation_ts: act.lastGenerationMs,
      idle_s: Math.max(0, Math.round((input.wallMs - (act.lastGenerationMs ?? act.firstSeenMs)) / 1000)),
    };
  }
  const list = Object.values(per_model);
  return {
    completion_tokens_per_s: round(sumOrNull(raw.map((r) => r.completion)), 1),
    prompt_tokens_per_s: round(sumOrNull(raw.map((r) => r.prompt)), 1),
    completion_tokens_total: sumOrNull(list.map((m) => m.completion_tokens_total)),
    prompt_tokens_total: sumOrNull(list.map((m) => m.prompt_tokens_total)),
    generating: list.some((m) => m.generating) || (input.running ?? 0) > 0,
    per_model,
  };
}

/** Drop activity entries of models not seen this tick. */
export function pruneActivity(activity: Map<string, Activity>, used: Set<string>): void {
  for (const k of activity.keys()) if (!used.has(k)) activity.delete(k);
}
