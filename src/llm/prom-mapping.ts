import { type PromSample, type PromText, promHistogram } from '../parsers/prom-text.js';
import { round } from '../shared/units.js';

/**
 * What each inference server calls its token counters, queue and KV cache on /metrics, and the
 * one reading of them: cumulative prompt and completion tokens per model, requests running and
 * queued, KV-cache use. Names from each project's documentation:
 *  - vLLM (`vllm:*`, label model_name): prompt_tokens_total, generation_tokens_total,
 *    num_requests_running / _waiting, kv_cache_usage_perc (gpu_cache_usage_perc before v0.10), 0–1.
 *  - llama.cpp server with --metrics (`llamacpp:*`, no model label): prompt_tokens_total,
 *    tokens_predicted_total, requests_processing / _deferred, kv_cache_usage_ratio (older builds), 0–1.
 *  - TGI (`tgi_*`): tokens only as per-request histograms — input_length and generated_tokens;
 *    their `_sum` is the running total (it moves when a request finishes). batch_current_size,
 *    queue_size. No KV figure.
 *  - SGLang (`sglang:*`, label model_name): prompt_tokens_total, generation_tokens_total,
 *    num_running_reqs, num_queue_reqs, token_usage (KV pool use, 0–1).
 *  - Ollama: upstream has no /metrics (ollama/ollama#3144). Exporters that proxy it publish
 *    ollama_tokens_processed_total (prompt) and ollama_tokens_generated_total (completion),
 *    label model; the plainer ollama_prompt_tokens_total / ollama_completion_tokens_total too.
 */
export type InferenceKind = 'vllm' | 'llamacpp' | 'tgi' | 'sglang' | 'ollama';

interface Counter {
  name: string;
  /** A plain counter, or the `_sum` of a histogram. */
  from: 'value' | 'histogram_sum';
}
interface KindMap {
  kind: InferenceKind;
  prompt: Counter[];
  completion: Counter[];
  running: string[];
  queued: string[];
  /** KV-cache gauges reported as a 0–1 fraction. */
  kvFraction: string[];
  modelLabels: string[];
}

const c = (name: string, from: Counter['from'] = 'value'): Counter => ({ name, from });

export const KIND_MAPS: readonly KindMap[] = [
  {
    kind: 'vllm',
    prompt: [c('vllm:prompt_tokens_total')],
    completion: [c('vllm:generation_tokens_total')],
    running: ['vllm:num_requests_running'],
    queued: ['vllm:num_requests_waiting'],
    kvFraction: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
    modelLabels: ['model_name'],
  },
  {
    kind: 'llamacpp',
    prompt: [c('llamacpp:prompt_tokens_total')],
    completion: [c('llamacpp:tokens_predicted_total')],
    running: ['llamacpp:requests_processing'],
    queued: ['llamacpp:requests_deferred'],
    kvFraction: ['llamacpp:kv_cache_usage_ratio'],
    modelLabels: [],
  },
  {
    kind: 'tgi',
    prompt: [c('tgi_request_input_length', 'histogram_sum')],
    completion: [c('tgi_request_generated_tokens', 'histogram_sum')],
    running: ['tgi_batch_current_size'],
    queued: ['tgi_queue_size'],
    kvFraction: [],
    modelLabels: [],
  },
  {
    kind: 'sglang',
    prompt: [c('sglang:prompt_tokens_total')],
    completion: [c('sglang:generation_tokens_total')],
    running: ['sglang:num_running_reqs'],
    queued: ['sglang:num_queue_reqs'],
    kvFraction: ['sglang:token_usage'],
    modelLabels: ['model_name'],
  },
  {
    kind: 'ollama',
    prompt: [c('ollama_tokens_processed_total'), c('ollama_prompt_tokens_total')],
    completion: [c('ollama_tokens_generated_total'), c('ollama_completion_tokens_total')],
    running: [],
    queued: [],
    kvFraction: [],
    modelLabels: ['model'],
  },
];

