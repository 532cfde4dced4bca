import { describe, expect, it } from 'vitest';
import { CRITICAL_MARGIN_C, FAIR_MARGIN_C, type PressureTemp, SUSTAINED_SAMPLES, thermalPressure } from './power-pressure.js';

const t = (name: string, temp_c: number | null, limit_c: number | null, critical_c: number | null): PressureTemp => ({ name, temp_c, limit_c, critical_c });
const quiet = { delta: 0, streak: 0 };

describe('thermalPressure', () => {
  it.each([
    { name: 'far below every limit', temps: [t('TCPU', 71.05, 95, 100)], throttle: quiet, level: 'nominal', num: 0 },
    { name: `within ${FAIR_MARGIN_C} °C of a limit`, temps: [t('spd5118', 47.5, 55, 85)], throttle: null, level: 'fair', num: 1 },
    { name: 'exactly at the fair edge', temps: [t('x', 85, 95, null)], throttle: null, level: 'fair', num: 1 },
    { name: 'just outside the fair edge', temps: [t('x', 84.9, 95, null)], throttle: null, level: 'nominal', num: 0 },
    { name: 'at its limit (passive trip)', temps: [t('TCPU', 95, 95, 105)], throttle: quiet, level: 'serious', num: 2 },
    { name: 'at its limit and within 5 °C of critical', temps: [t('TCPU', 95, 95, 100)], throttle: quiet, level: 'critical', num: 3 },
    { name: `within ${CRITICAL_MARGIN_C} °C of critical`, temps: [t('acpitz', 123, null, 128)], throttle: null, level: 'critical', num: 3 },
    { name: 'the worst sensor decides', temps: [t('a', 40, 95, 100), t('b', 97, 95, 105), t('c', 60, 70, null)], throttle: quiet, level: 'serious', num: 2 },
    { name: 'throttle events since the last sample', temps: [], throttle: { delta: 4, streak: 1 }, level: 'fair', num: 1 },
    { name: 'sustained throttling', temps: [t('TCPU', 60, 95, 100)], throttle: { delta: 2, streak: SUSTAINED_SAMPLES }, level: 'serious', num: 2 },
    { name: 'first sample of the throttle counters (no delta)', temps: [], throttle: { delta: null, streak: 0 }, level: 'nominal', num: 0 },
  ])('$name → $level', ({ temps, throttle, level, num }) => {
    const p = thermalPressure(temps, throttle);
    expect(p.level).toBe(level);
    expect(p.level_num).toBe(num);
    expect(p.cause).toBeTypeOf('string');
  });

  it('sensors without limits (k10temp Tctl at 95 °C) and without readings do not count', () => {
    expect(thermalPressure([t('k10temp Tctl', 95, null, null), t('x', null, 80, 90)], null)).toEqual({ level: null, level_num: null, cause: null });
  });

  it('the cause names the sensor and its margin', () => {
    expect(thermalPressure([t('spd5118 temp1', 47.5, 55, 85)], null).cause).toBe('spd5118 temp1 at 47.5 °C, 7.5 °C below its limit 55 °C');
    expect(thermalPressure([t('TCPU', 71.05, 95, 100)], quiet).cause).toBe('closest to its limit: TCPU at 71.1 °C, 24 °C below 95 °C');
  });
});
