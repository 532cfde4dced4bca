import { type MetricSpec, parseMetricPath, type Segment } from '../shared/metrics.js';

/** Series key: `<collector>.<metric>` plus sorted labels, e.g. `cpu_monitor.per_core_pct{core="0"}`. */
export function seriesKey(collector: string, metric: string, labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return `${collector}.${metric}`;
  return `${collector}.${metric}{${names.map((n) => `${n}="${labels[n]}"`).join(',')}}`;
}

/** One series of a collector: the same object every time its value is found in a payload. */
export interface SeriesRef {
  /** `<collector>.<metric>{labels}`, as {@link seriesKey} writes it. */
  readonly key: string;
  readonly spec: MetricSpec;
  readonly labels: Readonly<Record<string, string>>;
}

// Nested by label value, one level per label: the series of `io{device}.read_mbps` sit in a
// Map keyed by device name.
type Level = Map<string, Level | SeriesRef>;

interface CompiledPath {
  spec: MetricSpec;
  segments: readonly Segment[];
  labelNames: string[];
  /** The series of a path without labels, or the top level of the label tree. */
  single: SeriesRef | null;
  tree: Level;
}

// Array positions become label values ("0", "1" …): one string per position, made once.
const INDEX_STRINGS: string[] = [];
function indexString(i: number): string {
  if (i >= 4096) return String(i);
  let s = INDEX_STRINGS[i];
  if (s === undefined) {
    for (let k = INDEX_STRINGS.length; k <= i; k++) INDEX_STRINGS.push(String(k));
    s = INDEX_STRINGS[i]!;
  }
  return s;
}

/**
 * The declared metrics of one collector, compiled for the per-sample path (ring buffer, disk
 * history): every numeric value a payload holds, with its series, without building label
 * objects or series keys again for series already seen. Finds exactly what
 * {@link extractMetric} finds, in the same order (declaration order, then payload order);
 * booleans count as 1 / 0, other non-numbers are skipped.
 */
export class SeriesIndex {
  private readonly paths: CompiledPath[];
  /** Label values of the value being visited, one per label of the path (reused). */
  private readonly values: string[] = [];

  constructor(
    readonly collector: string,
    specs: readonly MetricSpec[],
  ) {
    this.paths = specs.map((spec) => {
      const segments = parseMetricPath(spec.path);
      const labelNames = segments.flatMap((s) => (s.label ? [s.label] : []));
      return { spec, segments, labelNames, single: null, tree: new Map() };
    });
  }

  /** Call `fn` for every value the declared metrics select in `payload`. */
  each(payload: Readonly<Record<string, unknown>>, fn: (series: SeriesRef, value: number) => void): void {
    for (const p of this.paths) this.walk(p, payload, 0, 0, fn);
  }

  private walk(p: CompiledPath, node: unknown, i: number, depth: number, fn: (series: SeriesRef, value: number) => void): void {
    if (i === p.segments.length) {
      let value: number;
      if (typeof node === 'number') {
        if (!Number.isFinite(node)) return;
        value = node;
      } else if (typeof node === 'boolean') value = node ? 1 : 0;
      else return;
      fn(this.ref(p, depth), value);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const seg = p.segments[i]!;
    const child = (node as Record<string, unknown>)[seg.key];
    if (!seg.each) {
      this.walk(p, child, i + 1, depth, fn);
      return;
    }
    if (seg.each === 'array') {
      if (!Array.isArray(child)) return;
      for (let k = 0; k < child.length; k++) {
        this.values[depth] = indexString(k);
        this.walk(p, child[k], i + 1, depth + 1, fn);
      }
      return;
    }
    if (child === null || typeof child !== 'object') return;
    for (const k in child) {
      if (!Object.hasOwn(child, k)) continue;
      this.values[depth] = k;
      this.walk(p, (child as Record<string, unknown>)[k], i + 1, depth + 1, fn);
    }
  }

  /** The series for the label values in `values[0..depth)`, created on first sight. */
  private ref(p: CompiledPath, depth: number): SeriesRef {
    if (depth === 0) {
      p.single ??= this.make(p, 0);
      return p.single;
    }
    let level = p.tree;
    for (let d = 0; d < depth - 1; d++) {
      const v = this.values[d]!;
      let next = level.get(v) as Level | undefined;
      if (!next) {
        next = new Map();
        level.set(v, next);
      }
      level = next;
    }
    const last = this.values[depth - 1]!;
    let ref = level.get(last) as SeriesRef | undefined;
    if (!ref) {
      ref = this.make(p, depth);
      level.set(last, ref);
    }
    return ref;
  }

  private make(p: CompiledPath, depth: number): SeriesRef {
    const labels: Record<string, string> = {};
    for (let d = 0; d < depth; d++) labels[p.labelNames[d]!] = this.values[d]!;
    return { key: seriesKey(this.collector, p.spec.name, labels), spec: p.spec, labels };
  }
}
