import { afterEach, describe, expect, it } from 'vitest';
import { type InferencePayload, inferenceMonitor } from '../../src/collectors/inference.js';
import { fixtureHost, makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';
import {
  type Fault,
  type HttpFake,
  type LlamacppState,
  llamacppPage,
  type SglangState,
  serveFault,
  sglangPage,
  startHttpFake,
  type TgiState,
  text,
  tgiPage,
  type VllmState,
  vllmPage,
} from './llm-servers.js';

/**
 * inference_monitor against fake vLLM, llama.cpp, TGI and SGLang servers whose /metrics pages
 * follow each project's documented names, counters driven by the test.
 */
const fakes: HttpFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function serve(page: () => string, fault: () => Fault | null = () => null): Promise<HttpFake> {
  const f = await startHttpFake((req, res) => {
    if (req.url !== '/metrics') return void text(res, 'Not Found', 404);
    if (!serveFault(res, fault())) text(res, page());
  });
  fakes.push(f);
  return f;
}

function context(inference: Record<string, unknown>[]) {
  const t = makeCollectorContext<Record<string, unknown>>(fixtureHost('debian12-vm-2c'));
  t.ctx.config = defaultConfig({ inference: inference.map((e) => ({ timeout_ms: 300, ...e })) });
  return t;
}
const collect = (ctx: ReturnType<typeof context>['ctx']) => inferenceMonitor.collect(ctx as never) as Promise<InferencePayload>;

describe('inference_monitor', () => {
  it('no endpoints configured → unavailable, saying how to add one', async () => {
    const p = await collect(context([]).ctx);
    expect(p).toEqual({ available: false, reason: 'no inference endpoints configured (inference: [{name, kind, url}])', endpoints: [] });
  });

  it('reads vLLM, llama.cpp, TGI and SGLang side by side: tokens/s, running, queued, KV-cache; totals add up', async () => {
    const vllm: VllmState = { model: 'Qwen/Qwen2.5-7B-Instruct', prompt: 100_000, generation: 40_000, running: 3, waiting: 2, kv: 0.4125 };
    const llama: LlamacppState = { prompt: 33_065, predicted: 7_801, processing: 1, deferred: 0, kv: 0.25 };
    const tgi: TgiState = { input: 5_120, generated: 20_480, batch: 2, queue: 1 };
    const sgl: SglangState = { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 8_128_902, generation: 7_557_572, running: 4, queued: 0, tokenUsage: 0.28, tpRanks: 2 };
    const [fv, fl, ft, fs] = await Promise.all([serve(() => vllmPage(vllm)), serve(() => llamacppPage(llama)), serve(() => tgiPage(tgi)), serve(() => sglangPage(sgl))]);
    const { ctx, clock } = context([
      { name: 'vllm-main', kind: 'vllm', url: `${fv.url}/metrics` },
      { name: 'laptop-llama', url: fl.url }, // kind auto, bare URL → /metrics
      { name: 'tgi', kind: 'tgi', url: `${ft.url}/metrics` },
      { name: 'sglang', kind: 'auto', url: `${fs.url}/metrics` },
    ]);
    const first = await collect(ctx);
    expect(first.available).toBe(true);
    expect(first.endpoints.map((e) => [e.name, e.available, e.detected_kind, e.completion_tokens_per_s])).toEqual([
      ['vllm-main', true, 'vllm', null],
      ['laptop-llama', true, 'llamacpp', null],
      ['tgi', true, 'tgi', null],
      ['sglang', true, 'sglang', null],
    ]);
    expect(first.endpoints[1]!.url).toBe(`${fl.url}/metrics`);

    clock.advance(10_000);
    vllm.generation += 1_200; // 120 tok/s
    vllm.prompt += 3_000; // 300 tok/s
    llama.predicted += 450; // 45 tok/s
    tgi.generated += 100; // a request finished: 10 tok/s over the interval
    sgl.generation += 417; // 41.7 tok/s (rank 0 only)
    const p = await collect(ctx);
    const [v, l, t, s] = p.endpoints;
    expect(v).toMatchObject({ completion_tokens_per_s: 120, prompt_tokens_per_s: 300, running: 3, queued: 2, kv_cache_pct: 41.3, generating: true, completion_tokens_total: 41_200 });
    expect(v!.per_model!['Qwen/Qwen2.5-7B-Instruct']).toMatchObject({ completion_tokens_per_s: 120, generating: true });
    expect(l).toMatchObject({ completion_tokens_per_s: 45, prompt_tokens_per_s: 0, running: 1, queued: 0, kv_cache_pct: 25 });
    expect(Object.keys(l!.per_model!)).toEqual(['laptop-llama']);
    expect(t).toMatchObject({ completion_tokens_per_s: 10, running: 2, queued: 1, kv_cache_pct: null });
    expect(s).toMatchObject({ completion_tokens_per_s: 41.7, completion_tokens_total: 7_557_989, running: 4, kv_cache_pct: 28 });
    expect(p).toMatchObject({ completion_tokens_per_s: 216.7, running: 10, queued: 3, generating: true });
    expect(p.completion_tokens_total).toBe(41_200 + 8_251 + 20_580 + 7_557_989);
    expect(Object.keys(p.per_model!).sort()).toEqual(['Qwen/Qwen2.5-7B-Instruct', 'laptop-llama', 'meta-llama/Llama-3.1-8B-Instruct', 'tgi']);
  });

  it('one model behind two endpoints: per_model adds their rates', async () => {
    const a: VllmState = { model: 'm', prompt: 0, generation: 1000, running: 1, waiting: 0, kv: 0 };
    const b: VllmState = { ...a, generation: 5000 };
    const [fa, fb] = await Promise.all([serve(() => vllmPage(a)), serve(() => vllmPage(b))]);
    const { ctx, clock } = context([
      { name: 'a', url: fa.url },
      { name: 'b', url: fb.url },
    ]);
    await collect(ctx);
    clock.advance(10_000);
    a.generation += 100;
    b.generation += 300;
    const p = await collect(ctx);
    expect(p.per_model!.m).toMatchObject({ completion_tokens_per_s: 40, completion_tokens_total: 6400, generating: true, idle_s: 0 });
  });

  it('one endpoint down or wrong does not hide the others; each says why', async () => {
    const good = await serve(() => vllmPage({ model: 'm', prompt: 1, generation: 1, running: 0, waiting: 0, kv: 0.1 }));
    const llama = await serve(() => llamacppPage({ prompt: 1, predicted: 1, processing: 0, deferred: 0 }));
    const slow = await serve(() => '', () => ({ kind: 'slow-headers', ms: 5000 }));
    const html = await serve(() => '<html><body>502 Bad Gateway</body></html>');
    const p = await collect(
      context([
        { name: 'ok', url: `${good.url}/metrics` },
        { name: 'mislabelled', kind: 'vllm', url: `${llama.url}/metrics` },
        { name: 'slow', url: `${slow.url}/metrics` },
        { name: 'proxy-error', url: `${html.url}/metrics` },
        { name: 'wrong-path', url: `${good.url}/v1/metrics` },
      ]).ctx,
    );
    expect(p.available).toBe(true);
    const byName = Object.fromEntries(p.endpoints.map((e) => [e.name, e]));
    expect(byName.ok).toMatchObject({ available: true, kv_cache_pct: 10 });
    expect(byName.mislabelled!.reason).toMatch(/no vllm token counters \(looked for vllm:prompt_tokens_total, vllm:generation_tokens_total\)/);
    expect(byName.slow!.reason).toMatch(/no complete answer within 300 ms/);
    expect(byName['proxy-error']!.reason).toMatch(/no Prometheus samples in the answer; 1 malformed line/);
    expect(byName['wrong-path']!.reason).toMatch(/HTTP 404/);
    for (const e of p.endpoints.filter((x) => !x.available)) expect([e.completion_tokens_per_s, e.running, e.kv_cache_pct]).toEqual([undefined, null, null]);
  });

  it('all endpoints down → unavailable with every reason', async () => {
    const p = await collect(context([{ name: 'a', url: 'http://127.0.0.1:9/metrics' }]).ctx);
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/^a: http:\/\/127.0.0.1:9\/metrics: /);
  });

  it('a restarted server (counters back to small numbers) gives a null rate, then real rates again', async () => {
    const s: VllmState = { model: 'm', prompt: 50_000, generation: 90_000, running: 0, waiting: 0, kv: 0 };
    const f = await serve(() => vllmPage(s));
    const { ctx, clock } = context([{ name: 'v', url: `${f.url}/metrics` }]);
    await collect(ctx);
    clock.advance(5000);
    Object.assign(s, { prompt: 10, generation: 20 });
    expect((await collect(ctx)).endpoints[0]!.completion_tokens_per_s).toBeNull();
    clock.advance(5000);
    s.generation = 520;
    expect((await collect(ctx)).endpoints[0]!.completion_tokens_per_s).toBe(100);
  });

  it('garbage lines inside a real page are skipped and counted; the counters still read', async () => {
    const page = () => `${vllmPage({ model: 'm', prompt: 10, generation: 20, running: 1, waiting: 0, kv: 0.5 })}this is not a metric\nvllm:broken{model_name="m" 1\n`;
    const f = await serve(page);
    const e = (await collect(context([{ name: 'v', url: `${f.url}/metrics` }]).ctx)).endpoints[0]!;
    expect(e).toMatchObject({ available: true, parse_errors: 2, running: 1, completion_tokens_total: 20 });
  });
});
