import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parseUptime } from './proc-uptime.js';

describe('parseUptime', () => {
  it.each([
    { name: 'Debian 12 VM', text: '307.01 556.41\n', want: { uptime_s: 307.01, idle_s: 556.41 } },
    { name: 'long-running server', text: '31536000.00 1009152000.50', want: { uptime_s: 31536000, idle_s: 1009152000.5 } },
    { name: 'just booted', text: '0.50 0.20', want: { uptime_s: 0.5, idle_s: 0.2 } },
  ])('$name', ({ text, want }) => {
    expect(parseUptime(text)).toEqual(want);
  });

  it.each([
    { name: 'empty', text: '', message: /expected 2 fields, got 0/ },
    { name: 'not enough fields', text: '307.01', message: /expected 2 fields, got 1/ },
    { name: 'garbage', text: 'up 3 days', message: /"up" is not a number/ },
    { name: 'huge numbers', text: '1e400 5', message: /"1e400" is not a number/ },
    { name: 'truncated', text: '307. 556.41', message: /"307\." is not a number/ },
    { name: 'negative idle', text: '307.01 -1', message: /"-1" is not a number/ },
  ])('$name → ParseError', ({ text, message }) => {
    expectParseError(() => parseUptime(text, '/p/uptime'), '/p/uptime', 1, message);
  });
});
