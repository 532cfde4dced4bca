import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type OllamaPayload, ollamaMonitor } from '../../src/collectors/ollama.js';
import { NO_OLLAMA_METRICS, type OllamaTokensPayload, ollamaTokens } from '../../src/collectors/ollama-tokens.js';
import type { Payload } from '../../src/core/collector.js';
import { fixtureHost, makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';
import {
  type Fault,
  goNotFound,
  type HttpFake,
  json,
  OLLAMA_QWEN,
  type OllamaModel,
  ollamaExporterPage,
  ollamaPs,
  ollamaTags,
  serveFault,
  startHttpFake,
  text,
} from './llm-servers.js';

/**
 * ollama_monitor and ollama_tokens against a fake Ollama serving the documented /api/ps and
 * /api/tags shapes (and the 404 upstream Ollama gives for /metrics), well and badly.
 * The test clock's wall time is 2026-01-01T00:00:00Z.
 */
const fakes: HttpFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

interface OllamaFake {
  loaded: OllamaModel[];
  installed: string[];
  fault: Fault | null;
  tagsFault: Fault | null;
  metrics: string | null;
}

async function fakeOllama(init: Partial<OllamaFake> = {}) {
  const state: OllamaFake = { loaded: [OLLAMA_QWEN], installed: Array.from({ length: 16 }, (_, i) => `model-${i}:latest`), fault: null, tagsFault: null, metrics: null, ...init };
  const fake = await startHttpFake((req, res) => {
    if (req.url === '/api/ps') return void (serveFault(res, state.fault) || json(res, ollamaPs(state.loaded)));
    if (req.url === '/api/tags') return void (serveFault(res, state.tagsFault ?? state.fault) || json(res, ollamaTags(state.installed)));
    if (req.url === '/metrics' && state.metrics !== null) return void (serveFault(res, state.fault) || text(res, state.metrics));
    goNotFound(res);
  });
  fakes.push(fake);
  return { fake, state };
}

function context(ollama: Record<string, unknown>, latest: Record<string, Payload> = {}) {
  const t = makeCollectorContext<Record<string, unknown>>(fixtureHost('debian12-vm-2c'));
  t.ctx.config = defaultConfig({ ollama: { timeout_ms: 300, ...ollama } });
  t.ctx.latest = (name) => latest[name];
  return t;
}
const monitor = (ctx: ReturnType<typeof context>['ctx']) => ollamaMonitor.collect(ctx as never) as Promise<OllamaPayload>;
const tokens = (ctx: ReturnType<typeof context>['ctx']) => ollamaTokens.collect(ctx as never) as Promise<OllamaTokensPayload>;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ollama_monitor (fake Ollama)', () => {
  it('reports loaded models as SPEC 2.2 names them, installed count and resident VRAM', async () => {
    const { fake } = await fakeOllama();
    const { ctx } = context({ base_url: fake.url });
    const p = await monitor(ctx);
    expect(fake.requests.sort()).toEqual(['/api/ps', '/api/tags']);
    expect(p).toMatchObject({ available: true, reason: null, total_models: 16, loaded_count: 1, total_vram_gb: 10.12, vram_gb_by_model: { 'qwen2.5:14b': 10.12 } });
    expect(p.loaded_models).toEqual([
      expect.objectContaining({
        name: 'qwen2.5:14b',
        family: 'qwen2',
        params: '14.8B',
        quantization: 'Q4_K_M',
        size_vram_gb: 10.12,
        context_length: 4096,
        expires_in_s: 300,
        last_generation_ts: null,
        idle_s: 0,
        activity_source: null,
      }),
    ]);
    expect(p.llm).toEqual({ label: 'qwen2.5:14b', completion_tokens_per_s: null, generating: null, tokens_source: null });
  });

  it('keep_alive forever → expires_in_s null; several models → a count for the strip and summed VRAM', async () => {
    const embed: OllamaModel = { ...OLLAMA_QWEN, name: 'llama3.2:3b', size_vram: 3_221_225_472, expires_at: '2318-04-12T23:47:16.854775807Z' };
    const { fake } = await fakeOllama({ loaded: [OLLAMA_QWEN, embed] });
    const p = await monitor(context({ base_url: `${fake.url}/` }).ctx);
    expect(p.loaded_models.map((m) => [m.name, m.expires_in_s])).toEqual([
      ['qwen2.5:14b', 300],
      ['llama3.2:3b', null],
    ]);
    expect(p).toMatchObject({ total_vram_gb: 13.12, llm: { label: '2 models' } });
  });

  it('idle time: counts from first sight, resets when the keep-alive deadline moves (a request ended)', async () => {
    const { fake, state } = await fakeOllama();
    const { ctx, clock } = context({ base_url: fake.url });
    const first = await monitor(ctx);
    const seenAt = first.loaded_models[0]!.first_seen_ts;
    clock.advance(60_000);
    expect((await monitor(ctx)).loaded_models[0]).toMatchObject({ idle_s: 60, last_generation_ts: null, expires_in_s: 240 });
    clock.advance(30_000);
    state.loaded = [{ ...OLLAMA_QWEN, expires_at: '2026-01-01T00:06:30Z' }];
    const after = (await monitor(ctx)).loaded_models[0]!;
    expect(after).toMatchObject({ idle_s: 0, last_generation_ts: ctx.clock.wallMs(), activity_source: 'keep_alive', first_seen_ts: seenAt });
    clock.advance(120_000);
    expect((await monitor(ctx)).loaded_models[0]!.idle_s).toBe(120);
    // Unloaded, then loaded again: a new load, a new idle count.
    state.loaded = [];
    expect((await monitor(ctx)).loaded_count).toBe(0);
    state.loaded = [{ ...OLLAMA_QWEN, expires_at: '2026-01-01T00:10:00Z' }];
    expect((await monitor(ctx)).loaded_models[0]).toMatchObject({ first_seen_ts: ctx.clock.wallMs(), last_generation_ts: null });
  });

  it('takes the last generation and tokens/s from ollama_tokens when it has them', async () => {
    const { fake } = await fakeOllama();
    const genTs = Date.parse('2026-01-01T00:00:00Z');
    const latest = { ollama_tokens: { available: true, completion_tokens_per_s: 41.5, generating: true, per_model: { 'qwen2.5:14b': { last_generation_ts: genTs } } } };
    const { ctx } = context({ base_url: fake.url }, latest);
    const p = await monitor(ctx);
    expect(p.loaded_models[0]).toMatchObject({ last_generation_ts: genTs, activity_source: 'tokens' });
    expect(p.llm).toEqual({ label: 'qwen2.5:14b', completion_tokens_per_s: 41.5, generating: true, tokens_source: 'ollama_tokens' });
  });

  it('installed count failing does not hide the loaded models', async () => {
    const { fake } = await fakeOllama({ tagsFault: { kind: 'http-500' } });
    const p = await monitor(context({ base_url: fake.url }).ctx);
    expect(p).toMatchObject({ available: true, loaded_count: 1, total_models: null });
    expect(p.total_models_reason).toMatch(/api\/tags: HTTP 500 \("\{\\"error\\":\\"llama runner process has terminated/);
  });

  it.each<{ name: string; fault: Fault; reason: RegExp; timeoutMs?: number }>([
    { name: 'slow headers', fault: { kind: 'slow-headers', ms: 5000 }, reason: /api\/ps: no complete answer within 300 ms/ },
    { name: 'slow body', fault: { kind: 'slow-body', ms: 5000 }, reason: /no complete answer within 300 ms/ },
    { name: 'HTTP 500', fault: { kind: 'http-500' }, reason: /HTTP 500/ },
    { name: 'not JSON', fault: { kind: 'garbage' }, reason: /answer is not JSON/ },
    { name: 'an HTML page', fault: { kind: 'html-200' }, reason: /not JSON \("<!DOCTYPE html>/ },
    { name: 'closed mid-body', fault: { kind: 'close-mid-body' }, reason: /api\/ps: the server closed the connection/ },
    // A long deadline, so that the size cap is what ends it even on a busy machine.
    { name: 'endless body', fault: { kind: 'huge-body', bytes: 64 * 1024 * 1024 }, reason: /answer larger than 1048576 bytes, cut off/, timeoutMs: 20_000 },
  ])('$name → unavailable with a reason', async ({ fault, reason, timeoutMs }) => {
    const { fake } = await fakeOllama({ fault });
    const p = await monitor(context({ base_url: fake.url, timeout_ms: timeoutMs ?? 300 }).ctx);
    expect(p).toMatchObject({ available: false, loaded_models: [], loaded_count: null, total_vram_gb: null });
    expect(p.reason).toMatch(reason);
  });

  it('the scheduler abort ends a pending request', async () => {
    const { fake } = await fakeOllama({ fault: { kind: 'slow-headers', ms: 60_000 } });
    const { ctx } = context({ base_url: fake.url, timeout_ms: 60_000 });
    const abort = new AbortController();
    ctx.signal = abort.signal;
    const pending = monitor(ctx);
    setTimeout(() => abort.abort(new Error('timed out after 5s')), 100);
    const p = await pending;
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/api\/ps: aborted \(timed out after 5s\)/);
  });

  it('Ollama not running → unavailable, connection refused', async () => {
    const p = await monitor(context({ base_url: `http://127.0.0.1:${await closedPort()}` }).ctx);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/connection refused/);
  });
});

