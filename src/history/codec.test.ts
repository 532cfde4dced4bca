import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';
import { chooseQuantum, decodeColumns, encodeColumns, packChunk, unpack, unpackChunk } from './codec.js';

const T0 = Date.UTC(2026, 0, 1);
const regular = (n: number, step: number, t0 = T0) => Array.from({ length: n }, (_, i) => t0 + i * step);

describe('varints', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 52, Number.MAX_SAFE_INTEGER])('uvarint %d round-trips', (n) => {
    const w = new ByteWriter(1);
    w.uvarint(n);
    expect(new ByteReader(w.view()).uvarint()).toBe(n);
  });
  it.each([0, -1, 1, -64, 64, -(2 ** 40), 2 ** 40, -(2 ** 51), 2 ** 51])('svarint %d round-trips', (n) => {
    const w = new ByteWriter(1);
    w.svarint(n);
    expect(new ByteReader(w.view()).svarint()).toBe(n);
  });
  it('small magnitudes take one byte', () => {
    const w = new ByteWriter();
    for (const n of [0, -1, 1, -64, 63]) w.svarint(n);
    expect(w.length).toBe(5);
  });
  it('truncated input throws DecodeError', () => {
    expect(() => new ByteReader(Uint8Array.of(0x80)).uvarint()).toThrow(DecodeError);
    expect(() => new ByteReader(new Uint8Array(0)).byte()).toThrow(DecodeError);
    expect(() => new ByteReader(new Uint8Array(9).fill(0xff)).uvarint()).toThrow(/longer than 8/);
  });
});

describe('chooseQuantum', () => {
  it.each([
    ['rollup minutes', regular(10, 60_000), 60_000],
    ['rollup hours with a gap', [T0, T0 + 3_600_000, T0 + 3 * 3_600_000], 3_600_000],
    ['exact seconds', regular(10, 2000), 1000],
    ['2 s with ms jitter', regular(10, 2000).map((t, i) => t + (i % 3)), 100],
    ['1 s with jitter', regular(10, 1000).map((t, i) => t + (i % 7)), 50],
    ['fast test collector, 50 ms', regular(10, 50).map((t, i) => t + (i % 2)), 1],
    ['one sample', [T0], 1],
  ])('%s', (_name, t, q) => {
    expect(chooseQuantum(t)).toBe(q);
  });
});

describe('chunk codec', () => {
  const cases: [string, number[], number[], number | undefined][] = [
    ['constant int', regular(100, 2000), new Array(100).fill(42), 0],
    ['percent with 1 decimal', regular(50, 2000), Array.from({ length: 50 }, (_, i) => Math.round((50 + 30 * Math.sin(i)) * 10) / 10), 1],
    ['negative values', regular(20, 2000), Array.from({ length: 20 }, (_, i) => -i * 1.5), 1],
    ['counter (second differences)', regular(100, 1000), Array.from({ length: 100 }, (_, i) => 1e12 + i * 4096), 0],
    ['no precision, integers', regular(10, 1000), [1, 2, 3, 5, 8, 13, 21, 34, 55, 89], undefined],
    ['no precision, floats (XOR)', regular(10, 1000), [0.1, 0.2, 0.30000000000000004, Math.PI, -Math.E, 1e-300, 1e300, 0, -0, 5], undefined],
    ['constant float', regular(5, 1000), new Array(5).fill(Math.PI), undefined],
    ['too large for integers', regular(3, 1000), [2 ** 60, 2 ** 61, 3], 0],
    ['irregular gaps', [T0, T0 + 2000, T0 + 4000, T0 + 60_000, T0 + 62_000, T0 + 3_600_000], [1, 2, 3, 4, 5, 6], 0],
    ['single sample', [T0], [7.5], 1],
  ];
  it.each(cases)('%s round-trips exactly', (_name, t, v, precision) => {
    const out = unpackChunk(packChunk({ t, cols: [v] }, [precision]));
    expect(out.t).toEqual(t);
    expect(out.cols[0]!.map((x) => (Object.is(x, -0) ? 0 : x))).toEqual(v.map((x) => (Object.is(x, -0) ? 0 : x)));
  });

  it('keeps raw timestamps to the chosen quantum, in order and distinct', () => {
    const t = regular(200, 2000).map((x, i) => x + ((i * 7919) % 23));
    const out = decodeColumns(encodeColumns({ t, cols: [t.map(() => 1)] }, [0]));
    for (let i = 0; i < t.length; i++) expect(Math.abs(out.t[i]! - t[i]!)).toBeLessThanOrEqual(50);
    for (let i = 1; i < t.length; i++) expect(out.t[i]!).toBeGreaterThan(out.t[i - 1]!);
  });

  it('quantises to the declared precision', () => {
    const out = unpackChunk(packChunk({ t: regular(3, 1000), cols: [[1.234, 1.25, 99.99]] }, [1]));
    expect(out.cols[0]).toEqual([1.2, 1.3, 100]);
  });

  it('several columns (rollup records)', () => {
    const t = regular(60, 60_000);
    const cols = [t.map((_, i) => i), t.map((_, i) => i + 0.25), t.map((_, i) => i + 1), t.map(() => 30)];
    const out = unpackChunk(packChunk({ t, cols }, [0, 2, 0, 0]));
    expect(out).toEqual({ t, cols });
  });

  it('a regular series costs well under a byte per sample', () => {
    const t = regular(1024, 2000);
    const v = t.map((_, i) => Math.round((3 + Math.sin(i / 20)) * 10) / 10);
    expect(packChunk({ t, cols: [v] }, [1]).length / 1024).toBeLessThan(0.5);
  });

  it('an empty chunk', () => {
    expect(unpackChunk(packChunk({ t: [], cols: [] }, []))).toEqual({ t: [], cols: [] });
  });

  it('rejects a column whose length differs from the timestamps', () => {
    expect(() => encodeColumns({ t: [1, 2], cols: [[1]] }, [0])).toThrow(/column 0 has 1 values for 2/);
  });

  it.each([
    ['empty blob', new Uint8Array(0), /empty blob/],
    ['unknown packing', Uint8Array.of(9, 1, 2), /unknown packing/],
    ['unknown codec version', Uint8Array.of(0, 99), /codec version 99/],
    ['truncated body', Uint8Array.of(0, 1, 5, 0x80), /truncated/],
    ['bad column mode', Uint8Array.of(0, 1, 1, 1, 1, 0, 1, 77), /column mode 77/],
    ['garbage deflate', Uint8Array.of(1, 0xff, 0xff, 0xff), /./],
  ])('malformed: %s throws', (_name, blob, msg) => {
    expect(() => unpackChunk(blob)).toThrow(msg);
  });

  it('stores a blob uncompressed when deflate would not shrink it', () => {
    const blob = packChunk({ t: [T0], cols: [[1]] }, [0]);
    expect(blob[0]).toBe(0);
    expect(decodeColumns(unpack(blob)).t).toEqual([T0]);
  });
});
