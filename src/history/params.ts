/**
 * Reading the time parameters of history routes and the CLI: absolute (epoch ms or ISO-8601),
 * relative ("-1h", "1h" = one hour before now, "now"), and steps ("60" seconds, "60s", "5m").
 */
import { ErrorCodes, HeadroomError } from '../shared/errors.js';
import { parseDurationS } from '../shared/units.js';

const bad = (what: string, value: string, hint: string) =>
  new HeadroomError(ErrorCodes.BAD_REQUEST, `cannot read "${value}"; ${hint}`, { file: what });

/** A point in time → epoch ms. */
export function parseTime(value: string, now: number, what = 'time'): number {
  const v = value.trim();
  if (v === 'now' || v === '') return now;
  if (/^\d{10,}(\.\d+)?$/.test(v)) return Math.round(Number(v));
  const rel = v.startsWith('-') ? v.slice(1) : v;
  if (/^\d/.test(rel) && !v.includes('T') && !/^\d{4}-\d{2}/.test(v)) {
    const s = parseDurationS(rel);
    if (s !== null) return now - s * 1000;
  }
  const ms = Date.parse(v);
  if (Number.isFinite(ms)) return ms;
  throw bad(what, value, 'use epoch ms, ISO-8601, "now" or a duration before now such as "-1h"');
}

/** A step → ms (plain numbers are seconds). */
export function parseStep(value: string): number {
  const s = parseDurationS(value);
  if (s === null || s <= 0) throw bad('step', value, 'use seconds or a duration such as "60s" or "5m"');
  return s * 1000;
}

export interface TimeRange {
  from: number;
  to: number;
  step: number | undefined;
}

/** from/to/step/minutes of a query (defaults: the last hour). */
export function parseRange(q: { from?: string; to?: string; step?: string; minutes?: string }, now: number): TimeRange {
  const to = q.to === undefined ? now : parseTime(q.to, now, 'to');
  let from: number;
  if (q.minutes !== undefined) {
    if (q.from !== undefined) throw new HeadroomError(ErrorCodes.BAD_REQUEST, 'give either minutes or from, not both', { file: 'minutes' });
    from = to - Number(q.minutes) * 60_000;
  } else from = q.from === undefined ? to - 3_600_000 : parseTime(q.from, now, 'from');
  if (!(from < to)) throw new HeadroomError(ErrorCodes.BAD_REQUEST, `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`, { file: 'from' });
  return { from, to, step: q.step === undefined ? undefined : parseStep(q.step) };
}
