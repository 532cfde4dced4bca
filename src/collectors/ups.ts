import { type CollectorContext, defineCollector, type Payload, type ThresholdSpec } from '../core/collector.js';
import Value from 'typebox/value';
import { type Config, ConfigSchema } from '../core/config/schema.js';
import { parseApcStatus } from '../parsers/apc-nis.js';
import { metric } from '../shared/metrics.js';
import { round } from '../shared/units.js';
import { queryApcupsd } from '../ups/apcupsd.js';
import { queryNut } from '../ups/nut.js';
import { readingFromApc, readingFromNut, type UpsReading } from '../ups/reading.js';

/**
 * ups_monitor (SPEC §2.2): load, watts, input voltage, battery charge and runtime, on-battery and
 * low-battery flags and a climbing-power trend, from apcupsd's NIS (`ups.driver: apcupsd`, the
 * default) or NUT's upsd (`ups.driver: nut`). Both give the same payload. One short TCP
 * conversation per tick (a local daemon answers in about a millisecond; a kept connection would
 * need its own reconnect logic for little gain). An unreachable daemon or a reply that is not
 * its protocol gives `ups_available: false`, every figure null and the flags false, and a reason.
 */
export interface UpsPayload extends Payload {
  /** Same as ups_available, for the scheduler and /api/status. */
  available: boolean;
  ups_available: boolean;
  driver: 'apcupsd' | 'nut';
  /** Where it asked: `localhost:3551`, or `ups@localhost:3493` for NUT. */
  source: string;
  reason: string | null;
  ups_load_pct: number | null;
  /** Output watts: measured (NUT ups.realpower) or load × nominal watts. */
  ups_realpower_w: number | null;
  realpower_source: UpsReading['realpower_source'];
  nominal_power_w: number | null;
  input_voltage: number | null;
  battery_charge_pct: number | null;
  battery_runtime_m: number | null;
  battery_runtime_s: number | null;
  /** Normalised state words joined by spaces (`ONLINE`, `ONBATT LOWBATT`, `ONLINE CHARGING`). */
  ups_status: string | null;
  /** The daemon's own status text (apcupsd STATUS, NUT ups.status). */
  ups_status_raw: string | null;
  status_flags: string[];
  on_battery: boolean;
  low_battery: boolean;
  /** The last three distinct power readings rose one after the other, the latest within CLIMB_WINDOW_MS. */
  power_climbing: boolean;
  ups_model: string | null;
}

interface UpsState {
  /** Distinct consecutive power readings (repeats of the last one are not stored). */
  trend?: { value: number; atMs: number }[];
}

/** A rise older than this no longer counts as climbing: the load went up, then held. */
export const CLIMB_WINDOW_MS = 60_000;

/** The thresholds SPEC §3 reads from `ups:` config, declared for the alert engine. */
export function upsThresholds(ups: Config['ups']): ThresholdSpec[] {
  return [
    { metric: 'ups_load_pct', direction: 'above', warn: ups.load_warn, critical: ups.load_critical, help: 'UPS load (ups.load_warn / load_critical)' },
    {
      metric: 'battery_charge_pct',
      direction: 'below',
      warn: ups.battery_warn,
      critical: ups.battery_critical,
      help: 'UPS battery charge (ups.battery_warn / battery_critical)',
    },
    {
      metric: 'battery_runtime_s',
      direction: 'below',
      warn: ups.runtime_warn_m * 60,
      // No runtime_critical key in config: half the warn level gives the alert a second step.
      critical: (ups.runtime_warn_m * 60) / 2,
      help: 'UPS runtime estimate (ups.runtime_warn_m)',
    },
  ];
}

/** The `ups:` defaults, so the declared thresholds are the ones a config-less install runs with. */
const DEFAULT_UPS = (Value.Default(ConfigSchema, {}) as Config).ups;

const metrics = [
  metric('ups_available', 'ups_available', 'count', 'gauge', '1 while the UPS daemon answered with current data'),
  metric('ups_load_pct', 'ups_load_pct', 'percent', 'gauge', 'UPS load, % of its capacity', 1),
  metric('ups_realpower_w', 'ups_realpower_w', 'watts', 'gauge', 'UPS output power (measured, or load × nominal watts)', 1),
  metric('nominal_power_w', 'nominal_power_w', 'watts', 'gauge', 'UPS rated output power', 0),
  metric('input_voltage_v', 'input_voltage', 'volts', 'gauge', 'mains voltage at the UPS input', 1),
  metric('battery_charge_pct', 'battery_charge_pct', 'percent', 'gauge', 'UPS battery charge', 1),
  metric('battery_runtime_s', 'battery_runtime_s', 'seconds', 'gauge', 'UPS runtime estimate on battery at the current load', 0),
  metric('on_battery', 'on_battery', 'count', 'gauge', '1 while the UPS runs on battery'),
  metric('low_battery', 'low_battery', 'count', 'gauge', '1 while the UPS signals low battery'),
  metric('power_climbing', 'power_climbing', 'count', 'gauge', '1 while UPS power rose over three readings in a row'),
];

