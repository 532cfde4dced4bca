import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/<pid>/io → I/O counters of one process (proc(5), "/proc/pid/io"):
 *
 *   rchar: 6976            bytes passed to read()-like calls (page cache hits included)
 *   wchar: 0
 *   syscr: 10
 *   syscw: 0
 *   read_bytes: 0          bytes the process caused to be fetched from storage
 *   write_bytes: 0         bytes the process caused to be sent to storage
 *   cancelled_write_bytes: 0
 *
 * The file is readable only for processes the reader may ptrace (own processes, or root);
 * that is the caller's business (EACCES), not this parser's.
 *
 * Rule for bad input: every line is `key: count`; a malformed line or a value that is not a
 * count throws a ParseError naming the file and line. A file without `read_bytes` and
 * `write_bytes` (empty, truncated) throws: those are what the process table reports.
 */
export interface PidIo {
  rchar: number | null;
  wchar: number | null;
  read_bytes: number;
  write_bytes: number;
  cancelled_write_bytes: number | null;
}

export function parsePidIo(text: string, file = '/proc/pid/io'): PidIo {
  const values = new Map<string, number>();
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.trim() === '') continue;
    const m = /^(\w+):\s*(\S+)$/.exec(raw.trim());
    const n = m ? parseUint(m[2]) : null;
    if (!m || n === null) throw new ParseError(file, line, `expected "key: count", got "${raw.trim()}"`);
    values.set(m[1]!, n);
  }
  const read = values.get('read_bytes');
  const write = values.get('write_bytes');
  if (read === undefined || write === undefined) {
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : 'no read_bytes / write_bytes line');
  }
  return {
    rchar: values.get('rchar') ?? null,
    wchar: values.get('wchar') ?? null,
    read_bytes: read,
    write_bytes: write,
    cancelled_write_bytes: values.get('cancelled_write_bytes') ?? null,
  };
}
