import { parseDecimal } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * The reply of apcupsd's NIS `status` command → typed object. Each record is one line,
 * `KEY : VALUE`, the key padded to nine characters (`STATUS   : ONLINE `, `CUMONBATT: 0 Seconds`);
 * numbers carry a unit word after them (`19.4 Minutes`, `37.0 Percent`, `123.0 Volts`), which is
 * stripped. `N/A` means the UPS does not report the figure.
 *
 * Rule for bad input: a line without a `:` or with an empty key is skipped and counted. A reply
 * with no usable record at all, or without the `STATUS` record every apcupsd sends, is not an
 * apcupsd reply: ParseError naming the source and the first line.
 */

/** apcupsd's STATFLAG bits (include/defines.h), the state its STATUS text is built from. */
export const APC_FLAG_BITS: ReadonlyArray<[number, string]> = [
  [0x1, 'CAL'],
  [0x2, 'TRIM'],
  [0x4, 'BOOST'],
  [0x8, 'ONLINE'],
  [0x10, 'ONBATT'],
  [0x20, 'OVERLOAD'],
  [0x40, 'LOWBATT'],
  [0x80, 'REPLACEBATT'],
  [0x100, 'COMMLOST'],
  [0x200, 'SHUTDOWN'],
];

export interface ApcStatus {
  /** Every record, key → value text (trimmed, units kept). */
  fields: Record<string, string>;
  /** STATUS as sent, e.g. `ONBATT LOWBATT` or `SHUTTING DOWN`. */
  status: string;
  /** STATFLAG as a number, when sent and valid. */
  statflag: number | null;
  load_pct: number | null;
  nominal_power_w: number | null;
  line_voltage: number | null;
  battery_charge_pct: number | null;
  time_left_min: number | null;
  model: string | null;
  ups_name: string | null;
  skipped_lines: number;
}

/** The leading number of a value with a unit word (`19.4 Minutes` → 19.4); null for `N/A` and text. */
export function apcNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  return parseDecimal(value.trim().split(/\s+/)[0]);
}

const text = (v: string | undefined): string | null => {
  const t = v?.trim();
  return t && t !== 'N/A' ? t : null;
};

export function parseApcStatus(reply: string, source = 'apcupsd NIS'): ApcStatus {
  const fields: Record<string, string> = {};
  let skipped = 0;
  const lines = reply.split('\n');
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trim() : '';
    // Keys are upper-case words (`END APC` has a space); anything else is not a record.
    if (!/^[A-Z][A-Z0-9 _]*$/.test(key)) {
      skipped++;
      continue;
    }
    fields[key] = line.slice(colon + 1).trim();
  }
  if (Object.keys(fields).length === 0) {
    throw new ParseError(source, 1, `not an apcupsd status reply (${lines.length} line(s), no KEY : VALUE record)`);
  }
  if (fields.STATUS === undefined) throw new ParseError(source, 1, 'the reply has no STATUS record');
  const flag = fields.STATFLAG?.trim();
  const statflag = flag && /^0x[0-9a-f]{1,8}$/i.test(flag) ? Number.parseInt(flag, 16) : null;
  return {
    fields,
    status: fields.STATUS,
    statflag,
    load_pct: apcNumber(fields.LOADPCT),
    nominal_power_w: apcNumber(fields.NOMPOWER),
    line_voltage: apcNumber(fields.LINEV),
    battery_charge_pct: apcNumber(fields.BCHARGE),
    time_left_min: apcNumber(fields.TIMELEFT),
    model: text(fields.MODEL) ?? text(fields.APCMODEL),
    ups_name: text(fields.UPSNAME),
    skipped_lines: skipped,
  };
}

/**
 * The UPS state words: from STATFLAG's bits when present (STATUS collapses to `SHUTTING DOWN`
 * or `COMMLOST` and hides whether the UPS is on battery), else from the STATUS words.
 * `SLAVE`/`SLAVEDOWN` describe apcupsd's network role, not the UPS, and are left out.
 */
export function apcFlags(s: Pick<ApcStatus, 'status' | 'statflag'>): string[] {
  const words = s.status.trim().replace('SHUTTING DOWN', 'SHUTDOWN').split(/\s+/).filter(Boolean);
  if (s.statflag === null) return words.filter((w) => w !== 'SLAVE' && w !== 'SLAVEDOWN');
  const flags = APC_FLAG_BITS.filter(([bit]) => (s.statflag! & bit) !== 0).map(([, w]) => w);
  // "No battery" has no STATFLAG bit of its own in older versions; take it from the words.
  return words.includes('NOBATT') ? [...flags, 'NOBATT'] : flags;
}
