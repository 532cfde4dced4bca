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
const UINT_RE = /^\d+$/;
const INT_RE = /^-?\d+$/;

export function parsePidStat(text: string, file = '/proc/pid/stat'): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (text.trim() === '') throw new ParseError(file, 1, 'file is empty');
  if (open < 0 || close < open) throw new ParseError(file, 1, 'no "(comm)" field');
  const pid = uint(text.slice(0, open).trim(), 'pid', file);
  const comm = text.slice(open + 1, close);
  // After ")" comes one space, then the fields; the line ends with "\n".
  const rest = text.slice(close + 1).trim().split(' ');
  if (rest.length < MIN_AFTER_COMM) {
    throw new ParseError(file, 1, `${rest.length} fields after comm, needs at least ${MIN_AFTER_COMM} (up to rss)`);
  }
  const f = (n: number): string => rest[n - 3]!;
  const state = f(3);
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError(file, 1, `state "${state}" is not one letter`);
  const startTicks = uint(f(22), 'starttime', file);
  return {
    pid,
    comm,
    state,
    ppid: uint(f(4), 'ppid', file),
    flags: uint(f(9), 'flags', file),
    utime_s: uint(f(14), 'utime', file) / USER_HZ,
    stime_s: uint(f(15), 'stime', file) / USER_HZ,
    priority: int(f(18), 'priority', file),
    nice: int(f(19), 'nice', file),
    num_threads: uint(f(20), 'num_threads', file),
    start_s: startTicks / USER_HZ,
    start_ticks: startTicks,
    vsize_bytes: uint(f(23), 'vsize', file),
    rss_pages: uint(f(24), 'rss', file),
  };
}

function uint(tok: string, what: string, file: string): number {
  const n = UINT_RE.test(tok) ? Number(tok) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ParseError(file, 1, `${what}: "${tok}" is not a non-negative integer`);
  return n;
}

function int(tok: string, what: string, file: string): number {
  const n = INT_RE.test(tok) ? Number(tok) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ParseError(file, 1, `${what}: "${tok}" is not an integer`);
  return n;
}
