import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseProcNetTcp, TCP_LISTEN } from './proc-net-tcp.js';

// Captured on the development VM (Linux 6.18, x86-64): a listener on 0.0.0.0:2024, two on
// 127.0.0.1, and one established connection (inode 0: a socket the kernel holds for TIME_WAIT).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1059 1 00000000c14aa97b 100 0 0 10 0
   1: 0100007F:956B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 889202 1 0000000010fc64f2 100 0 0 10 0
   3: 0100007F:B5ED 0100007F:CC36 06 00000000:00000000 03:00000DB0 00000000     0        0 0 3 000000003f3902d7
`;

// Listeners on ::1, :: and ::ffff:127.0.0.1 (node's net.createServer), same machine; the last
// line (sshd on a link-local address) is written by hand in the same format.
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:A98F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 892459 1 000000009cc178d3 100 0 0 10 0
   1: 00000000000000000000000000000000:9527 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 892460 1 00000000ddb1053c 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:8977 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 892461 1 00000000d99f0003 100 0 0 10 0
   3: 000080FE00000000FF0211AC0D4C15FE:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4471 1 00000000d99f0003 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  it('reads IPv4 sockets: addresses in host byte order, hex ports, state, uid, inode', () => {
    const s = parseProcNetTcp(TCP);
    expect(s).toHaveLength(3);
    expect(s[0]).toEqual({ local_ip: '0.0.0.0', local_port: 2024, remote_ip: '0.0.0.0', remote_port: 0, state: TCP_LISTEN, uid: 0, inode: 1059 });
    expect(s[1]).toMatchObject({ local_ip: '127.0.0.1', local_port: 0x956b, uid: 1000, inode: 889202 });
    expect(s[2]).toMatchObject({ state: 6, remote_port: 0xcc36, inode: 0 });
  });

  it('reads IPv6 sockets: loopback, any, v4-mapped, link-local', () => {
    const s = parseProcNetTcp(TCP6, '/proc/net/tcp6');
    expect(s.map((x) => [x.local_ip, x.local_port, x.inode])).toEqual([
      ['::1', 43407, 892459],
      ['::', 38183, 892460],
      ['::ffff:127.0.0.1', 35191, 892461],
      ['fe80::ac11:2ff:fe15:4c0d', 22, 4471],
    ]);
  });

  it('reads big-endian hosts when told', () => {
    const be = TCP.replace('0100007F:956B', '7F000001:956B');
    expect(parseProcNetTcp(be, 'f', 'BE')[1]!.local_ip).toBe('127.0.0.1');
  });

  it('an empty table (header only) is no sockets', () => {
    expect(parseProcNetTcp(`${TCP.split('\n')[0]}\n`)).toEqual([]);
    expect(parseProcNetTcp('')).toEqual([]);
  });

  const F = '/p/net/tcp';
  const header = `${TCP.split('\n')[0]}\n`;
  const row = (s: string) => `${header}${s}\n`;
  it.each([
    { name: 'not enough fields', text: row('   0: 00000000:07E8 00000000:0000 0A'), line: 2, message: /at least 10 fields, got 4/ },
    { name: 'garbage', text: row('   0: hello world this is not a socket line at all'), line: 2, message: /address "hello" has no ":port"/ },
    { name: 'address without port', text: row('   0: 00000000: 00000000:0000 0A 0:0 0:0 0 0 0 1'), line: 2, message: /port "" is not 4 hex digits/ },
    { name: 'short address', text: row('   0: 0000:07E8 00000000:0000 0A 0:0 0:0 0 0 0 1'), line: 2, message: /neither IPv4/ },
    { name: 'bad state', text: row('   0: 00000000:07E8 00000000:0000 ZZ 0:0 0:0 0 0 0 1'), line: 2, message: /state "ZZ"/ },
    { name: 'huge numbers', text: row('   0: 00000000:07E8 00000000:0000 0A 0:0 0:0 0 0 0 99999999999999999999'), line: 2, message: /inode/ },
    { name: 'bad uid', text: row('   0: 00000000:07E8 00000000:0000 0A 0:0 0:0 0 -1 0 1'), line: 2, message: /uid "-1"/ },
    { name: 'truncated', text: TCP.slice(0, 150), line: 2, message: /at least 10 fields/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parseProcNetTcp(text, F), F, line, message);
  });
});
