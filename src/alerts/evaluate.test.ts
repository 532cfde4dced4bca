import { describe, expect, it } from 'vitest';
import { evaluateAlerts } from './evaluate.js';
import type { AlertEvent, AlertRule, AlertState } from './types.js';

const ram: AlertRule = { id: 'ram', source: 'ram_monitor', label: 'RAM', unit: '%', direction: 'above', warn: 70, critical: 85 };
const battery: AlertRule = { id: 'batt', source: 'power_monitor', label: 'Battery', unit: '%', direction: 'below', warn: 30, critical: 15 };

/** Feed a series of values (one per second) through one rule; returns the events per tick. */
function run(rule: AlertRule, values: (number | null)[], t0 = 1_000_000, rateLimitS = 300): { events: (AlertEvent | undefined)[][]; state: AlertState } {
  let state: AlertState = {};
  const events: (AlertEvent | undefined)[][] = [];
  values.forEach((value, i) => {
    const out = evaluateAlerts([rule], { [rule.id]: { value } }, state, t0 + i * 1000, rateLimitS);
    state = out.state;
    events.push(out.events);
  });
  return { events, state };
}
const sev = (evs: (AlertEvent | undefined)[][]) => evs.map((e) => e.map((x) => x?.severity ?? '?').join(',') || '-');

describe('evaluateAlerts: edge-triggered with hysteresis', () => {
  it('fires once on crossing warn, once on crossing critical, nothing while it stays', () => {
    const { events } = run(ram, [50, 71, 75, 86, 90, 88]);
    expect(sev(events)).toEqual(['-', 'WARN', '-', 'CRITICAL', '-', '-']);
    expect(events[1]![0]!.message).toBe('RAM above warn: 71% (≥ 70%)');
    expect(events[3]![0]!.data).toMatchObject({ rule: 'ram', level: 'critical', value: 86, warn: 70, critical: 85 });
  });

  it('exactly at the level counts as crossed', () => {
    expect(sev(run(ram, [70]).events)).toEqual(['WARN']);
    expect(sev(run(ram, [85]).events)).toEqual(['CRITICAL']);
    expect(sev(run(ram, [69.9]).events)).toEqual(['-']);
  });

  it('jumping straight past critical sends one CRITICAL, not WARN then CRITICAL', () => {
    expect(sev(run(ram, [50, 95]).events)).toEqual(['-', 'CRITICAL']);
  });

  it('does not re-fire when dropping from critical to warn and back up; re-arms only below warn', () => {
    const { events } = run(ram, [90, 75, 90, 75, 69, 72, 90]);
    expect(sev(events)).toEqual(['CRITICAL', '-', '-', '-', 'INFO', 'WARN', 'CRITICAL']);
    expect(events[4]![0]!.message).toBe('RAM back to 69% (below 70%)');
  });

  it('a separate clear level: no re-arm between clear and warn', () => {
    const r = { ...ram, clear: 60 };
    expect(sev(run(r, [72, 65, 72, 59, 72]).events)).toEqual(['WARN', '-', '-', 'INFO', 'WARN']);
  });

  it('direction below mirrors every edge', () => {
    expect(sev(run(battery, [80, 30, 20, 14, 20, 31, 29]).events)).toEqual(['-', 'WARN', '-', 'CRITICAL', '-', 'INFO', 'WARN']);
    const { events } = run(battery, [14]);
    expect(events[0]![0]!.message).toBe('Battery below critical: 14% (≤ 15%)');
  });

  it('null values (collector missing) keep the state and send nothing', () => {
    expect(sev(run(ram, [90, null, null, 90, null, 50]).events)).toEqual(['CRITICAL', '-', '-', '-', '-', 'INFO']);
  });

  it('`for`: a level must hold for_s before it fires; a dip resets the clock', () => {
    const r = { ...ram, for_s: 3 };
    // t=0 71, 1 72, 2 60 (reset), 3 71, 4 71, 5 71, 6 71 → fires at t=6 (held 3 s since t=3)
    expect(sev(run(r, [71, 72, 60, 71, 71, 71, 71]).events)).toEqual(['-', '-', '-', '-', '-', '-', 'WARN']);
    // critical needs its own 3 s; warn fires meanwhile once warn held 3 s
    expect(sev(run(r, [90, 90, 90, 90]).events)).toEqual(['-', '-', '-', 'CRITICAL']);
  });

  it('storm limit: at most 3 firings per rule per window, then counted and reported with the next one', () => {
    const flap = [75, 50, 75, 50, 75, 50, 75, 50, 75];
    const { events, state } = run(ram, flap, 0, 300);
    const fired = events.flat().filter((e) => e?.severity === 'WARN');
    expect(fired).toHaveLength(3);
    expect(state.ram!.suppressed).toBe(2);
    // After the window passes, the next crossing goes out and says how many were held back.
    const later = evaluateAlerts([ram], { ram: { value: 40 } }, state, 400_000);
    const again = evaluateAlerts([ram], { ram: { value: 80 } }, later.state, 401_000);
    expect(again.events[0]!.message).toMatch(/2 similar alert\(s\) held back/);
    expect(again.events[0]!.data.suppressed).toBe(2);
  });

  it('an escalation to critical is never held back by the storm limit', () => {
    const { events } = run(ram, [75, 50, 75, 50, 75, 50, 75, 90], 0, 300);
    expect(events.at(-1)!.map((e) => e?.severity)).toEqual(['CRITICAL']);
  });

  it('per-rule rate_limit_s overrides the default window', () => {
    const r = { ...ram, rate_limit_s: 2 };
    const fired = run(r, [75, 50, 75, 50, 75, 50, 75, 50, 75]).events.flat().filter((e) => e?.severity === 'WARN');
    expect(fired.length).toBeGreaterThan(3);
  });

  it('keeps the state of rules it was not given samples for', () => {
    const first = evaluateAlerts([ram, battery], { ram: { value: 90 }, batt: { value: 10 } }, {}, 0);
    expect(first.events).toHaveLength(2);
    const second = evaluateAlerts([ram, battery], { ram: { value: 90 } }, first.state, 1000);
    expect(second.events).toEqual([]);
    expect(second.state.batt!.level).toBe('critical');
  });

  it('names the subject when the sample has one', () => {
    const disk: AlertRule = { id: 'disk', source: 'disk_monitor', label: 'Disk', unit: '%', direction: 'above', warn: 80, critical: 90 };
    const out = evaluateAlerts([disk], { disk: { value: 93, subject: '/data' } }, {}, 0);
    expect(out.events[0]!.message).toBe('Disk /data above critical: 93% (≥ 90%)');
  });
});
