/**
 * Feeds every chart: history from `/api/history` for the chosen range (5 m … 30 d), then the
 * live samples appended as they arrive. A chart is bound to the collector whose samples drive
 * it; its lines may read other collectors' latest payloads (the CPU overlay on the power chart).
 */
import type { HistoryResponse, SeriesInfo, SeriesListResponse } from '../../src/shared/protocol-history.js';
import { getJson } from './api.js';
import type { LineSpec, LiveChart } from './chart.js';
import type { Payload } from './read.js';
import { fromHistory, stepFor } from './series.js';
import { RANGE_MS, type State } from './state.js';
import type { Store } from './store.js';

export interface ChartBinding {
  chart: LiveChart;
  /** The collector whose samples append a point. */
  plugin: string;
  lines(p: Payload, state: State): LineSpec[];
  values(p: Payload, state: State): Record<string, number | null>;
}

interface Bound extends ChartBinding {
  loadedRange: string | null;
  loadedKeys: string;
  loading: number;
  /** Some lines had no stored series yet (first samples): ask again after this time. */
  retryAt: number | null;
}

/** How long the server's series list is reused before it is fetched again. */
const SERIES_TTL_MS = 10_000;

export class ChartHub {
  private bound: Bound[] = [];
  private pending = new Set<Bound>();
  private timer: number | undefined;
  private series: { at: number; list: Promise<SeriesInfo[]> } | null = null;

  constructor(private readonly store: Store) {
    store.subscribe((state, action, prev) => {
      if (action.type === 'sample') this.onSample(action.plugin, action.data, action.ts, state);
      if (action.type === 'range' || (action.type === 'status' && prev.status === null)) this.reloadAll();
    });
  }

  add(binding: ChartBinding): void {
    const b: Bound = { ...binding, loadedRange: null, loadedKeys: '', loading: 0, retryAt: null };
    this.bound.push(b);
    const s = this.store.get();
    const sample = s.payloads[b.plugin];
    if (sample) this.onSampleFor(b, sample.data, sample.ts, s);
  }

  /** After a lost link: fetch history again so the gap is filled from the server's store. */
  reloadAll(): void {
    this.series = null;
    for (const b of this.bound) b.loadedRange = null;
    for (const b of this.bound) if (b.chart.keys().length > 0) this.schedule(b);
  }

  private onSample(plugin: string, data: Payload, ts: number, state: State): void {
    for (const b of this.bound) if (b.plugin === plugin) this.onSampleFor(b, data, ts, state);
  }

  private onSampleFor(b: Bound, data: Payload, ts: number, state: State): void {
    if (data.available === false) return;
    b.chart.setWindow(RANGE_MS[state.range]);
    b.chart.ensureLines(b.lines(data, state));
    b.chart.push(ts, b.values(data, state));
    const keys = b.chart.keys().join('\n');
    const retry = b.retryAt !== null && Date.now() >= b.retryAt;
    if (b.loadedRange !== state.range || b.loadedKeys !== keys || retry) this.schedule(b);
  }

  /** Loads are batched a moment so the first burst of samples asks once per chart. */
  private schedule(b: Bound): void {
    this.pending.add(b);
    if (this.timer !== undefined) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      const batch = [...this.pending];
      this.pending.clear();
      for (const x of batch) void this.load(x);
    }, 150);
  }

  private async load(b: Bound): Promise<void> {
    const state = this.store.get();
    const keys = b.chart.keys();
    if (keys.length === 0) return;
    const range = state.range;
    const rangeMs = RANGE_MS[range];
    const interval = state.intervals[b.plugin] || 2;
    const stepMs = stepFor(rangeMs, interval);
    b.loadedRange = range;
    b.loadedKeys = keys.join('\n');
    const token = ++b.loading;
    const q = new URLSearchParams({ from: `-${range}`, step: String(stepMs / 1000) });
    // Stored names: the key itself, or the series a line's `find` picks from the server's list.
    const stored = await this.storedNames(b.chart.lineSpecs());
    for (const name of new Set(stored)) if (name) q.append('series', name);
    // A series is stored once it has had a value: rates have none on the first sample.
    b.retryAt = stored.includes(null) ? Date.now() + SERIES_TTL_MS : null;
    let res: HistoryResponse;
    try {
      if (!q.has('series')) return;
      res = await getJson<HistoryResponse>(`/api/history?${q.toString()}`, 15_000);
    } catch {
      // No history (store off or unreachable): the chart keeps its live points.
      return;
    }
    if (token !== b.loading || this.store.get().range !== range) return;
    const cols = fromHistory(res, stored.map((n, i) => n ?? keys[i]!));
    // Live samples within one collection interval are separate points; wider buckets merge.
    const mergeMs = res.step_ms > interval * 1500 ? res.step_ms : 0;
    b.chart.setColumns(cols, mergeMs, rangeMs, 2.5 * Math.max(res.step_ms, interval * 1000));
    // The newest sample may be newer than the history's last bucket: append it again.
    const latest = this.store.get().payloads[b.plugin];
    if (latest && latest.data.available !== false)
      b.chart.push(latest.ts, b.values(latest.data, this.store.get()));
  }

  /**
   * The stored name of each line, or null when the server has no such series (yet): asking for
   * an unknown series is a 400, which the browser would log as an error.
   */
  private async storedNames(lines: readonly LineSpec[]): Promise<(string | null)[]> {
    if (!this.series || Date.now() - this.series.at > SERIES_TTL_MS)
      this.series = {
        at: Date.now(),
        list: getJson<SeriesListResponse>('/api/history/series')
          .then((r) => r.series)
          .catch(() => []),
      };
    const list = await this.series.list;
    const names = new Set(list.map((s) => s.name));
    return lines.map((l) => (l.find ? (list.find((s) => l.find!(s))?.name ?? null) : names.has(l.key) ? l.key : null));
  }

  restyle(): void {
    for (const b of this.bound) b.chart.restyle();
  }
}
