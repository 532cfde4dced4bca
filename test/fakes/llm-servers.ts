import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * Fake Ollama, vLLM, llama.cpp, TGI and SGLang HTTP servers on 127.0.0.1, serving answers in
 * the shapes their public documentation shows (Ollama docs/api.md; vLLM "Production Metrics";
 * llama.cpp tools/server README `/metrics`; TGI "Metrics" reference; SGLang "Production
 * Metrics"), with the counters driven by the test. Fault modes answer slowly, fail, close
 * mid-body, or send garbage and oversized bodies.
 */
export interface HttpFake {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function startHttpFake(handler: Handler): Promise<HttpFake> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.on('error', () => {});
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};
export const text = (res: ServerResponse, body: string, status = 200, type = 'text/plain; version=0.0.4; charset=utf-8') => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};
/** Go's net/http answer to an unknown path, which Ollama gives for /metrics. */
export const goNotFound = (res: ServerResponse) => text(res, '404 page not found\n', 404, 'text/plain; charset=utf-8');

/** Faults any fake can be switched to. */
export type Fault =
  | { kind: 'slow-headers'; ms: number }
  | { kind: 'slow-body'; ms: number }
  | { kind: 'http-500' }
  | { kind: 'close-mid-body' }
  | { kind: 'garbage' }
  | { kind: 'huge-body'; bytes: number }
  | { kind: 'html-200' };

/** Serve a fault; returns false when `fault` is null so the caller answers normally. */
export function serveFault(res: ServerResponse, fault: Fault | null): boolean {
  if (!fault) return false;
  switch (fault.kind) {
    case 'slow-headers': {
      const t = setTimeout(() => text(res, 'late\n'), fault.ms);
      res.on('close', () => clearTimeout(t));
      return true;
    }
    case 'slow-body': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"models":[');
      const t = setTimeout(() => res.end(']}'), fault.ms);
      res.on('close', () => clearTimeout(t));
      return true;
    }
    case 'http-500':
      json(res, { error: 'llama runner process has terminated: signal: killed' }, 500);
      return true;
    case 'close-mid-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"models":[{"name":"qwen');
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    case 'garbage':
      text(res, '\u0000\u0001{not json at all', 200, 'application/json');
      return true;
    case 'html-200':
      text(res, '<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>', 200, 'text/html');
      return true;
    case 'huge-body': {
      // Chunked, no content-length: the client must count and cut off by itself.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < fault.bytes) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        sent = fault.bytes;
      });
      pump();
      return true;
    }
  }
}

// ---------------------------------------------------------------- Ollama REST

export interface OllamaModel {
  name: string;
  family: string;
  parameter_size: string;
  quantization_level: string;
  size: number;
  size_vram: number;
  /** RFC 3339, as Ollama writes it (nanoseconds, local offset). */
  expires_at: string;
  context_length?: number;
}

export const OLLAMA_QWEN: OllamaModel = {
  name: 'qwen2.5:14b',
  family: 'qwen2',
  parameter_size: '14.8B',
  quantization_level: 'Q4_K_M',
  size: 11_534_000_000,
  size_vram: 10_866_000_000,
  expires_at: '2026-01-01T00:05:00.123456789Z',
  context_length: 4096,
};

export function ollamaPs(models: OllamaModel[]) {
  return {
    models: models.map((m) => ({
      name: m.name,
      model: m.name,
      size: m.size,
      digest: '7cdf5a0187d5c58cc5d369b255592f7841d1c4696d45a8c8a9489440385b22f6',
      details: { parent_model: '', format: 'gguf', family: m.family, families: [m.family], parameter_size: m.parameter_size, quantization_level: m.quantization_level },
      expires_at: m.expires_at,
      size_vram: m.size_vram,
      ...(m.context_length === undefined ? {} : { context_length: m.context_length }),
    })),
  };
}

export function ollamaTags(names: string[]) {
  return {
    models: names.map((name, i) => ({
      name,
      model: name,
      modified_at: '2025-05-10T08:06:48.639712648-07:00',
      size: 2_019_393_189 + i,
      digest: `${i}`.padStart(64, '0'),
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    })),
  };
}

