import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parsePidIo } from './proc-pid-io.js';

const REAL = 'rchar: 194878480\nwchar: 1064914\nsyscr: 41032\nsyscw: 12004\nread_bytes: 1220608\nwrite_bytes: 40960\ncancelled_write_bytes: 0\n';

describe('parsePidIo', () => {
  it('reads the counters', () => {
    expect(parsePidIo(REAL)).toEqual({ rchar: 194878480, wchar: 1064914, read_bytes: 1220608, write_bytes: 40960, cancelled_write_bytes: 0 });
  });

  const F = '/p/1/io';
  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'no read_bytes', text: 'rchar: 1\nwchar: 2\n', line: 1, message: /no read_bytes/ },
    { name: 'not enough fields', text: 'rchar:\n', line: 1, message: /expected "key: count"/ },
    { name: 'garbage', text: 'rchar: 1\n????\n', line: 2, message: /expected/ },
    { name: 'huge numbers', text: 'read_bytes: 99999999999999999999\n', line: 1, message: /expected/ },
    { name: 'truncated', text: REAL.slice(0, 60), line: 5, message: /expected "key: count", got "re"/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parsePidIo(text, F), F, line, message);
  });
});
