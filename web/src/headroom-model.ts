/**
 * The headroom bars (pure; tested in test/web/headroom.test.ts): per resource the margin left
 * after the next job, its colour, and the formula line that makes the projection explicit:
 * `now 69% + 8δ → 77% · crit 85%`. The bar is the remaining margin, not the usage: green when
 * comfortable, amber below `drill_cost.headroom_ease_in_pct`, solid red at full width when the
 * next job would breach the critical threshold (the negative figure is shown).
 */
import { DASH, fmtDelta } from './format.js';
import { arr, num, obj, objs, type Payload, str } from './read.js';

export type Resource = 'ram' | 'cpu' | 'gpu_vram';
export const RESOURCES: { key: Resource; label: string }[] = [
  { key: 'ram', label: 'RAM' },
  { key: 'cpu', label: 'CPU' },
  { key: 'gpu_vram', label: 'VRAM' },
];
/** The config default of `drill_cost.headroom_ease_in_pct`, when the payload does not carry it. */
export const DEFAULT_EASE_IN_PCT = 5;

export interface Bar {
  key: Resource;
  label: string;
  available: boolean;
  /** Why there is no bar (no GPU, input missing). */
  reason: string;
  headroom: number | null;
  /** 0–100: the width of the bar. */
  width: number;
  tone: 'green' | 'amber' | 'red' | 'muted';
  value: string;
  formula: string;
}

export interface Cause {
  text: string;
  level: 'HOLD' | 'EASE_IN' | 'INFO';
  code: string;
}

/** 69, 88.5, 3: one decimal only where it matters. */
export function pctShort(v: number | null): string {
  if (v === null) return DASH;
  const r = Math.round(v * 10) / 10;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)}%`;
}

export function easeInPct(hp: Payload | null): number {
  return num(hp, 'ease_in_pct') ?? num(hp, 'headroom_ease_in_pct') ?? num(hp, 'drill.headroom_ease_in_pct') ?? DEFAULT_EASE_IN_PCT;
}

export function barsOf(hp: Payload | null): Bar[] {
  const easeIn = easeInPct(hp);
  const missing = arr(hp, 'missing_inputs').filter((x): x is string => typeof x === 'string');
  return RESOURCES.map(({ key, label }) => {
    const b = obj(hp, `breakdown.${key}`);
    const h = num(hp, `headroom.${key}`) ?? (b ? headroomFrom(b) : null);
    if (!b || h === null) {
      const why = missing.find((m) => m.includes(key === 'gpu_vram' ? 'gpu' : key));
      return {
        key,
        label,
        available: false,
        reason: why ?? (key === 'gpu_vram' ? 'no GPU reported' : 'no data'),
        headroom: null,
        width: 0,
        tone: 'muted',
        value: DASH,
        formula: '',
      };
    }
    const current = num(b, 'current');
    const delta = num(b, 'delta');
    const projected = num(b, 'projected') ?? (current !== null && delta !== null ? current + delta : null);
    const crit = num(b, 'threshold');
    const tone = h < 0 ? 'red' : h < easeIn ? 'amber' : 'green';
    return {
      key,
      label,
      available: true,
      reason: '',
      headroom: h,
      width: h < 0 ? 100 : Math.max(0, Math.min(100, h)),
      tone,
      value: h < 0 ? `−${pctShort(-h)}` : pctShort(h),
      formula: `now ${pctShort(current)} ${fmtDelta(delta)} → ${pctShort(projected)} · crit ${pctShort(crit)}`,
    };
  });
}

function headroomFrom(b: Payload): number | null {
  const crit = num(b, 'threshold');
  const projected = num(b, 'projected');
  return crit !== null && projected !== null ? crit - projected : null;
}

/** Every active cause (the reason first), from `causes[]` or, failing that, `overrides[]`. */
export function causesOf(hp: Payload | null): Cause[] {
  const causes = objs(hp, 'causes')
    .map((c): Cause => ({
      text: str(c, 'text') ?? str(c, 'code') ?? '?',
      level: str(c, 'level') === 'HOLD' ? 'HOLD' : str(c, 'level') === 'EASE_IN' ? 'EASE_IN' : 'INFO',
      code: str(c, 'code') ?? '',
    }));
  if (causes.length > 0) return causes;
  const state = str(hp, 'state');
  const level: Cause['level'] = state === 'HOLD' ? 'HOLD' : state === 'EASE_IN' ? 'EASE_IN' : 'INFO';
  const list: Cause[] = [];
  const reason = str(hp, 'reason');
  if (reason && state !== 'GO') list.push({ text: reason, level, code: str(hp, 'reason_code') ?? '' });
  for (const o of arr(hp, 'overrides')) if (typeof o === 'string' && o !== reason) list.push({ text: o, level: 'INFO', code: '' });
  return list;
}
