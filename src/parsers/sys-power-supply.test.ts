import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parsePowerSupplyUevent, ueventFromAttributes } from './sys-power-supply.js';

// A ThinkPad's ACPI battery (energy in µWh, power in µW), as the laptop fixture has it.
const ACPI_BATTERY = `POWER_SUPPLY_NAME=BAT0
POWER_SUPPLY_TYPE=Battery
POWER_SUPPLY_STATUS=Discharging
POWER_SUPPLY_PRESENT=1
POWER_SUPPLY_TECHNOLOGY=Li-poly
POWER_SUPPLY_CYCLE_COUNT=412
POWER_SUPPLY_VOLTAGE_MIN_DESIGN=11520000
POWER_SUPPLY_VOLTAGE_NOW=11432000
POWER_SUPPLY_POWER_NOW=9850000
POWER_SUPPLY_ENERGY_FULL_DESIGN=57000000
POWER_SUPPLY_ENERGY_FULL=51230000
POWER_SUPPLY_ENERGY_NOW=11782900
POWER_SUPPLY_CAPACITY=23
POWER_SUPPLY_CAPACITY_LEVEL=Normal
POWER_SUPPLY_MODEL_NAME=5B10W13975
POWER_SUPPLY_MANUFACTURER=SMP
POWER_SUPPLY_SERIAL_NUMBER=1342
`;

// A charge-counting battery (µAh, µA) whose driver reports the current signed, negative while
// discharging, as several ARM and Chromebook fuel gauges do.
const CHARGE_BATTERY = `POWER_SUPPLY_NAME=battery
POWER_SUPPLY_TYPE=Battery
POWER_SUPPLY_STATUS=Discharging
POWER_SUPPLY_PRESENT=1
POWER_SUPPLY_VOLTAGE_MIN_DESIGN=7600000
POWER_SUPPLY_VOLTAGE_NOW=7912000
POWER_SUPPLY_CURRENT_NOW=-1250000
POWER_SUPPLY_CHARGE_FULL_DESIGN=6500000
POWER_SUPPLY_CHARGE_FULL=6110000
POWER_SUPPLY_CHARGE_NOW=3055000
POWER_SUPPLY_CAPACITY=50
POWER_SUPPLY_TIME_TO_EMPTY_NOW=8799
`;

describe('parsePowerSupplyUevent', () => {
  it('an ACPI battery: base units (Wh, W, V)', () => {
    const b = parsePowerSupplyUevent(ACPI_BATTERY);
    expect(b).toMatchObject({
      name: 'BAT0',
      type: 'Battery',
      status: 'Discharging',
      present: true,
      technology: 'Li-poly',
      cycle_count: 412,
      capacity_pct: 23,
      capacity_level: 'Normal',
      energy_now_wh: 11.7829,
      energy_full_wh: 51.23,
      energy_full_design_wh: 57,
      power_now_w: 9.85,
      voltage_now_v: 11.432,
      voltage_min_design_v: 11.52,
      charge_now_ah: null,
      current_now_a: null,
      manufacturer: 'SMP',
      model_name: '5B10W13975',
      invalid: [],
    });
  });

  it('a charge-counting battery keeps the signed current and the driver time', () => {
    const b = parsePowerSupplyUevent(CHARGE_BATTERY);
    expect(b).toMatchObject({ charge_now_ah: 3.055, charge_full_ah: 6.11, current_now_a: -1.25, energy_now_wh: null, time_to_empty_now_s: 8799 });
  });

  it('mains, and a peripheral (scope Device)', () => {
    expect(parsePowerSupplyUevent('POWER_SUPPLY_NAME=AC\nPOWER_SUPPLY_TYPE=Mains\nPOWER_SUPPLY_ONLINE=1\n')).toMatchObject({ type: 'Mains', online: true, scope: null });
    const mouse = parsePowerSupplyUevent('POWER_SUPPLY_NAME=hidpp_battery_0\nPOWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_SCOPE=Device\nPOWER_SUPPLY_CAPACITY=55\n');
    expect(mouse).toMatchObject({ scope: 'Device', capacity_pct: 55, present: null });
  });

  it('a garbled number costs that figure only, and is listed', () => {
    const b = parsePowerSupplyUevent(ACPI_BATTERY.replace('POWER_SUPPLY_POWER_NOW=9850000', 'POWER_SUPPLY_POWER_NOW=9.85W').replace('CYCLE_COUNT=412', 'CYCLE_COUNT='));
    expect(b.power_now_w).toBeNull();
    expect(b.cycle_count).toBeNull();
    expect(b.energy_now_wh).toBe(11.7829);
    expect(b.invalid).toEqual(['POWER_SUPPLY_POWER_NOW', 'POWER_SUPPLY_CYCLE_COUNT']);
  });

  it('huge numbers beyond 2^53 are not believed', () => {
    expect(parsePowerSupplyUevent('POWER_SUPPLY_ENERGY_NOW=99999999999999999999\n').energy_now_wh).toBeNull();
  });

  it('empty: every field null', () => {
    const b = parsePowerSupplyUevent('');
    expect(b.name).toBeNull();
    expect(b.status).toBeNull();
    expect(b.energy_now_wh).toBeNull();
  });

  it('truncated (a line cut before "=") → ParseError', () => {
    const F = '/s/BAT0/uevent';
    expectParseError(() => parsePowerSupplyUevent('POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_STA', F), F, 2, /KEY=VALUE/);
  });

  it('attribute files give the same reading as the uevent', () => {
    const files = { type: 'Battery\n', status: 'Discharging\n', energy_now: '11782900\n', power_now: '9850000\n', capacity: '23\n' };
    const b = parsePowerSupplyUevent(ueventFromAttributes('BAT0', files));
    expect(b).toMatchObject({ name: 'BAT0', type: 'Battery', status: 'Discharging', energy_now_wh: 11.7829, power_now_w: 9.85, capacity_pct: 23 });
  });
});
