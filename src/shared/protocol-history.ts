import Type, { type Static } from 'typebox';

/**
 * History API schemas: series listing, columnar history queries, events, process snapshots and
 * the history part of `/api/status`. Times are epoch milliseconds unless a name says otherwise.
 */

// Numbers or null, as one JSON-schema type list (fast to serialise, unlike anyOf per item).
const NumOrNull = Type.Unsafe<number | null>({ type: ['number', 'null'] });
const IsoOrNull = Type.Union([Type.String(), Type.Null()]);

export const SeriesInfo = Type.Object({
  name: Type.String({ description: 'series key: <collector>.<metric>{label="value",…}' }),
  collector: Type.String(),
  metric: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  unit: Type.String(),
  kind: Type.String({ description: 'gauge or counter' }),
  help: Type.String(),
  precision: Type.Union([Type.Integer(), Type.Null()], { description: 'decimal places stored' }),
  first: Type.Union([Type.Number(), Type.Null()], { description: 'first sample on disk, epoch ms' }),
  last: Type.Union([Type.Number(), Type.Null()], { description: 'newest sample, epoch ms' }),
});
export type SeriesInfo = Static<typeof SeriesInfo>;

export const SeriesListResponse = Type.Object({ series: Type.Array(SeriesInfo) }, { $id: 'HistorySeriesList' });
export type SeriesListResponse = Static<typeof SeriesListResponse>;

const TimeParam = Type.String({
  description: 'epoch ms, ISO-8601, or a duration before now ("-1h", "1h", "90m", "now")',
  maxLength: 40,
});

export const HistoryQuery = Type.Object(
  {
    series: Type.Union([Type.String({ maxLength: 300 }), Type.Array(Type.String({ maxLength: 300 }), { maxItems: 200 })], {
      description: 'repeat for several; a name without {labels} selects every labelled series of that metric',
    }),
    from: Type.Optional(TimeParam),
    to: Type.Optional(TimeParam),
    step: Type.Optional(Type.String({ description: 'bucket width: seconds or a duration ("60", "60s", "5m")', maxLength: 20 })),
    minutes: Type.Optional(Type.String({ pattern: '^\\d+(\\.\\d+)?$', description: 'shortcut: from = now − minutes, to = now' })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const SeriesColumns = Type.Object({
  avg: Type.Array(NumOrNull),
  min: Type.Array(NumOrNull),
  max: Type.Array(NumOrNull),
});

export const HistoryResponse = Type.Object(
  {
    from: Type.Number(),
    to: Type.Number(),
    step_ms: Type.Number({ description: 'bucket width used (may be wider than asked: tier or point limit)' }),
    tier: Type.String({ description: 'ring (in-memory), raw, minute or hour' }),
    t: Type.Array(Type.Number(), { description: 'bucket starts, epoch ms' }),
    series: Type.Record(Type.String(), SeriesColumns, { description: 'per series: avg/min/max, null where no data' }),
  },
  { $id: 'HistoryResponse' },
);
export type HistoryResponse = Static<typeof HistoryResponse>;

export const HistoryEvent = Type.Object({
  ts: Type.Number(),
  kind: Type.String({ description: 'e.g. alert, state, collector' }),
  source: Type.Union([Type.String(), Type.Null()]),
  severity: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  data: Type.Unknown(),
});
export type HistoryEvent = Static<typeof HistoryEvent>;

export const EventsQuery = Type.Object(
  {
    from: Type.Optional(TimeParam),
    since: Type.Optional({ ...TimeParam, description: 'same as `from`' }),
    to: Type.Optional(TimeParam),
    kind: Type.Optional(Type.String({ maxLength: 64 })),
    severity: Type.Optional(
      Type.Union([Type.Literal('INFO'), Type.Literal('WARN'), Type.Literal('CRITICAL')], {
        description: 'the lowest severity returned: WARN = WARN and CRITICAL',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^\\d{1,5}$' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

export const EventsResponse = Type.Object({ events: Type.Array(HistoryEvent) }, { $id: 'EventsResponse' });
export type EventsResponse = Static<typeof EventsResponse>;

export const ProcessesAtQuery = Type.Object({ at: TimeParam }, { additionalProperties: false });

export const ProcessesAtResponse = Type.Object(
  {
    at: Type.Number({ description: 'the time asked for' }),
    ts: Type.Number({ description: 'when the snapshot nearest before it was taken' }),
    source: Type.String({ description: 'the collector the snapshot is of' }),
    data: Type.Unknown({ description: "that collector's payload at the time" }),
  },
  { $id: 'ProcessesAtResponse' },
);
export type ProcessesAtResponse = Static<typeof ProcessesAtResponse>;

const TierStatus = Type.Object({
  samples: Type.Number({ description: 'records in chunk rows (raw samples or rollup buckets)' }),
  bytes: Type.Number({ description: 'compressed chunk bytes' }),
  chunks: Type.Integer(),
  oldest: IsoOrNull,
  retention_s: Type.Number(),
});

export const HistoryStatus = Type.Object({
  enabled: Type.Boolean(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('off'), Type.Literal('error')], {
    description: 'ok: writing to disk; off: disabled or not started; error: see last_error (live data and the ring go on)',
  }),
  path: Type.Union([Type.String(), Type.Null()]),
  series: Type.Integer(),
  samples: Type.Number({ description: 'raw samples held (disk + not yet flushed)' }),
  disk_bytes: Type.Number({ description: 'database file + WAL' }),
  bytes_per_sample: Type.Union([Type.Number(), Type.Null()], { description: 'raw tier: compressed bytes per sample' }),
  tiers: Type.Record(Type.String(), TierStatus),
  events: Type.Integer(),
  snapshots: Type.Integer(),
  last_flush: IsoOrNull,
  last_flush_ms: Type.Union([Type.Number(), Type.Null()]),
  longest_flush_ms: Type.Union([Type.Number(), Type.Null()]),
  dropped_samples: Type.Integer({ description: 'refused (time went backwards) or lost while writes failed' }),
  over_cap: Type.Boolean({ description: 'the last hour alone exceeds history.max_size_mb' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_error_at: IsoOrNull,
  moved_aside: Type.Union([Type.String(), Type.Null()], { description: 'where a foreign or damaged file at the path was moved' }),
});
export type HistoryStatus = Static<typeof HistoryStatus>;
