import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseSwaps } from './proc-swaps.js';

const HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';

describe('parseSwaps', () => {
  it('no swap: header only', () => {
    expect(parseSwaps(HEADER)).toEqual([]);
  });

  it('zram, a partition and a swap file (Ubuntu /swap.img): only /dev/zramN is zram', () => {
    const text =
      HEADER +
      '/dev/zram0                              partition\t8388604\t\t76\t\t100\n' +
      '/dev/nvme0n1p3                          partition\t16777212\t1024\t\t-2\n' +
      '/swap.img                               file\t\t2097148\t\t0\t\t-3\n';
    expect(parseSwaps(text)).toEqual([
      { filename: '/dev/zram0', type: 'partition', size_bytes: 8388604 * 1024, used_bytes: 76 * 1024, priority: 100, kind: 'zram', zram_device: 'zram0' },
      { filename: '/dev/nvme0n1p3', type: 'partition', size_bytes: 16777212 * 1024, used_bytes: 1024 * 1024, priority: -2, kind: 'disk', zram_device: null },
      { filename: '/swap.img', type: 'file', size_bytes: 2097148 * 1024, used_bytes: 0, priority: -3, kind: 'disk', zram_device: null },
    ]);
  });

  it('decodes octal escapes in file names; a file named like zram elsewhere is disk swap', () => {
    const s = parseSwaps(`${HEADER}/mnt/my\\040swap\\011file file 1024 0 -2\n/srv/zram0 file 1024 0 -3\n`);
    expect(s.map((e) => [e.filename, e.kind])).toEqual([
      ['/mnt/my swap\tfile', 'disk'],
      ['/srv/zram0', 'disk'],
    ]);
  });

  it('tolerates a missing header and blank lines', () => {
    expect(parseSwaps('\n/dev/zram1 partition 10 5 5\n\n')).toHaveLength(1);
  });

  const F = '/p/swaps';
  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'not enough fields', text: `${HEADER}/dev/zram0 partition 8388604 76\n`, line: 2, message: /4 fields, needs 5/ },
    { name: 'garbage size', text: `${HEADER}/dev/zram0 partition big 76 100\n`, line: 2, message: /size "big"/ },
    { name: 'negative used', text: `${HEADER}/dev/zram0 partition 10 -1 100\n`, line: 2, message: /used "-1"/ },
    { name: 'huge numbers', text: `${HEADER}/dev/sda2 partition 99999999999999999 0 1\n`, line: 2, message: /not sizes in KiB/ },
    { name: 'garbage priority', text: `${HEADER}/dev/sda2 partition 1 0 high\n`, line: 2, message: /priority "high"/ },
    { name: 'truncated', text: `${HEADER}/dev/zram0 partition 83`, line: 2, message: /3 fields/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parseSwaps(text, F), F, line, message);
  });
});
