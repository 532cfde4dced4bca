/**
 * Strict number readers shared by the parsers. `Number('')` is 0 and `parseInt('12abc')` is 12;
 * both would turn garbage into plausible values, so the parsers accept only what these match.
 */

const UINT_RE = /^\d+$/;
const DECIMAL_RE = /^-?\d+(?:\.\d+)?$/;

/**
 * A non-negative decimal integer, or null. Values above 2^53 are refused: a double cannot hold
 * them exactly, and a counter that large would give wrong deltas rather than an honest null.
 */
export function parseUint(token: string | undefined): number | null {
  if (token === undefined || !UINT_RE.test(token)) return null;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : null;
}

/** A plain decimal such as `0.21` or `2096.003` (no exponent, no hex), finite, or null. */
export function parseDecimal(token: string | undefined): number | null {
  if (token === undefined || !DECIMAL_RE.test(token)) return null;
  const n = Number(token);
  return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : null;
}

/** Split text into lines with their 1-based numbers, for parsers that report places. */
export function numberedLines(text: string): Array<{ line: number; text: string }> {
  return text.split('\n').map((t, i) => ({ line: i + 1, text: t }));
}
