import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostRoots } from '../host/hostfs.js';
import { extractMetric } from '../shared/metrics.js';
import { errnoError, fixtureHost, fixtureRoots, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { defaultConfig } from '../../test/helpers/config.js';
import { buildRules } from '../alerts/rules.js';
import { type PowerPayload, powerMonitor } from './power.js';
import { RAPL_READ_HINT } from './power-rapl.js';
import { hwmonLimits } from './power-sensors.js';

const LAPTOP = fixtureHost('laptop-battery-browsers');
const WORKSTATION = fixtureHost('workstation-zram-nfs');

function setup(roots: HostRoots) {
  const t = makeCollectorContext<Record<string, unknown>>(roots, { name: 'power_monitor' });
  const tick = (): Promise<PowerPayload> => powerMonitor.collect(t.ctx as never);
  return { ...t, tick };
}

/** Every `X.next` under dir (the second sample of X). */
function nextFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...nextFiles(p));
    else if (e.endsWith('.next')) out.push(p);
  }
  return out;
}

/** Two passes over a fixture host, 1000 ms apart, the second reading the `.next` sysfs files. */
async function twoPasses(roots: HostRoots, prepare?: (t: ReturnType<typeof setup>) => void) {
  const t = setup(roots);
  prepare?.(t);
  const first = await t.tick();
  for (const next of nextFiles(roots.sysRoot)) {
    const path = next.slice(0, -'.next'.length);
    if (!t.fs.overrides.has(path)) t.fs.overrides.set(path, readFileSync(next, 'utf8'));
  }
  t.clock.advance(1000);
  return { first, second: await t.tick(), t };
}

const trees: string[] = [];
afterAll(() => {
  for (const d of trees) rmSync(d, { recursive: true, force: true });
});
/** A throwaway host tree: path (relative to the host root) → contents. */
function tree(files: Record<string, string>): HostRoots {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-power-'));
  trees.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  mkdirSync(join(dir, 'proc'), { recursive: true });
  return fixtureRoots(dir);
}

describe('power_monitor on the laptop (HOST.md figures)', () => {
  it('RAPL: package 6.2 W, core 3.1, uncore 0.9, psys 9.1; the MMIO copy of package-0 is not counted twice', async () => {
    const { first, second } = await twoPasses(LAPTOP);
    expect(first.package_w).toBeNull();
    expect(first.reasons.rapl).toMatch(/first sample/);
    expect(second).toMatchObject({ package_w: 6.2, core_w: 3.1, uncore_w: 0.9, psys_w: 9.1, dram_w: null });
    expect(second.rapl.domains.map((d) => d.zone)).toEqual(['intel-rapl:0', 'intel-rapl:0:0', 'intel-rapl:0:1', 'intel-rapl:1']);
    expect(second.reasons.rapl).toBeNull();
    expect(second.reasons.rapl_hint).toBeNull();
  });

  it('battery: 23 %, 9.85 W drawn, 71.8 min to empty, health 89.9 %; on battery (AC and USB-C offline)', async () => {
    const { second } = await twoPasses(LAPTOP);
    expect(second).toMatchObject({ on_battery: true, ac_online: false, battery_pct: 23, battery_power_w: 9.85, battery_time_to_empty_min: 71.8, battery_time_to_full_min: null });
    expect(second.batteries).toEqual([
      expect.objectContaining({ name: 'BAT0', status: 'Discharging', energy_now_wh: 11.783, energy_full_wh: 51.23, health_pct: 89.9, power_w: 9.85, time_to_empty_s: 4306, cycle_count: 412 }),
    ]);
    // 11.7829 Wh / 9.85 W = 1.19623 h
    expect(second.batteries[0]!.time_to_empty_s).toBe(Math.round((11.7829 / 9.85) * 3600));
    expect(second.external_power.map((e) => [e.name, e.type, e.online])).toEqual([
      ['AC', 'Mains', false],
      ['ucsi-source-psy-USBC000:001', 'USB', false],
    ]);
  });

  it('temperatures with their limits, the acpitz hwmon mirror left out, the fan, nominal pressure', async () => {
    const { second } = await twoPasses(LAPTOP);
    const names = second.temps.map((t) => `${t.device}:${t.label ?? t.sensor}`);
    expect(names).toEqual(['thermal_zone0:thermal_zone0', 'thermal_zone1:thermal_zone1', 'thermal_zone2:thermal_zone2', 'hwmon1:Composite', 'hwmon2:temp1', 'hwmon3:Package id 0', 'hwmon3:Core 0', 'hwmon3:Core 1', 'hwmon3:Core 2', 'hwmon3:Core 3']);
    expect(second.temps.find((t) => t.chip === 'TCPU')).toMatchObject({ temp_c: 71.05, limit_c: 95, critical_c: 100 });
    // x86_pkg_temp's passive trips at 0 are unset, not "71 °C is above a trip".
    expect(second.temps.find((t) => t.chip === 'x86_pkg_temp')).toMatchObject({ limit_c: null, critical_c: null, trips: [] });
    expect(second.fans).toEqual([{ device: 'hwmon2', chip: 'thinkpad', sensor: 'fan1', label: null, rpm: 3120, min_rpm: null, max_rpm: null, pwm_pct: null }]);
    expect(second).toMatchObject({ thermal_pressure: 'nominal', thermal_pressure_level: 0, max_temp_c: 71.05 });
    expect(second.throttle).toEqual({ core_throttle_count: 60, package_throttle_count: 42, events_since_last: 0, streak: 0 });
  });

  it('rising throttle counters: fair, then serious once sustained', async () => {
    const t = setup(LAPTOP);
    const pkg = (cpu: number) => `${LAPTOP.sysRoot}/devices/system/cpu/cpu${cpu}/thermal_throttle/package_throttle_count`;
    const levels: Array<string | null> = [];
    for (let i = 0; i < 4; i++) {
      for (let cpu = 0; cpu < 8; cpu++) t.fs.overrides.set(pkg(cpu), `${42 + i * 5}\n`);
      levels.push((await t.tick()).thermal_pressure);
      t.clock.advance(5000);
    }
    expect(levels).toEqual(['nominal', 'fair', 'fair', 'serious']);
  });
});

