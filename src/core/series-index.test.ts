import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCollectors } from '../collectors/index.js';
import { extractMetric, type MetricSpec } from '../shared/metrics.js';
import { SeriesIndex, seriesKey } from './series-index.js';

const goldenDir = join(import.meta.dirname, '../../test/golden');
const goldens = readdirSync(goldenDir).filter((f) => f.endsWith('.json'));

/** What the per-sample path used to compute: extractMetric + seriesKey, spec by spec. */
function reference(collector: string, specs: MetricSpec[], payload: Record<string, unknown>) {
  return specs.flatMap((spec) =>
    extractMetric(payload, spec.path).map((s) => ({ key: seriesKey(collector, spec.name, s.labels), labels: s.labels, value: s.value })),
  );
}

function viaIndex(index: SeriesIndex, payload: Record<string, unknown>) {
  const out: { key: string; labels: Record<string, string>; value: number; ref: object }[] = [];
  index.each(payload, (ref, value) => out.push({ key: ref.key, labels: { ...ref.labels }, value, ref }));
  return out;
}

describe('SeriesIndex', () => {
  it('finds what extractMetric finds, in the same order, on every golden payload', () => {
    let compared = 0;
    for (const file of goldens) {
      const payloads = JSON.parse(readFileSync(join(goldenDir, file), 'utf8')) as Record<string, Record<string, unknown>>;
      for (const c of builtinCollectors) {
        const payload = payloads[c.name];
        if (!payload) continue;
        const index = new SeriesIndex(c.name, c.metrics);
        const got = viaIndex(index, payload);
        expect(
          got.map(({ ref: _r, ...rest }) => rest),
          `${file} ${c.name}`,
        ).toEqual(reference(c.name, c.metrics, payload));
        compared += got.length;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('hands out the same series object every time a series is found again', () => {
    const specs: MetricSpec[] = [
      { name: 'read_mbps', path: 'io{device}.read_mbps', unit: 'megabytes_per_second', kind: 'gauge', help: 'reads' },
      { name: 'util_pct', path: 'gpus[gpu].engines{engine}.util_pct', unit: 'percent', kind: 'gauge', help: 'busy' },
      { name: 'up', path: 'up', unit: 'count', kind: 'gauge', help: 'link up' },
    ];
    const index = new SeriesIndex('x', specs);
    const payload = (n: number) => ({
      io: { sda: { read_mbps: n }, nvme0n1: { read_mbps: n + 1 } },
      gpus: [{ engines: { gfx: { util_pct: n }, video: { util_pct: 'n/a' } } }, { engines: { gfx: { util_pct: true } } }],
      up: false,
    });
    const first = viaIndex(index, payload(1));
    const second = viaIndex(index, payload(2));
    expect(first.map((s) => s.key)).toEqual([
      'x.read_mbps{device="sda"}',
      'x.read_mbps{device="nvme0n1"}',
      'x.util_pct{engine="gfx",gpu="0"}',
      'x.util_pct{engine="gfx",gpu="1"}',
      'x.up',
    ]);
    expect(second.map((s) => s.value)).toEqual([2, 3, 2, 1, 0]);
    second.forEach((s, i) => {
      expect(s.ref).toBe(first[i]!.ref);
    });
    expect(first[2]!.labels).toEqual({ gpu: '0', engine: 'gfx' });
  });

  it('skips what is not a finite number or a boolean, and paths through non-objects', () => {
    const specs: MetricSpec[] = [
      { name: 'a', path: 'a', unit: 'count', kind: 'gauge', help: 'a value' },
      { name: 'b', path: 'b[i].v', unit: 'count', kind: 'gauge', help: 'b value' },
      { name: 'c', path: 'c{k}.v', unit: 'count', kind: 'gauge', help: 'c value' },
    ];
    const index = new SeriesIndex('x', specs);
    for (const payload of [
      { a: Number.NaN, b: 'not an array', c: null },
      { a: Number.POSITIVE_INFINITY, b: [null, 5, { v: '1' }], c: { k: 3 } },
      { a: null, b: { 0: { v: 1 } }, c: [{ v: 1 }] },
    ])
      expect(viaIndex(index, payload as Record<string, unknown>)).toEqual(
        reference('x', specs, payload as Record<string, unknown>).map((r) => expect.objectContaining(r)),
      );
  });
});
