import { describe, expect, it } from 'vitest';
import { isHwmonValueFile, parseHwmonChip, sensorsOf } from './sys-hwmon.js';

describe('parseHwmonChip', () => {
  it('coretemp: labels, input, max, crit in °C; alarms ignored', () => {
    const chip = parseHwmonChip({
      name: 'coretemp\n',
      temp1_label: 'Package id 0\n',
      temp1_input: '71000\n',
      temp1_max: '100000\n',
      temp1_crit: '100000\n',
      temp1_crit_alarm: '0\n',
      temp2_label: 'Core 0\n',
      temp2_input: '70000\n',
    });
    expect(chip.name).toBe('coretemp');
    expect(chip.sensors).toEqual([
      { kind: 'temp', index: 1, id: 'temp1', label: 'Package id 0', input: 71, average: null, max: 100, crit: 100, emergency: null, min: null, cap: null },
      { kind: 'temp', index: 2, id: 'temp2', label: 'Core 0', input: 70, average: null, max: null, crit: null, emergency: null, min: null, cap: null },
    ]);
  });

  it('nvme: the "no limit" values (-273.15 °C min, 65261.85 °C max) read as null', () => {
    const chip = parseHwmonChip({
      name: 'nvme',
      temp1_label: 'Composite',
      temp1_input: '41850',
      temp1_max: '84850',
      temp1_crit: '89850',
      temp1_min: '-273150',
      temp2_label: 'Sensor 1',
      temp2_input: '41850',
      temp2_max: '65261850',
      temp2_min: '-273150',
    });
    const [composite, s1] = sensorsOf(chip, 'temp');
    expect(composite).toMatchObject({ input: 41.85, max: 84.85, crit: 89.85, min: null });
    expect(s1).toMatchObject({ input: 41.85, max: null, min: null });
  });

  it('amdgpu: power (µW → W), cap, fan RPM, pwm duty, clocks (Hz → MHz), voltage (mV → V)', () => {
    const chip = parseHwmonChip({
      name: 'amdgpu',
      power1_average: '138000000',
      power1_cap: '355000000',
      power1_cap_max: '402000000',
      power1_label: 'PPT',
      fan1_input: '1150',
      fan1_max: '3300',
      pwm1: '89',
      pwm1_enable: '2',
      freq1_input: '2413000000',
      freq1_label: 'sclk',
      in0_input: '862',
      in0_label: 'vddgfx',
      energy1_input: '123456789',
      curr1_input: '1500',
    });
    expect(sensorsOf(chip, 'power')[0]).toMatchObject({ label: 'PPT', average: 138, cap: 355, input: null });
    expect(sensorsOf(chip, 'fan')[0]).toMatchObject({ input: 1150, max: 3300 });
    expect(sensorsOf(chip, 'pwm')[0]).toMatchObject({ id: 'pwm1', input: 89 });
    expect(sensorsOf(chip, 'freq')[0]).toMatchObject({ label: 'sclk', input: 2413 });
    expect(sensorsOf(chip, 'in')[0]).toMatchObject({ label: 'vddgfx', input: 0.862 });
    expect(sensorsOf(chip, 'energy')[0]).toMatchObject({ input: 123.456789 });
    expect(sensorsOf(chip, 'curr')[0]).toMatchObject({ input: 1.5 });
  });

  it.each([
    { name: 'empty', value: '' },
    { name: 'garbage', value: 'N/A' },
    { name: 'truncated', value: '71 000' },
    { name: 'huge', value: '99999999999999999999' },
  ])('a $name value leaves the item null; a sensor with nothing left is dropped', ({ value }) => {
    const chip = parseHwmonChip({ name: 'x', temp1_input: value, temp2_input: '50000', temp2_max: value });
    expect(chip.sensors.map((s) => s.id)).toEqual(['temp2']);
    expect(chip.sensors[0]).toMatchObject({ input: 50, max: null });
  });

  it('a labelled sensor without a reading stays (the label says it exists)', () => {
    expect(parseHwmonChip({ temp3_label: 'Tccd2' }).sensors).toMatchObject([{ id: 'temp3', label: 'Tccd2', input: null }]);
  });

  it('no name file: name null; unknown files ignored', () => {
    expect(parseHwmonChip({ uevent: 'OF_NAME=x', update_interval: '1000' })).toEqual({ name: null, sensors: [] });
  });

  it.each([
    ['name', true],
    ['temp1_input', true],
    ['temp1_label', true],
    ['fan2_min', true],
    ['pwm1', true],
    ['pwm1_enable', false],
    ['temp1_crit_alarm', false],
    ['temp1_max_hyst', false],
    ['power1_cap_max', false],
    ['uevent', false],
    ['device', false],
  ])('isHwmonValueFile(%s) = %s', (name, want) => {
    expect(isHwmonValueFile(name)).toBe(want);
  });
});
