import { type ApcStatus, apcFlags } from '../parsers/apc-nis.js';
import { parseDecimal } from '../parsers/numbers.js';

/**
 * One UPS reading in driver-neutral terms: apcupsd's NIS record names and NUT's variable names
 * both end up here, so ups_monitor builds one payload whichever daemon answered.
 */
export interface UpsReading {
  load_pct: number | null;
  /** Measured output watts, or load × nominal watts when the UPS only reports a load %. */
  realpower_w: number | null;
  realpower_source: 'measured' | 'load_x_nominal' | null;
  nominal_power_w: number | null;
  input_voltage: number | null;
  battery_charge_pct: number | null;
  battery_runtime_s: number | null;
  /** The daemon's own status text: apcupsd `ONBATT LOWBATT`, NUT `OB LB`. */
  status_raw: string;
  /** Normalised state words: ONLINE, ONBATT, LOWBATT, CHARGING, OVERLOAD, COMMLOST, … */
  flags: string[];
  model: string | null;
}

/** NUT ups.status tokens (docs/new-drivers.txt) → the words apcupsd uses, where it has one. */
const NUT_STATUS_WORDS: Record<string, string> = {
  OL: 'ONLINE',
  OB: 'ONBATT',
  LB: 'LOWBATT',
  HB: 'HIGHBATT',
  RB: 'REPLACEBATT',
  CHRG: 'CHARGING',
  DISCHRG: 'DISCHARGING',
  BYPASS: 'BYPASS',
  CAL: 'CAL',
  OFF: 'OFF',
  OVER: 'OVERLOAD',
  TRIM: 'TRIM',
  BOOST: 'BOOST',
  FSD: 'FSD',
  ALARM: 'ALARM',
  COMM: 'COMM',
  NOCOMM: 'COMMLOST',
};

const realpower = (measured: number | null, load: number | null, nominal: number | null) => {
  if (measured !== null) return { realpower_w: measured, realpower_source: 'measured' as const };
  if (load !== null && nominal !== null) return { realpower_w: (load * nominal) / 100, realpower_source: 'load_x_nominal' as const };
  return { realpower_w: null, realpower_source: null };
};

/** apcupsd: realpower = LOADPCT × NOMPOWER / 100 (apcupsd reports no measured watts). */
export function readingFromApc(s: ApcStatus): UpsReading {
  return {
    load_pct: s.load_pct,
    ...realpower(null, s.load_pct, s.nominal_power_w),
    nominal_power_w: s.nominal_power_w,
    input_voltage: s.line_voltage,
    battery_charge_pct: s.battery_charge_pct,
    battery_runtime_s: s.time_left_min === null ? null : s.time_left_min * 60,
    status_raw: s.status,
    flags: apcFlags(s),
    model: s.model,
  };
}

/** NUT numbers are plain decimals; a few drivers send `37.0 %`-like text, so take the first word. */
const nutNumber = (v: string | undefined): number | null => (v === undefined ? null : parseDecimal(v.trim().split(/\s+/)[0]));

/** NUT: the standard variable names (docs/nut-names.txt); battery.runtime is in seconds. */
export function readingFromNut(vars: Record<string, string>): UpsReading {
  const load = nutNumber(vars['ups.load']);
  const nominal = nutNumber(vars['ups.realpower.nominal']);
  const status = (vars['ups.status'] ?? '').trim();
  return {
    load_pct: load,
    ...realpower(nutNumber(vars['ups.realpower']), load, nominal),
    nominal_power_w: nominal,
    input_voltage: nutNumber(vars['input.voltage']),
    battery_charge_pct: nutNumber(vars['battery.charge']),
    battery_runtime_s: nutNumber(vars['battery.runtime']),
    status_raw: status,
    flags: status
      .split(/\s+/)
      .filter(Boolean)
      .map((t) => NUT_STATUS_WORDS[t] ?? t.toUpperCase()),
    model: vars['device.model'] ?? vars['ups.model'] ?? null,
  };
}
