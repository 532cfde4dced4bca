import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import { httpGetJson, joinUrl } from '../llm/http.js';
import { type LoadedModel, parseOllamaPs, parseOllamaTags } from '../llm/ollama-api.js';
import { metric } from '../shared/metrics.js';
import { round } from '../shared/units.js';

/**
 * ollama_monitor (SPEC §2.2): the models Ollama holds in memory, from its REST API (`/api/ps`),
 * and how many it has installed (`/api/tags`). For the idle recommendation ("a model loaded 2 h
 * with no generation holding 10 GB VRAM") each loaded model carries when it last did work:
 *  - from ollama_tokens' per-model counters when a metrics endpoint is configured;
 *  - otherwise from its keep-alive deadline: Ollama pushes `expires_at` forward when a request
 *    ends, so a deadline that moved means the model just served one (models kept forever have
 *    no deadline and show activity only through token counters).
 */
export interface LoadedModelPayload extends LoadedModel {
  /** Wall ms when headroom first saw the model loaded (this load). */
  first_seen_ts: number;
  /** Wall ms of the last activity seen; null = none since headroom first saw it. */
  last_generation_ts: number | null;
  /** Seconds since the last activity, or since first seen when there was none. */
  idle_s: number;
  activity_source: 'tokens' | 'keep_alive' | null;
}

export interface OllamaPayload extends Payload {
  available: boolean;
  reason: string | null;
  base_url: string;
  loaded_models: LoadedModelPayload[];
  loaded_count: number | null;
  /** Installed models (/api/tags); null when that call failed while /api/ps worked. */
  total_models: number | null;
  total_models_reason: string | null;
  /** VRAM held by loaded models: what the headroom projection counts as resident; null = unknown. */
  total_vram_gb: number | null;
  vram_gb_by_model: Record<string, number>;
  /** The strip's LLM annotation: model name (or count), tokens/s and whether it is generating. */
  llm: { label: string | null; completion_tokens_per_s: number | null; generating: boolean | null; tokens_source: 'ollama_tokens' | null };
}

interface Seen {
  firstSeenMs: number;
  lastActivityMs: number | null;
  source: LoadedModelPayload['activity_source'];
  expiresAtMs: number | null;
}
interface OllamaState {
  models?: Map<string, Seen>;
}

const PS_MAX_BYTES = 1024 * 1024;
const TAGS_MAX_BYTES = 8 * 1024 * 1024;
/** A deadline that moved less than this is the same deadline (Ollama recomputes it for loading models). */
const DEADLINE_JITTER_MS = 1000;

const metrics = [
  metric('loaded_count', 'loaded_count', 'count', 'gauge', 'models Ollama holds in memory'),
  metric('total_models', 'total_models', 'count', 'gauge', 'models installed in Ollama'),
  metric('total_vram_gb', 'total_vram_gb', 'gigabytes', 'gauge', 'VRAM held by loaded Ollama models', 2),
  metric('model_vram_gb', 'vram_gb_by_model{model}', 'gigabytes', 'gauge', 'VRAM held by one loaded model', 2),
];

