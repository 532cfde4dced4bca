import { USER_HZ } from './proc-stat.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/<pid>/stat → typed object (proc(5), "/proc/pid/stat"). One line:
 *
 *   1234 (Web Content) S 1200 1200 1200 0 -1 4194560 … 52 31 … 20 0 27 0 8841 … 31337 …
 *
 * `comm` sits in parentheses and may itself contain spaces and parentheses (`((sd-pam))`,
 * `(Web Content)`, `(a) b (c)`): it runs from the first `(` to the LAST `)`, which is the only
 * reliable split (the kernel does not escape it). Fields after it are numbered from 3 (state).
 *
 * Base units: utime/stime/starttime are in USER_HZ ticks (1/100 s on every architecture Linux
 * exports) and become seconds here. `rss_pages` stays in pages: the page size is a property of
 * the machine, not of this text, so the caller converts it (see host/process-table.ts).
 *
 * Rule for bad input: the file is one line written by the kernel, so anything malformed (empty,
 * no parentheses, fewer fields than rss (24), a field we read that is not a number) throws a
 * ParseError naming the file and line 1. The scanner skips such a process and counts it.
 */
export interface PidStat {
  pid: number;
  comm: string;
  /** R running, S sleeping, D disk sleep, T stopped, t traced, Z zombie, X dead, I idle, P parked. */
  state: string;
  ppid: number;
  /** Per-process flags (PF_*); PF_KTHREAD marks kernel threads. */
  flags: number;
  utime_s: number;
  stime_s: number;
  /** Scheduling priority and nice as the kernel prints them (negative for real-time / high priority). */
  priority: number;
  nice: number;
  num_threads: number;
  /** Time the process started, seconds after boot. */
  start_s: number;
  /** The raw starttime in ticks: with the pid it identifies one process across pid reuse. */
  start_ticks: number;
  vsize_bytes: number;
  rss_pages: number;
}

/** PF_KTHREAD from include/linux/sched.h: the task is a kernel thread. */
export const PF_KTHREAD = 0x00200000;

/** Fields after `comm`: state (3) … rss (24) is 22 of them. */
const MIN_AFTER_COMM = 22;

/**
 * The fields parse in one pass over the text, without splitting it into strings: at thousands
 * of processes a second the split's fifty substrings per line were most of the garbage the
 * process table made. The checks and their order are those of a split-then-test parser: the
 * same input gets the same value or the same error.
 */
export function parsePidStat(text: string, file = '/proc/pid/stat'): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (BLANK_RE.test(text)) throw new ParseError(file, 1, 'file is empty');
  if (open < 0 || close < open) throw new ParseError(file, 1, 'no "(comm)" field');
  const pid = uint(text.slice(0, open).trim(), 'pid', file);
  const comm = text.slice(open + 1, close);
  // After ")" comes one space, then the fields separated by single spaces; the line ends with "\n".
  const rest = text.slice(close + 1).trim();
  const f = new Fields(rest);
  if (f.count < MIN_AFTER_COMM) {
    throw new ParseError(file, 1, `${f.count} fields after comm, needs at least ${MIN_AFTER_COMM} (up to rss)`);
  }
  const state = f.token(3);
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError(file, 1, `state "${state}" is not one letter`);
  const startTicks = f.uint(22, 'starttime', file);
  return {
    pid,
    comm,
    state,
    ppid: f.uint(4, 'ppid', file),
    flags: f.uint(9, 'flags', file),
    utime_s: f.uint(14, 'utime', file) / USER_HZ,
    stime_s: f.uint(15, 'stime', file) / USER_HZ,
    priority: f.int(18, 'priority', file),
    nice: f.int(19, 'nice', file),
    num_threads: f.uint(20, 'num_threads', file),
    start_s: startTicks / USER_HZ,
    start_ticks: startTicks,
    vsize_bytes: f.uint(23, 'vsize', file),
    rss_pages: f.uint(24, 'rss', file),
  };
}

const BLANK_RE = /^\s*$/;
const UINT_RE = /^\d+$/;
const LAST_FIELD = 24;

/** Where fields 3 … 24 (proc(5) numbering) start and end in the text after comm. */
class Fields {
  /** start, end of field 3, then of field 4 … up to 24. */
  private readonly pos: number[] = [];
  /** Space-separated tokens in all (as `rest.split(' ').length` counts them). */
  readonly count: number;

  constructor(private readonly rest: string) {
    let n = 0;
    let start = 0;
    for (let p = 0; p <= rest.length; p++) {
      if (p < rest.length && rest.charCodeAt(p) !== 32) continue;
      if (n + 3 <= LAST_FIELD) this.pos.push(start, p);
      n++;
      start = p + 1;
    }
    this.count = n;
  }

  private start(field: number): number {
    return this.pos[2 * (field - 3)]!;
  }

  private end(field: number): number {
    return this.pos[2 * (field - 3) + 1]!;
  }

  token(field: number): string {
    return this.rest.slice(this.start(field), this.end(field));
  }

  uint(field: number, what: string, file: string): number {
    const n = this.digits(this.start(field), this.end(field));
    if (!Number.isSafeInteger(n)) throw new ParseError(file, 1, `${what}: "${this.token(field)}" is not a non-negative integer`);
    return n;
  }

  int(field: number, what: string, file: string): number {
    const s = this.start(field);
    const negative = this.rest.charCodeAt(s) === 45; // '-'
    const n = this.digits(negative ? s + 1 : s, this.end(field));
    if (!Number.isSafeInteger(n)) throw new ParseError(file, 1, `${what}: "${this.token(field)}" is not an integer`);
    return negative ? -n : n;
  }

  /** The decimal number in [from, to), NaN unless it is one or more digits only. */
  private digits(from: number, to: number): number {
    if (to <= from) return Number.NaN;
    let n = 0;
    for (let p = from; p < to; p++) {
      const d = this.rest.charCodeAt(p) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      n = n * 10 + d;
    }
    // Above 2^53 the sum is no longer exact, but it is then above the safe range too.
    return n;
  }
}

function uint(tok: string, what: string, file: string): number {
  const n = UINT_RE.test(tok) ? Number(tok) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ParseError(file, 1, `${what}: "${tok}" is not a non-negative integer`);
  return n;
}
