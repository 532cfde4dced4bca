/**
 * Answering history requests: the series list, columnar queries (ring for the recent window,
 * else the chosen tier from disk and memory), and process snapshots by time.
 */
import { ErrorCodes, HeadroomError } from '../shared/errors.js';
import type { HistoryResponse, ProcessesAtResponse, SeriesInfo } from '../shared/protocol-history.js';
import type { Columns } from './codec.js';
import { axis, fold, plan } from './query.js';
import { parseSeriesKey } from './series.js';
import type { History } from './service.js';
import { SNAPSHOT_SOURCES, snapshotAt } from './snapshots.js';
import { RAW } from './tiers.js';

/** At most this many series in one query. */
export const MAX_SERIES = 200;

/** Every series held in memory or on disk, with its declaration. */
export function listSeries(h: History): SeriesInfo[] {
  const out = new Map<string, SeriesInfo>();
  const w = h.writer;
  if (w)
    for (const s of w.byId.values()) {
      const m = s.meta;
      const last = s.lastT[0]!;
      out.set(m.key, {
        name: m.key,
        collector: m.collector,
        metric: m.metric,
        labels: m.labels,
        unit: m.unit,
        kind: m.kind,
        help: m.help,
        precision: m.precision ?? null,
        first: w.firstSeen(s),
        last: Number.isFinite(last) ? last : null,
      });
    }
  for (const key of h.ring.keys()) {
    if (out.has(key)) continue;
    const parsed = parseSeriesKey(key);
    if (!parsed) continue;
    const spec = h.spec(parsed.collector, parsed.metric);
    const t = h.ring.get(key)?.t ?? [];
    out.set(key, {
      name: key,
      ...parsed,
      unit: spec?.unit ?? 'count',
      kind: spec?.kind ?? 'gauge',
      help: spec?.help ?? '',
      precision: spec?.precision ?? null,
      first: null,
      last: t.length ? t[t.length - 1]! : null,
    });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Exact series names, or a bare `<collector>.<metric>` expanded to all its labelled series. */
export function resolveSeries(h: History, names: string[]): string[] {
  const known = new Set<string>(h.ring.keys());
  if (h.writer) for (const k of h.writer.byKey.keys()) known.add(k);
  const out: string[] = [];
  for (const name of names) {
    if (known.has(name)) out.push(name);
    else if (!name.includes('{')) {
      const matches = [...known].filter((k) => k.startsWith(`${name}{`)).sort();
      if (matches.length === 0) throw unknown(name);
      out.push(...matches);
    } else throw unknown(name);
  }
  const unique = [...new Set(out)];
  if (unique.length > MAX_SERIES)
    throw new HeadroomError(ErrorCodes.BAD_REQUEST, `${unique.length} series asked for; at most ${MAX_SERIES} per query`, { file: 'series' });
  return unique;
}

const unknown = (name: string) =>
  new HeadroomError(ErrorCodes.BAD_REQUEST, `unknown series "${name}"; GET /api/history/series lists them`, { file: 'series' });

function ringColumns(h: History, key: string): Columns {
  const r = h.ring.get(key);
  return r ? { t: r.t, cols: [r.v] } : { t: [], cols: [[]] };
}

function precisionOf(h: History, key: string): number | undefined {
  const s = h.writer?.byKey.get(key);
  if (s) return s.meta.precision;
  const p = parseSeriesKey(key);
  return p ? h.spec(p.collector, p.metric)?.precision : undefined;
}

/** Run a query (see query.ts for how the tier is chosen). */
export function queryHistory(h: History, names: string[], from: number, to: number, step: number | undefined): HistoryResponse {
  const keys = resolveSeries(h, names);
  const now = h.now();
  const p = plan(from, to, step, now, h.retention());
  const w = h.writer;
  // The ring answers when it reaches back to `from` for every series (or when there is no disk).
  const ringReaches = keys.every((k) => {
    const t = h.ring.get(k)?.t;
    return t !== undefined && t.length > 0 && t[0]! <= from;
  });
  const useRing = !w || (p.tier === RAW && ringReaches);
  const series: HistoryResponse['series'] = {};
  for (const key of keys) {
    const precision = precisionOf(h, key);
    const s = w?.byKey.get(key);
    let data: Columns;
    let raw = true;
    if (useRing) data = ringColumns(h, key);
    else if (!s || !w) data = { t: [], cols: [[]] };
    else {
      data = w.read(s, p.tier.id, p.start, to);
      raw = p.tier === RAW;
      const partial = s.partial(p.tier.id);
      if (!raw && partial && partial.t > (data.t[data.t.length - 1] ?? Number.NEGATIVE_INFINITY)) {
        data.t.push(partial.t);
        [partial.min, partial.avg, partial.max, partial.count].forEach((v, i) => {
          data.cols[i]!.push(v);
        });
      }
    }
    series[key] = fold(p, data, raw, precision);
  }
  return { from, to, step_ms: p.step, tier: useRing ? 'ring' : p.tier.name, t: axis(p), series };
}

/** The snapshot of a collector's payload taken at or before `at` (else the first after). */
export function processesAt(h: History, at: number, source = SNAPSHOT_SOURCES[0]!): ProcessesAtResponse | null {
  const snap = snapshotAt(h.store, source, at);
  return snap ? { at, source, ...snap } : null;
}
