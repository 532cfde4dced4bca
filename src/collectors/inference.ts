import { defineCollector, type Payload } from '../core/collector.js';
import type { Config } from '../core/config/schema.js';
import type { InferenceKind } from '../llm/prom-mapping.js';
import { metricsUrl, scrapeInference } from '../llm/scrape.js';
import { type Activity, computeThroughput, type ModelThroughput, pruneActivity, type Throughput } from '../llm/throughput.js';
import { metric } from '../shared/metrics.js';
import { round } from '../shared/units.js';
import { throughputMetrics } from './ollama-tokens.js';

/**
 * inference_monitor (SPEC §2.2): token throughput, requests running and queued, and KV-cache
 * use for the servers listed in `inference: [{name, kind, url}]` — vLLM, llama.cpp server,
 * TGI, SGLang (metric names in src/llm/prom-mapping.ts). Endpoints are scraped in parallel,
 * each with its own timeout; one down does not hide the others. Top-level figures add up the
 * endpoints that answered.
 */
export interface EndpointPayload extends Partial<Throughput> {
  name: string;
  kind: Config['inference'][number]['kind'];
  url: string;
  available: boolean;
  reason: string | null;
  /** Which naming the page used (equals `kind` unless that is auto). */
  detected_kind: InferenceKind | null;
  running: number | null;
  queued: number | null;
  kv_cache_pct: number | null;
  parse_errors?: number;
}

export interface InferencePayload extends Payload, Partial<Throughput> {
  available: boolean;
  reason: string | null;
  running?: number | null;
  queued?: number | null;
  endpoints: EndpointPayload[];
}

interface InferenceState {
  activity?: Map<string, Activity>;
}

const metrics = [
  ...throughputMetrics(),
  metric('running', 'running', 'count', 'gauge', 'requests being processed, all endpoints'),
  metric('queued', 'queued', 'count', 'gauge', 'requests waiting, all endpoints'),
  ...throughputMetrics('endpoints[endpoint].', ', one endpoint').map((m) => ({ ...m, name: `endpoint_${m.name}` })),
  metric('endpoint_running', 'endpoints[endpoint].running', 'count', 'gauge', 'requests being processed by one endpoint'),
  metric('endpoint_queued', 'endpoints[endpoint].queued', 'count', 'gauge', 'requests waiting at one endpoint'),
  metric('endpoint_kv_cache_pct', 'endpoints[endpoint].kv_cache_pct', 'percent', 'gauge', 'KV-cache in use at one endpoint', 1),
  metric('endpoint_available', 'endpoints[endpoint].available', 'count', 'gauge', '1 while an endpoint answered with token counters'),
];

const sumOrNull = (vals: (number | null | undefined)[]): number | null => {
  const v = vals.filter((x): x is number => typeof x === 'number');
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0);
};

/** One model served by several endpoints: rates and totals add up, the latest generation wins. */
function mergeModels(endpoints: EndpointPayload[]): Record<string, ModelThroughput> {
  const out: Record<string, ModelThroughput> = {};
  const add = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
  const later = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const e of endpoints) {
    for (const [model, m] of Object.entries(e.per_model ?? {})) {
      const o = out[model];
      out[model] = !o
        ? { ...m }
        : {
            completion_tokens_per_s: round(add(o.completion_tokens_per_s, m.completion_tokens_per_s), 1),
            prompt_tokens_per_s: round(add(o.prompt_tokens_per_s, m.prompt_tokens_per_s), 1),
            completion_tokens_total: add(o.completion_tokens_total, m.completion_tokens_total),
            prompt_tokens_total: add(o.prompt_tokens_total, m.prompt_tokens_total),
            generating: o.generating || m.generating,
            last_generation_ts: later(o.last_generation_ts, m.last_generation_ts),
            idle_s: Math.min(o.idle_s, m.idle_s),
          };
    }
  }
  return out;
}

export const inferenceMonitor = defineCollector<InferencePayload, InferenceState>({
  name: 'inference_monitor',
  description: 'vLLM / llama.cpp / TGI / SGLang endpoints: tokens/s, running and queued requests, KV-cache use',
  interval: 5,
  metrics,
  async collect(ctx) {
    const list = ctx.config.inference;
    if (list.length === 0) {
      return { available: false, reason: 'no inference endpoints configured (inference: [{name, kind, url}])', endpoints: [] };
    }
    ctx.state.activity ??= new Map();
    const activity = ctx.state.activity;
    const used = new Set<string>();
    const mono = ctx.clock.monotonicMs();
    const wall = ctx.clock.wallMs();
    const endpoints = await Promise.all(
      list.map(async (e): Promise<EndpointPayload> => {
        const url = metricsUrl(e.url);
        const base = { name: e.name, kind: e.kind, url };
        const s = await scrapeInference(url, { timeoutMs: e.timeout_ms, signal: ctx.signal, kind: e.kind, fallbackModel: e.name });
        if (!s.ok) return { ...base, available: false, reason: s.reason, detected_kind: null, running: null, queued: null, kv_cache_pct: null };
        const figures = computeThroughput({
          models: s.reading.models,
          rates: ctx.rates,
          keyPrefix: `${e.name}|${url}`,
          monoMs: mono,
          wallMs: wall,
          activity,
          usedKeys: used,
          running: s.reading.running,
        });
        return {
          ...base,
          available: true,
          reason: null,
          detected_kind: s.reading.kind,
          ...figures,
          running: s.reading.running,
          queued: s.reading.queued,
          kv_cache_pct: round(s.reading.kv_cache_pct, 1),
          parse_errors: s.parse_errors,
        };
      }),
    );
    // An endpoint that failed this tick starts over: its next rate is null, not a jump.
    ctx.rates.retainOnly(used);
    pruneActivity(activity, used);
    const up = endpoints.filter((e) => e.available);
    return {
      available: up.length > 0,
      reason: up.length > 0 ? null : endpoints.map((e) => `${e.name}: ${e.reason}`).join('; '),
      completion_tokens_per_s: round(sumOrNull(up.map((e) => e.completion_tokens_per_s)), 1),
      prompt_tokens_per_s: round(sumOrNull(up.map((e) => e.prompt_tokens_per_s)), 1),
      completion_tokens_total: sumOrNull(up.map((e) => e.completion_tokens_total)),
      prompt_tokens_total: sumOrNull(up.map((e) => e.prompt_tokens_total)),
      generating: up.some((e) => e.generating),
      running: sumOrNull(up.map((e) => e.running)),
      queued: sumOrNull(up.map((e) => e.queued)),
      per_model: mergeModels(up),
      endpoints,
    };
  },
});
