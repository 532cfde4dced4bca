import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/meminfo → typed object. Lines are `Key:   value kB`; a few are plain counts
 * (`HugePages_Total: 0`). Keys keep the kernel's spelling, `Active(anon)` included.
 *
 * Base units here: every `kB` value (the kernel means KiB) becomes bytes in `bytes`; unit-less
 * values go to `counts` unchanged. The memory collector reuses this for used/available/swap.
 *
 * Rule for bad input: the format is fixed, so a malformed line (no colon, no value, a value
 * that is not an integer, an unknown unit, a number too big to hold exactly) throws a
 * ParseError naming the file and line; blank lines are skipped. A file without `MemTotal`
 * (e.g. empty) throws, since nothing computed from it would mean anything.
 */
export interface Meminfo {
  /** `kB` keys converted to bytes, e.g. `bytes.MemAvailable`. */
  bytes: Record<string, number>;
  /** Unit-less keys, e.g. `counts.HugePages_Total`. */
  counts: Record<string, number>;
}

const LINE_RE = /^([^:\s]+):\s*(\S+)(?:\s+(\S+))?\s*$/;

export function parseMeminfo(text: string, file = '/proc/meminfo'): Meminfo {
  const out: Meminfo = { bytes: {}, counts: {} };
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.trim() === '') continue;
    const m = LINE_RE.exec(raw.trim());
    if (!m) throw new ParseError(file, line, `expected "Key: value [kB]", got "${raw.trim()}"`);
    const [, key, tok, unit] = m as unknown as [string, string, string, string | undefined];
    const value = parseUint(tok);
    if (value === null) throw new ParseError(file, line, `${key}: "${tok}" is not an integer`);
    if (unit === undefined) {
      out.counts[key] = value;
    } else if (unit === 'kB') {
      const bytes = value * 1024;
      if (!Number.isSafeInteger(bytes)) throw new ParseError(file, line, `${key}: ${tok} kB is too large`);
      out.bytes[key] = bytes;
    } else {
      throw new ParseError(file, line, `${key}: unknown unit "${unit}"`);
    }
  }
  if (out.bytes.MemTotal === undefined) {
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : 'no MemTotal line');
  }
  return out;
}
