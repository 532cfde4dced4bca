import { parsePrometheusText } from '../parsers/prom-text.js';
import { HttpError, httpGet, snippet } from './http.js';
import { detectKind, type InferenceKind, type InferenceReading, KIND_MAPS, readInference } from './prom-mapping.js';

/**
 * One scrape of an inference server's Prometheus page → its token counters, or the reason there
 * are none. A server that answers without any known counter is "unavailable", never zero tokens:
 * zeros would read as an idle GPU.
 */
export const METRICS_MAX_BYTES = 8 * 1024 * 1024;

export type Scrape =
  | { ok: true; reading: InferenceReading; samples: number; parse_errors: number }
  | { ok: false; reason: string; status: number | null };

export interface ScrapeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** `auto` tries every known naming; `prefer` is tried first. */
  kind: InferenceKind | 'auto';
  prefer?: InferenceKind;
  /** Model key for series without a model label (llama.cpp, TGI): the endpoint's name. */
  fallbackModel: string;
}

/** `http://host:port` (no path) means the usual `/metrics`. */
export function metricsUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.pathname === '/' && !u.search) u.pathname = '/metrics';
    return u.toString();
  } catch {
    return url;
  }
}

const namesOf = (kind: InferenceKind) => {
  const m = KIND_MAPS.find((k) => k.kind === kind)!;
  return [...m.prompt, ...m.completion].map((c) => c.name).join(', ');
};

export async function scrapeInference(url: string, o: ScrapeOptions): Promise<Scrape> {
  let status: number;
  let text: string;
  try {
    ({ status, text } = await httpGet(url, { timeoutMs: o.timeoutMs, signal: o.signal, maxBytes: METRICS_MAX_BYTES, accept: 'text/plain' }));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err), status: err instanceof HttpError ? err.status : null };
  }
  if (status < 200 || status > 299) return { ok: false, reason: `${url}: HTTP ${status}${snippet(text)}`, status };
  const page = parsePrometheusText(text);
  if (page.samples.length === 0) {
    const bad = page.errors.length > 0 ? `; ${page.errors.length} malformed line(s), first at line ${page.errors[0]!.line}: ${page.errors[0]!.message}` : '';
    return { ok: false, reason: `${url}: no Prometheus samples in the answer${bad}${snippet(text)}`, status };
  }
  const kind = o.kind === 'auto' ? detectKind(page, o.prefer) : o.kind;
  const reading = kind ? readInference(page, kind, o.fallbackModel) : null;
  if (!reading) {
    const looked = o.kind === 'auto' ? 'vLLM, llama.cpp, TGI, SGLang or Ollama exporter' : o.kind;
    const hint = o.kind === 'auto' ? '' : ` (looked for ${namesOf(o.kind)})`;
    return { ok: false, reason: `${url}: ${page.samples.length} samples but no ${looked} token counters${hint}`, status };
  }
  return { ok: true, reading, samples: page.samples.length, parse_errors: page.errors.length };
}
