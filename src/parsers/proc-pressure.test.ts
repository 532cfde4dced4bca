import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parsePressure } from './proc-pressure.js';

describe('parsePressure', () => {
  it.each([
    {
      name: 'cpu on Linux >= 5.13 (some + full)',
      text: 'some avg10=7.35 avg60=3.39 avg300=1.55 total=8246813\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
      want: {
        some: { avg10: 7.35, avg60: 3.39, avg300: 1.55, total_s: 8.246813 },
        full: { avg10: 0, avg60: 0, avg300: 0, total_s: 0 },
      },
    },
    {
      name: 'cpu before 5.13 (some only)',
      text: 'some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781\n',
      want: { some: { avg10: 0, avg60: 0, avg300: 0, total_s: 14.036781 }, full: null },
    },
    {
      name: 'irq (full only, no trailing newline)',
      text: 'full avg10=0.00 avg60=0.00 avg300=0.00 total=8494',
      want: { some: null, full: { avg10: 0, avg60: 0, avg300: 0, total_s: 0.008494 } },
    },
    {
      name: 'keys in another order, unknown key ignored',
      text: 'some total=1000000 avg300=1.00 avg60=2.00 avg10=100.00 extra=1\n',
      want: { some: { avg10: 100, avg60: 2, avg300: 1, total_s: 1 }, full: null },
    },
  ])('$name', ({ text, want }) => {
    expect(parsePressure(text)).toEqual(want);
  });

  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'no some/full line', text: 'hello\n', line: 1, message: /no "some" or "full"/ },
    { name: 'not enough fields', text: 'some avg10=0.00 avg60=0.00\n', line: 1, message: /avg300: missing/ },
    { name: 'garbage value', text: 'some avg10=x avg60=0 avg300=0 total=0\n', line: 1, message: /avg10: "x"/ },
    { name: 'average above 100 %', text: 'some avg10=250.00 avg60=0 avg300=0 total=0\n', line: 1, message: /avg10/ },
    { name: 'huge total', text: 'some avg10=0 avg60=0 avg300=0 total=99999999999999999999\n', line: 1, message: /total/ },
    {
      name: 'truncated second line',
      text: 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg6\n',
      line: 2,
      message: /full avg60: missing/,
    },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parsePressure(text, '/p/pressure/cpu'), '/p/pressure/cpu', line, message);
  });
});
