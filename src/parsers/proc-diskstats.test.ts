import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseDiskstats } from './proc-diskstats.js';

// Real lines: kernel 6.18 (20 fields), 4.19 (18 fields), 4.14 (14 fields).
const K618 = ' 254       0 vda 13712 5072 853234 6065 1727 19344 1008888 2073 0 2312 8582 3241 19 40368 441 3 1';
const K419 = '   8      16 sdb 326552 841 9657779 84 41822 2895 1972905 5007 0 60730 67070 68851 0 1925173784 11130';
const K414 = '   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 63877960 0 9653880 82621804';

describe('parseDiskstats: valid', () => {
  it('20 fields: every column, sectors → bytes, ms → s', () => {
    expect(parseDiskstats(K618)).toEqual([
      {
        major: 254,
        minor: 0,
        name: 'vda',
        reads: 13712,
        reads_merged: 5072,
        read_bytes: 853234 * 512,
        read_time_s: 6.065,
        writes: 1727,
        writes_merged: 19344,
        written_bytes: 1008888 * 512,
        write_time_s: 2.073,
        in_flight: 0,
        io_time_s: 2.312,
        weighted_io_time_s: 8.582,
        discards: 3241,
        discards_merged: 19,
        discarded_bytes: 40368 * 512,
        discard_time_s: 0.441,
        flushes: 3,
        flush_time_s: 0.001,
      },
    ]);
  });

  it.each([
    { name: '18 fields: discards, no flushes', text: K419, want: { name: 'sdb', discards: 68851, discard_time_s: 11.13, flushes: null, flush_time_s: null } },
    { name: '14 fields: no discards, no flushes', text: K414, want: { name: 'sda', io_time_s: 9653.88, discards: null, discarded_bytes: null, flushes: null } },
    { name: 'more than 20 fields (a future kernel): extra columns ignored', text: `${K618} 7 8 9`, want: { flushes: 3, flush_time_s: 0.001 } },
  ])('$name', ({ text, want }) => {
    const [d] = parseDiskstats(text);
    expect(d).toMatchObject(want);
  });

  it('mixed kernels, blank lines, and an empty file', () => {
    expect(parseDiskstats(`\n${K618}\n\n${K414}\n`).map((d) => d.name)).toEqual(['vda', 'sda']);
    expect(parseDiskstats('')).toEqual([]);
    expect(parseDiskstats('\n\n')).toEqual([]);
  });

  it('huge numbers: a counter above 2^53 is null, not rounded; its neighbours stay', () => {
    const line = '8 0 sda 18446744073709551615 0 9007199254740991 0 0 0 0 0 0 0 0';
    const [d] = parseDiskstats(line);
    expect(d!.reads).toBeNull();
    expect(d!.reads_merged).toBe(0);
    // 2^53 − 1 sectors is exact and so is × 512 (a power of two).
    expect(d!.read_bytes).toBe(9007199254740991 * 512);
    expect(Number.isSafeInteger(d!.read_bytes! / 512)).toBe(true);
  });
});

describe('parseDiskstats: malformed', () => {
  const F = '/proc/diskstats';
  it.each([
    { name: 'not enough fields', text: `${K618}\n 8 0 sda 1 2 3`, line: 2, msg: /6 fields.*at least 14/ },
    { name: 'truncated line', text: `${K414.slice(0, 40)}`, line: 1, msg: /fields.*at least 14/ },
    { name: 'garbage counter', text: '8 0 sda 1 2 x 4 5 6 7 8 9 10 11', line: 1, msg: /"x" is not a counter/ },
    { name: 'negative counter', text: '8 0 sda 1 2 -3 4 5 6 7 8 9 10 11', line: 1, msg: /"-3" is not a counter/ },
    { name: 'decimal counter', text: '8 0 sda 1 2 3.5 4 5 6 7 8 9 10 11', line: 1, msg: /"3.5"/ },
    { name: 'garbage major', text: 'eight 0 sda 1 2 3 4 5 6 7 8 9 10 11', line: 1, msg: /"eight"/ },
    { name: 'device number out of range', text: '99999999999999999999 0 sda 1 2 3 4 5 6 7 8 9 10 11', line: 1, msg: /out of range/ },
    { name: 'binary garbage', text: '\u0000\u0001\u0002 \u00ff', line: 1, msg: /fields/ },
  ])('$name', ({ text, line, msg }) => {
    expectParseError(() => parseDiskstats(text, F), F, line, msg);
  });
});