export interface ModelTokens {
  prompt_total: number | null;
  completion_total: number | null;
}

export interface InferenceReading {
  kind: InferenceKind;
  /** Model → cumulative tokens; series without a model label go under `fallbackModel`. */
  models: Record<string, ModelTokens>;
  running: number | null;
  queued: number | null;
  kv_cache_pct: number | null;
}

const allNames = (m: KindMap) => [...m.prompt, ...m.completion].map((x) => (x.from === 'histogram_sum' ? `${x.name}_sum` : x.name));

/** The kind whose token counters appear on the page, in table order; null when none does. */
export function detectKind(text: PromText, prefer?: InferenceKind): InferenceKind | null {
  const names = new Set(text.samples.map((s) => s.name));
  const order = prefer ? [...KIND_MAPS.filter((m) => m.kind === prefer), ...KIND_MAPS.filter((m) => m.kind !== prefer)] : KIND_MAPS;
  return order.find((m) => allNames(m).some((n) => names.has(n)))?.kind ?? null;
}

/**
 * Tensor- and pipeline-parallel ranks each report the same requests; counting every rank would
 * multiply the tokens, so only rank 0 is read. Data-parallel engines do separate work and add up.
 */
const replica = (s: { labels: Record<string, string> }) =>
  (s.labels.tp_rank !== undefined && s.labels.tp_rank !== '0') || (s.labels.pp_rank !== undefined && s.labels.pp_rank !== '0');

function modelOf(labels: Record<string, string>, map: KindMap, fallback: string): string {
  for (const l of map.modelLabels) if (labels[l]) return labels[l];
  return fallback;
}

/** Per model: the sum over series of the first of `counters` the page has. */
function counterByModel(text: PromText, counters: Counter[], map: KindMap, fallback: string): Map<string, number> | null {
  for (const ctr of counters) {
    const series: { labels: Record<string, string>; value: number }[] =
      ctr.from === 'histogram_sum'
        ? promHistogram(text, ctr.name).flatMap((h) => (h.sum === null ? [] : [{ labels: h.labels, value: h.sum }]))
        : text.samples.filter((s) => s.name === ctr.name);
    const kept = series.filter((s) => !replica(s) && Number.isFinite(s.value) && s.value >= 0);
    if (kept.length === 0) continue;
    const out = new Map<string, number>();
    for (const s of kept) {
      const m = modelOf(s.labels, map, fallback);
      out.set(m, (out.get(m) ?? 0) + s.value);
    }
    return out;
  }
  return null;
}

function gauge(text: PromText, names: string[], combine: (values: number[]) => number): number | null {
  for (const n of names) {
    const vals = text.samples.filter((s: PromSample) => s.name === n && !replica(s) && Number.isFinite(s.value)).map((s) => s.value);
    if (vals.length > 0) return combine(vals);
  }
  return null;
}

/** Read one page as `kind`; null when the page has none of that kind's token counters. */
export function readInference(text: PromText, kind: InferenceKind, fallbackModel: string): InferenceReading | null {
  const map = KIND_MAPS.find((m) => m.kind === kind)!;
  const prompt = counterByModel(text, map.prompt, map, fallbackModel);
  const completion = counterByModel(text, map.completion, map, fallbackModel);
  if (!prompt && !completion) return null;
  const models: Record<string, ModelTokens> = {};
  for (const name of new Set([...(prompt?.keys() ?? []), ...(completion?.keys() ?? [])])) {
    models[name] = { prompt_total: prompt?.get(name) ?? null, completion_total: completion?.get(name) ?? null };
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  // Each engine has its own cache; the fullest one is the one that stalls requests.
  const kv = gauge(text, map.kvFraction, (v) => Math.max(...v));
  return {
    kind,
    models,
    running: gauge(text, map.running, sum),
    queued: gauge(text, map.queued, sum),
    kv_cache_pct: kv === null ? null : round(Math.min(100, Math.max(0, kv * 100)), 2),
  };
}
