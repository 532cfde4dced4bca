import { numberedLines, parseDecimal, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/pressure/{cpu,memory,io,irq} (PSI, Documentation/accounting/psi.rst) → typed object:
 *
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *
 * avgN are the % of wall time some (or all non-idle) tasks were stalled over the last N seconds;
 * total is the cumulative stall in microseconds, converted to seconds here. `cpu` has no `full`
 * line before Linux 5.13, `irq` has only `full`.
 *
 * Rule for bad input: a `some`/`full` line missing one of its four keys, or with a value that
 * is not a number, throws a ParseError naming the file and line. Blank lines and other line
 * kinds are skipped. A file with neither line (e.g. empty) throws: every PSI file has one.
 */
export interface PsiLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, seconds. */
  total_s: number;
}

export interface Pressure {
  some: PsiLine | null;
  full: PsiLine | null;
}

const AVG_KEYS = ['avg10', 'avg60', 'avg300'] as const;

export function parsePressure(text: string, file = '/proc/pressure'): Pressure {
  const out: Pressure = { some: null, full: null };
  for (const { line, text: raw } of numberedLines(text)) {
    const [kind, ...pairs] = raw.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const values = new Map<string, string>();
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq > 0) values.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const avgs = AVG_KEYS.map((k) => {
      const v = parseDecimal(values.get(k));
      if (v === null || v < 0 || v > 100) {
        throw new ParseError(file, line, `${kind} ${k}: ${show(values.get(k))} is not a percentage`);
      }
      return v;
    });
    const totalUs = parseUint(values.get('total'));
    if (totalUs === null) {
      throw new ParseError(file, line, `${kind} total: ${show(values.get('total'))} is not a count of µs`);
    }
    out[kind] = { avg10: avgs[0]!, avg60: avgs[1]!, avg300: avgs[2]!, total_s: totalUs / 1e6 };
  }
  if (!out.some && !out.full) {
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : 'no "some" or "full" line');
  }
  return out;
}

function show(v: string | undefined): string {
  return v === undefined ? 'missing' : `"${v}"`;
}
