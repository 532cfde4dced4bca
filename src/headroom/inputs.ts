import type { Payload } from '../core/collector.js';

/**
 * Typed reads out of other collectors' payloads. The headroom engine sees payloads as plain
 * objects (they may come from a plugin, a fixture or a peer over the wire), so every read checks
 * the type and gives null rather than trusting a shape.
 */

export type Payloads = Readonly<Record<string, Payload | undefined>>;

/** `get(obj, 'swap.zram.velocity_mbps')` → the number there, or null. */
export function num(obj: unknown, path: string): number | null {
  const v = at(obj, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function bool(obj: unknown, path: string): boolean | null {
  const v = at(obj, path);
  return typeof v === 'boolean' ? v : null;
}

export function str(obj: unknown, path: string): string | null {
  const v = at(obj, path);
  return typeof v === 'string' ? v : null;
}

export function arr(obj: unknown, path: string): Record<string, unknown>[] {
  const v = at(obj, path);
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object') : [];
}

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Why a collector's payload cannot be used, or null when it can. UPS payloads say so with
 * `ups_available:false` (SPEC §2.2) rather than `available:false`.
 */
export function unusable(name: string, p: Payload | undefined): string | null {
  if (p === undefined) return 'not running';
  if (p.available === false || (name === 'ups_monitor' && p.ups_available === false))
    return String(p.reason ?? p.error ?? 'unavailable');
  return null;
}

/** The inputs evaluateHeadroom reads, in the order their causes are listed. */
export const HEADROOM_INPUTS = [
  'ram_monitor',
  'cpu_monitor',
  'disk_monitor',
  'gpu_monitor',
  'ups_monitor',
  'power_monitor',
  'ollama_monitor',
] as const;

export interface GpuPick {
  index: number;
  name: string | null;
  vram_pct: number;
  vram_total_gb: number | null;
}

/**
 * The GPU the projection uses: the one named by the drill, else the most loaded one (SPEC §3 on
 * multi-GPU boxes: the next job lands where memory is tightest unless told otherwise). Falls
 * back to the flat compatibility fields when a payload has no `gpus[]`.
 */
export function pickGpu(gpu: Payload | undefined, wanted: number | null): GpuPick | null {
  if (!gpu) return null;
  const list = arr(gpu, 'gpus')
    .map((g, i) => ({
      index: num(g, 'index') ?? i,
      name: str(g, 'name'),
      vram_pct: num(g, 'vram_pct'),
      vram_total_gb: num(g, 'vram_total_gb'),
    }))
    .filter((g): g is GpuPick => g.vram_pct !== null);
  if (list.length === 0) {
    const pct = num(gpu, 'vram_pct');
    return pct === null ? null : { index: 0, name: str(gpu, 'name'), vram_pct: pct, vram_total_gb: num(gpu, 'vram_total_gb') };
  }
  if (wanted !== null) return list.find((g) => g.index === wanted) ?? null;
  return list.reduce((a, b) => (b.vram_pct > a.vram_pct ? b : a));
}