// ---------------------------------------------------------------- Prometheus pages

const help = (name: string, type: string, doc: string) => `# HELP ${name} ${doc}\n# TYPE ${name} ${type}\n`;

const processBlock = `${help('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.')}process_resident_memory_bytes 2.147483648e+09
${help('python_gc_collections_total', 'counter', 'Number of times this generation was collected')}python_gc_collections_total{generation="0"} 1234.0
python_gc_collections_total{generation="1"} 112.0
`;

export interface VllmState {
  model: string;
  prompt: number;
  generation: number;
  running: number;
  waiting: number;
  /** 0–1. */
  kv: number;
  /** vLLM before v0.10 called the KV gauge gpu_cache_usage_perc. */
  oldKvName?: boolean;
}

/** A vLLM v1-engine /metrics page. */
export function vllmPage(s: VllmState): string {
  const l = `engine="0",model_name="${s.model}"`;
  const buckets = ['0.001', '0.005', '0.01', '0.02', '0.04', '0.06', '0.08', '0.1', '0.25', '0.5', '0.75', '1.0', '2.5', '5.0', '7.5', '10.0', '+Inf'];
  return `${processBlock}${help('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.')}vllm:num_requests_running{${l}} ${s.running.toFixed(1)}
${help('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.')}vllm:num_requests_waiting{${l}} ${s.waiting.toFixed(1)}
${help(s.oldKvName ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.')}${s.oldKvName ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc'}{${l}} ${s.kv}
${help('vllm:prefix_cache_queries_total', 'counter', 'Prefix cache queries, in terms of number of queried tokens.')}vllm:prefix_cache_queries_total{${l}} ${s.prompt.toExponential()}
${help('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.')}vllm:prompt_tokens_total{${l}} ${s.prompt.toExponential()}
${help('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.')}vllm:generation_tokens_total{${l}} ${s.generation.toExponential()}
${help('vllm:request_success_total', 'counter', 'Count of successfully processed requests.')}vllm:request_success_total{${l},finished_reason="stop"} 17.0
vllm:request_success_total{${l},finished_reason="length"} 2.0
${help('vllm:time_to_first_token_seconds', 'histogram', 'Histogram of time to first token in seconds.')}${buckets
    .map((b, i) => `vllm:time_to_first_token_seconds_bucket{${l},le="${b}"} ${Math.min(19, i * 2)}.0`)
    .join('\n')}
vllm:time_to_first_token_seconds_count{${l}} 19.0
vllm:time_to_first_token_seconds_sum{${l}} 3.6254
`;
}

export interface LlamacppState {
  prompt: number;
  predicted: number;
  processing: number;
  deferred: number;
  /** 0–1, or undefined for builds that no longer export it. */
  kv?: number;
}

/** llama-server --metrics. */
export function llamacppPage(s: LlamacppState): string {
  return `${help('llamacpp:prompt_tokens_total', 'counter', 'Number of prompt tokens processed.')}llamacpp:prompt_tokens_total ${s.prompt}
${help('llamacpp:prompt_seconds_total', 'counter', 'Prompt process time')}llamacpp:prompt_seconds_total 235.743
${help('llamacpp:tokens_predicted_total', 'counter', 'Number of generation tokens processed.')}llamacpp:tokens_predicted_total ${s.predicted}
${help('llamacpp:tokens_predicted_seconds_total', 'counter', 'Predict process time')}llamacpp:tokens_predicted_seconds_total 171.5
${help('llamacpp:n_decode_total', 'counter', 'Total number of llama_decode() calls')}llamacpp:n_decode_total 23381
${help('llamacpp:prompt_tokens_seconds', 'gauge', 'Average prompt throughput in tokens/s.')}llamacpp:prompt_tokens_seconds 140.258
${help('llamacpp:predicted_tokens_seconds', 'gauge', 'Average generation throughput in tokens/s.')}llamacpp:predicted_tokens_seconds 45.4769
${s.kv === undefined ? '' : `${help('llamacpp:kv_cache_usage_ratio', 'gauge', 'KV-cache usage. 1 means 100 percent usage.')}llamacpp:kv_cache_usage_ratio ${s.kv}\n`}${help('llamacpp:requests_processing', 'gauge', 'Number of requests processing.')}llamacpp:requests_processing ${s.processing}
${help('llamacpp:requests_deferred', 'gauge', 'Number of requests deferred.')}llamacpp:requests_deferred ${s.deferred}
`;
}

