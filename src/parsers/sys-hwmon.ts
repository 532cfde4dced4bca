import { parseDecimal } from './numbers.js';

/**
 * One hwmon chip, /sys/class/hwmon/hwmon<N>/ (Documentation/hwmon/sysfs-interface.rst): `name`
 * plus one file per sensor attribute, `<type><index>_<item>`, in fixed units that this parser
 * turns into base units:
 *
 *   temp*   millidegrees Celsius → °C      fan*     RPM
 *   power*  microwatts → W                 energy*  microjoules → J
 *   in*     millivolts → V                 curr*    milliamperes → A
 *   freq*   Hz → MHz                       pwm*     0–255 duty cycle (no item suffix)
 *
 * Items kept: `input`, `label`, `max`, `crit`, `emergency`, `min`, `average`, `cap`, `target`;
 * the rest (alarms, hysteresis, beeps, types) are ignored.
 *
 * Rules for bad input: the caller passes the files it could read. A value that is not a number
 * leaves that item null; a sensor with neither a number nor a label is dropped. Temperature
 * values at or below -273 °C, and limits at or above 200 °C, are the "no limit" drivers print
 * (nvme: min -273.15 °C, max 65261.85 °C on sensors without one) and read as null.
 */
export type HwmonKind = 'temp' | 'fan' | 'power' | 'energy' | 'in' | 'curr' | 'freq' | 'pwm';

export interface HwmonSensor {
  kind: HwmonKind;
  index: number;
  /** `<kind><index>`, e.g. `temp1`. */
  id: string;
  label: string | null;
  input: number | null;
  average: number | null;
  max: number | null;
  crit: number | null;
  emergency: number | null;
  min: number | null;
  cap: number | null;
}

export interface HwmonChip {
  name: string | null;
  sensors: HwmonSensor[];
}

const ATTR_RE = /^(temp|fan|power|energy|in|curr|freq|pwm)(\d+)(?:_([a-z_]+))?$/;
const ITEMS = new Set(['input', 'label', 'max', 'crit', 'emergency', 'min', 'average', 'cap', 'target']);
// Divisors, not factors: n / 1000 is the nearest double to the decimal (71050 → 71.05), while
// n * 1e-3 can carry float noise into the payload (71.05000000000001).
const DIVISOR: Record<HwmonKind, number> = {
  temp: 1e3,
  fan: 1,
  power: 1e6,
  energy: 1e6,
  in: 1e3,
  curr: 1e3,
  freq: 1e6,
  pwm: 1,
};
const ABSOLUTE_ZERO_C = -273;
const UNSET_LIMIT_C = 200;

/** True for the attribute files parseHwmonChip reads (so callers read only those). */
export function isHwmonValueFile(name: string): boolean {
  if (name === 'name') return true;
  const m = ATTR_RE.exec(name);
  if (!m) return false;
  if (m[1] === 'pwm') return m[3] === undefined;
  return m[3] !== undefined && ITEMS.has(m[3]);
}

export function parseHwmonChip(files: Record<string, string | undefined>): HwmonChip {
  const sensors = new Map<string, HwmonSensor>();
  for (const [file, text] of Object.entries(files)) {
    const m = ATTR_RE.exec(file);
    if (!m || text === undefined) continue;
    const kind = m[1] as HwmonKind;
    const index = Number(m[2]);
    const item = m[3] ?? (kind === 'pwm' ? 'input' : undefined);
    if (item === undefined || !ITEMS.has(item)) continue;
    const id = `${kind}${index}`;
    let s = sensors.get(id);
    if (!s) {
      s = { kind, index, id, label: null, input: null, average: null, max: null, crit: null, emergency: null, min: null, cap: null };
      sensors.set(id, s);
    }
    if (item === 'label') {
      s.label = text.trim() || null;
      continue;
    }
    if (item === 'target') continue;
    const n = parseDecimal(text.trim());
    if (n === null) continue;
    const v = n / DIVISOR[kind];
    if (kind === 'temp' && (v <= ABSOLUTE_ZERO_C || (item !== 'input' && item !== 'average' && v >= UNSET_LIMIT_C))) continue;
    (s as unknown as Record<string, number | null>)[item] = v;
  }
  const list = [...sensors.values()].filter(
    (s) => s.label !== null || [s.input, s.average, s.max, s.crit, s.emergency, s.min, s.cap].some((v) => v !== null),
  );
  list.sort((a, b) => (a.kind === b.kind ? a.index - b.index : a.kind < b.kind ? -1 : 1));
  return { name: files.name?.trim() || null, sensors: list };
}

/** The sensors of one kind, in index order. */
export function sensorsOf(chip: HwmonChip, kind: HwmonKind): HwmonSensor[] {
  return chip.sensors.filter((s) => s.kind === kind);
}
