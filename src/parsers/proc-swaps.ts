import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/swaps → one entry per active swap area (proc(5), mm/swapfile.c `swap_show`):
 *
 *   Filename                                Type            Size            Used            Priority
 *   /dev/zram0                              partition       8388604         76              100
 *   /swap.img                               file            2097148         0               -2
 *
 * Size and Used are KiB, converted to bytes here. The kernel escapes space, tab, newline and
 * backslash in the file name as octal (`/swap\040file`); they are decoded.
 *
 * Which kind: a `/dev/zramN` entry is compressed RAM; every other entry — partitions, swap
 * files, LVM volumes, NBD — is disk swap (SPEC §12: swap files are disk swap too).
 *
 * Rule for bad input: the header line is skipped wherever it is; any other line with fewer
 * than five fields, or a size/used/priority that is not an integer, throws a ParseError naming
 * the file and line. Blank lines are skipped. An empty file throws: the kernel always writes
 * the header, even with no swap active.
 */
export interface SwapEntry {
  filename: string;
  /** `partition` or `file` as the kernel says. */
  type: string;
  size_bytes: number;
  used_bytes: number;
  priority: number;
  /** `zram` for /dev/zramN, else `disk`. */
  kind: 'zram' | 'disk';
  /** zram device name (`zram0`) for /sys/block/<dev>/mm_stat, else null. */
  zram_device: string | null;
}

const ZRAM_RE = /^\/dev\/(zram\d+)$/;

export function parseSwaps(text: string, file = '/proc/swaps'): SwapEntry[] {
  if (text.trim() === '') throw new ParseError(file, 1, 'file is empty (the kernel always writes a header)');
  const out: SwapEntry[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0] === 'Filename') continue;
    if (fields.length < 5) throw new ParseError(file, line, `${fields.length} fields, needs 5 (Filename Type Size Used Priority)`);
    const [name, type, size, used, prio] = fields as [string, string, string, string, string];
    const sizeKb = parseUint(size);
    const usedKb = parseUint(used);
    const priority = /^-?\d+$/.test(prio) ? Number(prio) : Number.NaN;
    if (sizeKb === null || usedKb === null || !Number.isSafeInteger(sizeKb * 1024) || !Number.isSafeInteger(usedKb * 1024)) {
      throw new ParseError(file, line, `size "${size}" / used "${used}" are not sizes in KiB`);
    }
    if (!Number.isSafeInteger(priority)) throw new ParseError(file, line, `priority "${prio}" is not an integer`);
    const filename = unescapeOctal(name);
    const zram = ZRAM_RE.exec(filename);
    out.push({
      filename,
      type,
      size_bytes: sizeKb * 1024,
      used_bytes: usedKb * 1024,
      priority,
      kind: zram ? 'zram' : 'disk',
      zram_device: zram ? zram[1]! : null,
    });
  }
  return out;
}

/** Decode the kernel's `\ooo` escapes (seq_file mangle_path). */
export function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}
