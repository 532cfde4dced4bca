/**
 * The dashboard's state and its one pure reducer (DESIGN rule 12). Effects (WebSocket, polling,
 * storage, fetches) live elsewhere and only dispatch actions; views read the state. Nothing here
 * touches the DOM, so it is unit-tested in test/web/state.test.ts.
 */
import type { HistoryEvent } from '../../src/shared/protocol-history.js';
import type { StatusResponse, SystemInfo } from '../../src/shared/protocol.js';
import type { Payload } from './read.js';

export type Link = 'connecting' | 'live' | 'polling' | 'offline';
export type Theme = 'dark' | 'light';
export type Auth = 'ok' | 'required' | 'invalid';
export const RANGES = ['5m', '1h', '24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGES)[number];
export const RANGE_MS: Record<RangeKey, number> = {
  '5m': 5 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

export interface Sample {
  data: Payload;
  /** Server wall clock of the collection, epoch ms. */
  ts: number;
  /** The connection it came over (see State.epoch). */
  epoch: number;
}

export interface State {
  payloads: Readonly<Record<string, Sample>>;
  /** Active collectors as the server last said (hello / reload / status); null until known. */
  plugins: readonly string[] | null;
  /** Seconds between collections, per collector (from /api/status); drives staleness. */
  intervals: Readonly<Record<string, number>>;
  link: Link;
  /** Client ms of the last message or successful poll. */
  lastContact: number | null;
  /** Server clock minus client clock, ms (so ages are right when the clocks differ). */
  clockOffset: number;
  /** Client clock, advanced by `tick`. */
  now: number;
  system: SystemInfo | null;
  auth: Auth;
  range: RangeKey;
  theme: Theme;
  /** Newest first, at most MAX_EVENTS. */
  events: readonly HistoryEvent[];
  status: StatusResponse | null;
  /**
   * Counts `hello`s: a new connection may be to a restarted server (or another machine) whose
   * clock differs, so its first sample replaces ours whatever its time.
   */
  epoch: number;
}

export const MAX_EVENTS = 500;

export type Action =
  | { type: 'sample'; plugin: string; data: Payload; ts: number }
  | { type: 'hello'; plugins: string[] }
  | { type: 'link'; link: Link }
  | { type: 'contact'; at: number; serverTs?: number }
  | { type: 'tick'; now: number }
  | { type: 'system'; system: SystemInfo }
  | { type: 'auth'; auth: Auth }
  | { type: 'range'; range: RangeKey }
  | { type: 'theme'; theme: Theme }
  | { type: 'events'; events: HistoryEvent[] }
  | { type: 'event'; event: HistoryEvent }
  | { type: 'status'; status: StatusResponse };

export function initialState(now: number, saved: { range?: RangeKey; theme?: Theme } = {}): State {
  return {
    payloads: {},
    plugins: null,
    intervals: {},
    link: 'connecting',
    lastContact: null,
    clockOffset: 0,
    now,
    system: null,
    auth: 'ok',
    // Five minutes: live movement at a glance; longer ranges are one click away.
    range: saved.range ?? '5m',
    theme: saved.theme ?? 'dark',
    events: [],
    status: null,
    epoch: 0,
  };
}

const eventKey = (e: HistoryEvent) => `${e.ts}|${e.kind}|${e.source ?? ''}|${e.message}`;

function mergeEvents(current: readonly HistoryEvent[], incoming: HistoryEvent[]): HistoryEvent[] {
  const seen = new Set(current.map(eventKey));
  const fresh = incoming.filter((e) => !seen.has(eventKey(e)));
  if (fresh.length === 0) return current as HistoryEvent[];
  return [...fresh, ...current].sort((a, b) => b.ts - a.ts).slice(0, MAX_EVENTS);
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'sample': {
      const prev = state.payloads[action.plugin];
      // Polling re-reads the same sample every 2 s: same time, same object, no change.
      if (prev && prev.epoch === state.epoch && prev.ts >= action.ts) return state;
      const sample = { data: action.data, ts: action.ts, epoch: state.epoch };
      const next = { ...state, payloads: { ...state.payloads, [action.plugin]: sample } };
      // The host collector carries the identity /api shows as `system` (it changes when the
      // page reconnects to another machine on the same address).
      if (action.plugin === 'host' && action.data.available !== false) next.system = systemOf(action.data, state.system);
      return next;
    }
    case 'hello':
      return { ...state, plugins: [...action.plugins].sort(), epoch: state.epoch + 1 };
    case 'link':
      return action.link === state.link ? state : { ...state, link: action.link };
    case 'contact': {
      // Offset smoothed a little: one slow response should not jump every age on screen.
      const offset =
        action.serverTs === undefined
          ? state.clockOffset
          : state.lastContact === null
            ? action.serverTs - action.at
            : Math.round(state.clockOffset * 0.7 + (action.serverTs - action.at) * 0.3);
      return { ...state, lastContact: action.at, clockOffset: offset, now: Math.max(state.now, action.at) };
    }
    case 'tick':
      return { ...state, now: action.now };
    case 'system':
      return { ...state, system: action.system };
    case 'auth':
      return action.auth === state.auth ? state : { ...state, auth: action.auth };
    case 'range':
      return { ...state, range: action.range };
    case 'theme':
      return { ...state, theme: action.theme };
    case 'events':
      return { ...state, events: mergeEvents(state.events, action.events) };
    case 'event':
      return { ...state, events: mergeEvents(state.events, [action.event]) };
    case 'status': {
      const intervals: Record<string, number> = {};
      for (const [name, c] of Object.entries(action.status.collectors)) intervals[name] = c.interval;
      return { ...state, status: action.status, intervals, plugins: [...action.status.plugins].sort() };
    }
  }
}

function systemOf(host: Payload, prev: SystemInfo | null): SystemInfo {
  const s = (k: keyof SystemInfo) => (typeof host[k] === 'string' && host[k] !== '' ? (host[k] as string) : (prev?.[k] ?? 'unknown'));
  return { hostname: s('hostname'), os: s('os'), kernel: s('kernel'), arch: s('arch') };
}

// ---------------------------------------------------------------------------------------------
// Selectors: pure reads of the state that views share.

/** Seconds since the collector's last sample, by the server's clock; null when never seen. */
export function ageS(state: State, plugin: string): number | null {
  const s = state.payloads[plugin];
  if (!s) return null;
  return Math.max(0, (state.now + state.clockOffset - s.ts) / 1000);
}

/**
 * A sample is stale when it is older than three collection intervals (at least 8 s): a tick
 * may be late on a loaded machine (a slow pass, a delayed timer), three missed ones are not
 * "current" any more. Once-collectors (interval 0, `host`) never go stale.
 */
export function staleAfterS(state: State, plugin: string): number {
  const interval = state.intervals[plugin];
  if (interval === 0) return Number.POSITIVE_INFINITY;
  return Math.max(8, 3 * (interval ?? 5));
}

export function isStale(state: State, plugin: string): boolean {
  const age = ageS(state, plugin);
  return age !== null && age > staleAfterS(state, plugin);
}

/** The payload of a collector, or null when the server has none. */
export function payloadOf(state: State, plugin: string): Payload | null {
  return state.payloads[plugin]?.data ?? null;
}

/** Whether the server runs this collector (unknown list = assume yes while connecting). */
export function isRunning(state: State, plugin: string): boolean {
  if (state.payloads[plugin]) return state.plugins === null || state.plugins.includes(plugin);
  return state.plugins?.includes(plugin) ?? false;
}
