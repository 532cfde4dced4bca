/**
 * Number formatting for the dashboard: every figure carries its unit, null shows as an em dash
 * (never as 0), and the number of digits depends on the magnitude so that a value keeps about
 * the same width as it changes (no layout shift). Pure; unit-tested in test/web/format.test.ts.
 */
export const DASH = '—';

const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Plain number, fewer decimals as it grows: 0.42, 4.2, 42, 420. */
export function fmtNum(v: number | null | undefined, maxDigits = 1): string {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? Math.min(1, maxDigits) : a > 0 && a < 1 ? Math.max(2, maxDigits) : maxDigits;
  return fixed(v, digits);
}

/** Percent: 12%, 4.5%, 0.3%. */
export function fmtPct(v: number | null | undefined, digits = 0): string {
  if (!isNum(v)) return DASH;
  const d = Math.abs(v) < 10 && digits === 0 && v !== 0 && Math.round(v) !== v ? 1 : digits;
  return `${fixed(v, d)}%`;
}

function fixed(v: number, d: number): string {
  const s = v.toFixed(d);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/** Sizes given in GB: 512 MB, 3.2 GB, 62.7 GB, 1.8 TB. */
export function fmtGb(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  if (a >= 1000) return `${fixed(v / 1000, a >= 10_000 ? 1 : 2)} TB`;
  if (a >= 100) return `${fixed(v, 0)} GB`;
  if (a >= 1) return `${fixed(v, 1)} GB`;
  if (a === 0) return '0 GB';
  return `${fixed(v * 1000, 0)} MB`;
}

/** Sizes given in MB: 840 MB, 9.3 GB. */
export function fmtMb(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  return Math.abs(v) >= 1000 ? fmtGb(v / 1000) : `${fixed(v, Math.abs(v) >= 10 ? 0 : 1)} MB`;
}

/** Byte counts: 12 B, 4.1 KB, 3.2 GB (decimal units, as the rest of the payloads). */
export function fmtBytes(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${v < 0 ? '-' : ''}${fixed(x, i === 0 || x >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Rates given in MB/s: 0 B/s, 340 KB/s, 12.5 MB/s, 1.2 GB/s. */
export function fmtMbps(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  if (v === 0) return '0 B/s';
  const a = Math.abs(v);
  if (a >= 1000) return `${fixed(v / 1000, 1)} GB/s`;
  if (a >= 1) return `${fixed(v, a >= 100 ? 0 : 1)} MB/s`;
  return `${fixed(v * 1000, a * 1000 >= 10 ? 0 : 1)} KB/s`;
}

/** Counts per second: 12/s, 8.7k/s, 1.2M/s. */
export function fmtRate(v: number | null | undefined, unit = '/s'): string {
  if (!isNum(v)) return DASH;
  return `${fmtCount(v)}${unit}`;
}

/** Counts: 950, 8.7k, 1.2M. */
export function fmtCount(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  if (a >= 1e6) return `${fixed(v / 1e6, 1)}M`;
  if (a >= 1e4) return `${fixed(v / 1e3, 0)}k`;
  if (a >= 1e3) return `${fixed(v / 1e3, 1)}k`;
  return fixed(v, Number.isInteger(v) ? 0 : 1);
}

export function fmtW(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  return `${fixed(v, Math.abs(v) >= 100 ? 0 : 1)} W`;
}

export function fmtC(v: number | null | undefined): string {
  return isNum(v) ? `${fixed(v, 0)} °C` : DASH;
}

export function fmtMhz(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  return v >= 1000 ? `${fixed(v / 1000, 2)} GHz` : `${fixed(v, 0)} MHz`;
}

/** A duration in seconds: 42 s, 3 min, 2 h 05 min, 3 d 4 h. */
export function fmtDuration(s: number | null | undefined): string {
  if (!isNum(s)) return DASH;
  const v = Math.max(0, s);
  if (v < 60) return `${Math.floor(v)} s`;
  if (v < 3600) return `${Math.floor(v / 60)} min`;
  if (v < 86_400) {
    const h = Math.floor(v / 3600);
    const m = Math.floor((v % 3600) / 60);
    return `${h} h ${String(m).padStart(2, '0')} min`;
  }
  const d = Math.floor(v / 86_400);
  return `${d} d ${Math.floor((v % 86_400) / 3600)} h`;
}

/** Minutes (UPS runtime): 16.8 min, 2 h 05 min. */
export function fmtMinutes(m: number | null | undefined): string {
  if (!isNum(m)) return DASH;
  return m < 60 ? `${fixed(m, m < 10 ? 1 : 0)} min` : fmtDuration(m * 60);
}

/** Clock time of an epoch-ms instant: 14:03:27 (local). */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Date and time for the events log: 11-24 14:03:27. */
export function fmtDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${fmtClock(ms)}`;
}

/** Signed delta for the formula line: "+ 8δ". */
export function fmtDelta(v: number | null | undefined): string {
  if (!isNum(v)) return `+ ${DASH}δ`;
  return `${v < 0 ? '−' : '+'} ${fixed(Math.abs(v), Number.isInteger(v) ? 0 : 1)}δ`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A time-axis tick (local time, 24 h): seconds when ticks are under a minute apart, the day name
 * once the chart spans more than a day, the date for day-sized ticks.
 * `incrS` = seconds between ticks, `spanS` = seconds the axis covers.
 */
export function fmtTick(ms: number, incrS: number, spanS: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  if (incrS >= 86_400) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  if (incrS < 60) return `${hm}:${p(d.getSeconds())}`;
  if (spanS > 86_400) return `${DAYS[d.getDay()]} ${hm}`;
  return hm;
}
