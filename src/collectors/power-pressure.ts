/**
 * Thermal pressure, in the four levels macOS uses for the same idea (nominal, fair, serious,
 * critical), from two kinds of evidence: temperatures against the limits the hardware declares,
 * and whether the CPU's thermal-throttle counters are rising.
 *
 *   critical  a sensor within CRITICAL_MARGIN_C of its critical (shutdown) limit
 *   serious   a sensor at or above its limit (passive trip, hwmon max: the hardware is
 *             throttling or about to), or throttle events in SUSTAINED_SAMPLES samples in a row
 *   fair      a sensor within FAIR_MARGIN_C of its limit, or throttle events since the last sample
 *   nominal   none of these
 *
 * Only declared limits count: a sensor without one (k10temp's Tctl) cannot say how close to
 * trouble it is, and guessing a Tjmax would make every Ryzen under load — which runs at 95 °C
 * by design — look critical. null when there is no evidence of either kind.
 */
export type ThermalLevel = 'nominal' | 'fair' | 'serious' | 'critical';

export const THERMAL_LEVELS: readonly ThermalLevel[] = ['nominal', 'fair', 'serious', 'critical'];
export const FAIR_MARGIN_C = 10;
export const CRITICAL_MARGIN_C = 5;
export const SUSTAINED_SAMPLES = 3;

export interface PressureTemp {
  name: string;
  temp_c: number | null;
  limit_c: number | null;
  critical_c: number | null;
}

export interface ThrottleTrend {
  /** Throttle events (core + package) since the previous sample; null on the first. */
  delta: number | null;
  /** Samples in a row, ending with this one, in which the counters rose. */
  streak: number;
}

export interface Pressure {
  level: ThermalLevel | null;
  /** 0–3 for charts and alert thresholds (fair = 1, serious = 2, critical = 3). */
  level_num: number | null;
  cause: string | null;
}

const fmt = (v: number): string => `${Math.round(v * 10) / 10} °C`;

export function thermalPressure(temps: PressureTemp[], throttle: ThrottleTrend | null): Pressure {
  const findings: Array<{ level: number; cause: string }> = [];
  let judged = 0;
  let closest: { margin: number; cause: string } | null = null;
  for (const t of temps) {
    if (t.temp_c === null) continue;
    if (t.critical_c !== null) {
      judged += 1;
      if (t.temp_c >= t.critical_c - CRITICAL_MARGIN_C) {
        findings.push({ level: 3, cause: `${t.name} at ${fmt(t.temp_c)}, within ${CRITICAL_MARGIN_C} °C of its critical limit ${fmt(t.critical_c)}` });
      }
    }
    if (t.limit_c !== null) {
      judged += 1;
      const margin = t.limit_c - t.temp_c;
      if (margin <= 0) findings.push({ level: 2, cause: `${t.name} at ${fmt(t.temp_c)}, at or above its limit ${fmt(t.limit_c)}` });
      else if (margin <= FAIR_MARGIN_C) findings.push({ level: 1, cause: `${t.name} at ${fmt(t.temp_c)}, ${fmt(margin)} below its limit ${fmt(t.limit_c)}` });
      if (!closest || margin < closest.margin) {
        closest = { margin, cause: `closest to its limit: ${t.name} at ${fmt(t.temp_c)}, ${fmt(margin)} below ${fmt(t.limit_c)}` };
      }
    }
  }
  if (throttle !== null) {
    judged += 1;
    if (throttle.streak >= SUSTAINED_SAMPLES) {
      findings.push({ level: 2, cause: `CPU thermal throttling in each of the last ${throttle.streak} samples` });
    } else if (throttle.delta !== null && throttle.delta > 0) {
      findings.push({ level: 1, cause: `CPU thermal throttling: ${throttle.delta} events since the last sample` });
    }
  }
  if (judged === 0) return { level: null, level_num: null, cause: null };
  if (findings.length === 0) {
    return { level: 'nominal', level_num: 0, cause: closest?.cause ?? 'no CPU thermal throttling' };
  }
  const worst = findings.reduce((a, b) => (b.level > a.level ? b : a));
  return { level: THERMAL_LEVELS[worst.level]!, level_num: worst.level, cause: worst.cause };
}