export const upsMonitor = defineCollector<UpsPayload, UpsState>({
  name: 'ups_monitor',
  description: 'UPS load, watts, input voltage, battery charge and runtime, on-battery / low-battery (apcupsd NIS or NUT upsd)',
  interval: 2,
  // Connect + reply each get ups.timeout_ms (2 s default); the tick itself may take both.
  timeout: 5,
  metrics,
  thresholds: upsThresholds(DEFAULT_UPS),
  thresholdsFor: (config) => upsThresholds(config.ups),
  async collect(ctx) {
    const ups = ctx.config.ups;
    const source = ups.driver === 'nut' ? `${ups.nut_ups}@${ups.nut_host}:${ups.nut_port}` : `${ups.nis_host}:${ups.nis_port}`;
    let reading: UpsReading;
    try {
      reading = await read(ctx, ups);
    } catch (err) {
      ctx.state.trend = [];
      return unavailable(ups.driver, source, err instanceof Error ? err.message : String(err), null);
    }
    if (reading.flags.includes('COMMLOST')) {
      ctx.state.trend = [];
      const why = `${ups.driver} has lost contact with the UPS (status ${reading.status_raw || 'COMMLOST'}); its figures are stale`;
      return unavailable(ups.driver, source, why, reading);
    }
    return {
      available: true,
      ups_available: true,
      driver: ups.driver,
      source,
      reason: null,
      ups_load_pct: round(reading.load_pct, 1),
      ups_realpower_w: round(reading.realpower_w, 1),
      realpower_source: reading.realpower_source,
      nominal_power_w: reading.nominal_power_w,
      input_voltage: round(reading.input_voltage, 1),
      battery_charge_pct: round(reading.battery_charge_pct, 1),
      battery_runtime_m: round(reading.battery_runtime_s === null ? null : reading.battery_runtime_s / 60, 2),
      battery_runtime_s: round(reading.battery_runtime_s, 0),
      ups_status: reading.flags.length > 0 ? reading.flags.join(' ') : null,
      ups_status_raw: reading.status_raw || null,
      status_flags: reading.flags,
      on_battery: reading.flags.includes('ONBATT'),
      low_battery: reading.flags.includes('LOWBATT'),
      power_climbing: climbing(ctx, reading.realpower_w ?? reading.load_pct),
      ups_model: reading.model,
    };
  },
});

async function read(ctx: CollectorContext<UpsState>, ups: Config['ups']): Promise<UpsReading> {
  const common = { timeoutMs: ups.timeout_ms, signal: ctx.signal };
  if (ups.driver === 'nut') {
    const vars = await queryNut({ ...common, host: ups.nut_host, port: ups.nut_port, ups: ups.nut_ups, username: ups.username, password: ups.password });
    if (vars['ups.status'] === undefined) throw new Error(`NUT upsd at ${ups.nut_host}:${ups.nut_port}: ${ups.nut_ups} has no ups.status variable`);
    return readingFromNut(vars);
  }
  const text = await queryApcupsd({ ...common, host: ups.nis_host, port: ups.nis_port });
  return readingFromApc(parseApcStatus(text, `apcupsd NIS at ${ups.nis_host}:${ups.nis_port}`));
}

/** Record `value` and say whether the last three distinct readings rose, recently. */
function climbing(ctx: CollectorContext<UpsState>, value: number | null): boolean {
  const now = ctx.clock.monotonicMs();
  ctx.state.trend ??= [];
  const trend = ctx.state.trend;
  if (value === null) {
    trend.length = 0;
    return false;
  }
  // Daemons refresh their figures every few seconds, slower than we poll: a repeat is no news.
  if (trend.at(-1)?.value !== value) trend.push({ value, atMs: now });
  if (trend.length > 3) trend.splice(0, trend.length - 3);
  if (trend.length < 3) return false;
  const [a, b, c] = trend as [{ value: number }, { value: number }, { value: number; atMs: number }];
  return a.value < b.value && b.value < c.value && now - c.atMs <= CLIMB_WINDOW_MS;
}

function unavailable(driver: UpsPayload['driver'], source: string, reason: string, stale: UpsReading | null): UpsPayload {
  return {
    available: false,
    ups_available: false,
    driver,
    source,
    reason,
    ups_load_pct: null,
    ups_realpower_w: null,
    realpower_source: null,
    nominal_power_w: null,
    input_voltage: null,
    battery_charge_pct: null,
    battery_runtime_m: null,
    battery_runtime_s: null,
    // A daemon that answered but lost the UPS still says so; its numbers are not passed on.
    ups_status: stale && stale.flags.length > 0 ? stale.flags.join(' ') : null,
    ups_status_raw: stale?.status_raw || null,
    status_flags: stale?.flags ?? [],
    on_battery: false,
    low_battery: false,
    power_climbing: false,
    ups_model: stale?.model ?? null,
  };
}