export const ollamaMonitor = defineCollector<OllamaPayload, OllamaState>({
  name: 'ollama_monitor',
  description: 'Models loaded in Ollama: VRAM, family, size, quantisation, context, keep-alive timer, idle time',
  interval: 5,
  metrics,
  async collect(ctx) {
    const { base_url: base, timeout_ms: timeoutMs } = ctx.config.ollama;
    const opts = { timeoutMs, signal: ctx.signal };
    const [ps, tags] = await Promise.allSettled([
      httpGetJson(joinUrl(base, '/api/ps'), { ...opts, maxBytes: PS_MAX_BYTES }),
      httpGetJson(joinUrl(base, '/api/tags'), { ...opts, maxBytes: TAGS_MAX_BYTES }),
    ]);
    const now = ctx.clock.wallMs();
    let loaded: LoadedModel[];
    try {
      if (ps.status === 'rejected') throw ps.reason;
      loaded = parseOllamaPs(ps.value, now, joinUrl(base, '/api/ps'));
    } catch (err) {
      ctx.state.models = new Map();
      return unavailable(base, err instanceof Error ? err.message : String(err));
    }
    let total: number | null = null;
    let totalReason: string | null = null;
    try {
      if (tags.status === 'rejected') throw tags.reason;
      total = parseOllamaTags(tags.value, joinUrl(base, '/api/tags'));
    } catch (err) {
      totalReason = err instanceof Error ? err.message : String(err);
    }
    const models = withActivity(ctx, loaded, now);
    const vramBy: Record<string, number> = {};
    for (const m of models) if (m.size_vram_gb !== null) vramBy[m.name] = round((vramBy[m.name] ?? 0) + m.size_vram_gb, 2)!;
    return {
      available: true,
      reason: null,
      base_url: base,
      loaded_models: models,
      loaded_count: models.length,
      total_models: total,
      total_models_reason: totalReason,
      total_vram_gb: round(Object.values(vramBy).reduce((a, b) => a + b, 0), 2)!,
      vram_gb_by_model: vramBy,
      llm: annotation(ctx, models),
    };
  },
});

/** Per-model token figures of ollama_tokens, when it has them. */
function tokenFigures(ctx: CollectorContext<OllamaState>) {
  const t = ctx.latest('ollama_tokens');
  if (t?.available !== true) return null;
  return t as { completion_tokens_per_s?: number | null; generating?: boolean; per_model?: Record<string, { last_generation_ts?: number | null }> };
}

function withActivity(ctx: CollectorContext<OllamaState>, loaded: LoadedModel[], now: number): LoadedModelPayload[] {
  const prev = ctx.state.models ?? new Map<string, Seen>();
  const next = new Map<string, Seen>();
  const tokens = tokenFigures(ctx)?.per_model ?? {};
  const out = loaded.map((m) => {
    const seen: Seen = prev.get(m.name) ?? { firstSeenMs: now, lastActivityMs: null, source: null, expiresAtMs: null };
    const deadline = m.expires_at && m.expires_in_s !== null ? Date.parse(m.expires_at) : null;
    if (deadline !== null && seen.expiresAtMs !== null && deadline - seen.expiresAtMs > DEADLINE_JITTER_MS) {
      seen.lastActivityMs = now;
      seen.source = 'keep_alive';
    }
    seen.expiresAtMs = deadline;
    const genTs = tokens[m.name]?.last_generation_ts;
    if (typeof genTs === 'number' && genTs >= (seen.lastActivityMs ?? 0) && genTs >= seen.firstSeenMs) {
      seen.lastActivityMs = genTs;
      seen.source = 'tokens';
    }
    next.set(m.name, seen);
    return {
      ...m,
      first_seen_ts: seen.firstSeenMs,
      last_generation_ts: seen.lastActivityMs,
      idle_s: Math.max(0, Math.round((now - (seen.lastActivityMs ?? seen.firstSeenMs)) / 1000)),
      activity_source: seen.source,
    };
  });
  // Models that left memory are forgotten: a reload starts a new idle count.
  ctx.state.models = next;
  return out;
}

function annotation(ctx: CollectorContext<OllamaState>, models: LoadedModelPayload[]): OllamaPayload['llm'] {
  const t = tokenFigures(ctx);
  return {
    label: models.length === 0 ? null : models.length === 1 ? models[0]!.name : `${models.length} models`,
    completion_tokens_per_s: t?.completion_tokens_per_s ?? null,
    generating: t ? t.generating === true : null,
    tokens_source: t ? 'ollama_tokens' : null,
  };
}

function unavailable(base: string, reason: string): OllamaPayload {
  return {
    available: false,
    reason,
    base_url: base,
    loaded_models: [],
    loaded_count: null,
    total_models: null,
    total_models_reason: null,
    total_vram_gb: null,
    vram_gb_by_model: {},
    llm: { label: null, completion_tokens_per_s: null, generating: null, tokens_source: null },
  };
}
