import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseVmstat } from './proc-vmstat.js';

describe('parseVmstat', () => {
  it('reads every counter', () => {
    const vm = parseVmstat('nr_free_pages 977769\npswpin 1476\npswpout 35045\noom_kill 2\n');
    expect(Object.fromEntries(vm)).toEqual({ nr_free_pages: 977769, pswpin: 1476, pswpout: 35045, oom_kill: 2 });
  });

  it('skips blank lines; a kernel without oom_kill simply lacks the key', () => {
    const vm = parseVmstat('\npswpin 0\n\n');
    expect(vm.get('pswpin')).toBe(0);
    expect(vm.has('oom_kill')).toBe(false);
  });

  const F = '/p/vmstat';
  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'not enough fields', text: 'pswpin 1\npswpout\n', line: 2, message: /expected "name count", got "pswpout"/ },
    { name: 'garbage', text: 'pswpin one\n', line: 1, message: /pswpin: "one"/ },
    { name: 'too many fields', text: 'pswpin 1 2\n', line: 1, message: /expected "name count"/ },
    { name: 'negative', text: 'pswpin -1\n', line: 1, message: /"-1" is not a count/ },
    { name: 'huge numbers', text: 'pgfault 99999999999999999999\n', line: 1, message: /not a count/ },
    { name: 'truncated', text: 'pswpin 1\npswp', line: 2, message: /expected "name count", got "pswp"/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parseVmstat(text, F), F, line, message);
  });
});
