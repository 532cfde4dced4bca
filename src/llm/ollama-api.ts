import { bytesToGb, round } from '../shared/units.js';

/**
 * Ollama's REST answers (docs/api.md) → typed objects. The JSON comes from another program, so
 * every field is checked: a model entry without a name is skipped, a missing number is null,
 * and an answer whose top level is not `{models: [...]}` is an error.
 *
 *   GET /api/ps   {"models":[{"name":"qwen2.5:14b","model":"qwen2.5:14b","size":11234567890,
 *                  "digest":"…","details":{"family":"qwen2","parameter_size":"14.8B",
 *                  "quantization_level":"Q4_K_M",…},"expires_at":"2026-01-01T10:05:00.1+01:00",
 *                  "size_vram":10866000000,"context_length":4096}]}
 *   GET /api/tags {"models":[{"name":"llama3.2:3b","size":2019393189,"details":{…}},…]}
 */
export interface LoadedModel {
  name: string;
  family: string | null;
  /** Parameter count as Ollama writes it: "14.8B", "494.03M". */
  params: string | null;
  quantization: string | null;
  size_vram_gb: number | null;
  /** Everything the model occupies, VRAM and system RAM (the part that did not fit in VRAM). */
  size_gb: number | null;
  context_length: number | null;
  /** Seconds until Ollama unloads it; null = kept loaded forever (keep_alive < 0); 0 = unloading. */
  expires_in_s: number | null;
  expires_at: string | null;
}

/**
 * How far ahead an expiry must be to mean "forever". keep_alive -1 makes Ollama add the
 * largest duration Go has (~292 years) to now; `ollama ps` shows "Forever" beyond 20 years.
 */
const FOREVER_MS = 20 * 365 * 24 * 3600 * 1000;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

function modelsArray(json: unknown, what: string): unknown[] {
  if (!isObj(json) || !Array.isArray(json.models)) throw new Error(`${what}: expected {"models": [...]}, got ${describeJson(json)}`);
  return json.models;
}

function describeJson(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isObj(v)) return `an object with keys ${Object.keys(v).slice(0, 5).join(', ') || '(none)'}`;
  return v === null ? 'null' : typeof v;
}

/** Seconds until `expiresAt` (RFC 3339), null for forever or no date, 0 when already past. */
export function expiresInS(expiresAt: string | null, nowMs: number): number | null {
  if (!expiresAt) return null;
  const t = Date.parse(expiresAt);
  // Go's zero time (0001-01-01) is what a model still loading may show; it is no expiry.
  if (!Number.isFinite(t) || t <= 0) return null;
  if (t - nowMs > FOREVER_MS) return null;
  return Math.max(0, Math.round((t - nowMs) / 1000));
}

export function parseOllamaPs(json: unknown, nowMs: number, what = '/api/ps'): LoadedModel[] {
  const out: LoadedModel[] = [];
  for (const m of modelsArray(json, what)) {
    if (!isObj(m)) continue;
    const name = str(m.name) ?? str(m.model);
    if (!name) continue;
    const d = isObj(m.details) ? m.details : {};
    const vram = num(m.size_vram);
    const size = num(m.size);
    const expiresAt = str(m.expires_at);
    const ctx = num(m.context_length);
    out.push({
      name,
      family: str(d.family),
      params: str(d.parameter_size),
      quantization: str(d.quantization_level),
      size_vram_gb: vram === null ? null : round(bytesToGb(vram), 2),
      size_gb: size === null ? null : round(bytesToGb(size), 2),
      context_length: ctx !== null && Number.isInteger(ctx) && ctx > 0 ? ctx : null,
      expires_in_s: expiresInS(expiresAt, nowMs),
      expires_at: expiresAt,
    });
  }
  return out;
}

/** Number of models in /api/tags (installed, loaded or not). */
export function parseOllamaTags(json: unknown, what = '/api/tags'): number {
  return modelsArray(json, what).filter((m) => isObj(m) && (str(m.name) ?? str(m.model)) !== null).length;
}
