import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseUevent } from './sys-uevent.js';

describe('parseUevent', () => {
  it('reads a PCI device uevent (amdgpu, as the kernel prints it)', () => {
    const env = parseUevent(
      'DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:744C\nPCI_SUBSYS_ID=1DA2:471E\nPCI_SLOT_NAME=0000:03:00.0\nMODALIAS=pci:v00001002d0000744Csv00001DA2sd0000471Ebc03sc00i00\n',
    );
    expect(Object.fromEntries(env)).toEqual({
      DRIVER: 'amdgpu',
      PCI_CLASS: '30000',
      PCI_ID: '1002:744C',
      PCI_SUBSYS_ID: '1DA2:471E',
      PCI_SLOT_NAME: '0000:03:00.0',
      MODALIAS: 'pci:v00001002d0000744Csv00001DA2sd0000471Ebc03sc00i00',
    });
  });

  it('keeps everything after the first "=" and spaces inside values; skips blank lines; last duplicate wins', () => {
    const env = parseUevent('POWER_SUPPLY_USB_TYPE=[C] PD PD_PPS\n\nX=a=b\nX=c\nPOWER_SUPPLY_MODEL_NAME=MX Master 3S\n');
    expect(env.get('POWER_SUPPLY_USB_TYPE')).toBe('[C] PD PD_PPS');
    expect(env.get('X')).toBe('c');
    expect(env.get('POWER_SUPPLY_MODEL_NAME')).toBe('MX Master 3S');
  });

  it('an empty file is an empty map', () => {
    expect(parseUevent('').size).toBe(0);
  });

  const F = '/sys/class/power_supply/BAT0/uevent';
  it.each([
    { name: 'a line without "="', text: 'POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_STATUS Discharging\n', line: 2, message: /KEY=VALUE/ },
    { name: 'an empty key', text: '=BAT0\n', line: 1, message: /"=BAT0"/ },
    { name: 'garbage', text: '\u0000\u0001binary', line: 1, message: /KEY=VALUE/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parseUevent(text, F), F, line, message);
  });
});
