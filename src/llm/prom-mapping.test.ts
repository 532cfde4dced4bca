import { describe, expect, it } from 'vitest';
import { llamacppPage, ollamaExporterPage, sglangPage, tgiPage, vllmPage } from '../../test/fakes/llm-servers.js';
import { parsePrometheusText } from '../parsers/prom-text.js';
import { detectKind, readInference } from './prom-mapping.js';

const page = (t: string) => parsePrometheusText(t);

describe('detectKind', () => {
  it.each([
    ['vllm', vllmPage({ model: 'm', prompt: 1, generation: 2, running: 0, waiting: 0, kv: 0 })],
    ['llamacpp', llamacppPage({ prompt: 1, predicted: 2, processing: 0, deferred: 0 })],
    ['tgi', tgiPage({ input: 1, generated: 2, batch: 0, queue: 0 })],
    ['sglang', sglangPage({ model: 'm', prompt: 1, generation: 2, running: 0, queued: 0, tokenUsage: 0 })],
    ['ollama', ollamaExporterPage({ m: { prompt: 1, completion: 2 } })],
  ])('%s', (kind, text) => {
    expect(detectKind(page(text))).toBe(kind);
  });

  it('null for a page with no token counters (node_exporter, process metrics only)', () => {
    expect(detectKind(page('# TYPE up gauge\nup 1\nprocess_cpu_seconds_total 12.5\n'))).toBeNull();
  });
});

describe('readInference', () => {
  it('vLLM: per model_name, running/waiting summed, KV fraction → %', () => {
    const text = `${vllmPage({ model: 'Qwen/Qwen2.5-7B-Instruct', prompt: 1234500, generation: 88000, running: 3, waiting: 2, kv: 0.4125 })}${vllmPage({ model: 'Qwen/Qwen2.5-7B-Instruct', prompt: 10, generation: 20, running: 1, waiting: 0, kv: 0.9 }).replaceAll('engine="0"', 'engine="1"')}`;
    expect(readInference(page(text), 'vllm', 'ep')).toEqual({
      kind: 'vllm',
      models: { 'Qwen/Qwen2.5-7B-Instruct': { prompt_total: 1234510, completion_total: 88020 } },
      running: 4,
      queued: 2,
      // Two data-parallel engines: the fuller cache is the one that stalls.
      kv_cache_pct: 90,
    });
  });

  it('vLLM before v0.10: gpu_cache_usage_perc', () => {
    const r = readInference(page(vllmPage({ model: 'm', prompt: 1, generation: 2, running: 0, waiting: 0, kv: 0.25, oldKvName: true })), 'vllm', 'ep');
    expect(r?.kv_cache_pct).toBe(25);
  });

  it('llama.cpp: no model label → the endpoint name; KV null when the build does not export it', () => {
    expect(readInference(page(llamacppPage({ prompt: 33065, predicted: 7801, processing: 1, deferred: 3 })), 'llamacpp', 'laptop-llama')).toEqual({
      kind: 'llamacpp',
      models: { 'laptop-llama': { prompt_total: 33065, completion_total: 7801 } },
      running: 1,
      queued: 3,
      kv_cache_pct: null,
    });
    expect(readInference(page(llamacppPage({ prompt: 1, predicted: 1, processing: 0, deferred: 0, kv: 0.5 })), 'llamacpp', 'x')?.kv_cache_pct).toBe(50);
  });

  it('TGI: totals from the histogram sums', () => {
    expect(readInference(page(tgiPage({ input: 5120, generated: 20480, batch: 2, queue: 1 })), 'tgi', 'tgi-1')).toEqual({
      kind: 'tgi',
      models: { 'tgi-1': { prompt_total: 5120, completion_total: 20480 } },
      running: 2,
      queued: 1,
      kv_cache_pct: null,
    });
  });

  it('SGLang: only tensor-parallel rank 0 counts (ranks report the same tokens)', () => {
    const r = readInference(page(sglangPage({ model: 'llama', prompt: 8128902, generation: 7557572, running: 4, queued: 1, tokenUsage: 0.28, tpRanks: 2 })), 'sglang', 'ep');
    expect(r).toEqual({ kind: 'sglang', models: { llama: { prompt_total: 8128902, completion_total: 7557572 } }, running: 4, queued: 1, kv_cache_pct: 28 });
  });

  it('Ollama exporter: per model label', () => {
    const r = readInference(page(ollamaExporterPage({ 'qwen2.5:14b': { prompt: 900, completion: 4000 }, 'llama3.2:3b': { prompt: 10, completion: 0 } })), 'ollama', 'ollama');
    expect(r?.models).toEqual({ 'qwen2.5:14b': { prompt_total: 900, completion_total: 4000 }, 'llama3.2:3b': { prompt_total: 10, completion_total: 0 } });
    expect([r?.running, r?.queued]).toEqual([null, null]);
  });

  it('null when the asked kind has no counters on the page', () => {
    expect(readInference(page(llamacppPage({ prompt: 1, predicted: 1, processing: 0, deferred: 0 })), 'vllm', 'x')).toBeNull();
  });

  it('ignores NaN and negative counter values rather than adding them', () => {
    const r = readInference(page('vllm:generation_tokens_total{model_name="a"} NaN\nvllm:generation_tokens_total{model_name="b"} -3\nvllm:generation_tokens_total{model_name="c"} 7\n'), 'vllm', 'x');
    expect(r?.models).toEqual({ c: { prompt_total: null, completion_total: 7 } });
  });
});
