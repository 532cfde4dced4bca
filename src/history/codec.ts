/**
 * The chunk codec: many records of one series in one blob.
 *
 * A chunk holds `n` timestamps and K value columns (raw: [value]; rollups: [min, avg, max,
 * count]). Layout before compression:
 *
 *   version · n · t0 · quantum · step · (n−1) timestamp residuals · K · K columns
 *
 * Timestamps are implied by a regular grid: each one is stored as its deviation from
 * `previous + step`, in units of `quantum`, so a regular series costs one zero per sample and
 * deflate folds the zeros away. Rollup timestamps sit exactly on their bucket grid (quantum =
 * bucket, lossless); raw timestamps are kept to a quantum of about 1/20 of the sampling interval
 * (100 ms at 2 s), never coarser than half the smallest gap, so order and distinctness hold.
 *
 * Each column picks the cheapest encoding for its chunk: a constant; integers (the value
 * quantised to the metric's declared decimal places) as first or second differences in zigzag
 * varints; or, for values with no declared precision that are not integers, float64 XOR with
 * the previous value with leading and trailing zero bytes dropped (Gorilla's idea, per byte).
 * The body is then deflated (raw deflate, level 6: level 9 is four times slower for 1 % less)
 * unless that does not make it smaller.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter, DecodeError } from './bytes.js';

export const CODEC_VERSION = 1;

export interface Columns {
  /** Wall-clock ms, strictly increasing. */
  t: number[];
  /** One array per column, each as long as `t`. */
  cols: number[][];
}

/** What the encoder accepts: plain or typed arrays. */
export interface ColumnsIn {
  t: ArrayLike<number>;
  cols: ArrayLike<number>[];
}

/** Decimal places per column; `undefined` = not declared (integers stay exact, other floats go XOR). */
export type ColumnPrecision = (number | undefined)[];

const MODE_CONST_INT = 0;
const MODE_DELTA = 1;
const MODE_DOD = 2;
const MODE_XOR = 3;
const MODE_CONST_F64 = 4;

const GRID_EXACT = [3_600_000, 60_000, 1000];
const LOSSY_QUANTA = [1000, 500, 100, 50, 10, 5, 1];

/** Gaps between consecutive timestamps, sorted. */
function sortedDeltas(t: ArrayLike<number>): Float64Array {
  const d = new Float64Array(Math.max(0, t.length - 1));
  for (let i = 1; i < t.length; i++) d[i - 1] = t[i]! - t[i - 1]!;
  return d.sort();
}

/** The time quantum for a chunk (see the file comment). */
export function chooseQuantum(t: ArrayLike<number>): number {
  if (t.length < 2) return 1;
  const deltas = sortedDeltas(t);
  for (const g of GRID_EXACT) if (deltas.every((d) => d % g === 0)) return g;
  const median = deltas[deltas.length >> 1]!;
  const min = deltas[0]!;
  return LOSSY_QUANTA.find((q) => q <= median / 20 && q <= min / 2) ?? 1;
}

const zigzagSize = (n: number): number => {
  let u = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    size++;
  }
  return size;
};

/** Quantise a column to integers, or null when it must stay float64. */
function quantise(values: ArrayLike<number>, precision: number | undefined): Float64Array | null {
  const scale = 10 ** (precision ?? 0);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const q = precision === undefined ? v : Math.round(v * scale);
    if (!Number.isSafeInteger(q) || Math.abs(q) > 2 ** 51) return null;
    out[i] = q;
  }
  return out;
}

function writeIntColumn(w: ByteWriter, q: Float64Array, precision: number): void {
  const first = q[0]!;
  if (q.every((x) => x === first)) {
    w.byte(MODE_CONST_INT);
    w.byte(precision);
    w.svarint(first);
    return;
  }
  let deltaSize = 0;
  let dodSize = 0;
  for (let i = 1; i < q.length; i++) {
    const d = q[i]! - q[i - 1]!;
    deltaSize += zigzagSize(d);
    dodSize += zigzagSize(i === 1 ? d : d - (q[i - 1]! - q[i - 2]!));
  }
  const dod = dodSize < deltaSize;
  w.byte(dod ? MODE_DOD : MODE_DELTA);
  w.byte(precision);
  w.svarint(first);
  let prevDelta = 0;
  for (let i = 1; i < q.length; i++) {
    const d = q[i]! - q[i - 1]!;
    w.svarint(dod ? d - prevDelta : d);
    prevDelta = d;
  }
}

const f64Bytes = (x: number, into: Uint8Array): void => {
  new DataView(into.buffer, into.byteOffset, 8).setFloat64(0, x, false);
};

function writeXorColumn(w: ByteWriter, values: ArrayLike<number>): void {
  const first = values[0]!;
  if (Array.prototype.every.call(values, (x: number) => Object.is(x, first))) {
    w.byte(MODE_CONST_F64);
    w.f64(first);
    return;
  }
  w.byte(MODE_XOR);
  w.f64(first);
  const prev = new Uint8Array(8);
  const cur = new Uint8Array(8);
  const x = new Uint8Array(8);
  f64Bytes(first, prev);
  for (let i = 1; i < values.length; i++) {
    f64Bytes(values[i]!, cur);
    for (let j = 0; j < 8; j++) x[j] = prev[j]! ^ cur[j]!;
    let lead = 0;
    while (lead < 8 && x[lead] === 0) lead++;
    let trail = 0;
    while (trail < 8 - lead && x[7 - trail] === 0) trail++;
    w.byte((lead << 4) | trail);
    for (let j = lead; j < 8 - trail; j++) w.byte(x[j]!);
    prev.set(cur);
  }
}

