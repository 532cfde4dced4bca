/**
 * A time-series chart: one uPlot instance created once, then fed with `setData` (history for the
 * chosen range, then each live sample appended) and `setSize` on resize (DESIGN rule 12).
 * Lines can appear later (a new interface, a second disk): they are added with `addSeries`.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesInfo } from '../../src/shared/protocol-history.js';
import { h, setText } from './dom.js';
import { fmtClock, fmtTick } from './format.js';
import { color } from './palette.js';
import { bucketPush, type Columns, trimBefore } from './series.js';

export interface LineSpec {
  /** The history series name (`<collector>.<metric>{labels}`), unique within the chart. */
  key: string;
  label: string;
  /** Palette name: 'c1'…'c8', 'green', 'amber', 'red', 'muted'. */
  color: string;
  scale?: string;
  dash?: number[];
  fill?: boolean;
  /**
   * For series whose stored name is not known in advance (another collector's metric names):
   * picks the history series from `/api/history/series`. Without it, `key` is the stored name.
   */
  find?: (s: SeriesInfo) => boolean;
}

export interface AxisSpec {
  scale: string;
  format: (v: number) => string;
  /** Fixed range, e.g. [0, 100] for percentages; else auto with min 0. */
  range?: [number, number];
  side?: 'left' | 'right';
}

export interface ChartSpec {
  height?: number;
  axes: AxisSpec[];
  /** A caption for screen readers (the chart itself is a canvas). */
  label: string;
}

export class LiveChart {
  readonly root: HTMLElement;
  private plot: uPlot | null = null;
  private lines: LineSpec[] = [];
  private data: Columns = { t: [], v: [] };
  private mergeMs = 0;
  /** A run of missing points shorter than this is drawn through (jitter), longer is a gap. */
  private gapMs = 6000;
  private windowMs = 3_600_000;
  private resize: ResizeObserver;

  /** One line under the plot: each series' colour, label and value (latest, or under the cursor). */
  private legend = h('div.legend', { 'aria-hidden': 'true' });
  private legendTime = h('span.lg-time');
  private legendItems: { value: HTMLElement; marker: HTMLElement }[] = [];
  private canvasBox = h('div.plot');

