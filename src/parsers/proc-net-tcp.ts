import { parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/net/tcp and /proc/net/tcp6 → the TCP sockets of the reader's network namespace
 * (proc(5), "/proc/net/tcp"; the kernel's tcp4_seq_show / tcp6_seq_show):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 48213 1 …
 *
 * Addresses are printed as the 32-bit words of the address in the host's byte order (`%08X` of
 * a `__be32`), ports in hex; `st` is the TCP state (0A = LISTEN); `inode` is the socket inode
 * that `/proc/<pid>/fd/N -> socket:[inode]` names, which is how a port is tied to a process
 * without `lsof` or `ss`. Inode 0 is a socket without a file (kernel sockets, TIME_WAIT).
 *
 * Rule for bad input: the header line (starting with `sl`) and blank lines are skipped; any
 * other line with fewer than 10 fields, or an address, state, uid or inode that is not in its
 * format, throws a ParseError naming the file and line.
 */
export interface TcpSocket {
  /** Dotted IPv4, or IPv6 text (`::1`, `::ffff:127.0.0.1`). */
  local_ip: string;
  local_port: number;
  remote_ip: string;
  remote_port: number;
  /** TCP state number (1 ESTABLISHED … 10 LISTEN). */
  state: number;
  uid: number;
  inode: number;
}

export const TCP_LISTEN = 0x0a;

export type ByteOrder = 'LE' | 'BE';

const HEX_RE = /^[0-9A-Fa-f]+$/;

export function parseProcNetTcp(text: string, file = '/proc/net/tcp', order: ByteOrder = 'LE'): TcpSocket[] {
  const out: TcpSocket[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('sl ')) continue;
    const f = raw.split(/\s+/);
    const line = i + 1;
    if (f.length < 10) throw new ParseError(file, line, `expected at least 10 fields, got ${f.length}`);
    const local = endpoint(f[1]!, order, file, line);
    const remote = endpoint(f[2]!, order, file, line);
    const state = hex(f[3]!, 2, file, line, 'state');
    const uid = parseUint(f[7]);
    const inode = parseUint(f[9]);
    if (uid === null) throw new ParseError(file, line, `uid "${f[7]}" is not a number`);
    if (inode === null) throw new ParseError(file, line, `inode "${f[9]}" is not a number`);
    out.push({ local_ip: local.ip, local_port: local.port, remote_ip: remote.ip, remote_port: remote.port, state, uid, inode });
  }
  return out;
}

function hex(token: string, width: number, file: string, line: number, what: string): number {
  if (token.length !== width || !HEX_RE.test(token)) throw new ParseError(file, line, `${what} "${token}" is not ${width} hex digits`);
  return Number.parseInt(token, 16);
}

function endpoint(token: string, order: ByteOrder, file: string, line: number): { ip: string; port: number } {
  const colon = token.indexOf(':');
  if (colon < 0) throw new ParseError(file, line, `address "${token}" has no ":port"`);
  const addr = token.slice(0, colon);
  const port = hex(token.slice(colon + 1), 4, file, line, 'port');
  if (addr.length === 8 && HEX_RE.test(addr)) return { ip: ipv4(wordBytes(addr, order)), port };
  if (addr.length === 32 && HEX_RE.test(addr)) {
    const bytes: number[] = [];
    for (let w = 0; w < 4; w++) bytes.push(...wordBytes(addr.slice(w * 8, w * 8 + 8), order));
    return { ip: ipv6(bytes), port };
  }
  throw new ParseError(file, line, `address "${token}" is neither IPv4 (8 hex digits) nor IPv6 (32) with a port`);
}

/** One 32-bit word as printed by the kernel → its bytes in network order. */
function wordBytes(word: string, order: ByteOrder): number[] {
  const b = [0, 2, 4, 6].map((i) => Number.parseInt(word.slice(i, i + 2), 16));
  return order === 'LE' ? b.reverse() : b;
}

function ipv4(b: number[]): string {
  return b.join('.');
}

/** RFC 5952 text: lower case, the longest run of zero groups (≥ 2) as `::`, v4-mapped as dotted. */
function ipv6(b: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4(b.slice(12))}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best < 0) return text.join(':');
  return `${text.slice(0, best).join(':')}::${text.slice(best + bestLen).join(':')}`;
}
