import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { compressionRatio, parseZramAlgorithm, parseZramMmStat } from './sys-zram.js';

describe('parseZramMmStat', () => {
  it.each([
    {
      name: 'Linux 6.x (9 columns)',
      text: '1707339776 674729245 702652416        0 702652416    12345      123    4567    4567\n',
      want: { orig_data_bytes: 1707339776, compr_data_bytes: 674729245, mem_used_total_bytes: 702652416, mem_limit_bytes: 0, mem_used_max_bytes: 702652416, same_pages: 12345, pages_compacted: 123, huge_pages: 4567 },
    },
    {
      name: 'Linux 4.x (7 columns)',
      text: '4096 100 8192 0 8192 0 0\n',
      want: { orig_data_bytes: 4096, compr_data_bytes: 100, mem_used_total_bytes: 8192, mem_limit_bytes: 0, mem_used_max_bytes: 8192, same_pages: 0, pages_compacted: 0, huge_pages: null },
    },
    {
      name: 'unused device (the fixture host)',
      text: '       0        0        0        0        0        0        0        0        0\n',
      want: { orig_data_bytes: 0, compr_data_bytes: 0, huge_pages: 0 },
    },
  ])('$name', ({ text, want }) => {
    expect(parseZramMmStat(text)).toMatchObject(want);
  });

  it('compression ratio = orig / compr, null while empty', () => {
    expect(compressionRatio(1707339776, 674729245)).toBeCloseTo(2.5304, 4);
    expect(compressionRatio(0, 0)).toBeNull();
  });

  it('algorithm: the bracketed one', () => {
    expect(parseZramAlgorithm('lzo lzo-rle lz4 lz4hc 842 [zstd]\n')).toBe('zstd');
    expect(parseZramAlgorithm('[lzo-rle] zstd')).toBe('lzo-rle');
    expect(parseZramAlgorithm('lzo zstd\n')).toBeNull();
    expect(parseZramAlgorithm('')).toBeNull();
  });

  const F = '/s/zram0/mm_stat';
  it.each([
    { name: 'empty', text: '', message: /empty/ },
    { name: 'not enough fields', text: '1 2 3 4 5 6\n', message: /6 columns, needs at least 7/ },
    { name: 'garbage', text: '1 2 three 4 5 6 7\n', message: /mem_used_total: "three"/ },
    { name: 'huge numbers', text: '99999999999999999999 2 3 4 5 6 7\n', message: /orig_data_size/ },
    { name: 'negative', text: '1 -2 3 4 5 6 7\n', message: /compr_data_size: "-2"/ },
    { name: 'truncated', text: '4096 100 81', message: /3 columns/ },
  ])('$name → ParseError', ({ text, message }) => {
    expectParseError(() => parseZramMmStat(text, F), F, 1, message);
  });
});