/** Encode records (uncompressed); see `packChunk` for the stored form. */
export function encodeColumns(data: ColumnsIn, precision: ColumnPrecision, quantum?: number): Uint8Array {
  const w = new ByteWriter(32 + data.t.length * (1 + data.cols.length * 2));
  writeColumns(w, data, precision, quantum);
  return w.view().slice();
}

/** Encode records onto `w` (several sets can follow each other: see batch.ts). */
export function writeColumns(w: ByteWriter, data: ColumnsIn, precision: ColumnPrecision, quantum = chooseQuantum(data.t)): void {
  const { t, cols } = data;
  const n = t.length;
  w.byte(CODEC_VERSION);
  w.uvarint(n);
  if (n === 0) return;
  const t0 = t[0]!;
  w.uvarint(t0);
  w.uvarint(quantum);
  const steps = new Float64Array(n - 1);
  let prev = 0;
  for (let i = 1; i < n; i++) {
    const q = Math.round((t[i]! - t0) / quantum);
    steps[i - 1] = q - prev;
    prev = q;
  }
  const step = n === 1 ? 0 : n <= 3 ? steps[0]! : steps.slice().sort()[(n - 1) >> 1]!;
  w.uvarint(step);
  for (let i = 0; i < n - 1; i++) w.svarint(steps[i]! - step);
  w.byte(cols.length);
  cols.forEach((col, k) => {
    if (col.length !== n) throw new Error(`column ${k} has ${col.length} values for ${n} timestamps`);
    const p = precision[k];
    const q = quantise(col, p);
    if (q) writeIntColumn(w, q, p ?? 0);
    else writeXorColumn(w, col);
  });
}

function readColumn(r: ByteReader, n: number): number[] {
  const mode = r.byte();
  const out = new Array<number>(n);
  if (mode === MODE_CONST_F64) return out.fill(r.f64());
  if (mode === MODE_XOR) {
    const prev = new Uint8Array(8);
    f64Bytes(r.f64(), prev);
    const view = new DataView(prev.buffer);
    out[0] = view.getFloat64(0, false);
    for (let i = 1; i < n; i++) {
      const tag = r.byte();
      const lead = tag >> 4;
      const trail = tag & 0x0f;
      if (lead + trail > 8) throw new DecodeError(`bad XOR tag ${tag}`);
      for (let j = lead; j < 8 - trail; j++) prev[j] = prev[j]! ^ r.byte();
      out[i] = view.getFloat64(0, false);
    }
    return out;
  }
  if (mode !== MODE_CONST_INT && mode !== MODE_DELTA && mode !== MODE_DOD)
    throw new DecodeError(`unknown column mode ${mode}`);
  const precision = r.byte();
  if (precision > 15) throw new DecodeError(`bad precision ${precision}`);
  const scale = 10 ** precision;
  let q = r.svarint();
  if (mode === MODE_CONST_INT) return out.fill(q / scale);
  out[0] = q / scale;
  let delta = 0;
  for (let i = 1; i < n; i++) {
    const x = r.svarint();
    delta = mode === MODE_DOD ? delta + x : x;
    q += delta;
    out[i] = q / scale;
  }
  return out;
}

export function decodeColumns(bytes: Uint8Array): Columns {
  return readColumns(new ByteReader(bytes));
}

/** Decode one set of records from `r` (the counterpart of writeColumns). */
export function readColumns(r: ByteReader): Columns {
  const version = r.byte();
  if (version !== CODEC_VERSION) throw new DecodeError(`unknown chunk codec version ${version}`);
  const n = r.uvarint();
  if (n === 0) return { t: [], cols: [] };
  const t0 = r.uvarint();
  const quantum = r.uvarint();
  const step = r.uvarint();
  const t = new Array<number>(n);
  t[0] = t0;
  let q = 0;
  for (let i = 1; i < n; i++) {
    q += step + r.svarint();
    t[i] = t0 + q * quantum;
  }
  const k = r.byte();
  const cols: number[][] = [];
  for (let c = 0; c < k; c++) cols.push(readColumn(r, n));
  return { t, cols };
}

const STORED = 0;
const DEFLATE = 1;
// An 8 KB window is as good as 32 KB for blobs this size, and each call allocates far less.
const DEFLATE_OPTIONS = { level: 6, windowBits: 13, memLevel: 6 };

/** Encode and compress: the blob stored in a chunk row (first byte says how it is packed). */
export function packChunk(data: ColumnsIn, precision: ColumnPrecision): Buffer {
  return pack(encodeColumns(data, precision));
}

export function pack(body: Uint8Array): Buffer {
  const z = deflateRawSync(body, DEFLATE_OPTIONS);
  if (z.length < body.length) return Buffer.concat([Buffer.of(DEFLATE), z]);
  return Buffer.concat([Buffer.of(STORED), body]);
}

export function unpack(blob: Uint8Array): Uint8Array {
  if (blob.length === 0) throw new DecodeError('empty blob');
  const body = blob.subarray(1);
  if (blob[0] === STORED) return body;
  if (blob[0] === DEFLATE) return inflateRawSync(body);
  throw new DecodeError(`unknown packing ${blob[0]}`);
}

export function unpackChunk(blob: Uint8Array): Columns {
  return decodeColumns(unpack(blob));
}
