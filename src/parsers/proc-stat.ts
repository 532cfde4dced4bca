import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/stat → typed object (proc(5), Documentation/filesystems/proc.rst "1.7 Miscellaneous
 * kernel statistics").
 *
 * Rule for bad input: a line whose key we read (`cpu`, `cpuN`, `intr`, `ctxt`, `btime`,
 * `processes`, `procs_running`, `procs_blocked`) and whose values are not what the format says
 * throws a ParseError naming the file and line — a half-read CPU line would give wrong
 * percentages, which is worse than no percentages. Blank lines and keys we do not use
 * (`softirq`, `page`, `swap`, future additions) are skipped. A file without the aggregate
 * `cpu` line throws.
 */

/** The kernel's USER_HZ: /proc/stat counts in 1/100 s on every architecture Linux exports. */
export const USER_HZ = 100;

/**
 * Time a CPU (or all CPUs) spent in each mode, in seconds. Columns older kernels lack are null
 * (iowait/irq/softirq since 2.6.0, steal 2.6.11, guest 2.6.24, guest_nice 2.6.33).
 * `user` already includes `guest` and `nice` includes `guest_nice` (the kernel adds guest time
 * to both), so a total must not add guest columns again: see {@link cpuTotalSeconds}.
 */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number | null;
  irq: number | null;
  softirq: number | null;
  steal: number | null;
  guest: number | null;
  guest_nice: number | null;
}

export const CPU_MODES = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guest_nice',
] as const satisfies ReadonlyArray<keyof CpuTimes>;

/** The modes that partition CPU time (guest columns excluded: they are inside user/nice). */
export const CPU_TIME_PARTITION = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
] as const satisfies ReadonlyArray<keyof CpuTimes>;

export interface ProcStat {
  /** The aggregate `cpu` line. */
  total: CpuTimes;
  /** One entry per `cpuN` line, in file order; offline CPUs have no line. */
  cpus: Array<{ cpu: number; times: CpuTimes }>;
  /** Interrupts serviced since boot (first number of `intr`). */
  interrupts: number | null;
  context_switches: number | null;
  /** Boot time, seconds since the Unix epoch. */
  boot_time_s: number | null;
  /** Forks since boot. */
  processes: number | null;
  procs_running: number | null;
  procs_blocked: number | null;
}

const MIN_CPU_COLUMNS = 4;
const SCALARS = {
  ctxt: 'context_switches',
  btime: 'boot_time_s',
  processes: 'processes',
  procs_running: 'procs_running',
  procs_blocked: 'procs_blocked',
} as const;

/** Parse the text of /proc/stat. `file` only names the source in errors. */
export function parseProcStat(text: string, file = '/proc/stat'): ProcStat {
  let total: CpuTimes | null = null;
  const cpus: ProcStat['cpus'] = [];
  const out: Omit<ProcStat, 'total' | 'cpus'> = {
    interrupts: null,
    context_switches: null,
    boot_time_s: null,
    processes: null,
    procs_running: null,
    procs_blocked: null,
  };

  for (const { line, text: raw } of numberedLines(text)) {
    const fields = raw.trim().split(/\s+/);
    const key = fields[0];
    if (!key) continue;
    if (key === 'cpu') {
      total = parseCpuColumns(fields.slice(1), file, line, key);
    } else if (/^cpu\d+$/.test(key)) {
      const cpu = parseUint(key.slice(3));
      if (cpu === null) throw new ParseError(file, line, `bad CPU number in "${key}"`);
      cpus.push({ cpu, times: parseCpuColumns(fields.slice(1), file, line, key) });
    } else if (key === 'intr') {
      out.interrupts = scalar(fields, file, line);
    } else if (key in SCALARS) {
      out[SCALARS[key as keyof typeof SCALARS]] = scalar(fields, file, line);
    }
  }
  if (!total) {
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : 'no aggregate "cpu" line');
  }
  return { total, cpus, ...out };
}

function scalar(fields: string[], file: string, line: number): number {
  const v = parseUint(fields[1]);
  if (v === null) {
    const got = fields[1] === undefined ? 'nothing' : `"${fields[1]}"`;
    throw new ParseError(file, line, `${fields[0]} needs a non-negative integer, got ${got}`);
  }
  return v;
}

function parseCpuColumns(cols: string[], file: string, line: number, key: string): CpuTimes {
  if (cols.length < MIN_CPU_COLUMNS) {
    throw new ParseError(
      file,
      line,
      `${key} has ${cols.length} time columns, needs at least ${MIN_CPU_COLUMNS}`,
    );
  }
  const seconds = cols.slice(0, CPU_MODES.length).map((tok, i) => {
    const jiffies = parseUint(tok);
    if (jiffies === null) {
      throw new ParseError(file, line, `${key} ${CPU_MODES[i]}: "${tok}" is not a jiffy count`);
    }
    return jiffies / USER_HZ;
  });
  const at = (i: number): number | null => seconds[i] ?? null;
  return {
    user: seconds[0]!,
    nice: seconds[1]!,
    system: seconds[2]!,
    idle: seconds[3]!,
    iowait: at(4),
    irq: at(5),
    softirq: at(6),
    steal: at(7),
    guest: at(8),
    guest_nice: at(9),
  };
}

/** All CPU time in seconds, without counting guest time twice. */
export function cpuTotalSeconds(t: CpuTimes): number {
  let sum = 0;
  for (const mode of CPU_TIME_PARTITION) sum += t[mode] ?? 0;
  return sum;
}
