import { parseDecimal, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/loadavg → typed object. The file is one line: `0.21 0.37 0.39 1/719 19737` — load over
 * 1, 5 and 15 minutes, runnable/total scheduling entities, last PID handed out.
 *
 * Rule for bad input: the file is a single line, so anything malformed (empty, fewer than five
 * fields, a field that is not a number) throws a ParseError naming the file and line 1.
 */
export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities right now (tasks and threads). */
  runnable: number;
  /** All scheduling entities. */
  entities: number;
  last_pid: number;
}

export function parseLoadavg(text: string, file = '/proc/loadavg'): LoadAvg {
  const fields = text.trim().split(/\s+/).filter(Boolean);
  if (fields.length < 5) {
    throw new ParseError(file, 1, `expected 5 fields, got ${fields.length}`);
  }
  const [l1, l5, l15, ratio, pid] = fields as [string, string, string, string, string];
  const loads = [l1, l5, l15].map((tok) => {
    const v = parseDecimal(tok);
    if (v === null || v < 0) throw new ParseError(file, 1, `"${tok}" is not a load average`);
    return v;
  });
  const [run, all] = ratio.split('/');
  const runnable = parseUint(run);
  const entities = parseUint(all);
  if (runnable === null || entities === null || ratio.split('/').length !== 2) {
    throw new ParseError(file, 1, `"${ratio}" is not runnable/total`);
  }
  const lastPid = parseUint(pid);
  if (lastPid === null) throw new ParseError(file, 1, `"${pid}" is not a PID`);
  return {
    load1: loads[0]!,
    load5: loads[1]!,
    load15: loads[2]!,
    runnable,
    entities,
    last_pid: lastPid,
  };
}
