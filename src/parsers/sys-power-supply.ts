import { parseDecimal } from './numbers.js';
import { parseUevent } from './sys-uevent.js';

/**
 * /sys/class/power_supply/<name>/uevent → one power supply (Documentation/ABI/testing/
 * sysfs-class-power). The kernel prints every property the driver has as
 * `POWER_SUPPLY_<PROPERTY>=<value>`; attributes missing from the driver are simply absent.
 *
 * Base units: energy µWh → Wh, charge µAh → Ah, power µW → W, current µA → A, voltage µV → V.
 * Some drivers report current and power signed (negative while discharging); the sign is kept
 * here and dropped where watts drawn are computed.
 *
 * Rule for bad input: structure errors (a line without `=`) throw a ParseError from
 * parseUevent. A numeric property whose value is not a number becomes null and its key is listed
 * in `invalid` — one garbled property costs that figure, not the whole battery.
 */
export interface PowerSupply {
  name: string | null;
  /** Battery, Mains, USB, UPS, Wireless. */
  type: string | null;
  /** `Device` for peripherals (mouse, keyboard, headset batteries); `System` or null otherwise. */
  scope: string | null;
  present: boolean | null;
  /** Mains/USB: external power connected. */
  online: boolean | null;
  /** Charging, Discharging, Not charging, Full, Unknown. */
  status: string | null;
  capacity_pct: number | null;
  capacity_level: string | null;
  energy_now_wh: number | null;
  energy_full_wh: number | null;
  energy_full_design_wh: number | null;
  charge_now_ah: number | null;
  charge_full_ah: number | null;
  charge_full_design_ah: number | null;
  power_now_w: number | null;
  current_now_a: number | null;
  voltage_now_v: number | null;
  voltage_min_design_v: number | null;
  cycle_count: number | null;
  /** Seconds, as some drivers (not ACPI) report them. */
  time_to_empty_now_s: number | null;
  time_to_full_now_s: number | null;
  technology: string | null;
  manufacturer: string | null;
  model_name: string | null;
  /** Numeric properties whose value was not a number. */
  invalid: string[];
}

// Divide (not multiply by 1e-6): 11432000 / 1e6 is exactly the double nearest 11.432.
const MICRO = 1e6;

export function parsePowerSupplyUevent(text: string, file = 'power_supply/uevent'): PowerSupply {
  const env = parseUevent(text, file);
  const invalid: string[] = [];
  const str = (key: string): string | null => env.get(`POWER_SUPPLY_${key}`) ?? null;
  const num = (key: string, divisor = 1): number | null => {
    const raw = str(key);
    if (raw === null) return null;
    const n = parseDecimal(raw.trim());
    if (n === null) {
      invalid.push(`POWER_SUPPLY_${key}`);
      return null;
    }
    return n / divisor;
  };
  const flag = (key: string): boolean | null => {
    const n = num(key);
    return n === null ? null : n !== 0;
  };
  return {
    name: str('NAME'),
    type: str('TYPE'),
    scope: str('SCOPE'),
    present: flag('PRESENT'),
    online: flag('ONLINE'),
    status: str('STATUS'),
    capacity_pct: num('CAPACITY'),
    capacity_level: str('CAPACITY_LEVEL'),
    energy_now_wh: num('ENERGY_NOW', MICRO),
    energy_full_wh: num('ENERGY_FULL', MICRO),
    energy_full_design_wh: num('ENERGY_FULL_DESIGN', MICRO),
    charge_now_ah: num('CHARGE_NOW', MICRO),
    charge_full_ah: num('CHARGE_FULL', MICRO),
    charge_full_design_ah: num('CHARGE_FULL_DESIGN', MICRO),
    power_now_w: num('POWER_NOW', MICRO),
    current_now_a: num('CURRENT_NOW', MICRO),
    voltage_now_v: num('VOLTAGE_NOW', MICRO),
    voltage_min_design_v: num('VOLTAGE_MIN_DESIGN', MICRO),
    cycle_count: num('CYCLE_COUNT'),
    time_to_empty_now_s: num('TIME_TO_EMPTY_NOW'),
    time_to_full_now_s: num('TIME_TO_FULL_NOW'),
    technology: str('TECHNOLOGY'),
    manufacturer: str('MANUFACTURER'),
    model_name: str('MODEL_NAME'),
    invalid,
  };
}

/**
 * The same properties from individual attribute files (`status`, `energy_now`, …), for a
 * supply whose uevent cannot be read: each file name becomes `POWER_SUPPLY_<NAME>`.
 */
export function ueventFromAttributes(name: string, files: Record<string, string>): string {
  const lines = [`POWER_SUPPLY_NAME=${name}`];
  for (const [attr, value] of Object.entries(files)) {
    lines.push(`POWER_SUPPLY_${attr.toUpperCase()}=${value.trim()}`);
  }
  return `${lines.join('\n')}\n`;
}
