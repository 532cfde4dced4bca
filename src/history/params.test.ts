import { describe, expect, it } from 'vitest';
import { parseRange, parseStep, parseTime } from './params.js';

const NOW = Date.UTC(2026, 5, 1, 12);

describe('parseTime', () => {
  it.each([
    ['now', NOW],
    ['', NOW],
    ['-1h', NOW - 3_600_000],
    ['1h', NOW - 3_600_000],
    ['90m', NOW - 5_400_000],
    ['-30s', NOW - 30_000],
    ['2026-06-01T11:00:00Z', NOW - 3_600_000],
    [String(NOW - 5), NOW - 5],
  ])('%j', (input, want) => {
    expect(parseTime(input, NOW)).toBe(want);
  });
  it.each(['yesterday', '-1 fortnight', '12:00'])('rejects %j with a clear message', (input) => {
    expect(() => parseTime(input, NOW, 'from')).toThrow(/from: cannot read/);
  });
});

describe('parseStep', () => {
  it.each([
    ['60', 60_000],
    ['60s', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0.5', 500],
  ])('%j', (input, want) => {
    expect(parseStep(input)).toBe(want);
  });
  it.each(['0', '-5', 'x', '1y'])('rejects %j', (input) => {
    expect(() => parseStep(input)).toThrow(/step: cannot read/);
  });
});

describe('parseRange', () => {
  it('defaults to the last hour', () => {
    expect(parseRange({}, NOW)).toEqual({ from: NOW - 3_600_000, to: NOW, step: undefined });
  });
  it('minutes= is a shortcut', () => {
    expect(parseRange({ minutes: '15', step: '10' }, NOW)).toEqual({ from: NOW - 900_000, to: NOW, step: 10_000 });
  });
  it('refuses from after to, and minutes with from', () => {
    expect(() => parseRange({ from: '-1h', to: '-2h' }, NOW)).toThrow(/must be before/);
    expect(() => parseRange({ from: '-1h', minutes: '5' }, NOW)).toThrow(/either minutes or from/);
  });
});
