/**
 * Metric declarations: each collector declares its numeric metrics once; history, Prometheus,
 * OTLP and OpenAPI all read the same declaration.
 *
 * `path` locates the value inside the collector's payload:
 *   - `load_avg.1m`                  a plain field
 *   - `per_core_pct[core]`           every element of an array; the index becomes label `core`
 *   - `io{device}.read_mbps`         every key of an object; the key becomes label `device`
 *   - `gpus[gpu].util_pct`           combinations of the above
 */
export type MetricKind = 'gauge' | 'counter';

export type MetricUnit =
  | 'percent'
  | 'bytes'
  | 'megabytes'
  | 'gigabytes'
  | 'megabytes_per_second'
  | 'per_second'
  | 'seconds'
  | 'megahertz'
  | 'celsius'
  | 'watts'
  | 'volts'
  | 'ratio'
  | 'count'
  | 'info';

export interface MetricSpec {
  /** snake_case, unique within the collector; the full series name is `<collector>.<name>`. */
  name: string;
  path: string;
  unit: MetricUnit;
  kind: MetricKind;
  help: string;
  /** Decimal places worth storing (history quantises to this). */
  precision?: number;
}

export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

export type Segment = { readonly key: string; readonly each?: 'array' | 'object'; readonly label?: string };

const SEGMENT_RE = /^([A-Za-z0-9_]+)(?:\[([a-z_]+)\]|\{([a-z_]+)\})?$/;

// Paths come from declarations, a small fixed set: parse each once. Every sample of every
// collector walks them, and parsing was the largest single cost of recording a sample.
const parsedPaths = new Map<string, readonly Segment[]>();

/** Split a metric path into segments (shared, read-only); throws on a malformed path (a declaration bug). */
export function parseMetricPath(path: string): readonly Segment[] {
  let segments = parsedPaths.get(path);
  if (!segments) {
    segments = splitMetricPath(path);
    parsedPaths.set(path, segments);
  }
  return segments;
}

function splitMetricPath(path: string): Segment[] {
  return path.split('.').map((part) => {
    const m = SEGMENT_RE.exec(part);
    if (!m) throw new Error(`malformed metric path "${path}" at "${part}"`);
    if (m[2]) return { key: m[1]!, each: 'array', label: m[2] };
    if (m[3]) return { key: m[1]!, each: 'object', label: m[3] };
    return { key: m[1]! };
  });
}

/** The label names a path introduces, in order. */
export function metricPathLabels(path: string): string[] {
  return parseMetricPath(path).flatMap((s) => (s.label ? [s.label] : []));
}

/** Extract every numeric value a path selects from a payload; non-numbers (null, strings) are skipped. */
export function extractMetric(payload: unknown, path: string): MetricSample[] {
  const out: MetricSample[] = [];
  const segments = parseMetricPath(path);
  const walk = (node: unknown, i: number, labels: Record<string, string>): void => {
    if (i === segments.length) {
      if (typeof node === 'number' && Number.isFinite(node)) out.push({ labels, value: node });
      else if (typeof node === 'boolean') out.push({ labels, value: node ? 1 : 0 });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const seg = segments[i]!;
    const child = (node as Record<string, unknown>)[seg.key];
    if (!seg.each) {
      walk(child, i + 1, labels);
      return;
    }
    if (seg.each === 'array') {
      if (!Array.isArray(child)) return;
      child.forEach((el, idx) => {
        walk(el, i + 1, { ...labels, [seg.label!]: String(idx) });
      });
      return;
    }
    if (child === null || typeof child !== 'object') return;
    for (const [k, v] of Object.entries(child)) walk(v, i + 1, { ...labels, [seg.label!]: k });
  };
  walk(payload, 0, {});
  return out;
}

/** A MetricSpec written positionally, so a collector's declarations read as a table. */
export function metric(
  name: string,
  path: string,
  unit: MetricUnit,
  kind: MetricKind,
  help: string,
  precision?: number,
): MetricSpec {
  return { name, path, unit, kind, help, ...(precision === undefined ? {} : { precision }) };
}

/**
 * The PSI figures of one resource, as every collector with a `pressure.<resource>` block
 * reports them: some/full avg10/60/300 (%) and the total stall time (s).
 */
export function psiMetrics(resource: 'cpu' | 'memory' | 'io', waitedFor: string): MetricSpec[] {
  return (['some', 'full'] as const).flatMap((kind) => [
    ...[10, 60, 300].map((n) =>
      metric(
        `pressure_${kind}_avg${n}_pct`,
        `pressure.${resource}.${kind}.avg${n}`,
        'percent',
        'gauge',
        `PSI: % of time ${kind === 'some' ? 'some task' : 'all non-idle tasks'} waited for ${waitedFor}, ${n} s average`,
        2,
      ),
    ),
    metric(`pressure_${kind}_total_s`, `pressure.${resource}.${kind}.total_s`, 'seconds', 'counter', `PSI: ${kind} ${waitedFor} stall time`, 3),
  ]);
}
