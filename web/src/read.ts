/**
 * Safe reads from collector payloads. Payloads are JSON from the server, typed only as
 * `Record<string, unknown>`; a panel asks for `num(p, 'swap.zram.pct')` and gets a number or
 * null, never a crash on a missing or oddly shaped field (a collector from a newer server, a
 * plugin, a payload with `available:false`).
 */
export type Payload = Record<string, unknown>;

/** The value at a dotted path, or undefined. */
export function at(p: unknown, path: string): unknown {
  let node: unknown = p;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A finite number at `path`, else null (strings, NaN, null and absent all give null). */
export function num(p: unknown, path: string): number | null {
  const v = at(p, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function str(p: unknown, path: string): string | null {
  const v = at(p, path);
  return typeof v === 'string' ? v : null;
}

export function bool(p: unknown, path: string): boolean | null {
  const v = at(p, path);
  return typeof v === 'boolean' ? v : null;
}

export function obj(p: unknown, path: string): Payload | null {
  const v = path === '' ? p : at(p, path);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : null;
}

export function arr(p: unknown, path: string): unknown[] {
  const v = at(p, path);
  return Array.isArray(v) ? v : [];
}

/** Array of objects only (skips nulls and numbers that a malformed payload might carry). */
export function objs(p: unknown, path: string): Payload[] {
  return arr(p, path).filter((x): x is Payload => x !== null && typeof x === 'object' && !Array.isArray(x));
}

/** `available:false` payloads: the reason to show, else null when the payload has data. */
export function unavailableReason(p: Payload | null | undefined): string | null {
  if (!p) return null;
  if (p.available !== false) return null;
  return str(p, 'reason') ?? str(p, 'error') ?? 'not available';
}
