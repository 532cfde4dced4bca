import type { HostFs } from '../host/hostfs.js';
import type { MetricSpec } from '../shared/metrics.js';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import type { RateTracker } from './rates.js';

/** Every payload is a JSON object; failed or absent sources carry `available: false`. */
export type Payload = Record<string, unknown>;

/** A payload for a tick that produced nothing usable. */
export interface UnavailablePayload extends Payload {
  available: false;
  error?: string;
  reason?: string;
}

/** A threshold a collector declares on one of its metrics (fed to the alert engine). */
export interface ThresholdSpec {
  metric: string;
  direction: 'above' | 'below';
  warn: number;
  critical: number;
  /** Level at which the alert re-arms; defaults to `warn`. */
  clear?: number;
  help: string;
}

/** What a collector gets on every call. */
export interface CollectorContext<State = Record<string, unknown>> {
  name: string;
  /** The whole validated config, read-only. */
  config: Readonly<Config>;
  /** This collector's own section: `collectors.<name>` in config (may be empty). */
  options: Readonly<Record<string, unknown>>;
  /** Readers over procRoot / sysRoot / rootfs. */
  fs: HostFs;
  clock: Clock;
  /** This collector's counter → rate tracker; it lives until the collector is stopped or reloaded. */
  rates: RateTracker;
  /** Scratch state kept between ticks (reset on reload). */
  state: State;
  /** The previous successful payload of this collector, or null. */
  previous: Payload | null;
  /** Aborted when the tick times out or the collector is stopped. */
  signal: AbortSignal;
  /** The latest payload of another collector (meta collectors), or undefined. */
  latest(name: string): Payload | undefined;
  /** Runtime state of every running collector (interval, last duration, errors): self_monitor. */
  collectorStatus(): Record<string, CollectorRuntime>;
}

/** What the scheduler knows about one running collector (the `/api/status` entry). */
export interface CollectorRuntime {
  interval: number;
  last_run: string | null;
  last_duration_ms: number | null;
  errors: number;
  last_error: string | null;
  available: boolean | null;
}

/** The plugin contract (SPEC §2.1). Built-ins and user plugins export the same shape. */
export interface CollectorDefinition<P extends Payload = Payload, State = Record<string, unknown>> {
  /** The config key, snake_case. */
  name: string;
  description: string;
  /** Default interval in seconds; 0 = once at start and on every reload. */
  interval: number;
  /** Seconds a tick may take before it is abandoned; default min(max(interval, 1), 10). */
  timeout?: number;
  /** Reads other collectors' payloads rather than the system. */
  meta?: boolean;
  metrics: MetricSpec[];
  thresholds?: ThresholdSpec[];
  /** Thresholds whose levels come from config (e.g. `ups:`); when present, used instead of `thresholds`. */
  thresholdsFor?(config: Readonly<Config>): ThresholdSpec[];
  collect(ctx: CollectorContext<State>): Promise<P>;
  /**
   * The payload as `/api` and the WebSocket show it, when the full one is too big to push every
   * tick (the whole process table): the full payload stays in the cache for dedicated routes.
   */
  brief?(payload: P): Payload;
  /** Release what the collector holds (sockets, FFI handles) on stop or reload. */
  close?(ctx: CollectorContext<State>): Promise<void> | void;
}

// Loose alias used where the payload and state types do not matter.
// biome-ignore lint/suspicious/noExplicitAny: the registry holds collectors of every payload type
export type AnyCollector = CollectorDefinition<any, any>;

/** Identity helper that keeps the payload type for callers and checks the shape. */
export function defineCollector<P extends Payload, State = Record<string, unknown>>(
  def: CollectorDefinition<P, State>,
): CollectorDefinition<P, State> {
  return def;
}

const NAME_RE = /^[a-z][a-z0-9_]*$/;

/** Validate a collector definition loaded from anywhere; returns the problems found. */
export function validateDefinition(def: unknown): string[] {
  const problems: string[] = [];
  if (def === null || typeof def !== 'object') return ['the export is not an object'];
  const d = def as Record<string, unknown>;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name))
    problems.push('`name` must be a snake_case string');
  if (typeof d.interval !== 'number' || !(d.interval >= 0))
    problems.push('`interval` must be a number of seconds >= 0');
  if (d.timeout !== undefined && (typeof d.timeout !== 'number' || !(d.timeout > 0)))
    problems.push('`timeout` must be a positive number of seconds');
  if (typeof d.collect !== 'function') problems.push('`collect` must be a function');
  if (d.metrics !== undefined && !Array.isArray(d.metrics))
    problems.push('`metrics` must be an array');
  return problems;
}

export function defaultTimeoutS(def: Pick<CollectorDefinition, 'interval' | 'timeout'>): number {
  return def.timeout ?? Math.min(Math.max(def.interval, 1), 10);
}
