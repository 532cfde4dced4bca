import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/diskstats (Documentation/admin-guide/iostats.rst) → one entry per block device:
 *
 *   254  0 vda 13712 5072 853234 6065 1727 19344 1008888 2073 0 2312 8582 3241 19 40368 441 3 1
 *   maj min name | reads merged sectors ms | writes merged sectors ms | in_flight io_ms weighted_ms
 *                | discards merged sectors ms (Linux 4.18+) | flushes ms (Linux 5.5+)
 *
 * So a line has 14, 18 or 20 fields depending on the kernel. Sectors are always 512-byte units
 * whatever the device's block size, and times are milliseconds; both are converted to base
 * units here (bytes, seconds). `io_time_s` (the kernel's io_ticks) is wall time with at least
 * one request in flight: its rate is the device's utilisation.
 *
 * Rule for bad input: blank lines are skipped. A line with fewer than 14 fields, or a field
 * that is not a decimal integer, throws a ParseError naming the file and line (a half-read
 * line would give wrong rates). A counter too large for a double to hold exactly (> 2^53) is
 * null rather than a rounded value, so its rate is null too. An empty file is a machine with no
 * block devices: [].
 */
export interface DiskStats {
  major: number;
  minor: number;
  name: string;
  reads: number | null;
  reads_merged: number | null;
  read_bytes: number | null;
  read_time_s: number | null;
  writes: number | null;
  writes_merged: number | null;
  written_bytes: number | null;
  write_time_s: number | null;
  /** Requests in flight now (a gauge, not a counter). */
  in_flight: number | null;
  /** Wall time the device had requests in flight (io_ticks). */
  io_time_s: number | null;
  /** io_time weighted by the number of requests in flight (time-integral of queue length). */
  weighted_io_time_s: number | null;
  /** Discard and flush columns are null where the kernel does not write them. */
  discards: number | null;
  discards_merged: number | null;
  discarded_bytes: number | null;
  discard_time_s: number | null;
  flushes: number | null;
  flush_time_s: number | null;
}

/** The unit of every sector count in /proc/diskstats (block/genhd.c), not the device's sector size. */
export const DISKSTATS_SECTOR_BYTES = 512;
const MIN_FIELDS = 14;
const DIGITS = /^\d+$/;

type Counter = Exclude<keyof DiskStats, 'major' | 'minor' | 'name'>;
type Scale = 'count' | 'sectors' | 'ms';

/** Column order after the name, with the unit each is converted from. */
const COLUMNS: Array<[Counter, Scale]> = [
  ['reads', 'count'],
  ['reads_merged', 'count'],
  ['read_bytes', 'sectors'],
  ['read_time_s', 'ms'],
  ['writes', 'count'],
  ['writes_merged', 'count'],
  ['written_bytes', 'sectors'],
  ['write_time_s', 'ms'],
  ['in_flight', 'count'],
  ['io_time_s', 'ms'],
  ['weighted_io_time_s', 'ms'],
  ['discards', 'count'],
  ['discards_merged', 'count'],
  ['discarded_bytes', 'sectors'],
  ['discard_time_s', 'ms'],
  ['flushes', 'count'],
  ['flush_time_s', 'ms'],
];

function convert(value: number | null, scale: Scale): number | null {
  if (value === null) return null;
  // sectors × 2^9 is exact in a double for any count below 2^53; ms → s is a float by nature.
  if (scale === 'sectors') return value * DISKSTATS_SECTOR_BYTES;
  if (scale === 'ms') return value / 1000;
  return value;
}

export function parseDiskstats(text: string, file = '/proc/diskstats'): DiskStats[] {
  const out: DiskStats[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '') continue;
    if (fields.length < MIN_FIELDS) {
      throw new ParseError(file, line, `${fields.length} fields, a diskstats line has at least ${MIN_FIELDS}`);
    }
    const numbers = [fields[0]!, fields[1]!, ...fields.slice(3)];
    const bad = numbers.find((f) => !DIGITS.test(f));
    if (bad !== undefined) throw new ParseError(file, line, `"${bad}" is not a counter`);
    const major = parseUint(fields[0]);
    const minor = parseUint(fields[1]);
    if (major === null || minor === null) throw new ParseError(file, line, `device number ${fields[0]}:${fields[1]} is out of range`);
    const entry = { major, minor, name: fields[2]! } as DiskStats;
    COLUMNS.forEach(([key, scale], i) => {
      entry[key] = convert(parseUint(fields[3 + i]), scale);
    });
    out.push(entry);
  }
  return out;
}