describe('power_monitor on the workstation', () => {
  it('RAPL 88.4 W package, 61.2 W core; six hwmon chips, three fans, fair pressure from the DIMM', async () => {
    const { second } = await twoPasses(WORKSTATION);
    expect(second).toMatchObject({ package_w: 88.4, core_w: 61.2, on_battery: false, ac_online: null, battery_pct: null, thermal_pressure: 'fair', max_temp_c: 68.75 });
    expect(second.thermal_pressure_cause).toBe('spd5118 temp1 at 47.5 °C, 7.5 °C below its limit 55 °C');
    expect(new Set(second.temps.map((t) => t.chip))).toEqual(new Set(['nvme', 'k10temp', 'nct6799', 'amdgpu', 'spd5118']));
    expect(second.temps.find((t) => t.label === 'Sensor 1')).toMatchObject({ temp_c: 41.85, limit_c: null });
    expect(second.fans.map((f) => [f.sensor, f.rpm, f.pwm_pct])).toEqual([
      ['fan1', 812, 34.9],
      ['fan2', 1245, 50.2],
      ['fan3', 0, 0],
      ['fan1', 1150, 34.9],
    ]);
    expect(second.reasons.throttle).toMatch(/no thermal_throttle/);
  });

  it('energy_uj unreadable (EACCES, root-only since Linux 5.10): null watts, the reason and the hint; the rest reports', async () => {
    const { second } = await twoPasses(WORKSTATION, (t) => {
      for (const z of ['intel-rapl:0', 'intel-rapl:0/intel-rapl:0:0']) {
        const p = `${WORKSTATION.sysRoot}/class/powercap/${z}/energy_uj`;
        t.fs.overrides.set(p, errnoError('EACCES', p));
      }
    });
    expect(second.available).toBe(true);
    expect(second.package_w).toBeNull();
    expect(second.core_w).toBeNull();
    expect(second.reasons.rapl).toBe('intel-rapl:0/energy_uj: permission denied; intel-rapl:0:0/energy_uj: permission denied');
    expect(second.reasons.rapl_hint).toBe(RAPL_READ_HINT);
    expect(second.reasons.rapl_hint).toMatch(/CVE-2020-8694.*chmod a\+r/);
    expect(second.thermal_pressure).toBe('fair');
    expect(second.fans).toHaveLength(4);
  });
});

