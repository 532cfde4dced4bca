import { join } from 'node:path';
import type { HostFs } from '../host/hostfs.js';
import { errnoPhrase, readFileSet } from '../host/sysfs-files.js';
import { type PowerSupply, parsePowerSupplyUevent, ueventFromAttributes } from '../parsers/sys-power-supply.js';
import { round } from '../shared/units.js';

/**
 * Batteries and external power from /sys/class/power_supply (Documentation/ABI/testing/
 * sysfs-class-power), one uevent read per supply.
 *
 *  - Watts drawn: `power_now`, else |`current_now`| × `voltage_now` (drivers that count charge
 *    in µAh report current, not power). The sign some drivers give is dropped.
 *  - Energy: `energy_*` (µWh), else `charge_*` (µAh) × `voltage_min_design`.
 *  - Time to empty (discharging) = energy_now / watts; to full (charging) = (energy_full −
 *    energy_now) / watts; a driver's own `time_to_*_now` is used when it has one.
 *  - Peripheral batteries (scope `Device`: mice, keyboards, headsets) are counted apart and do
 *    not decide whether the machine runs on battery.
 *  - on_battery: with a mains/USB supply known, true when none is online; without one, the
 *    battery's own status (Discharging); false when the machine has no battery at all.
 */
export interface Battery {
  name: string;
  status: string | null;
  capacity_pct: number | null;
  capacity_level: string | null;
  energy_now_wh: number | null;
  energy_full_wh: number | null;
  energy_full_design_wh: number | null;
  /** energy_full / energy_full_design: wear. */
  health_pct: number | null;
  power_w: number | null;
  voltage_v: number | null;
  cycle_count: number | null;
  technology: string | null;
  manufacturer: string | null;
  model: string | null;
  time_to_empty_s: number | null;
  time_to_full_s: number | null;
  time_to_empty_min: number | null;
  time_to_full_min: number | null;
}

export interface ExternalSupply {
  name: string;
  type: string | null;
  online: boolean | null;
}

export interface PowerSupplies {
  batteries: Battery[];
  external: ExternalSupply[];
  peripheral_batteries: number;
  on_battery: boolean | null;
  ac_online: boolean | null;
  battery_pct: number | null;
  battery_power_w: number | null;
  time_to_empty_min: number | null;
  time_to_full_min: number | null;
  reason: string | null;
}

const EXTERNAL_TYPES = new Set(['Mains', 'USB', 'USB_C', 'USB_PD', 'USB_PD_DRP', 'Wireless']);
const FIELDS = ['type', 'scope', 'status', 'online', 'present', 'capacity', 'capacity_level', 'energy_now', 'energy_full', 'energy_full_design', 'charge_now', 'charge_full', 'charge_full_design', 'power_now', 'current_now', 'voltage_now', 'voltage_min_design', 'cycle_count', 'technology', 'manufacturer', 'model_name'];

async function readSupply(fs: HostFs, dir: string, name: string): Promise<{ supply: PowerSupply | null; reason: string | null }> {
  const ev = await readFileSet(fs, dir, ['uevent'], { async: true });
  try {
    if (ev.files.uevent !== undefined) return { supply: parsePowerSupplyUevent(ev.files.uevent, join(dir, 'uevent')), reason: null };
    // No uevent (unreadable, or a copied tree without it): the attribute files say the same.
    const attrs = await readFileSet(fs, dir, FIELDS, { async: true });
    if (Object.keys(attrs.files).length === 0) {
      const why = ev.errors.uevent ? errnoPhrase(ev.errors.uevent) : 'no uevent or attribute files';
      return { supply: null, reason: `${name}: ${why}` };
    }
    return { supply: parsePowerSupplyUevent(ueventFromAttributes(name, attrs.files), dir), reason: null };
  } catch (err) {
    return { supply: null, reason: (err as Error).message };
  }
}

export function batteryFrom(name: string, s: PowerSupply): Battery {
  const volts = s.voltage_min_design_v ?? s.voltage_now_v;
  const wh = (energy: number | null, charge: number | null): number | null =>
    energy ?? (charge !== null && volts !== null ? charge * volts : null);
  const now = wh(s.energy_now_wh, s.charge_now_ah);
  const full = wh(s.energy_full_wh, s.charge_full_ah);
  const design = wh(s.energy_full_design_wh, s.charge_full_design_ah);
  const watts =
    s.power_now_w !== null ? Math.abs(s.power_now_w) : s.current_now_a !== null && s.voltage_now_v !== null ? Math.abs(s.current_now_a) * s.voltage_now_v : null;
  const capacity = s.capacity_pct ?? (now !== null && full ? (now / full) * 100 : null);
  let toEmpty: number | null = null;
  let toFull: number | null = null;
  if (s.status === 'Discharging') {
    toEmpty = s.time_to_empty_now_s ?? (now !== null && watts ? (now / watts) * 3600 : null);
  } else if (s.status === 'Charging') {
    toFull = s.time_to_full_now_s ?? (now !== null && full !== null && watts ? (Math.max(0, full - now) / watts) * 3600 : null);
  }
  return {
    name,
    status: s.status,
    capacity_pct: round(capacity, 1),
    capacity_level: s.capacity_level,
    energy_now_wh: round(now, 3),
    energy_full_wh: round(full, 3),
    energy_full_design_wh: round(design, 3),
    health_pct: full !== null && design ? round((full / design) * 100, 1) : null,
    power_w: round(watts, 2),
    voltage_v: round(s.voltage_now_v, 3),
    cycle_count: s.cycle_count,
    technology: s.technology,
    manufacturer: s.manufacturer,
    model: s.model_name,
    time_to_empty_s: round(toEmpty, 0),
    time_to_full_s: round(toFull, 0),
    time_to_empty_min: round(toEmpty === null ? null : toEmpty / 60, 1),
    time_to_full_min: round(toFull === null ? null : toFull / 60, 1),
  };
}

