import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { apcFlags, apcNumber, parseApcStatus } from './apc-nis.js';

const captured = readFileSync(new URL('../../test/fixtures/ups/apcupsd-3.14-net-slave.txt', import.meta.url), 'utf8');

// apcupsd 3.14 with a USB Back-UPS on battery: no NOMPOWER record (that model does not say).
const ON_BATTERY = `APC      : 001,034,0840
DATE     : 2025-03-02 21:14:09 +0100  
VERSION  : 3.14.14 (31 May 2016) debian
UPSNAME  : office
MODEL    : Back-UPS ES 700G 
STATUS   : ONBATT 
LINEV    : 0.0 Volts
LOADPCT  : 22.0 Percent
BCHARGE  : 94.0 Percent
TIMELEFT : 31.4 Minutes
STATFLAG : 0x05060010
END APC  : 2025-03-02 21:14:12 +0100  
`;

// apcupsd 3.12 (older unit words, no STATFLAG, STATUS words only).
const OLD = `APC      : 001,030,0732
STATUS   : ONLINE LOWBATT REPLACEBATT
LINEV    : 229.0 Volts
LOADPCT  :  12.0 Percent Load Capacity
BCHARGE  : 008.0 Percent
TIMELEFT :   2.0 Minutes
NOMPOWER : 330 Watts
END APC  : 2012-01-01 00:00:00 +0000
`;

describe('parseApcStatus', () => {
  it('reads the records apcupsd 3.14 sends (captured), units stripped', () => {
    const s = parseApcStatus(captured);
    expect(s).toMatchObject({
      status: 'ONLINE SLAVE',
      statflag: 0x05000408,
      load_pct: 37,
      nominal_power_w: 900,
      line_voltage: 123,
      battery_charge_pct: 100,
      time_left_min: 16.8,
      model: 'Back-UPS RS 1500G',
      ups_name: 'upstream',
      skipped_lines: 0,
    });
    expect(Object.keys(s.fields)).toHaveLength(38);
    expect(s.fields.CUMONBATT).toBe('0 Seconds');
    expect(s.fields['END APC']).toBe('2026-11-24 03:59:33 +0000');
    // Values with colons keep them: only the first colon separates.
    expect(s.fields.DATE).toBe('2026-11-24 03:59:33 +0000');
  });

  it.each([
    { name: 'on battery, no NOMPOWER', text: ON_BATTERY, want: { status: 'ONBATT', load_pct: 22, nominal_power_w: null, line_voltage: 0, battery_charge_pct: 94, time_left_min: 31.4 } },
    { name: 'apcupsd 3.12 unit words and leading zeros', text: OLD, want: { statflag: null, load_pct: 12, nominal_power_w: 330, battery_charge_pct: 8, time_left_min: 2 } },
    { name: 'CRLF line ends', text: 'STATUS   : ONLINE\r\nLOADPCT  : 5.0 Percent\r\n', want: { status: 'ONLINE', load_pct: 5 } },
    { name: 'N/A figures', text: 'STATUS : ONLINE\nLOADPCT : N/A\nMODEL : N/A\n', want: { load_pct: null, model: null } },
    { name: 'malformed STATFLAG ignored', text: 'STATUS : ONLINE\nSTATFLAG : 0xZZ\n', want: { statflag: null } },
  ])('$name', ({ text, want }) => {
    expect(parseApcStatus(text)).toMatchObject(want);
  });

  it('skips lines that are not records and counts them', () => {
    const s = parseApcStatus('garbage without colon\nSTATUS   : ONLINE\n: no key\nlower : case key\n\u0000\u0001:x\n');
    expect(s.status).toBe('ONLINE');
    expect(s.skipped_lines).toBe(4);
  });

  it.each([
    { name: 'empty', text: '', message: /not an apcupsd status reply/ },
    { name: 'garbage', text: 'HTTP/1.1 400 Bad Request\n\n<html>', message: /not an apcupsd status reply/ },
    { name: 'binary', text: '\u0000\u00ff\u00fe\u0010', message: /not an apcupsd status reply/ },
    { name: 'truncated before STATUS', text: 'APC      : 001,036,0857\nDATE     : 2026-01-01', message: /no STATUS record/ },
  ])('$name → ParseError', ({ text, message }) => {
    expectParseError(() => parseApcStatus(text, 'apcupsd NIS at h:1'), 'apcupsd NIS at h:1', 1, message);
  });
});

describe('apcNumber', () => {
  it.each([
    ['19.4 Minutes', 19.4],
    ['37.0 Percent', 37],
    ['123.0 Volts', 123],
    ['  12.0 Percent Load Capacity', 12],
    ['-1 Percent', -1],
    ['N/A', null],
    ['', null],
    [undefined, null],
    ['1e9 Watts', null],
    ['Medium', null],
  ])('%j → %s', (value, want) => {
    expect(apcNumber(value)).toBe(want);
  });
});

describe('apcFlags', () => {
  it.each([
    { name: 'STATFLAG bits win over the collapsed STATUS text', status: 'SHUTTING DOWN', statflag: 0x05060650, want: ['ONBATT', 'LOWBATT', 'SHUTDOWN'] },
    { name: 'online slave: SLAVE is a role, not a UPS state', status: 'ONLINE SLAVE', statflag: 0x05000408, want: ['ONLINE'] },
    { name: 'comm lost', status: 'COMMLOST', statflag: 0x05000108, want: ['ONLINE', 'COMMLOST'] },
    { name: 'every UPS bit', status: 'x', statflag: 0xff, want: ['CAL', 'TRIM', 'BOOST', 'ONLINE', 'ONBATT', 'OVERLOAD', 'LOWBATT', 'REPLACEBATT'] },
    { name: 'words only (no STATFLAG)', status: 'ONLINE LOWBATT REPLACEBATT', statflag: null, want: ['ONLINE', 'LOWBATT', 'REPLACEBATT'] },
    { name: 'words: SHUTTING DOWN is one state', status: 'SHUTTING DOWN', statflag: null, want: ['SHUTDOWN'] },
    { name: 'NOBATT comes from the words', status: 'ONLINE NOBATT', statflag: 0x01000008, want: ['ONLINE', 'NOBATT'] },
  ])('$name', ({ status, statflag, want }) => {
    expect(apcFlags({ status, statflag })).toEqual(want);
  });
});