  constructor(private readonly spec: ChartSpec) {
    this.legend.append(this.legendTime);
    // The plot's height is reserved before uPlot exists, so nothing below it moves.
    this.canvasBox.style.setProperty('--h', `${spec.height ?? 120}px`);
    this.root = h('div.chart', { role: 'img', 'aria-label': spec.label, 'data-points': '0' }, this.canvasBox, this.legend);
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.root);
  }

  /** Line keys the chart draws, in order (history is asked for these). */
  keys(): string[] {
    return this.lines.map((l) => l.key);
  }

  lineSpecs(): readonly LineSpec[] {
    return this.lines;
  }

  /** Make sure these lines exist (added at the end, with null history). */
  ensureLines(specs: LineSpec[]): void {
    const known = new Set(this.lines.map((l) => l.key));
    for (const s of specs) {
      if (known.has(s.key)) continue;
      this.lines.push(s);
      this.data.v.push(this.data.t.map(() => null));
      this.addLegendItem(s);
      if (this.plot) this.plot.addSeries(this.seriesOf(s), this.lines.length);
    }
    if (!this.plot && this.lines.length > 0 && this.root.isConnected) this.create();
  }

  /** Replace all data (after a history load). */
  setColumns(cols: Columns, mergeMs: number, windowMs: number, gapMs = this.gapMs): void {
    this.data = cols;
    this.gapMs = gapMs;
    this.mergeMs = mergeMs;
    this.windowMs = windowMs;
    this.redraw();
  }

  /** The time window shown (the chosen range). */
  setWindow(ms: number): void {
    if (ms === this.windowMs) return;
    this.windowMs = ms;
    this.redraw();
  }

  /** Append one live sample (values by line key), merging into the last bucket on long ranges. */
  push(tsMs: number, values: Record<string, number | null>): void {
    const row = this.lines.map((l) => values[l.key] ?? null);
    bucketPush(this.data, tsMs, row, this.mergeMs);
    trimBefore(this.data, tsMs - this.windowMs);
    this.redraw();
  }

  /** Theme changed: colours are read at draw time, so a redraw is enough. */
  restyle(): void {
    this.plot?.redraw(false, true);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private redraw(): void {
    if (!this.plot) {
      if (this.lines.length > 0 && this.root.isConnected) this.create();
      if (!this.plot) return;
    }
    const xs = this.data.t.map((t) => t / 1000);
    // uPlot takes (number | null)[] per series; nulls are gaps (a server restart shows as one).
    this.plot.setData([xs, ...this.data.v] as uPlot.AlignedData);
    const drawn = this.data.v.reduce((n, col) => n + col.filter((x) => x !== null).length, 0);
    this.root.dataset.points = String(drawn);
    if (this.cursorIdx === null) this.showLegendAt(null);
  }

  private cursorIdx: number | null = null;

  private addLegendItem(s: LineSpec): void {
    const marker = h('i', { 'data-dash': s.dash ? 'true' : null });
    marker.style.setProperty('--mc', `var(--${s.color})`);
    const value = h('span.lg-value');
    this.legend.append(h('span.lg-item', null, marker, `${s.label} `, value));
    this.legendItems.push({ value, marker });
  }

  /** Values at a data index (cursor), or each line's latest non-null value. */
  private showLegendAt(idx: number | null): void {
    const t = idx === null ? null : this.data.t[idx];
    setText(this.legendTime, t === null || t === undefined ? '' : fmtClock(t));
    this.lines.forEach((l, i) => {
      const col = this.data.v[i] ?? [];
      let v: number | null = null;
      if (idx !== null) v = col[idx] ?? null;
      else
        for (let k = col.length - 1; k >= 0 && k >= col.length - 5; k--)
          if (col[k] !== null && col[k] !== undefined) {
            v = col[k]!;
            break;
          }
      const item = this.legendItems[i];
      if (item) setText(item.value, v === null ? '—' : this.formatFor(l, v));
    });
  }

  private fit(): void {
    const width = Math.floor(this.root.clientWidth);
    if (width <= 0) return;
    if (!this.plot) {
      if (this.lines.length > 0) this.create();
      return;
    }
    if (Math.abs(this.plot.width - width) >= 1) this.plot.setSize({ width, height: this.height() });
  }

  private height(): number {
    return this.spec.height ?? 120;
  }

  private seriesOf(s: LineSpec): uPlot.Series {
    return {
      label: s.label,
      scale: s.scale ?? this.spec.axes[0]?.scale ?? 'y',
      stroke: () => color(s.color),
      width: 1.5,
      ...(s.dash ? { dash: s.dash } : {}),
      ...(s.fill ? { fill: () => color(s.color, 0.18) } : {}),
      points: { show: false },
      spanGaps: false,
      // History buckets are as wide as the collection interval, so timer jitter leaves an empty
      // bucket now and then: draw through those; keep real gaps (server down, collector off).
      gaps: (u, _s, _i0, _i1, nullGaps) => {
        const x0 = u.scales.x?.min ?? 0;
        const px = Math.abs(u.valToPos(x0 + this.gapMs / 1000, 'x', true) - u.valToPos(x0, 'x', true));
        return nullGaps.filter(([a, b]) => b - a > px);
      },
    };
  }

  private formatFor(s: LineSpec, v: number): string {
    const axis = this.spec.axes.find((a) => a.scale === (s.scale ?? this.spec.axes[0]?.scale));
    return axis ? axis.format(v) : String(v);
  }

  private create(): void {
    const width = Math.floor(this.root.clientWidth);
    if (width <= 0) return;
    const grid = { stroke: () => color('grid'), width: 1 };
    const ticks = { stroke: () => color('grid'), width: 1, size: 4 };
    const axisFont = '11px system-ui, sans-serif';
    // The x axis spans the chosen range, ending at the newest point: a server that started ten
    // minutes ago shows ten minutes of line on a one-hour chart, not a stretched hour.
    const scales: uPlot.Scales = {
      x: {
        time: true,
        range: (_u, min, max) => {
          const end = Number.isFinite(max) ? max : Date.now() / 1000;
          return [Math.min(Number.isFinite(min) ? min : end, end - this.windowMs / 1000), end];
        },
      },
    };
    for (const a of this.spec.axes)
      scales[a.scale] = {
        range: a.range
          ? () => a.range as [number, number]
          : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1],
      };
    const opts: uPlot.Options = {
      width,
      height: this.height(),
      pxAlign: false,
      cursor: { y: false, points: { size: 5 } },
      legend: { show: false },
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            this.cursorIdx = idx === undefined || idx === null ? null : idx;
            this.showLegendAt(this.cursorIdx);
          },
        ],
      },
      scales,
      axes: [
        {
          stroke: () => color('muted'),
          grid,
          ticks,
          font: axisFont,
          size: 26,
          values: (u, splits, _axis, _space, incr) => {
            const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
            return splits.map((v) => fmtTick(v * 1000, incr, span));
          },
        },
        ...this.spec.axes.map(
          (a, i): uPlot.Axis => ({
            scale: a.scale,
            side: a.side === 'right' ? 1 : 3,
            stroke: () => color('muted'),
            grid: i === 0 ? grid : { show: false },
            ticks,
            font: axisFont,
            // Wide enough for the longest tick label ("572 KB/s"), no wider.
            size: (_u, values) => 12 + 6.4 * Math.max(3, ...(values ?? []).map((v) => v.length)),
            values: (_u, splits) => splits.map((v) => a.format(v)),
          }),
        ),
      ],
      series: [{}, ...this.lines.map((l) => this.seriesOf(l))],
    };
    const xs = this.data.t.map((t) => t / 1000);
    this.plot = new uPlot(opts, [xs, ...this.data.v] as uPlot.AlignedData, this.canvasBox);
  }
}
