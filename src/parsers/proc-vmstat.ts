import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/vmstat → counter name → value (mm/vmstat.c `vmstat_show`): one `name value` pair per
 * line, e.g. `pswpin 1476`, `pswpout 35045`, `oom_kill 0`. Values are page or event counts;
 * names come and go between kernel versions, so nothing is required except the format.
 *
 * Rule for bad input: a line that is not exactly `name count` (missing value, garbage, a
 * number too big to hold exactly) throws a ParseError naming the file and line — a half-read
 * counter would produce a false rate. Blank lines are skipped; an empty file throws.
 */
export type Vmstat = Map<string, number>;

const LINE_RE = /^([a-z0-9_]+)\s+(\S+)$/;

export function parseVmstat(text: string, file = '/proc/vmstat'): Vmstat {
  const out: Vmstat = new Map();
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (t === '') continue;
    const m = LINE_RE.exec(t);
    if (!m) throw new ParseError(file, line, `expected "name count", got "${t}"`);
    const v = parseUint(m[2]);
    if (v === null) throw new ParseError(file, line, `${m[1]}: "${m[2]}" is not a count`);
    out.set(m[1]!, v);
  }
  if (out.size === 0) throw new ParseError(file, 1, 'file is empty');
  return out;
}
