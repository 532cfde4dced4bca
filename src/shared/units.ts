/** Unit conversions and rounding used by payload builders. Payload fields carry their unit in the name. */

export const BYTES_PER_KB = 1024;
export const BYTES_PER_MB = 1024 * 1024;
export const BYTES_PER_GB = 1024 * 1024 * 1024;

/** Round to `digits` decimals; null and non-finite stay null. */
export function round(value: number | null | undefined, digits = 1): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const bytesToGb = (b: number): number => b / BYTES_PER_GB;
export const bytesToMb = (b: number): number => b / BYTES_PER_MB;

/** Clamp a percentage into [0, 100]; rounding in float arithmetic can leave 100.0000001. */
export function clampPct(v: number): number {
  return Math.min(100, Math.max(0, v));
}

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/;
const DURATION_UNIT_S: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/** Parse "90", "90s", "10m", "24h", "30d" (or a number of seconds) into seconds; null if malformed. */
export function parseDurationS(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : null;
  const m = DURATION_RE.exec(input);
  if (!m) return null;
  return Number(m[1]) * DURATION_UNIT_S[m[2] ?? 's']!;
}
