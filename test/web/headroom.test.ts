import { describe, expect, it } from 'vitest';
import { barsOf, causesOf, pctShort } from '../../web/src/headroom-model.js';

// The reference README's example: RAM 69 + 8 → 77 (crit 85), CPU 2.3 + 15, VRAM 88.5 + 6 → 94.5 (crit 90).
const payload = {
  available: true,
  state: 'HOLD',
  reason: 'VRAM would reach 94.5%',
  reason_code: 'gpu_vram_projected_breach',
  overrides: ['zram swap growing'],
  causes: [
    { code: 'gpu_vram_projected_breach', text: 'VRAM would reach 94.5%', level: 'HOLD', source: 'projection' },
    { code: 'zram_growing', text: 'zram swap growing', level: 'EASE_IN', source: 'ram_monitor' },
  ],
  headroom: { ram: 8, cpu: 77.7, gpu_vram: -4.5 },
  breakdown: {
    ram: { current: 69, delta: 8, projected: 77, warn: 70, threshold: 85 },
    cpu: { current: 2.3, delta: 15, projected: 17.3, warn: 80, threshold: 95 },
    gpu_vram: { current: 88.5, delta: 6, projected: 94.5, warn: 75, threshold: 90 },
  },
  missing_inputs: [],
};

describe('headroom bars', () => {
  it('formula line, margin, width and colour per resource', () => {
    const [ram, cpu, vram] = barsOf(payload);
    expect(ram).toMatchObject({ label: 'RAM', formula: 'now 69% + 8δ → 77% · crit 85%', value: '8%', width: 8, tone: 'green' });
    expect(cpu).toMatchObject({ formula: 'now 2.3% + 15δ → 17.3% · crit 95%', value: '77.7%', tone: 'green' });
    // Negative: solid red at full width, the figure by how much it would breach.
    expect(vram).toMatchObject({ formula: 'now 88.5% + 6δ → 94.5% · crit 90%', value: '−4.5%', width: 100, tone: 'red' });
  });

  it('amber below headroom_ease_in_pct (default 5, or the payload’s own)', () => {
    const p = structuredClone(payload);
    p.headroom.ram = 3;
    expect(barsOf(p)[0]?.tone).toBe('amber');
    expect(barsOf({ ...p, ease_in_pct: 2 })[0]?.tone).toBe('green');
    p.headroom.ram = 0;
    expect(barsOf(p)[0]).toMatchObject({ tone: 'amber', width: 0 });
  });

  it('a resource without data (no GPU) is "not available" with the reason', () => {
    const p = { ...payload, headroom: { ram: 8, cpu: 77.7, gpu_vram: null }, breakdown: { ...payload.breakdown, gpu_vram: null }, missing_inputs: ['gpu_vram: gpu_monitor reports no GPU'] };
    expect(barsOf(p)[2]).toMatchObject({ available: false, tone: 'muted', reason: 'gpu_vram: gpu_monitor reports no GPU' });
  });

  it('headroom derived from the breakdown when the headroom object lacks it; garbage is not available', () => {
    const p = { ...payload, headroom: {} };
    expect(barsOf(p)[0]?.headroom).toBe(8);
    expect(barsOf({ breakdown: { ram: { current: 'x' } } }).every((b) => !b.available)).toBe(true);
    expect(barsOf(null).every((b) => !b.available)).toBe(true);
  });

  it('causes: every active one with its level; from overrides when causes[] is absent', () => {
    expect(causesOf(payload).map((c) => [c.level, c.text])).toEqual([
      ['HOLD', 'VRAM would reach 94.5%'],
      ['EASE_IN', 'zram swap growing'],
    ]);
    const old = { state: 'EASE_IN', reason: 'zram growing', overrides: ['UPS load high'] };
    expect(causesOf(old).map((c) => [c.level, c.text])).toEqual([
      ['EASE_IN', 'zram growing'],
      ['INFO', 'UPS load high'],
    ]);
    expect(causesOf({ state: 'GO', reason: 'All systems nominal', overrides: [] })).toEqual([]);
  });

  it('short percentages', () => {
    expect([pctShort(69), pctShort(88.5), pctShort(17.34), pctShort(null)]).toEqual(['69%', '88.5%', '17.3%', '—']);
  });
});
