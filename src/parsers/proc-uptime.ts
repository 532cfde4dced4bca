import { parseDecimal } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/uptime → typed object. One line: `307.01 556.41` — seconds since boot, and the sum of
 * idle seconds over all CPUs (so it can exceed the uptime on a multi-core machine).
 *
 * Rule for bad input: a single-line file, so empty, fewer than two fields, or a non-number
 * throws a ParseError naming the file and line 1.
 */
export interface Uptime {
  uptime_s: number;
  /** Idle time summed over CPUs. */
  idle_s: number;
}

export function parseUptime(text: string, file = '/proc/uptime'): Uptime {
  const fields = text.trim().split(/\s+/).filter(Boolean);
  if (fields.length < 2) throw new ParseError(file, 1, `expected 2 fields, got ${fields.length}`);
  const [up, idle] = fields.map(parseDecimal);
  if (up === null || up === undefined || up < 0) {
    throw new ParseError(file, 1, `"${fields[0]}" is not a number of seconds`);
  }
  if (idle === null || idle === undefined || idle < 0) {
    throw new ParseError(file, 1, `"${fields[1]}" is not a number of seconds`);
  }
  return { uptime_s: up, idle_s: idle };
}
