import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseMeminfo } from './proc-meminfo.js';

const REAL = `MemTotal:        4010412 kB
MemFree:         3266004 kB
MemAvailable:    3524168 kB
Active(anon):      58748 kB
SwapTotal:       2097148 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
VmallocTotal:   34359738367 kB
`;

describe('parseMeminfo', () => {
  it('converts kB (KiB) to bytes and keeps unit-less keys as counts', () => {
    expect(parseMeminfo(REAL)).toEqual({
      bytes: {
        MemTotal: 4010412 * 1024,
        MemFree: 3266004 * 1024,
        MemAvailable: 3524168 * 1024,
        'Active(anon)': 58748 * 1024,
        SwapTotal: 2097148 * 1024,
        Hugepagesize: 2048 * 1024,
        VmallocTotal: 34359738367 * 1024,
      },
      counts: { HugePages_Total: 0, HugePages_Free: 0 },
    });
  });

  it('skips blank lines', () => {
    expect(parseMeminfo('\nMemTotal: 1 kB\n\n').bytes).toEqual({ MemTotal: 1024 });
  });

  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'no MemTotal', text: 'MemFree: 1 kB\n', line: 1, message: /no MemTotal/ },
    { name: 'not enough fields', text: 'MemTotal: 1 kB\nMemFree:\n', line: 2, message: /expected "Key: value/ },
    { name: 'no colon', text: 'MemTotal: 1 kB\nMemFree 5 kB\n', line: 2, message: /expected "Key: value/ },
    { name: 'garbage value', text: 'MemTotal: lots kB\n', line: 1, message: /"lots" is not an integer/ },
    { name: 'unknown unit', text: 'MemTotal: 1 MB\n', line: 1, message: /unknown unit "MB"/ },
    { name: 'huge numbers', text: 'MemTotal: 18446744073709551615 kB\n', line: 1, message: /not an integer/ },
    { name: 'huge once in bytes', text: 'MemTotal: 9007199254740991 kB\n', line: 1, message: /too large/ },
    { name: 'truncated line', text: 'MemTotal: 1 kB\nSwap', line: 2, message: /expected "Key: value/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parseMeminfo(text, '/p/meminfo'), '/p/meminfo', line, message);
  });
});
