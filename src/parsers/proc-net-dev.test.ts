import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { fixtureHost } from '../../test/helpers/collector-context.js';
import { parseNetDev } from './proc-net-dev.js';

const FILE = '/proc/net/dev';
const HEADER = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
].join('\n');
const doc = (...lines: string[]) => `${HEADER}\n${lines.join('\n')}\n`;
const zeros = (n: number) => Array(n).fill('0').join(' ');

describe('parseNetDev', () => {
  it('reads the fixture host capture: every interface, all 16 counters, in order', () => {
    const text = readFileSync(`${fixtureHost('debian12-vm-2c').procRoot}/net/dev`, 'utf8');
    const entries = parseNetDev(text);
    expect(entries.map((e) => e.name)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(entries[3]!.counters).toMatchObject({ rx_bytes: 152919639, rx_packets: 5253, tx_bytes: 370767, tx_packets: 2867 });
    expect(Object.keys(entries[0]!.counters)).toHaveLength(16);
  });

  it.each([
    {
      name: 'columns land on the header names',
      text: doc('  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16'),
      want: {
        eth0: {
          rx_bytes: 1, rx_packets: 2, rx_errs: 3, rx_drop: 4, rx_fifo: 5, rx_frame: 6, rx_compressed: 7, rx_multicast: 8,
          tx_bytes: 9, tx_packets: 10, tx_errs: 11, tx_drop: 12, tx_fifo: 13, tx_colls: 14, tx_carrier: 15, tx_compressed: 16,
        },
      },
    },
    {
      name: 'name glued to the first counter (old kernels, big counters)',
      text: doc(`enp0s31f6:4294967296 7 ${zeros(14)}`, `eth0:1234 5 ${zeros(14)}`),
      want: { enp0s31f6: { rx_bytes: 4294967296, rx_packets: 7 }, eth0: { rx_bytes: 1234, rx_packets: 5 } },
    },
    {
      name: 'names with dots, dashes and @ (VLANs, bridges)',
      text: doc(`eth0.100: ${zeros(16)}`, `br-1a2b: ${zeros(16)}`, `wlp2s0@x: ${zeros(16)}`),
      want: { 'eth0.100': { rx_bytes: 0 }, 'br-1a2b': { rx_bytes: 0 }, 'wlp2s0@x': { rx_bytes: 0 } },
    },
    {
      name: 'no header, blank lines, tabs, CRLF-free trailing spaces',
      text: `\n\teth0:\t1\t2 ${zeros(14)}   \n\n`,
      want: { eth0: { rx_bytes: 1, rx_packets: 2 } },
    },
    {
      name: 'extra trailing counters from a future kernel are ignored',
      text: doc(`eth0: ${zeros(16)} 99 98`),
      want: { eth0: { tx_compressed: 0 } },
    },
    {
      name: 'a counter beyond 2^53 is null, not a rounded number',
      text: doc(`eth0: 18446744073709551615 3 ${zeros(14)}`),
      want: { eth0: { rx_bytes: null, rx_packets: 3 } },
    },
    { name: 'empty file', text: '', want: {} },
    { name: 'headers only (no interfaces in the namespace)', text: `${HEADER}\n`, want: {} },
  ])('$name', ({ text, want }) => {
    const got = Object.fromEntries(parseNetDev(text).map((e) => [e.name, e.counters]));
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const [name, counters] of Object.entries(want)) expect(got[name], name).toMatchObject(counters);
  });

  it.each([
    { name: 'no colon', line: 'eth0 1 2 3', message: /expected "name: counters…"/ },
    { name: 'empty name', line: `   : ${zeros(16)}`, message: /bad interface name ""/ },
    { name: 'space inside the name', line: `eth 0: ${zeros(16)}`, message: /bad interface name "eth 0"/ },
    { name: 'not enough counters (truncated line)', line: 'eth0: 1 2 3 4 5 6 7 8 9 10', message: /eth0 has 10 counters, needs 16/ },
    { name: 'nothing after the colon', line: 'eth0:', message: /eth0 has 0 counters/ },
    { name: 'garbage counter', line: `eth0: 12x ${zeros(15)}`, message: /eth0 rx_bytes: "12x" is not a counter/ },
    { name: 'negative counter', line: `eth0: ${zeros(8)} -5 ${zeros(7)}`, message: /eth0 tx_bytes: "-5" is not a counter/ },
    { name: 'float counter', line: `eth0: 1.5 ${zeros(15)}`, message: /rx_bytes: "1.5"/ },
  ])('throws with file and line: $name', ({ line, message }) => {
    expectParseError(() => parseNetDev(doc(`lo: ${zeros(16)}`, line), FILE), FILE, 4, message);
  });

  it('throws when an interface is listed twice', () => {
    expectParseError(() => parseNetDev(doc(`eth0: ${zeros(16)}`, `eth0: ${zeros(16)}`), FILE), FILE, 4, /eth0 is listed twice/);
  });

  it('names the file it was given', () => {
    expectParseError(() => parseNetDev('junk\n', '/fixture/proc/net/dev'), '/fixture/proc/net/dev', 1, /expected/);
  });
});
