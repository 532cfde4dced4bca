import { join } from 'node:path';
import type { HostFs } from '../host/hostfs.js';
import { type AdaptiveReads, errnoPhrase, readFileSet } from '../host/sysfs-files.js';
import { readHwmonDir } from '../host/hwmon.js';
import { type HwmonChip, type HwmonSensor, sensorsOf } from '../parsers/sys-hwmon.js';
import { lowestTrip, parseThermalZone, type ThermalTrip } from '../parsers/sys-thermal.js';
import { round } from '../shared/units.js';

/**
 * Temperatures and fans from the thermal class (/sys/class/thermal/thermal_zone<N>) and the
 * hwmon class (/sys/class/hwmon/hwmon<N>), each with the limits the thermal pressure is
 * judged against:
 *  - `limit_c`: where the hardware starts protecting itself — a zone's lowest passive (or hot)
 *    trip, a hwmon sensor's `max`;
 *  - `critical_c`: where it shuts down — a zone's critical trip, a hwmon `crit`/`emergency`.
 *
 * A hwmon chip named like a thermal zone's type is the thermal core's hwmon mirror of that
 * zone (`acpitz`): it is left out so the zone, which carries the trip points, is not listed
 * twice. A chip whose device is runtime-suspended is not read: reading would wake it
 * (a sleeping dGPU or disk) and cost the very power this collector reports.
 */
export interface TempSensor {
  source: 'thermal_zone' | 'hwmon';
  /** thermal_zone0 / hwmon3. */
  device: string;
  /** Zone type or hwmon chip name: acpitz, coretemp, k10temp, nvme, amdgpu. */
  chip: string | null;
  /** temp1, or the zone itself. */
  sensor: string;
  label: string | null;
  temp_c: number | null;
  limit_c: number | null;
  critical_c: number | null;
  trips: ThermalTrip[] | null;
}

export interface FanSensor {
  device: string;
  chip: string | null;
  sensor: string;
  label: string | null;
  rpm: number | null;
  min_rpm: number | null;
  max_rpm: number | null;
  /** Duty cycle from the matching pwm<N> (0–255 → %), where the chip has one. */
  pwm_pct: number | null;
}

export interface HwmonDevice {
  device: string;
  chip: HwmonChip;
}

export interface SensorReadings {
  temps: TempSensor[];
  fans: FanSensor[];
  hwmon: HwmonDevice[];
  /** Chips or zones skipped, and why (asleep, unreadable). */
  skipped: string[];
  temps_reason: string | null;
  fans_reason: string | null;
}

const ZONE_RE = /^thermal_zone\d+$/;
const HWMON_RE = /^hwmon\d+$/;
const byNumber = (a: string, b: string) => Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]);

async function readZones(fs: HostFs, reads: AdaptiveReads, skipped: string[]): Promise<TempSensor[]> {
  const root = fs.sys('class/thermal');
  const names = (await fs.list(root)).filter((n) => ZONE_RE.test(n)).sort(byNumber);
  return Promise.all(
    names.map(async (zone) => {
      const dir = join(root, zone);
      const files = await fs.list(dir);
      const statics = await readFileSet(fs, dir, ['type', ...files.filter((f) => f.startsWith('trip_point_'))]);
      // ACPI zones (acpitz) run an AML method per read, which can be slow: adaptive.
      const temp = await reads.read(fs, zone, dir, ['temp']);
      if (temp.errors.temp) skipped.push(`${zone}: temp: ${errnoPhrase(temp.errors.temp)}`);
      const z = parseThermalZone(zone, { ...statics.files, ...temp.files });
      return {
        source: 'thermal_zone' as const,
        device: zone,
        chip: z.type,
        sensor: zone,
        label: null,
        temp_c: z.temp_c,
        limit_c: lowestTrip(z, ['passive']) ?? lowestTrip(z, ['hot']),
        critical_c: lowestTrip(z, ['critical']) ?? lowestTrip(z, ['hot']),
        trips: z.trips,
      };
    }),
  );
}

async function readHwmon(fs: HostFs, reads: AdaptiveReads, skipped: string[]): Promise<HwmonDevice[]> {
  const root = fs.sys('class/hwmon');
  const names = (await fs.list(root)).filter((n) => HWMON_RE.test(n)).sort(byNumber);
  const chips = await Promise.all(names.map(async (device) => ({ device, chip: await readHwmonDir(fs, join(root, device), reads, device) })));
  const out: HwmonDevice[] = [];
  for (const { device, chip } of chips) {
    if (chip === 'asleep') skipped.push(`${device}: device runtime-suspended, not woken to read it`);
    else if (chip !== null) out.push({ device, chip });
  }
  return out;
}

/**
 * hwmon limits → the limit where protection starts and the critical (shutdown) limit. Drivers
 * use `max`, `crit` and `emergency` differently: amdgpu throttles at `crit` and shuts down at
 * `emergency`; nvme and spd5118 warn at `max` and call `crit` critical; coretemp writes TjMax
 * (where the CPU throttles, well below its shutdown point) as both `max` and `crit`.
 */
export function hwmonLimits(s: Pick<HwmonSensor, 'max' | 'crit' | 'emergency'>): { limit_c: number | null; critical_c: number | null } {
  if (s.emergency !== null) return { limit_c: s.max ?? s.crit, critical_c: s.emergency };
  if (s.crit !== null && s.max !== null) return s.crit > s.max ? { limit_c: s.max, critical_c: s.crit } : { limit_c: s.max, critical_c: null };
  return { limit_c: s.max, critical_c: s.crit };
}

export async function readSensors(fs: HostFs, reads: AdaptiveReads): Promise<SensorReadings> {
  const skipped: string[] = [];
  const [zones, hwmon] = await Promise.all([readZones(fs, reads, skipped), readHwmon(fs, reads, skipped)]);
  const zoneTypes = new Set(zones.map((z) => z.chip).filter((t): t is string => t !== null));
  const temps: TempSensor[] = [...zones];
  const fans: FanSensor[] = [];
  for (const { device, chip } of hwmon) {
    if (chip.name !== null && zoneTypes.has(chip.name)) continue;
    for (const s of sensorsOf(chip, 'temp')) {
      if (s.input === null) continue;
      temps.push({
        source: 'hwmon',
        device,
        chip: chip.name,
        sensor: s.id,
        label: s.label,
        temp_c: s.input,
        ...hwmonLimits(s),
        trips: null,
      });
    }
    const pwm = new Map(sensorsOf(chip, 'pwm').map((p) => [p.index, p.input]));
    for (const s of sensorsOf(chip, 'fan')) {
      if (s.input === null) continue;
      const duty = pwm.get(s.index);
      fans.push({
        device,
        chip: chip.name,
        sensor: s.id,
        label: s.label,
        rpm: s.input,
        min_rpm: s.min,
        max_rpm: s.max,
        pwm_pct: duty === undefined || duty === null ? null : round((duty / 255) * 100, 1),
      });
    }
  }
  return {
    temps,
    fans,
    hwmon,
    skipped,
    temps_reason: temps.length ? null : `no temperature sensors: ${fs.sys('class/thermal')} has no zones and ${fs.sys('class/hwmon')} no temp inputs (VM or container)`,
    fans_reason: fans.length ? null : `no fan speeds in ${fs.sys('class/hwmon')} (fanless, or the fan controller has no driver)`,
  };
}
