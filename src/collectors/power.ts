import { defineCollector, type Payload } from '../core/collector.js';
import { AdaptiveReads } from '../host/sysfs-files.js';
import { type MetricSpec, metric } from '../shared/metrics.js';
import { listSysCpus, readThrottle, sumThrottles } from './cpu-sysfs.js';
import { type Pressure, type ThermalLevel, type ThrottleTrend, thermalPressure } from './power-pressure.js';
import { type CounterState, type RaplFigures, readRapl } from './power-rapl.js';
import { type FanSensor, readSensors, type TempSensor } from './power-sensors.js';
import { type Battery, type ExternalSupply, readPowerSupplies } from './power-supply.js';

/**
 * power_monitor: where the watts go and how hot it runs — RAPL package/core/uncore/dram power,
 * batteries and external power, temperatures and fans, CPU throttle counts, and the thermal
 * pressure level (power-pressure.ts). Every piece is read on its own: an unreadable RAPL
 * counter, a missing battery or a VM without sensors leaves that piece null with its reason in
 * `reasons`, and the rest still reports.
 */
export interface PowerPayload extends Payload {
  available: true;
  /** RAPL package power, all sockets (null when unreadable, absent, or on the first sample). */
  package_w: number | null;
  core_w: number | null;
  uncore_w: number | null;
  dram_w: number | null;
  /** Platform (psys) power where the CPU reports it: more than the package, less than the wall. */
  psys_w: number | null;
  on_battery: boolean | null;
  ac_online: boolean | null;
  battery_pct: number | null;
  battery_power_w: number | null;
  /** All system batteries together (one battery: its own figure). */
  battery_time_to_empty_min: number | null;
  battery_time_to_full_min: number | null;
  thermal_pressure: ThermalLevel | null;
  thermal_pressure_level: number | null;
  thermal_pressure_cause: string | null;
  /** The hottest sensor reading. */
  max_temp_c: number | null;
  rapl: Omit<RaplFigures, 'reason' | 'hint'>;
  batteries: Battery[];
  external_power: ExternalSupply[];
  temps: TempSensor[];
  fans: FanSensor[];
  throttle: { core_throttle_count: number; package_throttle_count: number; events_since_last: number | null; streak: number } | null;
  /** Why each piece is missing or partial; null entries are pieces that read fine. */
  reasons: {
    rapl: string | null;
    rapl_hint: string | null;
    battery: string | null;
    temps: string | null;
    fans: string | null;
    throttle: string | null;
    thermal_pressure: string | null;
    skipped: string[];
  };
}

interface PowerState {
  counters?: Map<string, CounterState>;
  reads?: AdaptiveReads;
  throttleStreak?: number;
}

const spec = metric;
const watts = (name: string, path: string, help: string): MetricSpec => spec(name, path, 'watts', 'gauge', help, 2);
const metrics: MetricSpec[] = [
  watts('package_w', 'package_w', 'CPU package power (RAPL), all sockets'),
  watts('core_w', 'core_w', 'CPU cores power (RAPL core domain)'),
  watts('uncore_w', 'uncore_w', 'uncore / integrated GPU power (RAPL uncore domain)'),
  watts('dram_w', 'dram_w', 'memory power (RAPL dram domain)'),
  watts('psys_w', 'psys_w', 'platform power (RAPL psys domain)'),
  watts('rapl_domain_w', 'rapl.domains[domain].power_w', 'power of one RAPL zone'),
  spec('on_battery', 'on_battery', 'count', 'gauge', '1 while the machine runs on its battery'),
  spec('ac_online', 'ac_online', 'count', 'gauge', '1 while external power is connected'),
  spec('battery_pct', 'battery_pct', 'percent', 'gauge', 'battery charge (all system batteries)', 1),
  watts('battery_power_w', 'battery_power_w', 'power drawn from or charged into the batteries'),
  spec('battery_time_to_empty_s', 'batteries[battery].time_to_empty_s', 'seconds', 'gauge', 'time until the battery is empty at the present draw', 0),
  spec('battery_time_to_full_s', 'batteries[battery].time_to_full_s', 'seconds', 'gauge', 'time until the battery is full at the present charge rate', 0),
  spec('battery_health_pct', 'batteries[battery].health_pct', 'percent', 'gauge', 'full charge capacity, % of design capacity', 1),
  spec('thermal_pressure_level', 'thermal_pressure_level', 'count', 'gauge', 'thermal pressure: 0 nominal, 1 fair, 2 serious, 3 critical'),
  spec('max_temp_c', 'max_temp_c', 'celsius', 'gauge', 'hottest temperature sensor', 1),
  spec('temp_c', 'temps[sensor].temp_c', 'celsius', 'gauge', 'temperature of one thermal zone or hwmon sensor', 1),
  spec('fan_rpm', 'fans[fan].rpm', 'count', 'gauge', 'fan speed in revolutions per minute'),
  spec('throttle_events', 'throttle.events_since_last', 'count', 'gauge', 'CPU thermal throttle events since the previous sample'),
];

