import { describe, expect, it } from 'vitest';
import { machineState, type ServiceActivity } from '../../src/services/idle.js';
import { energyWh, type IdleTick, IdleTracker, localDay, MAX_GAP_MS, type PowerReading } from '../../src/services/idle-tracker.js';

const svc = (name: string, cpu_pct: number | null, io_mbps: number | null = 0, idle_cpu_pct = 5): ServiceActivity => ({ name, cpu_pct, io_mbps, idle_cpu_pct });

describe('machineState', () => {
  it.each([
    { name: 'quiet machine, quiet services', agg: 2, svcs: [svc('web', 0.5)], state: 'idle', burners: [] },
    { name: 'busy without any service (a compile in a terminal)', agg: 60, svcs: [svc('web', 0.5)], state: 'busy', burners: [] },
    { name: 'a service doing I/O', agg: 2, svcs: [svc('db', 1, 3.5)], state: 'busy', burners: [] },
    { name: 'a log line is not work', agg: 2, svcs: [svc('db', 1, 0.01)], state: 'idle', burners: [] },
    // 2 CPUs: a busy loop on one is 50 % of the aggregate; the rest (52 − 49.5) is idle.
    { name: 'a busy loop while the rest is idle', agg: 52, svcs: [svc('spin', 99), svc('web', 0.2)], state: 'idle_but_burning', burners: ['spin'] },
    { name: 'two busy loops', agg: 99, svcs: [svc('a', 98), svc('b', 97)], state: 'idle_but_burning', burners: ['a', 'b'] },
    { name: 'a busy loop while something else works too', agg: 70, svcs: [svc('spin', 99), svc('web', 30)], state: 'busy', burners: [] },
    { name: 'a busy loop while a non-service process is busy', agg: 90, svcs: [svc('spin', 99)], state: 'busy', burners: [] },
    { name: 'a per-service idle threshold', agg: 20, svcs: [svc('encoder', 35, 0, 50)], state: 'busy', burners: [] },
    { name: 'no CPU figure yet', agg: null, svcs: [svc('web', 1)], state: 'unknown', burners: [] },
    { name: 'service CPU unknown on first sight', agg: 1, svcs: [svc('web', null, null)], state: 'idle', burners: [] },
  ])('$name → $state', ({ agg, svcs, state, burners }) => {
    const v = machineState(agg, 2, 5, svcs);
    expect(v.state).toBe(state);
    expect(v.burners).toEqual(burners);
  });

  it('rest_cpu_pct is the aggregate without the burners', () => {
    expect(machineState(52, 2, 5, [svc('spin', 99)]).rest_cpu_pct).toBeCloseTo(2.5, 6);
    expect(machineState(3, 2, 5, []).rest_cpu_pct).toBe(3);
  });
});

const W = (watts: number | null, source: PowerReading['source'] = 'rapl'): PowerReading => ({
  watts,
  source: watts === null ? null : source,
  label: watts === null ? null : String(source),
  reason: watts === null ? 'none' : null,
});
const T0 = new Date(2026, 4, 10, 12, 0, 0).getTime(); // local noon

/** Feed ticks every `stepS` seconds from `startS`; returns the last summary. */
function feed(tr: IdleTracker, from: number, to: number, stepS: number, f: (t: number) => Partial<IdleTick>) {
  let last: ReturnType<IdleTracker['step']> | undefined;
  for (let t = from; t <= to; t += stepS) {
    last = tr.step({ mono: t * 1000, wall: T0 + t * 1000, state: 'idle', burners: [], power: W(null), services: [], ...f(t) });
  }
  return last!;
}

