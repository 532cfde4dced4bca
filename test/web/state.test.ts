import { describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../src/shared/protocol.js';
import { type Action, ageS, initialState, isRunning, isStale, MAX_EVENTS, reduce, type State } from '../../web/src/state.js';

const T0 = 1_800_000_000_000;
const run = (actions: Action[], s: State = initialState(T0)) => actions.reduce(reduce, s);
const sample = (plugin: string, ts: number, data: Record<string, unknown> = { v: ts }): Action => ({ type: 'sample', plugin, data, ts });

function status(collectors: Record<string, number>): StatusResponse {
  const c = (interval: number) => ({
    interval,
    timeout: 5,
    last_run: null,
    last_duration_ms: null,
    errors: 0,
    consecutive_errors: 0,
    last_error: null,
    last_error_at: null,
    available: true,
    backoff_s: 0,
    running: true,
  });
  return {
    enabled: true,
    interval: 2,
    history_size: 1800,
    history_count: 0,
    history_series: 0,
    history: {} as StatusResponse['history'],
    notifications: {},
    alerts: [],
    uptime_seconds: 1,
    config_path: null,
    plugins: Object.keys(collectors),
    available_plugins: Object.keys(collectors),
    collectors: Object.fromEntries(Object.entries(collectors).map(([k, v]) => [k, c(v)])),
  };
}

describe('dashboard reducer', () => {
  it('keeps the newest sample per collector and ignores repeats (polling re-reads the same sample)', () => {
    const s1 = run([sample('cpu_monitor', T0, { a: 1 })]);
    const s2 = reduce(s1, sample('cpu_monitor', T0, { a: 2 }));
    expect(s2).toBe(s1);
    const s3 = reduce(s1, sample('cpu_monitor', T0 - 1000, { a: 3 }));
    expect(s3).toBe(s1);
    const s4 = reduce(s1, sample('cpu_monitor', T0 + 2000, { a: 4 }));
    expect(s4.payloads.cpu_monitor?.data).toEqual({ a: 4 });
  });

  it('after a new connection (hello) the first sample replaces the old one whatever its time', () => {
    // A restarted server (or another machine) may have a clock behind ours.
    const s = run([sample('ram_monitor', T0, { pct: 80 }), { type: 'hello', plugins: ['ram_monitor'] }, sample('ram_monitor', T0 - 60_000, { pct: 2 })]);
    expect(s.payloads.ram_monitor?.data).toEqual({ pct: 2 });
  });

  it('the host payload sets the system identity shown in the title', () => {
    const s = run([sample('host', T0, { hostname: 'vm', os: 'Debian', kernel: '6.1', arch: 'x86_64' })]);
    expect(s.system).toEqual({ hostname: 'vm', os: 'Debian', kernel: '6.1', arch: 'x86_64' });
    const s2 = reduce(s, { type: 'hello', plugins: ['host'] });
    const s3 = reduce(s2, sample('host', T0 + 5, { hostname: 'dana-ws', os: 'Ubuntu', kernel: '6.8', arch: 'x86_64' }));
    expect(s3.system?.hostname).toBe('dana-ws');
    // An unavailable host payload does not wipe the identity.
    expect(reduce(s3, sample('host', T0 + 10, { available: false })).system?.hostname).toBe('dana-ws');
  });

  it('staleness: older than 3 intervals (at least 8 s) by the server clock; once-collectors never', () => {
    let s = run([{ type: 'status', status: status({ cpu_monitor: 2, disk_monitor: 5, host: 0 }) }]);
    s = run([sample('cpu_monitor', T0), sample('disk_monitor', T0), sample('host', T0)], s);
    s = reduce(s, { type: 'tick', now: T0 + 7_900 });
    expect(isStale(s, 'cpu_monitor')).toBe(false);
    s = reduce(s, { type: 'tick', now: T0 + 8_100 });
    expect(isStale(s, 'cpu_monitor')).toBe(true);
    expect(isStale(s, 'disk_monitor')).toBe(false);
    s = reduce(s, { type: 'tick', now: T0 + 15_100 });
    expect(isStale(s, 'disk_monitor')).toBe(true);
    s = reduce(s, { type: 'tick', now: T0 + 86_400_000 });
    expect(isStale(s, 'host')).toBe(false);
  });

  it('ages use the server clock offset measured on contact', () => {
    // The server's clock is 30 s ahead of the browser's.
    let s = run([{ type: 'contact', at: T0, serverTs: T0 + 30_000 }, sample('cpu_monitor', T0 + 29_000)]);
    s = reduce(s, { type: 'tick', now: T0 });
    expect(ageS(s, 'cpu_monitor')).toBeCloseTo(1, 5);
    expect(ageS(s, 'nothing')).toBeNull();
  });

  it('whether a collector runs: the hello list wins over old payloads', () => {
    let s = run([sample('gpu_monitor', T0)]);
    expect(isRunning(s, 'gpu_monitor')).toBe(true); // list not known yet
    s = reduce(s, { type: 'hello', plugins: ['cpu_monitor'] });
    expect(isRunning(s, 'gpu_monitor')).toBe(false);
    expect(isRunning(s, 'cpu_monitor')).toBe(true);
    expect(isRunning(initialState(T0), 'cpu_monitor')).toBe(false);
  });

  it('events: merged without duplicates, newest first, capped', () => {
    const ev = (ts: number, message = `m${ts}`) => ({ ts, kind: 'alert', source: 'x', severity: 'WARN', message, data: null });
    let s = run([{ type: 'events', events: [ev(3), ev(1)] }, { type: 'event', event: ev(2) }, { type: 'event', event: ev(3) }]);
    expect(s.events.map((e) => e.ts)).toEqual([3, 2, 1]);
    s = reduce(s, { type: 'events', events: Array.from({ length: MAX_EVENTS + 50 }, (_, i) => ev(100 + i)) });
    expect(s.events).toHaveLength(MAX_EVENTS);
    expect(s.events[0]?.ts).toBe(100 + MAX_EVENTS + 49);
  });

  it('link, auth, range and theme changes; no-op actions keep the same state object', () => {
    const s = initialState(T0);
    expect(reduce(s, { type: 'link', link: 'connecting' })).toBe(s);
    expect(reduce(s, { type: 'link', link: 'polling' }).link).toBe('polling');
    expect(reduce(s, { type: 'auth', auth: 'ok' })).toBe(s);
    expect(reduce(s, { type: 'range', range: '7d' }).range).toBe('7d');
    expect(reduce(s, { type: 'theme', theme: 'light' }).theme).toBe('light');
    expect(initialState(T0, { range: '30d', theme: 'light' })).toMatchObject({ range: '30d', theme: 'light' });
  });
});
