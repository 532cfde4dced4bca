import { numberedLines, parseUint } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * /proc/net/dev → one entry per network interface, in file order.
 *
 * The file is two header lines (they contain `|`) and then one line per interface:
 *
 *   `  eth0: 152919639 5253 0 0 0 0 0 0 370767 2867 0 0 0 0 0 0`
 *
 * 8 receive counters, then 8 transmit counters, in the order the header names them. The kernel
 * pads the name to six characters and, on older kernels, prints the first counter right after the
 * colon, so a long name or a big counter glues them together (`enp0s31f6:123456789 …`). Interface
 * names can never contain `:` (the kernel refuses them), so the first colon ends the name.
 *
 * Rules for bad input: header lines and blank lines are skipped; a line without a colon, with an
 * empty name, with fewer than 16 counters, or with a counter that is not a decimal integer throws
 * a ParseError naming the file and line. Extra trailing counters (a future kernel) are ignored.
 * A counter too large for a double to hold exactly (above 2^53) is null rather than a wrong
 * number; rates over it are then null too. A name listed twice throws.
 */
export const NET_DEV_RX = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'] as const;
export const NET_DEV_TX = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'] as const;

export type NetDevCounters = {
  [K in
    | `rx_${(typeof NET_DEV_RX)[number]}`
    | `tx_${(typeof NET_DEV_TX)[number]}`]: number | null;
};

export interface NetDevEntry {
  name: string;
  counters: NetDevCounters;
}

const FIELDS: Array<keyof NetDevCounters> = [
  ...NET_DEV_RX.map((f) => `rx_${f}` as const),
  ...NET_DEV_TX.map((f) => `tx_${f}` as const),
];
const DIGITS_RE = /^\d+$/;

export function parseNetDev(text: string, file = '/proc/net/dev'): NetDevEntry[] {
  const out: NetDevEntry[] = [];
  const seen = new Set<string>();
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.trim() === '' || raw.includes('|')) continue;
    const colon = raw.indexOf(':');
    if (colon < 0) throw new ParseError(file, line, `expected "name: counters…", got "${raw.trim()}"`);
    const name = raw.slice(0, colon).trim();
    if (name === '' || /\s/.test(name)) throw new ParseError(file, line, `bad interface name "${name}"`);
    const tokens = raw
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((t) => t !== '');
    if (tokens.length < FIELDS.length) {
      throw new ParseError(file, line, `${name} has ${tokens.length} counters, needs ${FIELDS.length}`);
    }
    const counters = {} as NetDevCounters;
    FIELDS.forEach((field, i) => {
      const tok = tokens[i]!;
      if (!DIGITS_RE.test(tok)) throw new ParseError(file, line, `${name} ${field}: "${tok}" is not a counter`);
      counters[field] = parseUint(tok);
    });
    if (seen.has(name)) throw new ParseError(file, line, `${name} is listed twice`);
    seen.add(name);
    out.push({ name, counters });
  }
  return out;
}
