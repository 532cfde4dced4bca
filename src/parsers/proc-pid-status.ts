import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/<pid>/status → the fields the process table needs (proc(5), "/proc/pid/status"):
 *
 *   Name:   Web Content
 *   State:  S (sleeping)
 *   PPid:   1200
 *   Uid:    1000    1000    1000    1000        (real, effective, saved, filesystem)
 *   VmRSS:     20480 kB
 *   Threads:        27
 *
 * Base units: `kB` values become bytes. Kernel threads have no Vm* lines, so those are null.
 *
 * Rule for bad input: lines are `Key:<tab>value`; lines without a colon and keys we do not read
 * are skipped (the file grows a key every few releases). A key we read whose value is not what
 * the format says throws a ParseError naming the file and line. `Name` and `Uid` are in every
 * status file since 2.6, so a file without them (empty, truncated) throws too.
 */
export interface PidStatus {
  name: string;
  /** Effective uid: what `ps -o user` shows (the identity whose rights the process uses). */
  uid: number;
  /** Real uid: who started it (differs for setuid programs). */
  real_uid: number;
  ppid: number | null;
  threads: number | null;
  vm_rss_bytes: number | null;
  rss_anon_bytes: number | null;
  rss_file_bytes: number | null;
  rss_shmem_bytes: number | null;
}

const KB_KEYS = {
  VmRSS: 'vm_rss_bytes',
  RssAnon: 'rss_anon_bytes',
  RssFile: 'rss_file_bytes',
  RssShmem: 'rss_shmem_bytes',
} as const;

export function parsePidStatus(text: string, file = '/proc/pid/status'): PidStatus {
  let name: string | null = null;
  let ids: number[] | null = null;
  const out: Omit<PidStatus, 'name' | 'uid' | 'real_uid'> = {
    ppid: null,
    threads: null,
    vm_rss_bytes: null,
    rss_anon_bytes: null,
    rss_file_bytes: null,
    rss_shmem_bytes: null,
  };
  for (const { line, text: raw } of numberedLines(text)) {
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    const key = raw.slice(0, colon);
    const value = raw.slice(colon + 1).trim();
    if (key === 'Name') {
      // Name keeps inner spaces ("Web Content"); the kernel escapes newline, tab and backslash.
      name = raw
        .slice(colon + 1)
        .replace(/^\t/, '')
        .replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
    } else if (key === 'Uid') {
      const parts = value.split(/\s+/).map(parseUint);
      if (parts.length < 2 || parts.some((p) => p === null)) {
        throw new ParseError(file, line, `Uid: expected 4 ids, got "${value}"`);
      }
      ids = parts as number[];
    } else if (key === 'PPid' || key === 'Threads') {
      const n = parseUint(value);
      if (n === null) throw new ParseError(file, line, `${key}: "${value}" is not a count`);
      out[key === 'PPid' ? 'ppid' : 'threads'] = n;
    } else if (key in KB_KEYS) {
      const m = /^(\d+) kB$/.exec(value);
      const kb = m ? parseUint(m[1]) : null;
      if (kb === null || !Number.isSafeInteger(kb * 1024)) {
        throw new ParseError(file, line, `${key}: "${value}" is not a size in kB`);
      }
      out[KB_KEYS[key as keyof typeof KB_KEYS]] = kb * 1024;
    }
  }
  if (name === null || ids === null) {
    const missing = name === null ? 'Name' : 'Uid';
    throw new ParseError(file, 1, text.trim() === '' ? 'file is empty' : `no ${missing} line`);
  }
  return { name, uid: ids[1]!, real_uid: ids[0]!, ...out };
}
