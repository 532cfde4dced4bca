import type { MetricSpec } from '../shared/metrics.js';
import type { SampleEvent } from './bus.js';
import { SeriesIndex } from './series-index.js';

export { seriesKey } from './series-index.js';

/** Fixed-capacity ring of (wall ms, value) for one series. */
class SeriesRing {
  private t: Float64Array;
  private v: Float64Array;
  private head = 0;
  count = 0;
  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }
  push(ts: number, value: number): void {
    this.t[this.head] = ts;
    this.v[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }
  /** Oldest first. */
  toArrays(): { t: number[]; v: number[] } {
    const t: number[] = [];
    const v: number[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const j = (start + i) % this.capacity;
      t.push(this.t[j]!);
      v.push(this.v[j]!);
    }
    return { t, v };
  }
}

/**
 * In-memory history: one ring per series, fed from the declared metrics of each sample, so
 * recent charts need no disk. Memory is bounded: capacity × series × 16 bytes.
 */
export class MetricRing {
  private series = new Map<string, SeriesRing>();
  private specs = new Map<string, SeriesIndex>();

  constructor(private capacity: number) {}

  get size(): number {
    return this.capacity;
  }

  setSpecs(collector: string, specs: MetricSpec[]): void {
    this.specs.set(collector, new SeriesIndex(collector, specs));
  }

  record(ev: SampleEvent): void {
    if (ev.data.available === false) return;
    this.specs.get(ev.plugin)?.each(ev.data, (ref, value) => {
      let ring = this.series.get(ref.key);
      if (!ring) {
        ring = new SeriesRing(this.capacity);
        this.series.set(ref.key, ring);
      }
      ring.push(ev.ts, value);
    });
  }

  /** Change the capacity, keeping the newest samples that still fit. */
  resize(capacity: number): void {
    if (capacity === this.capacity) return;
    this.capacity = capacity;
    for (const [key, old] of this.series) {
      const { t, v } = old.toArrays();
      const ring = new SeriesRing(capacity);
      const from = Math.max(0, t.length - capacity);
      for (let i = from; i < t.length; i++) ring.push(t[i]!, v[i]!);
      this.series.set(key, ring);
    }
  }

  /** Drop series of collectors no longer running. */
  retainCollectors(names: Set<string>): void {
    for (const c of this.specs.keys()) if (!names.has(c)) this.specs.delete(c);
    for (const key of this.series.keys()) {
      const collector = key.slice(0, key.indexOf('.'));
      if (!names.has(collector)) this.series.delete(key);
    }
  }

  /** The largest number of samples any series holds (how far back the ring reaches). */
  count(): number {
    let n = 0;
    for (const r of this.series.values()) n = Math.max(n, r.count);
    return n;
  }

  seriesCount(): number {
    return this.series.size;
  }

  get(key: string): { t: number[]; v: number[] } | undefined {
    return this.series.get(key)?.toArrays();
  }

  keys(): string[] {
    return [...this.series.keys()];
  }
}