describe('IdleTracker: idle time and energy (trapezoid), stretches, today, consumers', () => {
  it('a constant 12 W for 10 minutes of idle is 2 Wh, whatever the tick', () => {
    for (const step of [1, 2, 5]) {
      const s = feed(new IdleTracker(), 0, 600, step, () => ({ power: W(12) }));
      expect(s.today_s).toBe(600);
      expect(s.energy_today_wh).toBeCloseTo(2, 4);
      expect(s.stretch_s).toBe(600);
      expect(s.stretch_energy_wh).toBeCloseTo(2, 4);
      expect(s.since).toBe(new Date(T0).toISOString());
    }
  });

  it('a ramp is integrated exactly by the trapezoid rule (∫ 0→20 W over 1 h = 10 Wh)', () => {
    const s = feed(new IdleTracker(), 0, 3600, 10, (t) => ({ power: W((20 * t) / 3600) }));
    expect(s.energy_today_wh).toBeCloseTo(10, 4);
  });

  it('busy spells are left out; a stretch ends and is remembered', () => {
    const tr = new IdleTracker();
    feed(tr, 0, 60, 2, () => ({ power: W(10) })); // 60 s idle
    feed(tr, 62, 120, 2, () => ({ state: 'busy', power: W(40) }));
    const s = feed(tr, 122, 182, 2, () => ({ power: W(10) })); // 60 s idle again
    expect(s.today_s).toBe(120);
    expect(s.energy_today_wh).toBeCloseTo((10 * 120) / 3600, 4); // reported to 0.1 mWh
    expect(s.stretch_s).toBe(60);
    expect(s.last_stretch).toEqual({ since: new Date(T0).toISOString(), until: new Date(T0 + 62_000).toISOString(), duration_s: 60, energy_wh: round4((10 * 60) / 3600) });
  });

  it('time while only busy-loop suspects run counts as idle, with its own subtotal', () => {
    const tr = new IdleTracker();
    feed(tr, 0, 100, 2, () => ({ power: W(8) }));
    const s = feed(tr, 102, 200, 2, () => ({ state: 'idle_but_burning', burners: ['spin'], power: W(20) }));
    expect(s.today_s).toBe(200);
    // An interval belongs to the state at its end: 100 → 102 is burning already (8 → 20 W).
    expect(s.burn_today_s).toBe(100);
    expect(s.energy_today_wh).toBeCloseTo((8 * 100 + 14 * 2 + 20 * 98) / 3600, 4);
    expect(s.burn_energy_today_wh).toBeCloseTo((14 * 2 + 20 * 98) / 3600, 4);
    expect(s.burners).toEqual(['spin']);
  });

  it('no reading → time counts, energy is null and coverage says so; a source switch uses the newer reading', () => {
    const tr = new IdleTracker();
    const a = feed(tr, 0, 100, 10, () => ({ power: W(null) }));
    expect(a).toMatchObject({ today_s: 100, energy_today_wh: null, energy_covered_s: 0, power_reason: 'none' });
    const b = feed(tr, 110, 200, 10, (t) => ({ power: t < 150 ? W(10, 'battery') : W(30, 'ups') }));
    expect(b.energy_covered_s).toBe(100);
    // 110: first reading (newer only, 10 s × 10 W), 120–140 trapezoid of 10 W, 150 switch (30 W × 10 s), then 30 W.
    expect(b.energy_today_wh).toBeCloseTo((10 * 10 + 10 * 30 + 30 * 10 + 30 * 50) / 3600, 4);
    expect(b.power_source).toBe('ups');
  });

  it('a gap longer than MAX_GAP_MS (suspend) is not integrated', () => {
    const tr = new IdleTracker();
    feed(tr, 0, 10, 10, () => ({ power: W(10) }));
    const s = feed(tr, 10 + MAX_GAP_MS / 1000 + 1, 10 + MAX_GAP_MS / 1000 + 1, 1, () => ({ power: W(10) }));
    expect(s.today_s).toBe(10);
  });

  it('today restarts at local midnight', () => {
    const tr = new IdleTracker();
    const eve = new Date(2026, 4, 10, 23, 59, 0).getTime();
    for (let t = 0; t <= 120; t += 10) tr.step({ mono: t * 1000, wall: eve + t * 1000, state: 'idle', burners: [], power: W(6), services: [] });
    const s = tr.step({ mono: 130_000, wall: eve + 130_000, state: 'idle', burners: [], power: W(6), services: [] });
    expect(s.day).toBe(localDay(eve + 130_000));
    expect(s.day).not.toBe(localDay(eve));
    // Midnight falls at the tick of 00:00:00; the interval ending there, and the seven after it, are the new day's.
    expect(s.today_s).toBe(80);
  });

  it('ranks the services consuming while idle by energy, then CPU seconds; per-service energy is kept', () => {
    const tr = new IdleTracker();
    const s = feed(tr, 0, 100, 2, () => ({
      power: W(10),
      burners: [],
      services: [
        { name: 'web', power_w: 0.5, cpu_pct: 1 },
        { name: 'spin', power_w: 6, cpu_pct: 60 },
        { name: 'cold', power_w: 0, cpu_pct: 0 },
      ],
    }));
    expect(s.consumers.map((c) => c.name)).toEqual(['spin', 'web']);
    expect(s.consumers[0]).toMatchObject({ name: 'spin', cpu_s: 60, avg_cpu_pct: 60 });
    expect(s.consumers[0]!.energy_wh).toBeCloseTo((6 * 100) / 3600, 4);
    expect(tr.serviceEnergyWh('web')).toBeCloseTo((0.5 * 100) / 3600, 4);
    expect(tr.serviceEnergyWh('nope')).toBeNull();
  });

  it('energyWh: trapezoid within one source, newer reading across sources, null without a reading', () => {
    expect(energyWh(10, 'rapl', 20, 'rapl', 3600)).toBe(15);
    expect(energyWh(10, 'rapl', 20, 'ups', 3600)).toBe(20);
    expect(energyWh(null, null, 20, 'ups', 1800)).toBe(10);
    expect(energyWh(10, 'rapl', null, null, 10)).toBeNull();
  });
});

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