describe('RAPL counters', () => {
  const raplTree = () =>
    tree({ 'sys/class/powercap/intel-rapl:0/name': 'package-0\n', 'sys/class/powercap/intel-rapl:0/energy_uj': '0\n', 'sys/class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850\n' });
  const at = (roots: HostRoots) => `${roots.sysRoot}/class/powercap/intel-rapl:0/energy_uj`;

  it('a wrap at max_energy_range_uj is folded in', async () => {
    const roots = raplTree();
    const t = setup(roots);
    t.fs.overrides.set(at(roots), '262143000000\n');
    await t.tick();
    t.fs.overrides.set(at(roots), '5000000\n');
    t.clock.advance(1000);
    // (262143328850 − 262143000000) + 5000000 µJ in 1 s
    expect((await t.tick()).package_w).toBe(5.33);
  });

  it('a drop that is not a wrap (driver reload) gives one null, then real rates again', async () => {
    const roots = raplTree();
    const t = setup(roots);
    const seq = ['100000000000', '100010000000', '2000000', '12000000'];
    const got: Array<number | null> = [];
    for (const v of seq) {
      t.fs.overrides.set(at(roots), `${v}\n`);
      got.push((await t.tick()).package_w);
      t.clock.advance(1000);
    }
    expect(got).toEqual([null, 10, null, 10]);
  });

  it('no powercap but the amd_energy hwmon driver: package power from its Esocket counter', async () => {
    const h = 'sys/class/hwmon/hwmon2';
    const roots = tree({ [`${h}/name`]: 'amd_energy\n', [`${h}/energy1_label`]: 'Ecore000\n', [`${h}/energy1_input`]: '1000000\n', [`${h}/energy17_label`]: 'Esocket0\n', [`${h}/energy17_input`]: '500000000\n' });
    const t = setup(roots);
    expect((await t.tick()).rapl.source).toBe('amd_energy');
    t.fs.overrides.set(`${roots.sysRoot}/class/hwmon/hwmon2/energy17_input`, '542500000\n');
    t.clock.advance(500);
    const p = await t.tick();
    expect(p.package_w).toBe(85);
    expect(p.rapl.domains).toMatchObject([{ name: 'package-0', kind: 'package', zone: 'hwmon2/energy17' }]);
  });

  it('no RAPL at all: null with the reason', async () => {
    const p = await setup(tree({})).tick();
    expect(p.package_w).toBeNull();
    expect(p.reasons.rapl).toMatch(/no RAPL energy counters/);
  });
});

