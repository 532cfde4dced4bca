/**
 * A tiny reader of the Prometheus text exposition format, enough for comparing against
 * node_exporter's e2e-output.txt: `name{label="value",…} number` lines; comments skipped.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/g;

export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL_RE)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: parseValue(m[3]!) });
  }
  return out;
}

function parseValue(tok: string): number {
  if (tok === '+Inf') return Number.POSITIVE_INFINITY;
  if (tok === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(tok);
}

/** Samples of one metric, optionally filtered by labels. */
export function samples(all: PromSample[], name: string, match: Record<string, string> = {}): PromSample[] {
  return all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The single value of a metric with these labels; throws when absent or ambiguous. */
export function value(all: PromSample[], name: string, match: Record<string, string> = {}): number {
  const found = samples(all, name, match);
  if (found.length !== 1) throw new Error(`${name}${JSON.stringify(match)}: ${found.length} samples`);
  return found[0]!.value;
}
