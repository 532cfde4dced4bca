import { describe, expect, it } from 'vitest';
import { parseDecimal, parseUint } from './numbers.js';

describe('parseUint', () => {
  it.each([
    ['0', 0],
    ['378794', 378794],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', null], // above 2^53 - 1: not exact in a double
    ['', null],
    [undefined, null],
    ['12abc', null],
    ['-1', null],
    ['1.5', null],
    ['0x10', null],
    [' 1', null],
  ])('%s → %s', (tok, want) => {
    expect(parseUint(tok)).toBe(want);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0.21', 0.21],
    ['2096.003', 2096.003],
    ['-1.5', -1.5],
    ['7', 7],
    ['1e3', null],
    ['.5', null],
    ['5.', null],
    ['NaN', null],
    ['Infinity', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (tok, want) => {
    expect(parseDecimal(tok)).toBe(want);
  });
});