describe('ollama_tokens', () => {
  it('no metrics_url → unavailable with the upstream reason, nothing asked', async () => {
    const { fake } = await fakeOllama();
    const p = await tokens(context({ base_url: fake.url }).ctx);
    expect(p).toEqual({ available: false, reason: NO_OLLAMA_METRICS, url: null, metrics_kind: null });
    expect(fake.requests).toEqual([]);
  });

  it('pointed at upstream Ollama (/metrics → 404) → unavailable naming ollama/ollama#3144, not zeros', async () => {
    const { fake } = await fakeOllama();
    const p = await tokens(context({ metrics_url: `${fake.url}/metrics` }).ctx);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/HTTP 404 \("404 page not found"\); upstream Ollama has no Prometheus \/metrics endpoint \(ollama\/ollama#3144\)/);
    expect(p.completion_tokens_per_s).toBeUndefined();
  });

  it('an exporter page: tokens/s from counter deltas, totals, per model, generating', async () => {
    const counts = { 'qwen2.5:14b': { prompt: 1200, completion: 5000 }, 'llama3.2:3b': { prompt: 40, completion: 100 } };
    const { fake, state } = await fakeOllama({ metrics: ollamaExporterPage(counts) });
    const { ctx, clock } = context({ metrics_url: fake.url });
    const first = await tokens(ctx);
    expect(first).toMatchObject({ available: true, metrics_kind: 'ollama', url: `${fake.url}/metrics`, completion_tokens_per_s: null, completion_tokens_total: 5100, prompt_tokens_total: 1240, generating: false });
    clock.advance(5000);
    state.metrics = ollamaExporterPage({ 'qwen2.5:14b': { prompt: 1300, completion: 5205 }, 'llama3.2:3b': { prompt: 40, completion: 100 } });
    const second = await tokens(ctx);
    expect(second).toMatchObject({ completion_tokens_per_s: 41, prompt_tokens_per_s: 20, completion_tokens_total: 5305, generating: true });
    expect(second.per_model!['qwen2.5:14b']).toMatchObject({ completion_tokens_per_s: 41, generating: true, last_generation_ts: ctx.clock.wallMs(), idle_s: 0 });
    expect(second.per_model!['llama3.2:3b']).toMatchObject({ completion_tokens_per_s: 0, generating: false, last_generation_ts: null, idle_s: 5 });
  });

  it('a page without token counters → unavailable, not zero throughput', async () => {
    const { fake } = await fakeOllama({ metrics: '# TYPE go_goroutines gauge\ngo_goroutines 12\n' });
    const p = await tokens(context({ metrics_url: `${fake.url}/metrics` }).ctx);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/1 samples but no vLLM, llama.cpp, TGI, SGLang or Ollama exporter token counters/);
  });

  it.each<{ name: string; fault: Fault; reason: RegExp; timeoutMs?: number }>([
    { name: 'slow', fault: { kind: 'slow-headers', ms: 5000 }, reason: /no complete answer within 300 ms/ },
    { name: 'endless body', fault: { kind: 'huge-body', bytes: 64 * 1024 * 1024 }, reason: /larger than 8388608 bytes, cut off/, timeoutMs: 20_000 },
    { name: 'garbage', fault: { kind: 'garbage' }, reason: /no Prometheus samples in the answer; 1 malformed line/ },
  ])('$name → unavailable', async ({ fault, reason, timeoutMs }) => {
    const { fake } = await fakeOllama({ metrics: '', fault });
    const p = await tokens(context({ metrics_url: `${fake.url}/metrics`, timeout_ms: timeoutMs ?? 300 }).ctx);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(reason);
  });
});
