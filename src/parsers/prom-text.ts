/**
 * The Prometheus text exposition format (version 0.0.4, and the OpenMetrics spellings servers
 * mix into it) → samples with labels, plus the `# TYPE` and `# HELP` of each family.
 *
 *   # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
 *   # TYPE vllm:prompt_tokens_total counter
 *   vllm:prompt_tokens_total{model_name="qwen",engine="0"} 8.128902e+06 1712345678901
 *
 * Rule for bad input: the text comes from another program over the network, so one bad line
 * must not throw away the rest. A line that is not a comment, blank or well-formed sample is
 * skipped and recorded in `errors` with its 1-based line number; callers decide whether any
 * error is fatal (the strict test helper does, the collectors do not). `# EOF` ends the text.
 */

export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'info' | 'stateset' | 'gaugehistogram' | 'unknown';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carried a timestamp. */
  timestamp_ms?: number;
}

export interface PromText {
  samples: PromSample[];
  /** `# TYPE` per family name. */
  types: Map<string, PromType>;
  /** `# HELP` per family name, unescaped. */
  help: Map<string, string>;
  errors: { line: number; message: string }[];
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^-?\d+$/;
const TYPES = new Set<PromType>(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'info', 'stateset', 'gaugehistogram', 'unknown']);

/** A sample value: a float, `NaN`, `+Inf`/`-Inf` (any case, as Go's ParseFloat takes them). */
export function parsePromValue(token: string): number | null {
  if (FLOAT_RE.test(token)) return Number(token);
  const t = token.toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (t === '+inf' || t === 'inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  return null;
}

class LineError extends Error {}

/** Reads a double-quoted string at `s[i] === '"'`; returns the unescaped text and the index after it. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"') return [out, j + 1];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++j];
    if (n === 'n') out += '\n';
    else if (n === '\\' || n === '"') out += n;
    else if (n === undefined) break;
    else out += `\\${n}`; // unknown escapes are kept as written, as Prometheus does
  }
  throw new LineError('unterminated quoted string');
}

const skipSpaces = (s: string, i: number): number => {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
};

/**
 * The `{…}` part. OpenMetrics 1.1 / Prometheus 3 allow a quoted metric name as the first entry
 * (`{"my.metric",le="1"}`); it is returned as `name`.
 */
function readLabels(s: string, i: number): { labels: Record<string, string>; name?: string; end: number } {
  const labels: Record<string, string> = {};
  let name: string | undefined;
  i = skipSpaces(s, i + 1);
  while (s[i] !== '}') {
    let key: string;
    if (s[i] === '"') {
      [key, i] = readQuoted(s, i);
      i = skipSpaces(s, i);
      if (s[i] !== '=') {
        if (name !== undefined || Object.keys(labels).length > 0) throw new LineError('quoted metric name must come first');
        name = key;
        if (s[i] === ',') i = skipSpaces(s, i + 1);
        else if (s[i] !== '}') throw new LineError(`expected "," or "}" after the metric name`);
        continue;
      }
    } else {
      const m = LABEL_NAME_RE.exec(s.slice(i));
      if (!m) throw new LineError(`bad label name at column ${i + 1}`);
      key = m[0];
      i = skipSpaces(s, i + key.length);
    }
    if (s[i] !== '=') throw new LineError(`expected "=" after label ${key}`);
    i = skipSpaces(s, i + 1);
    if (s[i] !== '"') throw new LineError(`label ${key}: value must be quoted`);
    const [value, next] = readQuoted(s, i);
    if (Object.hasOwn(labels, key)) throw new LineError(`duplicate label ${key}`);
    labels[key] = value;
    i = skipSpaces(s, next);
    if (s[i] === ',') i = skipSpaces(s, i + 1);
    else if (s[i] !== '}') throw new LineError(`expected "," or "}" after label ${key}`);
  }
  return { labels, ...(name === undefined ? {} : { name }), end: i + 1 };
}

function parseSample(line: string): PromSample {
  let i = 0;
  let name = '';
  const m = NAME_RE.exec(line);
  if (m) {
    name = m[0];
    i = m[0].length;
  }
  let labels: Record<string, string> = {};
  i = skipSpaces(line, i);
  if (line[i] === '{') {
    const r = readLabels(line, i);
    labels = r.labels;
    if (r.name !== undefined) {
      if (name) throw new LineError('metric named twice');
      name = r.name;
    }
    i = r.end;
  }
  if (!name) throw new LineError('no metric name');
  const rest = line.slice(i).trim().split(/[ \t]+/);
  // OpenMetrics exemplars (`# {trace_id="…"} 1.0`) follow the value; they are not needed here.
  const hash = rest.indexOf('#');
  const fields = hash >= 0 ? rest.slice(0, hash) : rest;
  if (fields.length === 0 || fields[0] === '') throw new LineError(`${name}: no value`);
  if (fields.length > 2) throw new LineError(`${name}: unexpected text after the value`);
  const value = parsePromValue(fields[0]!);
  if (value === null) throw new LineError(`${name}: "${fields[0]}" is not a number`);
  const sample: PromSample = { name, labels, value };
  if (fields[1] !== undefined) {
    // 0.0.4 timestamps are integer ms; OpenMetrics ones are float seconds.
    const ts = INT_RE.test(fields[1]) ? Number(fields[1]) : parsePromValue(fields[1]);
    if (ts === null || !Number.isFinite(ts)) throw new LineError(`${name}: "${fields[1]}" is not a timestamp`);
    sample.timestamp_ms = INT_RE.test(fields[1]) ? ts : ts * 1000;
  }
  return sample;
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

function parseComment(line: string, out: PromText, lineNo: number): 'eof' | undefined {
  const body = line.slice(1).trimStart();
  if (body === 'EOF') return 'eof';
  const m = /^(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(body);
  if (!m) return undefined; // any other comment is free text
  const [, kind, name, rest = ''] = m;
  if (kind === 'HELP') {
    out.help.set(name!, unescapeHelp(rest));
    return undefined;
  }
  const type = rest.trim().toLowerCase() as PromType;
  if (!TYPES.has(type)) out.errors.push({ line: lineNo, message: `# TYPE ${name}: unknown type "${rest.trim()}"` });
  else out.types.set(name!, type);
  return undefined;
}

/**
 * Parse exposition text. Never throws; see the rule in the file comment.
 * @example parsePrometheusText('up{job="a"} 1\n').samples // [{ name: 'up', labels: { job: 'a' }, value: 1 }]
 */
export function parsePrometheusText(text: string): PromText {
  const out: PromText = { samples: [], types: new Map(), help: new Map(), errors: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (parseComment(line, out, n + 1) === 'eof') break;
      continue;
    }
    try {
      out.samples.push(parseSample(line));
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      out.errors.push({ line: n + 1, message: err.message });
    }
  }
  return out;
}

/** Samples named `name` whose labels include every pair of `match`. */
export function promSamples(text: PromText, name: string, match: Record<string, string> = {}): PromSample[] {
  return text.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

export interface HistogramSeries {
  /** The labels of the series, without `le`. */
  labels: Record<string, string>;
  sum: number | null;
  count: number | null;
  buckets: { le: number; count: number }[];
}

/** A histogram family (`<base>_bucket`, `_sum`, `_count`) grouped into one entry per label set. */
export function promHistogram(text: PromText, base: string): HistogramSeries[] {
  const byKey = new Map<string, HistogramSeries>();
  const entry = (labels: Record<string, string>): HistogramSeries => {
    const { le: _le, ...rest } = labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let e = byKey.get(key);
    if (!e) {
      e = { labels: rest, sum: null, count: null, buckets: [] };
      byKey.set(key, e);
    }
    return e;
  };
  for (const s of text.samples) {
    if (s.name === `${base}_sum`) entry(s.labels).sum = s.value;
    else if (s.name === `${base}_count`) entry(s.labels).count = s.value;
    else if (s.name === `${base}_bucket` && s.labels.le !== undefined) {
      const le = parsePromValue(s.labels.le);
      if (le !== null) entry(s.labels).buckets.push({ le, count: s.value });
    }
  }
  for (const e of byKey.values()) e.buckets.sort((a, b) => a.le - b.le);
  return [...byKey.values()];
}
