import { parseDecimal } from './numbers.js';

/**
 * One thermal zone, /sys/class/thermal/thermal_zone<N>/ (Documentation/driver-api/thermal/
 * sysfs-api.rst): `type` (the sensor's name: acpitz, x86_pkg_temp, TCPU, …), `temp` and the
 * `trip_point_<i>_{type,temp}` pairs, all temperatures in millidegrees Celsius.
 *
 * Trip types: `critical` (the platform shuts down), `hot` (the platform is told to act),
 * `passive` (the kernel throttles to cool), `active` (fans).
 *
 * Rules for bad input: the caller passes the files it could read (an unreadable or absent file
 * is simply missing). A temperature that is not a number reads as null. A trip at or below
 * 0 °C — or at 200 °C and above — is taken as unset and left out: firmware writes 0 for trips it
 * does not use (x86_pkg_temp's two passive trips) and leftovers such as -274 °C.
 */
export interface ThermalTrip {
  index: number;
  type: string;
  temp_c: number;
}

export interface ThermalZone {
  zone: string;
  type: string | null;
  temp_c: number | null;
  trips: ThermalTrip[];
}

const TRIP_RE = /^trip_point_(\d+)_type$/;
const TRIP_MIN_C = 0;
const TRIP_MAX_C = 200;

/** Millidegrees Celsius (text) → °C, or null. */
export function milliCelsius(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = parseDecimal(text.trim());
  return n === null ? null : n / 1000;
}

export function parseThermalZone(zone: string, files: Record<string, string | undefined>): ThermalZone {
  const trips: ThermalTrip[] = [];
  for (const [name, value] of Object.entries(files)) {
    const m = TRIP_RE.exec(name);
    if (!m || value === undefined) continue;
    const index = Number(m[1]);
    const t = milliCelsius(files[`trip_point_${index}_temp`]);
    if (t === null || t <= TRIP_MIN_C || t >= TRIP_MAX_C) continue;
    trips.push({ index, type: value.trim(), temp_c: t });
  }
  trips.sort((a, b) => a.index - b.index);
  return { zone, type: files.type?.trim() || null, temp_c: milliCelsius(files.temp), trips };
}

/** Lowest trip of the given types, or null. */
export function lowestTrip(zone: ThermalZone, types: string[]): number | null {
  const temps = zone.trips.filter((t) => types.includes(t.type)).map((t) => t.temp_c);
  return temps.length === 0 ? null : Math.min(...temps);
}
