import { describe, expect, it } from 'vitest';
import { parseApcStatus } from '../parsers/apc-nis.js';
import { readingFromApc, readingFromNut } from './reading.js';

describe('readingFromApc', () => {
  it('realpower = LOADPCT × NOMPOWER / 100, runtime minutes → seconds', () => {
    const r = readingFromApc(parseApcStatus('STATUS : ONLINE\nLOADPCT : 37.0 Percent\nNOMPOWER : 900 Watts\nTIMELEFT : 16.8 Minutes\nLINEV : 123.0 Volts\nBCHARGE : 100.0 Percent\nSTATFLAG : 0x05000008\n'));
    expect(r).toMatchObject({ load_pct: 37, nominal_power_w: 900, realpower_source: 'load_x_nominal', input_voltage: 123, battery_charge_pct: 100, flags: ['ONLINE'], status_raw: 'ONLINE' });
    expect(r.realpower_w).toBeCloseTo(333, 9);
    expect(r.battery_runtime_s).toBeCloseTo(1008, 9);
  });

  it('no NOMPOWER → no watts (no guessing)', () => {
    const r = readingFromApc(parseApcStatus('STATUS : ONBATT\nLOADPCT : 22.0 Percent\n'));
    expect([r.realpower_w, r.realpower_source, r.flags]).toEqual([null, null, ['ONBATT']]);
  });
});

describe('readingFromNut', () => {
  it.each<{ name: string; vars: Record<string, string>; want: Record<string, unknown> }>([
    {
      name: 'measured ups.realpower wins',
      vars: { 'ups.status': 'OL CHRG', 'ups.load': '40', 'ups.realpower': '310', 'ups.realpower.nominal': '900' },
      want: { realpower_w: 310, realpower_source: 'measured', flags: ['ONLINE', 'CHARGING'] },
    },
    {
      name: 'nominal × load when not measured',
      vars: { 'ups.status': 'OB LB', 'ups.load': '55', 'ups.realpower.nominal': '900' },
      want: { realpower_w: 495, realpower_source: 'load_x_nominal', flags: ['ONBATT', 'LOWBATT'] },
    },
    {
      name: 'battery.runtime stays seconds',
      vars: { 'ups.status': 'OL', 'battery.runtime': '1008', 'battery.charge': '100', 'input.voltage': '230.4' },
      want: { battery_runtime_s: 1008, battery_charge_pct: 100, input_voltage: 230.4, realpower_w: null },
    },
    {
      name: 'every documented status token',
      vars: { 'ups.status': 'OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD ALARM NOCOMM odd' },
      want: { flags: ['ONLINE', 'ONBATT', 'LOWBATT', 'HIGHBATT', 'REPLACEBATT', 'CHARGING', 'DISCHARGING', 'BYPASS', 'CAL', 'OFF', 'OVERLOAD', 'TRIM', 'BOOST', 'FSD', 'ALARM', 'COMMLOST', 'ODD'] },
    },
    {
      name: 'garbage numbers are null, not NaN',
      vars: { 'ups.status': 'OL', 'ups.load': 'high', 'battery.charge': '', 'input.voltage': '1e3' },
      want: { load_pct: null, battery_charge_pct: null, input_voltage: null },
    },
    { name: 'model from device.model, else ups.model', vars: { 'ups.status': 'OL', 'ups.model': 'Smart-UPS 1500' }, want: { model: 'Smart-UPS 1500' } },
  ])('$name', ({ vars, want }) => {
    expect(readingFromNut(vars)).toMatchObject(want);
  });
});
