/**
 * Memory growth of a service (SPEC §4): the least-squares slope of its RSS over the last
 * `idle.leak_window`, in MB per hour. A slope over a line fitted to every sample, not the
 * difference of two samples, so one garbage-collection dip or a burst of allocation does not
 * read as a leak; r² says how straight the line is (a steady leak is close to 1).
 *
 * Samples live in a bounded ring: kept samples are at least window/MAX_POINTS apart, plus the
 * newest one (at most MAX_POINTS + 2 in all), so a 24 h window costs the same memory as a
 * 20 s one.
 */
export const MAX_POINTS = 720;
/** A slope needs this many samples… */
export const MIN_POINTS = 5;
/** …spanning at least this share of the window. */
export const MIN_SPAN_SHARE = 0.5;

export interface Growth {
  /** MB per hour; null while the window holds too little (see reason). */
  mb_h: number | null;
  /** Coefficient of determination of the fit, 0…1; null with mb_h. */
  r2: number | null;
  points: number;
  span_s: number;
  reason: string | null;
}

export class RssSeries {
  private readonly t: number[] = [];
  private readonly v: number[] = [];

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.t.length;
  }

  /** Add a sample (monotonic ms, MB). Older samples than the window are dropped. */
  add(atMs: number, rssMb: number): void {
    const n = this.t.length;
    if (n > 0 && atMs <= this.t[n - 1]!) return; // not after the last one: ignore
    const spacing = this.windowMs / MAX_POINTS;
    // The newest sample is a moving head: it replaces the previous head until that one is a full
    // spacing past the last kept sample, and then stays.
    if (n >= 2 && this.t[n - 1]! - this.t[n - 2]! < spacing) {
      this.t[n - 1] = atMs;
      this.v[n - 1] = rssMb;
    } else {
      this.t.push(atMs);
      this.v.push(rssMb);
    }
    while (this.t.length > 0 && atMs - this.t[0]! > this.windowMs) {
      this.t.shift();
      this.v.shift();
    }
  }

  clear(): void {
    this.t.length = 0;
    this.v.length = 0;
  }

  growth(): Growth {
    const n = this.t.length;
    const span = n > 1 ? (this.t[n - 1]! - this.t[0]!) / 1000 : 0;
    const windowS = this.windowMs / 1000;
    const base = { points: n, span_s: Math.round(span * 10) / 10 };
    if (n < MIN_POINTS || span < windowS * MIN_SPAN_SHARE) {
      return {
        mb_h: null,
        r2: null,
        ...base,
        reason: `collecting: ${n} samples over ${fmtS(span)} of the ${fmtS(windowS)} window (a slope needs ${MIN_POINTS} samples over at least half of it)`,
      };
    }
    const fit = leastSquares(this.t.map((t) => (t - this.t[0]!) / 3_600_000), this.v);
    return { mb_h: fit.slope, r2: fit.r2, ...base, reason: null };
  }
}

/** Ordinary least squares y = a + b·x: slope b and r² (1 when y is flat: a flat line is fitted exactly). */
export function leastSquares(x: readonly number[], y: readonly number[]): { slope: number; r2: number } {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, r2: 0 };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, r2 };
}

function fmtS(s: number): string {
  if (s >= 3600) return `${Math.round((s / 3600) * 10) / 10} h`;
  if (s >= 120) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}
