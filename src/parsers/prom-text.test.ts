import { describe, expect, it } from 'vitest';
import { parsePrometheusText, parsePromValue, promHistogram, promSamples } from './prom-text.js';

// Shaped after a vLLM 0.8 /metrics page (v1 engine): colons in names, model_name labels.
const VLLM = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 3.0
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 1.2345e+06
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="Qwen/Qwen2.5-7B-Instruct"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.5",model_name="Qwen/Qwen2.5-7B-Instruct"} 40.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="Qwen/Qwen2.5-7B-Instruct"} 42.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 42.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="Qwen/Qwen2.5-7B-Instruct"} 7.25
`;

describe('parsePrometheusText: valid input', () => {
  it('reads samples, TYPE and HELP of a vLLM page', () => {
    const p = parsePrometheusText(VLLM);
    expect(p.errors).toEqual([]);
    expect(p.types.get('vllm:prompt_tokens_total')).toBe('counter');
    expect(p.types.get('vllm:time_to_first_token_seconds')).toBe('histogram');
    expect(p.help.get('vllm:num_requests_running')).toBe('Number of requests in model execution batches.');
    expect(promSamples(p, 'vllm:prompt_tokens_total')).toEqual([
      { name: 'vllm:prompt_tokens_total', labels: { engine: '0', model_name: 'Qwen/Qwen2.5-7B-Instruct' }, value: 1234500 },
    ]);
    expect(p.samples).toHaveLength(7);
  });

  it('groups a histogram by label set, buckets sorted, +Inf last', () => {
    const [h, ...more] = promHistogram(parsePrometheusText(VLLM), 'vllm:time_to_first_token_seconds');
    expect(more).toEqual([]);
    expect(h!.labels).toEqual({ engine: '0', model_name: 'Qwen/Qwen2.5-7B-Instruct' });
    expect([h!.sum, h!.count]).toEqual([7.25, 42]);
    expect(h!.buckets).toEqual([
      { le: 0.001, count: 0 },
      { le: 0.5, count: 40 },
      { le: Number.POSITIVE_INFINITY, count: 42 },
    ]);
  });

  it.each([
    { name: 'no labels', line: 'llamacpp:tokens_predicted_total 3469', want: { name: 'llamacpp:tokens_predicted_total', labels: {}, value: 3469 } },
    { name: 'empty braces', line: 'up{} 1', want: { name: 'up', labels: {}, value: 1 } },
    { name: 'trailing comma', line: 'a{x="1",} 2', want: { name: 'a', labels: { x: '1' }, value: 2 } },
    { name: 'spaces inside braces', line: 'a{ x = "1" , y="2" } 2', want: { name: 'a', labels: { x: '1', y: '2' }, value: 2 } },
    { name: 'escaped quote, backslash, newline', line: String.raw`a{p="C:\\dir \"q\"\nnext"} 1`, want: { name: 'a', labels: { p: 'C:\\dir "q"\nnext' }, value: 1 } },
    { name: 'brace and comma inside a value', line: 'a{p="x}y,z=\\"w"} 1', want: { name: 'a', labels: { p: 'x}y,z="w' }, value: 1 } },
    { name: 'exponent', line: 'a 8.128902e+06', want: { name: 'a', labels: {}, value: 8128902 } },
    { name: 'negative', line: 'a -0.5', want: { name: 'a', labels: {}, value: -0.5 } },
    { name: 'integer ms timestamp', line: 'a 1 1712345678901', want: { name: 'a', labels: {}, value: 1, timestamp_ms: 1712345678901 } },
    { name: 'OpenMetrics float-seconds timestamp', line: 'a 1 1712345678.5', want: { name: 'a', labels: {}, value: 1, timestamp_ms: 1712345678500 } },
    { name: 'quoted UTF-8 name', line: '{"my.metric",le="1"} 4', want: { name: 'my.metric', labels: { le: '1' }, value: 4 } },
    { name: 'exemplar after the value', line: 'a_total 5 # {trace_id="abc"} 1.0', want: { name: 'a_total', labels: {}, value: 5 } },
    { name: 'tabs as separators', line: 'a\t7', want: { name: 'a', labels: {}, value: 7 } },
    { name: 'huge counter', line: 'a 1.8446744073709552e+19', want: { name: 'a', labels: {}, value: 18446744073709552000 } },
  ])('$name', ({ line, want }) => {
    const p = parsePrometheusText(`${line}\n`);
    expect(p.errors).toEqual([]);
    expect(p.samples).toEqual([want]);
  });

  it('reads NaN and infinities', () => {
    const p = parsePrometheusText('a NaN\nb +Inf\nc -Inf\nd Inf\n');
    expect(p.samples.map((s) => s.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('unescapes HELP text and keeps free comments out', () => {
    const p = parsePrometheusText('# HELP a first\\nsecond \\\\ back\n# just a comment\n# TYPE a GAUGE\na 1\n');
    expect(p.help.get('a')).toBe('first\nsecond \\ back');
    expect(p.types.get('a')).toBe('gauge');
    expect(p.errors).toEqual([]);
  });

  it('takes CRLF line ends and stops at # EOF', () => {
    const p = parsePrometheusText('a 1\r\nb 2\r\n# EOF\nc 3\n');
    expect(p.samples.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('returns nothing for empty text', () => {
    expect(parsePrometheusText('')).toMatchObject({ samples: [], errors: [] });
  });
});

describe('parsePrometheusText: malformed lines are skipped and reported', () => {
  it.each([
    { name: 'garbage', line: '<html><body>502 Bad Gateway</body></html>', message: /no metric name|not a number/ },
    { name: 'no value', line: 'vllm:num_requests_running{model_name="m"}', message: /no value/ },
    { name: 'value not a number', line: 'a twelve', message: /"twelve" is not a number/ },
    { name: 'hex value', line: 'a 0x10', message: /not a number/ },
    { name: 'unterminated label value', line: 'a{x="1} 2', message: /unterminated/ },
    { name: 'unquoted label value', line: 'a{x=1} 2', message: /must be quoted/ },
    { name: 'missing =', line: 'a{x"1"} 2', message: /expected "="/ },
    { name: 'duplicate label', line: 'a{x="1",x="2"} 2', message: /duplicate label x/ },
    { name: 'bad label name', line: 'a{1x="1"} 2', message: /bad label name/ },
    { name: 'junk after value', line: 'a 1 2 3', message: /unexpected text/ },
    { name: 'bad timestamp', line: 'a 1 yesterday', message: /not a timestamp/ },
    { name: 'truncated mid-labels', line: 'a{x="1",', message: /bad label name|unterminated/ },
  ])('$name', ({ line, message }) => {
    const p = parsePrometheusText(`good 1\n${line}\nalso_good 2\n`);
    expect(p.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.line).toBe(2);
    expect(p.errors[0]!.message).toMatch(message);
  });

  it('reports an unknown # TYPE and keeps the samples', () => {
    const p = parsePrometheusText('# TYPE a banana\na 1\n');
    expect(p.samples).toHaveLength(1);
    expect(p.types.has('a')).toBe(false);
    expect(p.errors).toEqual([{ line: 1, message: '# TYPE a: unknown type "banana"' }]);
  });

  it('survives binary noise without throwing', () => {
    const noise = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    expect(() => parsePrometheusText(noise)).not.toThrow();
  });
});

describe('parsePromValue', () => {
  it.each([
    ['1', 1],
    ['-2.5e-3', -0.0025],
    ['.5', 0.5],
    ['5.', 5],
    ['', null],
    ['1e', null],
    ['1_000', null],
    ['--1', null],
  ])('%s → %s', (tok, want) => {
    expect(parsePromValue(tok)).toBe(want);
  });
});
