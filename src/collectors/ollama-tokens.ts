import { defineCollector, type Payload } from '../core/collector.js';
import type { InferenceKind } from '../llm/prom-mapping.js';
import { metricsUrl, scrapeInference } from '../llm/scrape.js';
import { type Activity, computeThroughput, pruneActivity, type Throughput } from '../llm/throughput.js';
import { metric } from '../shared/metrics.js';

/**
 * ollama_tokens (SPEC §2.2): Ollama's token throughput — completion and prompt tokens/s from
 * counter deltas, cumulative totals, per model, `generating` — read from a Prometheus text
 * endpoint (`ollama.metrics_url`). Upstream Ollama serves none (ollama/ollama#3144), so with no
 * URL, or a URL that answers 404 or lacks token counters, this reports `available: false` and
 * why: never zeros, which would claim an idle model.
 */
export interface OllamaTokensPayload extends Payload, Partial<Throughput> {
  available: boolean;
  reason: string | null;
  url: string | null;
  /** Which naming the page used (an Ollama exporter, or another server at that URL). */
  metrics_kind: InferenceKind | null;
  parse_errors?: number;
}

interface TokensState {
  activity?: Map<string, Activity>;
}

export const NO_OLLAMA_METRICS =
  'upstream Ollama has no Prometheus /metrics endpoint (ollama/ollama#3144); set ollama.metrics_url to an exporter that publishes Ollama token counters';

export const throughputMetrics = (prefix = '', labels = '') => [
  metric('completion_tokens_per_s', `${prefix}completion_tokens_per_s`, 'per_second', 'gauge', `completion (generated) tokens per second${labels}`, 1),
  metric('prompt_tokens_per_s', `${prefix}prompt_tokens_per_s`, 'per_second', 'gauge', `prompt (prefill) tokens per second${labels}`, 1),
  metric('completion_tokens_total', `${prefix}completion_tokens_total`, 'count', 'counter', `completion tokens since the server started${labels}`),
  metric('prompt_tokens_total', `${prefix}prompt_tokens_total`, 'count', 'counter', `prompt tokens since the server started${labels}`),
  metric('generating', `${prefix}generating`, 'count', 'gauge', `1 while tokens are being generated${labels}`),
];

const metrics = [
  ...throughputMetrics(),
  metric('model_completion_tokens_per_s', 'per_model{model}.completion_tokens_per_s', 'per_second', 'gauge', 'completion tokens per second of one model', 1),
  metric('model_idle_s', 'per_model{model}.idle_s', 'seconds', 'gauge', 'seconds since a model last generated', 0),
];

export const ollamaTokens = defineCollector<OllamaTokensPayload, TokensState>({
  name: 'ollama_tokens',
  description: 'Ollama token throughput (tokens/s, totals, per model) from a Prometheus text endpoint',
  interval: 5,
  metrics,
  async collect(ctx) {
    const configured = ctx.config.ollama.metrics_url;
    if (!configured) return { available: false, reason: NO_OLLAMA_METRICS, url: null, metrics_kind: null };
    const url = metricsUrl(configured);
    const scrape = await scrapeInference(url, { timeoutMs: ctx.config.ollama.timeout_ms, signal: ctx.signal, kind: 'auto', prefer: 'ollama', fallbackModel: 'ollama' });
    if (!scrape.ok) {
      ctx.rates.clear();
      ctx.state.activity = new Map();
      const reason = scrape.status === 404 ? `${scrape.reason}; ${NO_OLLAMA_METRICS}` : scrape.reason;
      return { available: false, reason, url, metrics_kind: null };
    }
    ctx.state.activity ??= new Map();
    const used = new Set<string>();
    const figures = computeThroughput({
      models: scrape.reading.models,
      rates: ctx.rates,
      keyPrefix: 'ollama',
      monoMs: ctx.clock.monotonicMs(),
      wallMs: ctx.clock.wallMs(),
      activity: ctx.state.activity,
      usedKeys: used,
      running: scrape.reading.running,
    });
    ctx.rates.retainOnly(used);
    pruneActivity(ctx.state.activity, used);
    return { available: true, reason: null, url, metrics_kind: scrape.reading.kind, ...figures, parse_errors: scrape.parse_errors };
  },
});
