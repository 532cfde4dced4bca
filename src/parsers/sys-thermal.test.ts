import { describe, expect, it } from 'vitest';
import { lowestTrip, milliCelsius, parseThermalZone } from './sys-thermal.js';

describe('parseThermalZone', () => {
  it('TCPU with a passive and a critical trip (millidegrees → °C)', () => {
    const z = parseThermalZone('thermal_zone2', {
      type: 'TCPU\n',
      temp: '71050\n',
      trip_point_0_type: 'critical\n',
      trip_point_0_temp: '100000\n',
      trip_point_1_type: 'passive\n',
      trip_point_1_temp: '95000\n',
    });
    expect(z).toEqual({
      zone: 'thermal_zone2',
      type: 'TCPU',
      temp_c: 71.05,
      trips: [
        { index: 0, type: 'critical', temp_c: 100 },
        { index: 1, type: 'passive', temp_c: 95 },
      ],
    });
    expect(lowestTrip(z, ['passive'])).toBe(95);
    expect(lowestTrip(z, ['critical', 'hot'])).toBe(100);
    expect(lowestTrip(z, ['active'])).toBeNull();
  });

  it('unset trips (0, -274 °C, 2^31 m°C) are left out', () => {
    const z = parseThermalZone('thermal_zone1', {
      type: 'x86_pkg_temp\n',
      temp: '71000\n',
      trip_point_0_type: 'passive\n',
      trip_point_0_temp: '0\n',
      trip_point_1_type: 'passive\n',
      trip_point_1_temp: '-274000\n',
      trip_point_2_type: 'critical\n',
      trip_point_2_temp: '2147483647\n',
    });
    expect(z.trips).toEqual([]);
    expect(z.temp_c).toBe(71);
  });

  it('below zero is a real temperature (an outdoor sensor)', () => {
    expect(parseThermalZone('thermal_zone0', { type: 'ambient', temp: '-4500' }).temp_c).toBe(-4.5);
  });

  it.each([
    { name: 'empty temp', temp: '' },
    { name: 'garbage', temp: 'N/A\n' },
    { name: 'truncated', temp: '71' + '0'.repeat(0) + 'x' },
    { name: 'huge', temp: '99999999999999999999' },
    { name: 'absent', temp: undefined },
  ])('temp $name → null, the rest still read', ({ temp }) => {
    const z = parseThermalZone('thermal_zone0', { type: 'acpitz\n', temp, trip_point_0_type: 'critical', trip_point_0_temp: '128000' });
    expect(z.temp_c).toBeNull();
    expect(z.type).toBe('acpitz');
    expect(z.trips).toEqual([{ index: 0, type: 'critical', temp_c: 128 }]);
  });

  it('a trip type without its temperature, or with garbage, is skipped', () => {
    const z = parseThermalZone('thermal_zone0', { trip_point_0_type: 'hot', trip_point_1_type: 'critical', trip_point_1_temp: 'abc' });
    expect(z.trips).toEqual([]);
    expect(z.type).toBeNull();
  });

  it('milliCelsius is exact for decimal readings', () => {
    expect(milliCelsius('38850\n')).toBe(38.85);
    expect(milliCelsius('1e5')).toBeNull();
  });
});
