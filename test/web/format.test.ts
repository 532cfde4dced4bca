import { describe, expect, it } from 'vitest';
import {
  DASH,
  fmtBytes,
  fmtC,
  fmtCount,
  fmtDelta,
  fmtDuration,
  fmtGb,
  fmtMb,
  fmtMbps,
  fmtMhz,
  fmtMinutes,
  fmtNum,
  fmtPct,
  fmtTick,
  fmtW,
} from '../../web/src/format.js';

describe('dashboard formatters', () => {
  const cases: [string, (v: number | null) => string, number | null, string][] = [
    ['pct integer', fmtPct, 41, '41%'],
    ['pct small keeps a decimal', fmtPct, 4.5, '4.5%'],
    ['pct rounds large', fmtPct, 84.94, '85%'],
    ['pct zero', fmtPct, 0, '0%'],
    ['pct null is a dash, not 0', fmtPct, null, DASH],
    ['pct negative zero', fmtPct, -0.01, '0.0%'],
    ['gb', fmtGb, 62.72, '62.7 GB'],
    ['gb large', fmtGb, 1832.8, '1.83 TB'],
    ['gb sub-1 in MB', fmtGb, 0.063, '63 MB'],
    ['gb hundreds', fmtGb, 252.4, '252 GB'],
    ['mb', fmtMb, 840, '840 MB'],
    ['mb to gb', fmtMb, 9289.5, '9.3 GB'],
    ['mbps zero', fmtMbps, 0, '0 B/s'],
    ['mbps KB', fmtMbps, 0.572, '572 KB/s'],
    ['mbps MB', fmtMbps, 12.5, '12.5 MB/s'],
    ['mbps GB', fmtMbps, 1200, '1.2 GB/s'],
    ['bytes', fmtBytes, 4_100, '4.1 KB'],
    ['bytes small', fmtBytes, 12, '12 B'],
    ['count', fmtCount, 8712, '8.7k'],
    ['count big', fmtCount, 184_233, '184k'],
    ['count million', fmtCount, 1_250_000, '1.3M'],
    ['watts', fmtW, 14.04, '14.0 W'],
    ['watts big', fmtW, 333, '333 W'],
    ['celsius', fmtC, 37.4, '37 °C'],
    ['mhz', fmtMhz, 5298.1, '5.30 GHz'],
    ['mhz low', fmtMhz, 800, '800 MHz'],
    ['duration s', fmtDuration, 42, '42 s'],
    ['duration h', fmtDuration, 7500, '2 h 05 min'],
    ['duration d', fmtDuration, 276543, '3 d 4 h'],
    ['duration negative clamps', fmtDuration, -5, '0 s'],
    ['minutes', fmtMinutes, 16.8, '17 min'],
    ['minutes short', fmtMinutes, 4.25, '4.3 min'],
    ['num', fmtNum, 0.42, '0.42'],
    ['num mid', fmtNum, 4.87, '4.9'],
    ['NaN is a dash', fmtNum, Number.NaN, DASH],
    ['Infinity is a dash', fmtPct, Number.POSITIVE_INFINITY, DASH],
  ];
  it.each(cases)('%s', (_name, fn, v, want) => {
    expect(fn(v)).toBe(want);
  });

  it('formula deltas', () => {
    expect(fmtDelta(8)).toBe('+ 8δ');
    expect(fmtDelta(6.5)).toBe('+ 6.5δ');
    expect(fmtDelta(null)).toBe(`+ ${DASH}δ`);
  });

  it('time ticks: seconds, minutes, days by tick spacing and span', () => {
    const t = new Date(2026, 10, 24, 14, 3, 27).getTime();
    expect(fmtTick(t, 10, 300)).toBe('14:03:27');
    expect(fmtTick(t, 300, 3600)).toBe('14:03');
    expect(fmtTick(t, 3600, 7 * 86_400)).toBe('Tue 14:03');
    expect(fmtTick(t, 86_400, 30 * 86_400)).toBe('Nov 24');
  });
});