describe('batteries', () => {
  const ps = 'sys/class/power_supply';
  it('charge-counting battery with signed current; no mains supply: status decides on_battery', async () => {
    const roots = tree({
      [`${ps}/battery/uevent`]:
        'POWER_SUPPLY_NAME=battery\nPOWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_STATUS=Discharging\nPOWER_SUPPLY_PRESENT=1\nPOWER_SUPPLY_VOLTAGE_MIN_DESIGN=7600000\nPOWER_SUPPLY_VOLTAGE_NOW=7912000\nPOWER_SUPPLY_CURRENT_NOW=-1250000\nPOWER_SUPPLY_CHARGE_FULL_DESIGN=6500000\nPOWER_SUPPLY_CHARGE_FULL=6110000\nPOWER_SUPPLY_CHARGE_NOW=3055000\nPOWER_SUPPLY_CAPACITY=50\n',
    });
    const p = await setup(roots).tick();
    expect(p).toMatchObject({ on_battery: true, ac_online: null, battery_pct: 50, battery_power_w: 9.89 });
    // Energy = charge × design voltage: 3.055 Ah × 7.6 V; time = 23.218 Wh / 9.89 W.
    expect(p.batteries[0]).toMatchObject({ energy_now_wh: 23.218, energy_full_wh: 46.436, health_pct: 94, time_to_empty_s: Math.round(((3.055 * 7.6) / (1.25 * 7.912)) * 3600) });
  });

  it('two batteries (BAT0 + BAT1): charge weighted by energy, watts summed; charging → time to full; AC online', async () => {
    const bat = (name: string, now: number, full: number, watts: number) =>
      `POWER_SUPPLY_NAME=${name}\nPOWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_STATUS=Charging\nPOWER_SUPPLY_PRESENT=1\nPOWER_SUPPLY_ENERGY_NOW=${now}\nPOWER_SUPPLY_ENERGY_FULL=${full}\nPOWER_SUPPLY_POWER_NOW=${watts}\n`;
    const roots = tree({
      [`${ps}/BAT0/uevent`]: bat('BAT0', 20_000_000, 23_000_000, 10_000_000),
      [`${ps}/BAT1/uevent`]: bat('BAT1', 30_000_000, 66_000_000, 20_000_000),
      [`${ps}/AC/uevent`]: 'POWER_SUPPLY_NAME=AC\nPOWER_SUPPLY_TYPE=Mains\nPOWER_SUPPLY_ONLINE=1\n',
    });
    const p = await setup(roots).tick();
    // (20 + 30) / (23 + 66) Wh
    // Together: (3 + 36) Wh missing at 30 W = 78 min.
    expect(p).toMatchObject({ on_battery: false, ac_online: true, battery_pct: 56.2, battery_power_w: 30, battery_time_to_full_min: 78, battery_time_to_empty_min: null });
    expect(p.batteries.map((b) => b.time_to_full_s)).toEqual([(3 / 10) * 3600, (36 / 20) * 3600]);
  });

  it('an unreadable uevent falls back to the attribute files; a battery not present is left out', async () => {
    const roots = tree({
      [`${ps}/BAT0/uevent`]: 'x\n',
      [`${ps}/BAT0/type`]: 'Battery\n',
      [`${ps}/BAT0/status`]: 'Full\n',
      [`${ps}/BAT0/capacity`]: '100\n',
      [`${ps}/BAT1/uevent`]: 'POWER_SUPPLY_NAME=BAT1\nPOWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_PRESENT=0\n',
    });
    const t = setup(roots);
    t.fs.overrides.set(`${roots.sysRoot}/class/power_supply/BAT0/uevent`, errnoError('EACCES', 'uevent'));
    const p = await t.tick();
    expect(p.batteries).toHaveLength(1);
    expect(p.batteries[0]).toMatchObject({ name: 'BAT0', status: 'Full', capacity_pct: 100 });
    expect(p.on_battery).toBe(false);
  });

  it('a garbled uevent costs that supply, with the reason', async () => {
    const p = await setup(tree({ [`${ps}/BAT0/uevent`]: 'POWER_SUPPLY_NAME=BAT0\ngarbage\n' })).tick();
    expect(p.batteries).toEqual([]);
    expect(p.reasons.battery).toMatch(/BAT0\/uevent:2: expected KEY=VALUE/);
  });
});

describe('sensors', () => {
  it('a runtime-suspended device is not woken: its chip is skipped and named', async () => {
    const roots = tree({
      'sys/class/hwmon/hwmon0/name': 'amdgpu\n',
      'sys/class/hwmon/hwmon0/temp1_input': '45000\n',
      'sys/class/hwmon/hwmon0/device/power/runtime_status': 'suspended\n',
      'sys/class/hwmon/hwmon1/name': 'k10temp\n',
      'sys/class/hwmon/hwmon1/temp1_input': '50000\n',
    });
    const p = await setup(roots).tick();
    expect(p.temps.map((t) => t.chip)).toEqual(['k10temp']);
    expect(p.reasons.skipped).toEqual(['hwmon0: device runtime-suspended, not woken to read it']);
  });

  it('a sensor that answers EIO/ENODATA is left out; an old kernel keeps attributes under device/', async () => {
    const roots = tree({
      'sys/class/thermal/thermal_zone0/type': 'iwlwifi_1\n',
      'sys/class/thermal/thermal_zone0/temp': '0\n',
      'sys/class/hwmon/hwmon0/name': 'it8728\n',
      'sys/class/hwmon/hwmon0/device/temp1_input': '38000\n',
      'sys/class/hwmon/hwmon0/device/temp1_max': '70000\n',
    });
    const t = setup(roots);
    const zoneTemp = `${roots.sysRoot}/class/thermal/thermal_zone0/temp`;
    t.fs.overrides.set(zoneTemp, errnoError('ENODATA', zoneTemp));
    const p = await t.tick();
    expect(p.temps).toMatchObject([
      { source: 'thermal_zone', chip: 'iwlwifi_1', temp_c: null },
      { source: 'hwmon', chip: 'it8728', temp_c: 38, limit_c: 70 },
    ]);
    expect(p.reasons.skipped).toEqual(['thermal_zone0: temp: no reading available (sensor not ready)']);
    expect(p.max_temp_c).toBe(38);
  });
});

