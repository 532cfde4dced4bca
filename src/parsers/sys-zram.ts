import { parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /sys/block/zram<N>/mm_stat → memory figures of one zram device
 * (Documentation/admin-guide/blockdev/zram.rst, "mm_stat"). One line of columns:
 *
 *   orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages
 *   pages_compacted [huge_pages [huge_pages_since]]
 *
 * The first five are bytes; same_pages, pages_compacted and huge_pages are page counts.
 * Linux 4.1 wrote the first seven; later kernels appended the rest, so those are optional.
 *
 * The compression ratio is orig_data_size / compr_data_size: how much data the device holds
 * per byte of compressed store (null while nothing is stored).
 *
 * Rule for bad input: one line from the kernel, so anything malformed (empty, fewer than seven
 * columns, a column that is not a count) throws a ParseError naming the file and line 1.
 */
export interface ZramMmStat {
  orig_data_bytes: number;
  compr_data_bytes: number;
  /** RAM the device really uses, allocator overhead included. */
  mem_used_total_bytes: number;
  /** 0 = no limit. */
  mem_limit_bytes: number;
  mem_used_max_bytes: number;
  same_pages: number;
  pages_compacted: number;
  huge_pages: number | null;
}

const NAMES = [
  'orig_data_size',
  'compr_data_size',
  'mem_used_total',
  'mem_limit',
  'mem_used_max',
  'same_pages',
  'pages_compacted',
  'huge_pages',
] as const;

export function parseZramMmStat(text: string, file = '/sys/block/zram/mm_stat'): ZramMmStat {
  const cols = text.trim().split(/\s+/).filter(Boolean);
  if (cols.length === 0) throw new ParseError(file, 1, 'file is empty');
  if (cols.length < 7) throw new ParseError(file, 1, `${cols.length} columns, needs at least 7`);
  const v = NAMES.map((name, i) => {
    if (cols[i] === undefined) return null;
    const n = parseUint(cols[i]);
    if (n === null) throw new ParseError(file, 1, `${name}: "${cols[i]}" is not a count`);
    return n;
  });
  return {
    orig_data_bytes: v[0]!,
    compr_data_bytes: v[1]!,
    mem_used_total_bytes: v[2]!,
    mem_limit_bytes: v[3]!,
    mem_used_max_bytes: v[4]!,
    same_pages: v[5]!,
    pages_compacted: v[6]!,
    huge_pages: v[7] ?? null,
  };
}

/** orig / compr, or null when the device stores nothing yet. */
export function compressionRatio(origBytes: number, comprBytes: number): number | null {
  return comprBytes > 0 ? origBytes / comprBytes : null;
}

/**
 * /sys/block/zram<N>/comp_algorithm: the available algorithms with the selected one in
 * brackets (`lzo lzo-rle lz4 [zstd]`) → `zstd`; null when none is marked.
 */
export function parseZramAlgorithm(text: string): string | null {
  return /\[([^\]\s]+)\]/.exec(text)?.[1] ?? null;
}
