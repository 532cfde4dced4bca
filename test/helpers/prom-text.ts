/**
 * Strict reading of Prometheus text for tests that compare against node_exporter's
 * e2e-output.txt: the product's parser (src/parsers/prom-text.ts), but any line it had to skip
 * is an error here, since a fixture file should parse cleanly.
 */
import { type PromSample, parsePrometheusText } from '../../src/parsers/prom-text.js';

export type { PromSample };

export function parsePromText(text: string): PromSample[] {
  const parsed = parsePrometheusText(text);
  const bad = parsed.errors[0];
  if (bad) throw new Error(`not a Prometheus sample line (line ${bad.line}): ${bad.message}`);
  return parsed.samples;
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