export async function readPowerSupplies(fs: HostFs): Promise<PowerSupplies> {
  const root = fs.sys('class/power_supply');
  const names = (await fs.list(root)).sort();
  const read = await Promise.all(names.map(async (name) => ({ name, ...(await readSupply(fs, join(root, name), name)) })));
  const batteries: Battery[] = [];
  const external: ExternalSupply[] = [];
  const reasons: string[] = [];
  let peripherals = 0;
  for (const { name, supply, reason } of read) {
    if (reason) reasons.push(reason);
    if (!supply) continue;
    if (supply.type === 'Battery') {
      if (supply.scope === 'Device') peripherals += 1;
      else if (supply.present !== false) batteries.push(batteryFrom(name, supply));
    } else if (supply.type !== null && EXTERNAL_TYPES.has(supply.type) && supply.scope !== 'Device') {
      external.push({ name, type: supply.type, online: supply.online });
    }
  }
  const known = external.filter((e) => e.online !== null);
  const acOnline = known.length ? known.some((e) => e.online) : null;
  let onBattery: boolean | null;
  if (batteries.length === 0) onBattery = false;
  else if (acOnline !== null) onBattery = !acOnline;
  else if (batteries.some((b) => b.status !== null)) onBattery = batteries.some((b) => b.status === 'Discharging');
  else onBattery = null;
  if (batteries.length === 0 && reasons.length === 0) reasons.push(`no system battery in ${root}`);
  return {
    batteries,
    external,
    peripheral_batteries: peripherals,
    on_battery: onBattery,
    ac_online: acOnline,
    battery_pct: combinedPct(batteries),
    battery_power_w: batteries.length && batteries.every((b) => b.power_w !== null) ? round(batteries.reduce((a, b) => a + b.power_w!, 0), 2) : null,
    ...combinedTimes(batteries),
    reason: reasons.length ? reasons.join('; ') : null,
  };
}

/** One battery: its own capacity. Several (ThinkPads with BAT0 + BAT1): energy-weighted. */
function combinedPct(batteries: Battery[]): number | null {
  if (batteries.length === 0) return null;
  if (batteries.length === 1) return batteries[0]!.capacity_pct;
  if (batteries.every((b) => b.energy_now_wh !== null && b.energy_full_wh)) {
    const now = batteries.reduce((a, b) => a + b.energy_now_wh!, 0);
    const full = batteries.reduce((a, b) => a + b.energy_full_wh!, 0);
    return round((now / full) * 100, 1);
  }
  const caps = batteries.map((b) => b.capacity_pct).filter((c): c is number => c !== null);
  return caps.length ? round(caps.reduce((a, c) => a + c, 0) / caps.length, 1) : null;
}

/**
 * Time to empty / full for all batteries together: the energy left (or missing) over the watts
 * flowing, when every battery has both figures; a lone battery keeps the driver's own times.
 */
function combinedTimes(batteries: Battery[]): { time_to_empty_min: number | null; time_to_full_min: number | null } {
  const none = { time_to_empty_min: null, time_to_full_min: null };
  if (batteries.length === 0) return none;
  if (batteries.length === 1) return { time_to_empty_min: batteries[0]!.time_to_empty_min, time_to_full_min: batteries[0]!.time_to_full_min };
  const known = batteries.every((b) => b.energy_now_wh !== null && b.energy_full_wh !== null && b.power_w !== null);
  const watts = batteries.reduce((a, b) => a + (b.power_w ?? 0), 0);
  if (!known || !(watts > 0)) return none;
  const sum = (f: (b: Battery) => number) => batteries.reduce((a, b) => a + f(b), 0);
  if (batteries.some((b) => b.status === 'Discharging')) return { ...none, time_to_empty_min: round((sum((b) => b.energy_now_wh!) / watts) * 60, 1) };
  if (batteries.some((b) => b.status === 'Charging')) {
    return { ...none, time_to_full_min: round((sum((b) => Math.max(0, b.energy_full_wh! - b.energy_now_wh!)) / watts) * 60, 1) };
  }
  return none;
}
