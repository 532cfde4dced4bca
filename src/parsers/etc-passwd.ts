import { numberedLines, parseUint } from './numbers.js';

/**
 * /etc/passwd → uid → user name (passwd(5)): `name:password:uid:gid:gecos:home:shell`.
 *
 * Rule for bad input: this file is edited by people and tools, and one bad line must not cost
 * every other name, so malformed lines (fewer than 7 fields, a uid that is not a number, an
 * empty name) are skipped and counted, never thrown. Comments, blank lines and NIS compat
 * entries (`+…`, `-…`) are skipped. When a uid appears twice the first line wins, as
 * getpwuid(3) does.
 *
 * Users only in LDAP/SSSD are not here; the process table shows their numeric uid instead.
 */
export interface Passwd {
  users: Map<number, string>;
  /** 1-based numbers of the lines that were skipped as malformed. */
  skipped_lines: number[];
}

export function parsePasswd(text: string): Passwd {
  const users = new Map<number, string>();
  const skipped: number[] = [];
  for (const { line, text: raw } of numberedLines(text)) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith('+') || t.startsWith('-')) continue;
    const fields = t.split(':');
    const uid = parseUint(fields[2]);
    if (fields.length < 7 || fields[0] === '' || uid === null) {
      skipped.push(line);
      continue;
    }
    if (!users.has(uid)) users.set(uid, fields[0]!);
  }
  return { users, skipped_lines: skipped };
}