describe('hwmon limits', () => {
  it.each([
    { driver: 'amdgpu (throttles at crit, shuts down at emergency)', max: null, crit: 110, emergency: 115, limit: 110, critical: 115 },
    { driver: 'nvme / spd5118 (warning max, critical crit)', max: 84.85, crit: 89.85, emergency: null, limit: 84.85, critical: 89.85 },
    { driver: 'coretemp (TjMax as both max and crit)', max: 100, crit: 100, emergency: null, limit: 100, critical: null },
    { driver: 'crit only', max: null, crit: 128, emergency: null, limit: null, critical: 128 },
    { driver: 'max only (nct6775)', max: 80, crit: null, emergency: null, limit: 80, critical: null },
    { driver: 'none (k10temp)', max: null, crit: null, emergency: null, limit: null, critical: null },
  ])('$driver', ({ max, crit, emergency, limit, critical }) => {
    expect(hwmonLimits({ max, crit, emergency })).toEqual({ limit_c: limit, critical_c: critical });
  });

  it('a laptop CPU at TjMax is serious (throttling), not critical', async () => {
    const h = 'sys/class/hwmon/hwmon3';
    const p = await setup(tree({ [`${h}/name`]: 'coretemp\n', [`${h}/temp1_label`]: 'Package id 0\n', [`${h}/temp1_input`]: '100000\n', [`${h}/temp1_max`]: '100000\n', [`${h}/temp1_crit`]: '100000\n' })).tick();
    expect(p.thermal_pressure).toBe('serious');
    expect(p.thermal_pressure_cause).toBe('coretemp Package id 0 at 100 °C, at or above its limit 100 °C');
  });
});

describe('declarations', () => {
  it('every declared metric finds a number on the laptop, the workstation, or a tree with what they lack', async () => {
    // Neither fixture has a RAPL dram domain (client CPUs: only servers have one) nor a
    // charging battery (the laptop is discharging).
    const pc = 'sys/class/powercap';
    const server = tree({
      'sys/class/power_supply/BAT0/uevent':
        'POWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_STATUS=Charging\nPOWER_SUPPLY_ENERGY_NOW=10000000\nPOWER_SUPPLY_ENERGY_FULL=50000000\nPOWER_SUPPLY_POWER_NOW=20000000\n',
      [`${pc}/intel-rapl:0/name`]: 'package-0\n',
      [`${pc}/intel-rapl:0/energy_uj`]: '1000000\n',
      [`${pc}/intel-rapl:0/energy_uj.next`]: '121000000\n',
      [`${pc}/intel-rapl:0:0/name`]: 'dram\n',
      [`${pc}/intel-rapl:0:0/energy_uj`]: '1000000\n',
      [`${pc}/intel-rapl:0:0/energy_uj.next`]: '15500000\n',
    });
    const xeon = (await twoPasses(server)).second;
    expect(xeon).toMatchObject({ package_w: 120, dram_w: 14.5, battery_time_to_full_min: 120 });
    const payloads = [(await twoPasses(LAPTOP)).second, (await twoPasses(WORKSTATION)).second, xeon];
    for (const m of powerMonitor.metrics) {
      const found = payloads.flatMap((p) => extractMetric(p, m.path));
      expect(found.length, `${m.name} (${m.path})`).toBeGreaterThan(0);
    }
  });

  it('feeds the SPEC §4 alert rules (thermal pressure; package power while idle) with the fields they read', () => {
    const config = defaultConfig();
    const rules = buildRules(config, [powerMonitor]);
    const p = { power_monitor: { package_w: 12.5, thermal_pressure: 'serious' }, cpu_monitor: { aggregate_pct: 1 } };
    expect(rules.find((r) => r.id === 'idle_power')!.sample(p, config)).toEqual({ value: 12.5 });
    expect(rules.find((r) => r.id === 'thermal')!.sample(p, config)).toEqual({ value: 2, subject: '(serious)' });
    // No duplicate collector-declared rules for the same figures.
    expect(rules.filter((r) => r.source === 'power_monitor').map((r) => r.id)).toEqual(['idle_power', 'thermal']);
  });
});