export const powerMonitor = defineCollector<PowerPayload, PowerState>({
  name: 'power_monitor',
  description: 'RAPL package/core/dram watts, batteries and AC, temperatures, fans, CPU throttling and thermal pressure',
  interval: 5,
  metrics,
  // No declared thresholds: the SPEC §4 rules on these figures (thermal pressure; package power
  // *while idle*) need context a plain threshold cannot express and live in src/alerts/rules.ts.
  async collect(ctx) {
    const now = ctx.clock.monotonicMs();
    ctx.state.counters ??= new Map();
    ctx.state.reads ??= new AdaptiveReads();
    const sensors = await readSensors(ctx.fs, ctx.state.reads);
    const [rapl, supplies, throttleCounts] = await Promise.all([
      readRapl(ctx.fs, ctx.rates, ctx.state.counters, now, sensors.hwmon),
      readPowerSupplies(ctx.fs),
      listSysCpus(ctx.fs).then(async (cpus) => sumThrottles(await Promise.all(cpus.map((c) => readThrottle(ctx.fs, c))))),
    ]);

    let throttle: PowerPayload['throttle'] = null;
    let trend: ThrottleTrend | null = null;
    if (throttleCounts) {
      const total = throttleCounts.core_throttle_count + throttleCounts.package_throttle_count;
      const delta = ctx.rates.delta('throttle.events', total, now)?.delta ?? null;
      const streak = delta !== null && delta > 0 ? (ctx.state.throttleStreak ?? 0) + 1 : 0;
      ctx.state.throttleStreak = streak;
      trend = { delta, streak };
      throttle = { ...throttleCounts, events_since_last: delta, streak };
    }

    const pressure: Pressure = thermalPressure(
      sensors.temps.map((t) => ({ name: sensorName(t), temp_c: t.temp_c, limit_c: t.limit_c, critical_c: t.critical_c })),
      trend,
    );
    const readings = sensors.temps.map((t) => t.temp_c).filter((t): t is number => t !== null);
    const { reason: raplReason, hint: raplHint, ...raplDetail } = rapl;
    return {
      available: true,
      package_w: rapl.package_w,
      core_w: rapl.core_w,
      uncore_w: rapl.uncore_w,
      dram_w: rapl.dram_w,
      psys_w: rapl.psys_w,
      on_battery: supplies.on_battery,
      ac_online: supplies.ac_online,
      battery_pct: supplies.battery_pct,
      battery_power_w: supplies.battery_power_w,
      battery_time_to_empty_min: supplies.time_to_empty_min,
      battery_time_to_full_min: supplies.time_to_full_min,
      thermal_pressure: pressure.level,
      thermal_pressure_level: pressure.level_num,
      thermal_pressure_cause: pressure.cause,
      max_temp_c: readings.length ? Math.max(...readings) : null,
      rapl: raplDetail,
      batteries: supplies.batteries,
      external_power: supplies.external,
      temps: sensors.temps,
      fans: sensors.fans,
      throttle,
      reasons: {
        rapl: raplReason,
        rapl_hint: raplHint,
        battery: supplies.reason,
        temps: sensors.temps_reason,
        fans: sensors.fans_reason,
        throttle: throttle ? null : 'no thermal_throttle counters (VM, or a CPU without them: AMD, ARM)',
        thermal_pressure: pressure.level === null ? 'no temperature with a declared limit and no throttle counters to judge by' : null,
        skipped: sensors.skipped,
      },
    };
  },
});

function sensorName(t: TempSensor): string {
  if (t.source === 'thermal_zone') return `${t.device} (${t.chip ?? 'unknown'})`;
  return `${t.chip ?? t.device} ${t.label ?? t.sensor}`;
}
