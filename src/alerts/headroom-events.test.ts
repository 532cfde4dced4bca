import { describe, expect, it } from 'vitest';
import type { HeadroomPayload, HeadroomState } from '../shared/protocol-headroom.js';
import { evaluateHeadroomEvents, type HeadroomEventState, initialHeadroomEventState } from './headroom-events.js';

function h(state: HeadroomState, codes: string[] = []): HeadroomPayload {
  const causes = codes.map((code) => ({ code, text: `text of ${code}`, level: state === 'HOLD' ? ('HOLD' as const) : ('EASE_IN' as const), source: 'x' }));
  return {
    available: true,
    state,
    state_level: 0,
    reason: causes[0]?.text ?? 'All systems nominal',
    reason_code: causes[0]?.code ?? 'all_nominal',
    overrides: causes.slice(1).map((c) => c.text),
    causes,
    cause_count: causes.length,
    headroom: { ram: null, cpu: null, gpu_vram: null },
    breakdown: { ram: null, cpu: null, gpu_vram: null },
    drill: { name: null, ram_delta_pct: 8, cpu_spike_pct: 15, gpu_vram_delta_pct: 6, ram_delta_gb: null, gpu_vram_delta_gb: null, gpu: null, model: null },
    missing_inputs: [],
    missing_reasons: {},
    ease_in_pct: 5,
    projected_breach: 'HOLD',
    available_drills: [],
  };
}

function seq(payloads: HeadroomPayload[], stepMs = 2000) {
  let st: HeadroomEventState = initialHeadroomEventState();
  return payloads.map((p, i) => {
    const out = evaluateHeadroomEvents(st, p, i * stepMs, 300);
    st = out.state;
    return out.events.map((e) => `${e.severity}:${e.data.rule}`).join(' ') || '-';
  });
}

describe('headroom transitions as events', () => {
  it('SPEC §5 table: any → HOLD CRITICAL, GO → EASE_IN WARN, HOLD → GO INFO all clear', () => {
    expect(seq([h('GO'), h('EASE_IN', ['zram_swap_growing']), h('HOLD', ['ups_on_battery']), h('GO')])).toEqual([
      '-',
      'WARN:headroom.ease_in',
      'CRITICAL:headroom.hold',
      'INFO:headroom.all_clear',
    ]);
  });

  it('fires once per transition, not on every tick in the same state', () => {
    expect(seq([h('HOLD', ['ram_critical']), h('HOLD', ['ram_critical']), h('HOLD', ['ram_critical', 'cpu_critical'])])).toEqual([
      'CRITICAL:headroom.hold',
      '-',
      '-',
    ]);
  });

  it('easing steps are INFO: HOLD → EASE_IN, EASE_IN → GO', () => {
    expect(seq([h('HOLD', ['x']), h('EASE_IN', ['y']), h('GO')])).toEqual(['CRITICAL:headroom.hold', 'INFO:headroom.eased', 'INFO:headroom.go']);
  });

  it('disk swap activated (CRITICAL) and the earlyoom browser line (WARN) are events of their own, on appearance only', () => {
    const out = seq([h('GO'), h('HOLD', ['disk_swap_active']), h('HOLD', ['disk_swap_active']), h('GO'), h('EASE_IN', ['browser_earlyoom'])]);
    expect(out).toEqual([
      '-',
      'CRITICAL:headroom.hold CRITICAL:headroom.disk_swap_active',
      '-',
      'INFO:headroom.all_clear',
      'WARN:headroom.ease_in WARN:headroom.browser_earlyoom',
    ]);
  });

  it('a first evaluation already in HOLD is reported (from an implied GO)', () => {
    expect(seq([h('HOLD', ['oom_kill_recent'])])).toEqual(['CRITICAL:headroom.hold']);
  });

  it('flapping is limited to 3 messages per transition kind per window', () => {
    const flap = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? h('HOLD', ['cpu_critical']) : h('GO')));
    const holds = seq(flap).filter((s) => s.includes('headroom.hold'));
    expect(holds).toHaveLength(3);
  });

  it('the message carries the reason and how many other causes there are', () => {
    const out = evaluateHeadroomEvents(initialHeadroomEventState(), h('HOLD', ['ups_on_battery', 'ram_critical']), 0, 300);
    expect(out.events[0]!.message).toBe('HOLD: text of ups_on_battery (+1 more)');
    expect(out.events[0]!.data).toMatchObject({ from: null, to: 'HOLD', reason_code: 'ups_on_battery', causes: ['ups_on_battery', 'ram_critical'] });
  });
});
