import type { HeadroomPayload, HeadroomState } from '../shared/protocol-headroom.js';
import { type AlertEvent, type Severity, STORM_BURST } from './types.js';

/**
 * Headroom transitions as events (SPEC §5): any → HOLD (CRITICAL), GO → EASE_IN (WARN),
 * HOLD → GO (INFO, all clear), and the easing steps in between as INFO; plus two causes worth
 * their own message when they appear: disk swap activated (CRITICAL) and the earlyoom browser
 * line crossed (WARN). Pure, with the same storm limit as threshold rules.
 */

export interface HeadroomEventState {
  /** The last state seen; null before the first evaluation (treated as GO). */
  state: HeadroomState | null;
  causes: string[];
  fired: Record<string, number[]>;
  suppressed: Record<string, number>;
}

export const initialHeadroomEventState = (): HeadroomEventState => ({ state: null, causes: [], fired: {}, suppressed: {} });

const CAUSE_EVENTS: Record<string, { severity: Severity; title: string }> = {
  disk_swap_active: { severity: 'CRITICAL', title: 'Disk swap activated' },
  browser_earlyoom: { severity: 'WARN', title: 'Browser memory crossed the earlyoom line' },
};

function transition(from: HeadroomState, to: HeadroomState): { id: string; severity: Severity; title: string } | null {
  if (from === to) return null;
  if (to === 'HOLD') return { id: 'headroom.hold', severity: 'CRITICAL', title: 'HOLD' };
  if (to === 'EASE_IN' && from === 'GO') return { id: 'headroom.ease_in', severity: 'WARN', title: 'EASE_IN' };
  if (to === 'GO' && from === 'HOLD') return { id: 'headroom.all_clear', severity: 'INFO', title: 'GO — all clear' };
  if (to === 'GO') return { id: 'headroom.go', severity: 'INFO', title: 'GO' };
  return { id: 'headroom.eased', severity: 'INFO', title: 'EASE_IN (from HOLD)' };
}

export function evaluateHeadroomEvents(
  prev: HeadroomEventState,
  h: HeadroomPayload,
  now: number,
  rateLimitS: number,
): { state: HeadroomEventState; events: AlertEvent[] } {
  const next: HeadroomEventState = {
    state: h.state,
    causes: h.causes.map((c) => c.code),
    fired: Object.fromEntries(Object.entries(prev.fired).map(([k, ts]) => [k, ts.filter((t) => now - t < rateLimitS * 1000)])),
    suppressed: { ...prev.suppressed },
  };
  const events: AlertEvent[] = [];
  const emit = (id: string, severity: Severity, message: string, data: Record<string, unknown>) => {
    const fired = next.fired[id] ?? [];
    if (fired.length >= STORM_BURST) {
      next.suppressed[id] = (next.suppressed[id] ?? 0) + 1;
      return;
    }
    next.fired[id] = [...fired, now];
    const held = next.suppressed[id] ?? 0;
    delete next.suppressed[id];
    events.push({
      ts: now,
      kind: 'state',
      source: 'headroom',
      severity,
      message: held > 0 ? `${message} — ${held} similar event(s) held back by the rate limit` : message,
      data: { rule: id, ...data, ...(held > 0 ? { suppressed: held } : {}) },
    });
  };

  const t = transition(prev.state ?? 'GO', h.state);
  if (t) {
    const why = h.state === 'GO' ? h.reason : `${h.reason}${h.overrides.length ? ` (+${h.overrides.length} more)` : ''}`;
    emit(t.id, t.severity, `${t.title}: ${why}`, {
      from: prev.state,
      to: h.state,
      reason: h.reason,
      reason_code: h.reason_code,
      overrides: h.overrides,
      causes: h.causes.map((c) => c.code),
    });
  }
  for (const cause of h.causes) {
    const ev = CAUSE_EVENTS[cause.code];
    if (ev && !prev.causes.includes(cause.code))
      emit(`headroom.${cause.code}`, ev.severity, `${ev.title}: ${cause.text}`, { code: cause.code, value: cause.value ?? null });
  }
  return { state: next, events };
}
