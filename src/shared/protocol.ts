import Type, { type Static } from 'typebox';
import { HistoryStatus } from './protocol-history.js';

/**
 * The API and WebSocket protocol: one file, used by server, CLI, TUI and dashboard.
 * Every route's response schema comes from here, so `/openapi.json` describes what is sent.
 */

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'stable machine code, e.g. HEADROOM_ERR_AUTH' }),
    error: Type.String(),
    message: Type.String({ description: 'what went wrong and what to do' }),
    place: Type.Optional(Type.String({ description: 'file:line:column or the request part at fault' })),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

export const SystemInfo = Type.Object(
  {
    hostname: Type.String(),
    os: Type.String({ description: 'OS pretty name' }),
    kernel: Type.String(),
    arch: Type.String(),
  },
  { $id: 'SystemInfo' },
);
export type SystemInfo = Static<typeof SystemInfo>;

/** A collector payload: an object; `available:false` with `error` or `reason` when it has nothing. */
export const Payload = Type.Object(
  {
    available: Type.Optional(Type.Boolean()),
    error: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const ApiSnapshot = Type.Object(
  {
    ts: Type.String({ description: 'ISO-8601 UTC time of the response' }),
    system: SystemInfo,
    headroom: Type.Union([Payload, Type.Null()], {
      description: 'the headroom collector payload (GO / EASE_IN / HOLD); null until it exists',
    }),
    metrics: Type.Record(Type.String(), Payload, { description: 'latest payload of every active collector' }),
  },
  { $id: 'ApiSnapshot' },
);
export type ApiSnapshot = Static<typeof ApiSnapshot>;

export const CollectorStatus = Type.Object({
  interval: Type.Number({ description: 'seconds; 0 = once at start and on reload' }),
  timeout: Type.Number(),
  last_run: Type.Union([Type.String(), Type.Null()]),
  last_duration_ms: Type.Union([Type.Number(), Type.Null()]),
  errors: Type.Integer({ description: 'failed ticks since start or reload' }),
  consecutive_errors: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_error_at: Type.Union([Type.String(), Type.Null()]),
  available: Type.Union([Type.Boolean(), Type.Null()]),
  backoff_s: Type.Number({ description: 'current retry delay while failing; 0 when healthy' }),
  running: Type.Boolean(),
});

const NullableStr = Type.Union([Type.String(), Type.Null()]);
export const NotifierStatus = Type.Object({
  min_severity: Type.String(),
  sent: Type.Integer(),
  failed_attempts: Type.Integer(),
  dropped: Type.Integer({ description: 'events given up on (retries exhausted, permanent error, queue full)' }),
  queued: Type.Integer(),
  retrying: Type.Boolean(),
  last_sent_at: NullableStr,
  last_error: NullableStr,
  last_error_at: NullableStr,
});

export const AlertRuleStatus = Type.Object({
  id: Type.String(),
  source: Type.String(),
  direction: Type.String(),
  warn: Type.Number(),
  critical: Type.Number(),
  level: Type.String({ description: 'ok, warn or critical (fired and not yet re-armed)' }),
  value: Type.Union([Type.Number(), Type.Null()]),
});

export const StatusResponse = Type.Object(
  {
    enabled: Type.Boolean(),
    interval: Type.Union([Type.Number(), Type.Null()], {
      description: 'the interval all periodic collectors share, or null when they differ',
    }),
    history_size: Type.Integer({ description: 'ring buffer capacity per series' }),
    history_count: Type.Integer({ description: 'samples held by the fullest series' }),
    history_series: Type.Integer(),
    history: HistoryStatus,
    uptime_seconds: Type.Number(),
    config_path: Type.Union([Type.String(), Type.Null()]),
    plugins: Type.Array(Type.String(), { description: 'active collectors' }),
    available_plugins: Type.Array(Type.String(), { description: 'every known collector' }),
    collectors: Type.Record(Type.String(), CollectorStatus),
    notifications: Type.Record(Type.String(), NotifierStatus, {
      description: 'per channel (desktop, script, webhook:<host>): deliveries, failures, retries, last error',
    }),
    alerts: Type.Array(AlertRuleStatus, { description: 'every alert rule and its current level' }),
  },
  { $id: 'StatusResponse' },
);
export type StatusResponse = Static<typeof StatusResponse>;

const Seconds = Type.Number({ minimum: 1, maximum: 86400, description: 'seconds, >= 1.0' });

export const ConfigureRequest = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'start or stop all collection' })),
    interval: Type.Optional({ ...Seconds, description: 'applied to every periodic collector at once' }),
    intervals: Type.Optional(Type.Record(Type.String(), Seconds, { description: 'per collector' })),
    history_size: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
    plugins: Type.Optional(Type.Record(Type.String(), Type.Boolean(), { description: 'collector on/off' })),
  },
  { $id: 'ConfigureRequest', additionalProperties: false, minProperties: 1 },
);
export type ConfigureRequest = Static<typeof ConfigureRequest>;

export const ReloadResponse = Type.Object(
  {
    status: Type.Literal('ok'),
    plugins: Type.Array(Type.String(), { description: 'active collectors after the reload' }),
    config_path: Type.Union([Type.String(), Type.Null()]),
    warnings: Type.Array(Type.String(), { description: 'plugin files that failed to load, and why' }),
  },
  { $id: 'ReloadResponse' },
);
export type ReloadResponse = Static<typeof ReloadResponse>;

export const InfoResponse = Type.Object(
  {
    ...SystemInfo.properties,
    version: Type.String(),
    uptime_s: Type.Union([Type.Number(), Type.Null()]),
    boot_time: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'InfoResponse' },
);
export type InfoResponse = Static<typeof InfoResponse>;

/** Server → client on /ws: a collector finished a tick. `ts` is wall-clock epoch milliseconds. */
export interface WsSampleMessage {
  plugin: string;
  data: Record<string, unknown>;
  ts: number;
}

/** Server → client control messages; they carry `type`, samples never do. */
export type WsControlMessage =
  | { type: 'hello'; version: string; plugins: string[] }
  | { type: 'subscribed'; plugins: string[] | '*' }
  | { type: 'pong'; ts: number }
  | { type: 'reload'; plugins: string[] }
  | { type: 'error'; code: string; message: string };

/** Client → server on /ws. */
export const WsClientMessage = Type.Object(
  {
    type: Type.Optional(Type.Literal('ping')),
    subscribe: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
    unsubscribe: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
  },
  { additionalProperties: false },
);
export type WsClientMessage = Static<typeof WsClientMessage>;
