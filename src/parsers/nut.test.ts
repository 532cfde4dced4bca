import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { NutError, parseNutListVar, quoteNutWord, splitNutWords } from './nut.js';

// upsd 2.8.0 with the dummy-ups driver, as it answers `LIST VAR testups` (same variables as `upsc`).
const DUMMY = `BEGIN LIST VAR testups
VAR testups battery.charge "100"
VAR testups battery.runtime "1008"
VAR testups device.mfr "Dummy Manufacturer"
VAR testups device.model "Dummy UPS"
VAR testups device.type "ups"
VAR testups driver.name "dummy-ups"
VAR testups driver.parameter.mode "dummy-once"
VAR testups driver.parameter.pollinterval "1"
VAR testups input.voltage "123.0"
VAR testups ups.load "37"
VAR testups ups.realpower.nominal "900"
VAR testups ups.status "OB LB"
END LIST VAR testups`.split('\n');

describe('parseNutListVar', () => {
  it('reads every variable of a dummy-ups reply', () => {
    const v = parseNutListVar(DUMMY, 'testups');
    expect(Object.keys(v)).toHaveLength(12);
    expect(v).toMatchObject({ 'ups.status': 'OB LB', 'battery.runtime': '1008', 'device.model': 'Dummy UPS', 'input.voltage': '123.0' });
  });

  it('unescapes quotes and backslashes in values', () => {
    const v = parseNutListVar(['BEGIN LIST VAR u', String.raw`VAR u device.model "Back-UPS \"XS\" 1500G \\ 2"`, 'END LIST VAR u'], 'u');
    expect(v['device.model']).toBe('Back-UPS "XS" 1500G \\ 2');
  });

  it('takes CRLF line ends and an empty list', () => {
    expect(parseNutListVar(['BEGIN LIST VAR u\r', 'VAR u ups.load "5"\r', 'END LIST VAR u\r'], 'u')).toEqual({ 'ups.load': '5' });
    expect(parseNutListVar(['BEGIN LIST VAR u', 'END LIST VAR u'], 'u')).toEqual({});
  });

  it.each([
    ['UNKNOWN-UPS', /does not know this UPS name/],
    ['DATA-STALE', /stale/],
    ['DRIVER-NOT-CONNECTED', /driver is not running/],
    ['ACCESS-DENIED', /access denied/],
    ['SOMETHING-NEW', /error from upsd/],
  ])('ERR %s → NutError with a worded message', (code, message) => {
    let err: unknown;
    try {
      parseNutListVar([`ERR ${code}`], 'u', 'NUT upsd at h:1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NutError);
    expect((err as NutError).nutCode).toBe(code);
    expect((err as Error).message).toMatch(/^NUT upsd at h:1: ERR /);
    expect((err as Error).message).toMatch(message);
  });

  it.each([
    { name: 'empty', lines: [], line: 1, message: /empty reply/ },
    { name: 'garbage first line', lines: ['HTTP/1.1 400 Bad Request'], line: 1, message: /expected "BEGIN LIST VAR u"/ },
    { name: 'other UPS in BEGIN', lines: ['BEGIN LIST VAR other', 'END LIST VAR other'], line: 1, message: /expected "BEGIN LIST VAR u"/ },
    { name: 'VAR of another UPS', lines: ['BEGIN LIST VAR u', 'VAR x ups.load "1"', 'END LIST VAR u'], line: 2, message: /expected "VAR u/ },
    { name: 'not enough words', lines: ['BEGIN LIST VAR u', 'VAR u ups.load', 'END LIST VAR u'], line: 2, message: /expected "VAR u/ },
    { name: 'unterminated quote', lines: ['BEGIN LIST VAR u', 'VAR u ups.load "1', 'END LIST VAR u'], line: 2, message: /unterminated/ },
    { name: 'truncated (no END)', lines: ['BEGIN LIST VAR u', 'VAR u ups.load "1"'], line: 2, message: /without "END LIST VAR u"/ },
    { name: 'text after END', lines: ['BEGIN LIST VAR u', 'END LIST VAR u', 'VAR u a "1"'], line: 3, message: /after END/ },
  ])('$name → ParseError', ({ lines, line, message }) => {
    expectParseError(() => parseNutListVar(lines, 'u', 'upsd h:1'), 'upsd h:1', line, message);
  });
});

describe('splitNutWords / quoteNutWord', () => {
  it.each([
    ['VAR u ups.status "OL CHRG"', ['VAR', 'u', 'ups.status', 'OL CHRG']],
    ['  OK   Goodbye ', ['OK', 'Goodbye']],
    ['VAR u x ""', ['VAR', 'u', 'x', '']],
    [String.raw`"a\"b" "c\\d"`, ['a"b', 'c\\d']],
    ['"open', null],
  ])('%j', (line, want) => {
    expect(splitNutWords(line)).toEqual(want);
  });

  it.each(['simple', 'pass word', 'qu"ote', 'back\\slash', ''])('round-trips %j', (word) => {
    expect(splitNutWords(`PASSWORD ${quoteNutWord(word)}`)).toEqual(['PASSWORD', word]);
  });
});
