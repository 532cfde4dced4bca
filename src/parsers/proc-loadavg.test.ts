import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseLoadavg } from './proc-loadavg.js';

describe('parseLoadavg', () => {
  it.each([
    { name: 'Debian 12 VM', text: '0.16 0.13 0.06 1/83 3247\n', want: { load1: 0.16, load5: 0.13, load15: 0.06, runnable: 1, entities: 83, last_pid: 3247 } },
    { name: 'busy server', text: '64.02 58.77 41.10 97/4123 2718281', want: { load1: 64.02, load5: 58.77, load15: 41.1, runnable: 97, entities: 4123, last_pid: 2718281 } },
    { name: 'extra whitespace', text: '  0.00  0.01 0.05   0/1 1  \n', want: { load1: 0, load5: 0.01, load15: 0.05, runnable: 0, entities: 1, last_pid: 1 } },
  ])('$name', ({ text, want }) => {
    expect(parseLoadavg(text)).toEqual(want);
  });

  it.each([
    { name: 'empty', text: '', message: /expected 5 fields, got 0/ },
    { name: 'not enough fields', text: '0.21 0.37 0.39', message: /expected 5 fields, got 3/ },
    { name: 'garbage load', text: 'abc 0.37 0.39 1/719 19737', message: /"abc" is not a load/ },
    { name: 'negative load', text: '-1.0 0.37 0.39 1/719 19737', message: /not a load/ },
    { name: 'huge numbers', text: '0.21 0.37 0.39 1/99999999999999999999 1', message: /not runnable\/total/ },
    { name: 'truncated ratio', text: '0.21 0.37 0.39 1/ 19737', message: /"1\/" is not runnable\/total/ },
    { name: 'garbage pid', text: '0.21 0.37 0.39 1/719 x', message: /"x" is not a PID/ },
  ])('$name → ParseError', ({ text, message }) => {
    expectParseError(() => parseLoadavg(text, '/p/loadavg'), '/p/loadavg', 1, message);
  });
});