export interface TgiState {
  input: number;
  generated: number;
  batch: number;
  queue: number;
}

/** TGI: tokens only as per-request histograms. */
export function tgiPage(s: TgiState): string {
  return `# TYPE tgi_request_count counter
tgi_request_count 42
# TYPE tgi_queue_size gauge
tgi_queue_size ${s.queue}
# TYPE tgi_batch_current_size gauge
tgi_batch_current_size ${s.batch}
# TYPE tgi_request_input_length histogram
tgi_request_input_length_bucket{le="10"} 3
tgi_request_input_length_bucket{le="100"} 30
tgi_request_input_length_bucket{le="+Inf"} 42
tgi_request_input_length_sum ${s.input}
tgi_request_input_length_count 42
# TYPE tgi_request_generated_tokens histogram
tgi_request_generated_tokens_bucket{le="10"} 1
tgi_request_generated_tokens_bucket{le="1000"} 40
tgi_request_generated_tokens_bucket{le="+Inf"} 42
tgi_request_generated_tokens_sum ${s.generated}
tgi_request_generated_tokens_count 42
`;
}

export interface SglangState {
  model: string;
  prompt: number;
  generation: number;
  running: number;
  queued: number;
  /** 0–1. */
  tokenUsage: number;
  /** Tensor-parallel ranks that each report (only rank 0 may be counted). */
  tpRanks?: number;
}

export function sglangPage(s: SglangState): string {
  const ranks = Array.from({ length: s.tpRanks ?? 1 }, (_, i) => i);
  const rows = (name: string, v: number | string) =>
    ranks.map((r) => `${name}{model_name="${s.model}",tp_rank="${r}",pp_rank="0"} ${v}`).join('\n');
  return `${help('sglang:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.')}${rows('sglang:prompt_tokens_total', s.prompt.toExponential())}
${help('sglang:generation_tokens_total', 'counter', 'Number of generation tokens processed.')}${rows('sglang:generation_tokens_total', s.generation.toExponential())}
${help('sglang:token_usage', 'gauge', 'The token usage')}${rows('sglang:token_usage', s.tokenUsage)}
${help('sglang:num_running_reqs', 'gauge', 'The number of running requests')}${rows('sglang:num_running_reqs', s.running.toFixed(1))}
${help('sglang:num_queue_reqs', 'gauge', 'The number of requests in the waiting queue')}${rows('sglang:num_queue_reqs', s.queued.toFixed(1))}
${help('sglang:gen_throughput', 'gauge', 'The generation throughput (token/s)')}${rows('sglang:gen_throughput', '41.7')}
`;
}

/** An Ollama exporter proxy's page (prompt = processed, completion = generated), per model. */
export function ollamaExporterPage(models: Record<string, { prompt: number; completion: number }>): string {
  const rows = (metricName: string, pick: (v: { prompt: number; completion: number }) => number) =>
    Object.entries(models)
      .map(([m, v]) => `${metricName}{model="${m}"} ${pick(v).toFixed(1)}`)
      .join('\n');
  return `${help('ollama_requests_total', 'counter', 'Total chat and generate requests')}${Object.keys(models)
    .map((m) => `ollama_requests_total{model="${m}"} 5.0`)
    .join('\n')}
${help('ollama_tokens_processed_total', 'counter', 'Number of tokens in the prompt')}${rows('ollama_tokens_processed_total', (v) => v.prompt)}
${help('ollama_tokens_generated_total', 'counter', 'Number of tokens generated')}${rows('ollama_tokens_generated_total', (v) => v.completion)}
`;
}
