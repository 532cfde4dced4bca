/**
 * One series in memory: its identity, the open chunk of each tier, chunks that are full and wait
 * to be written, and the rollup accumulators fed from its raw samples.
 */
import type { MetricSpec } from '../shared/metrics.js';
import { Rollup, type RollupRecord } from './rollup.js';
import { TIERS, type Tier } from './tiers.js';

/** What a series is, as listed by `/api/history/series` and stored in the `series` table. */
export interface SeriesMeta {
  key: string;
  collector: string;
  metric: string;
  labels: Record<string, string>;
  unit: MetricSpec['unit'];
  kind: MetricSpec['kind'];
  help: string;
  precision: number | undefined;
}

const KEY_RE = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_]+)(?:\{(.*)\})?$/;
const LABEL_RE = /([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"/g;

/** `cpu_monitor.per_core_pct{core="0"}` → its parts; null when it is not a series key. */
export function parseSeriesKey(key: string): { collector: string; metric: string; labels: Record<string, string> } | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  const labels: Record<string, string> = {};
  for (const l of (m[3] ?? '').matchAll(LABEL_RE)) labels[l[1]!] = l[2]!;
  return { collector: m[1]!, metric: m[2]!, labels };
}

/**
 * Records of one tier, oldest first: a chunk while it is open or waiting to be written. Kept in
 * growable Float64Arrays: no per-record objects, nothing for the garbage collector to scan.
 */
export class MemChunk {
  private tBuf: Float64Array;
  private colBufs: Float64Array[];
  n = 0;
  /** Records already in the chunk row on disk / already in the pending log. */
  persistedN = 0;
  persistedBytes = 0;
  loggedN = 0;

  constructor(
    readonly tier: Tier,
    readonly start: number,
  ) {
    const cap = Math.min(64, tier.chunkRecords);
    this.tBuf = new Float64Array(cap);
    this.colBufs = tier.columns.map(() => new Float64Array(cap));
  }

  get t(): Float64Array {
    return this.tBuf.subarray(0, this.n);
  }

  get cols(): Float64Array[] {
    return this.colBufs.map((c) => c.subarray(0, this.n));
  }

  /** Would adding a record at `t` overflow this chunk? */
  fullFor(t: number): boolean {
    return this.n >= this.tier.chunkRecords || t - this.start > this.tier.chunkSpanMs;
  }

  lastT(): number {
    return this.n > 0 ? this.tBuf[this.n - 1]! : Number.NEGATIVE_INFINITY;
  }

  push(t: number, values: ArrayLike<number>): void {
    if (this.n === this.tBuf.length) {
      const cap = Math.min(this.tier.chunkRecords, this.n * 2);
      const grow = (a: Float64Array) => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      this.tBuf = grow(this.tBuf);
      this.colBufs = this.colBufs.map(grow);
    }
    this.tBuf[this.n] = t;
    for (let k = 0; k < this.colBufs.length; k++) this.colBufs[k]![this.n] = values[k]!;
    this.n++;
  }
}

export class SeriesState {
  readonly open: (MemChunk | null)[] = TIERS.map(() => null);
  /** Full chunks not yet written (kept until a flush succeeds). */
  readonly sealed: MemChunk[] = [];
  readonly rollups: (Rollup | null)[] = TIERS.map((t) => (t.bucketMs > 0 ? new Rollup(t.bucketMs) : null));
  /** Newest record time per tier (raw: sample time; rollups: bucket start). */
  readonly lastT: number[] = TIERS.map(() => Number.NEGATIVE_INFINITY);
  /** Row not yet in the `series` table. */
  isNew = true;
  /** The oldest pending batch holding records of this series that no chunk row has yet. */
  dirtySince: number | null = null;
  /** Samples refused (not newer than the last one) or lost (memory bound while writes fail). */
  dropped = 0;
  private readonly one = new Float64Array(1);
  private readonly four = new Float64Array(4);

  constructor(
    readonly id: number,
    public meta: SeriesMeta,
  ) {}

  /** Add one raw sample (quantised to the declared precision) and feed the rollups. */
  addRaw(t: number, value: number): boolean {
    if (!(t > this.lastT[0]!)) {
      this.dropped++;
      return false;
    }
    const p = this.meta.precision;
    const v = p === undefined ? value : Math.round(value * 10 ** p) / 10 ** p;
    this.one[0] = v;
    this.append(TIERS[0]!, t, this.one);
    for (const tier of TIERS) {
      const rec = this.rollups[tier.id]?.add(t, v);
      if (rec) this.appendRollup(tier, rec);
    }
    return true;
  }

  private appendRollup(tier: Tier, r: RollupRecord): void {
    this.four[0] = r.min;
    this.four[1] = r.avg;
    this.four[2] = r.max;
    this.four[3] = r.count;
    this.append(tier, r.t, this.four);
  }

  /** Finish rollup buckets that ended by `cutoff`. */
  finishRollups(cutoff: number): void {
    for (const tier of TIERS) {
      const rec = this.rollups[tier.id]?.finishIfEndedBy(cutoff);
      if (rec) this.appendRollup(tier, rec);
    }
  }

  append(tier: Tier, t: number, values: ArrayLike<number>): void {
    if (!(t > this.lastT[tier.id]!)) return;
    let chunk = this.open[tier.id];
    if (chunk?.fullFor(t)) {
      this.sealed.push(chunk);
      chunk = null;
    }
    if (!chunk) {
      chunk = new MemChunk(tier, t);
      this.open[tier.id] = chunk;
    }
    chunk.push(t, values);
    this.lastT[tier.id] = t;
  }

  /** In-memory chunks of a tier (waiting and open), oldest first. */
  memChunks(tierId: number): MemChunk[] {
    const out = this.sealed.filter((c) => c.tier.id === tierId);
    const open = this.open[tierId];
    if (open && open.n > 0) out.push(open);
    return out;
  }

  /** The bucket in progress of a rollup tier, as a provisional record. */
  partial(tierId: number): RollupRecord | null {
    return this.rollups[tierId]?.partial() ?? null;
  }
}

/** The identity of a series from its collector's declaration. */
export function metaFor(collector: string, spec: MetricSpec, labels: Record<string, string>, key: string): SeriesMeta {
  return { key, collector, metric: spec.name, labels, unit: spec.unit, kind: spec.kind, help: spec.help, precision: spec.precision };
}
