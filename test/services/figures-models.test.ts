import { describe, expect, it } from 'vitest';
import { cpuWatts, gpuShare, powerReading, powerShareW, sumFigures } from '../../src/services/figures.js';
import { ModelTracker } from '../../src/services/models.js';

describe('powerReading: RAPL, else battery on battery, else UPS — named', () => {
  it.each([
    { name: 'RAPL first', p: { power_monitor: { package_w: 7.5, on_battery: true, battery_power_w: 20 }, ups_monitor: { ups_realpower_w: 90 } }, w: 7.5, src: 'rapl' },
    { name: 'battery while on battery', p: { power_monitor: { package_w: null, on_battery: true, battery_power_w: 11.2 } }, w: 11.2, src: 'battery' },
    { name: 'not the charging battery on AC: the UPS', p: { power_monitor: { package_w: null, on_battery: false, battery_power_w: 30 }, ups_monitor: { ups_available: true, ups_realpower_w: 84 } }, w: 84, src: 'ups' },
    { name: 'an unreachable UPS is no reading', p: { ups_monitor: { ups_available: false, ups_realpower_w: null } }, w: null, src: null },
    { name: 'nothing at all', p: {}, w: null, src: null },
  ])('$name', ({ p, w, src }) => {
    const r = powerReading(p);
    expect([r.watts, r.source]).toEqual([w, src]);
    if (w === null) expect(r.reason).toMatch(/^no power reading: /);
    else expect(r.label).toMatch(src === 'rapl' ? /RAPL/ : src === 'battery' ? /battery/ : /UPS/);
  });
});

describe('power share: CPU share × CPU watts + GPU share × GPU watts', () => {
  const gpu = {
    available: true,
    gpus: [
      { index: 0, power_w: 120, processes: [{ pid: 10, vram_mb: 6000 }, { pid: 11, vram_mb: 2000 }, { pid: 50, vram_mb: 8000 }] },
      { index: 1, power_w: 30, processes: [{ pid: 11, vram_mb: 1000 }] },
    ],
  };

  it('VRAM per service across GPUs, and each GPU’s watts shared by VRAM held', () => {
    const g = gpuShare(gpu, new Set([10, 11]));
    expect(g.vram_mb).toBe(9000);
    expect(g.gpu_w).toBeCloseTo(120 * (8000 / 16000) + 30, 9);
    expect(g.all_gpus_w).toBe(150);
    expect(gpuShare({ available: false, reason: 'no GPU' }, new Set([10]))).toEqual({ vram_mb: null, gpu_w: null, all_gpus_w: 0 });
    expect(gpuShare(gpu, new Set([99])).vram_mb).toBe(0);
  });

  it('CPU watts: package watts from RAPL; the whole-machine reading less the GPUs otherwise', () => {
    expect(cpuWatts({ watts: 40, source: 'rapl', label: '', reason: null }, 150)).toBe(40);
    expect(cpuWatts({ watts: 260, source: 'ups', label: '', reason: null }, 150)).toBe(110);
    expect(cpuWatts({ watts: 100, source: 'battery', label: '', reason: null }, 150)).toBe(0);
    expect(cpuWatts({ watts: null, source: null, label: null, reason: 'x' }, 0)).toBeNull();
  });

  it('share of all processes’ CPU time × watts, plus GPU watts', () => {
    expect(powerShareW(50, 200, 40, 10)).toEqual({ cpu_share_pct: 25, cpu_w: 10, power_w: 20 });
    expect(powerShareW(null, 200, 40, null)).toEqual({ cpu_share_pct: null, cpu_w: null, power_w: null });
    expect(powerShareW(5, 0, 40, null)).toEqual({ cpu_share_pct: 0, cpu_w: 0, power_w: 0 });
    expect(powerShareW(300, 200, 40, null).cpu_share_pct).toBe(100); // never more than the whole
  });

  it('sumFigures adds the rows and names the busiest process', () => {
    const f = sumFigures([
      { pid: 1, name: 'a', cpu_pct: 2, rss_mb: 100, threads: 4, read_mbps: null, write_mbps: 0.5 },
      { pid: 2, name: 'b', cpu_pct: 30.25, rss_mb: 50, threads: 1, read_mbps: 1, write_mbps: null },
      { pid: 3, name: 'c', cpu_pct: null, rss_mb: 10, threads: 1, read_mbps: null, write_mbps: null },
    ]);
    expect(f).toEqual({
      process_count: 3,
      cpu_pct: 32.3,
      rss_mb: 160,
      threads: 6,
      read_mbps: 1,
      write_mbps: 0.5,
      top_process: { pid: 2, name: 'b', cpu_pct: 30.25, rss_mb: 50 },
    });
    expect(sumFigures([]).cpu_pct).toBeNull();
  });
});

describe('ModelTracker: how long a loaded model has gone without a generation', () => {
  const ps = (models: Array<Record<string, unknown>>) => ({ available: true, loaded_models: models });

  it('counts from first sight; a keep-alive countdown that jumps back means it was used', () => {
    const t = new ModelTracker();
    const m = (exp: number) => ps([{ name: 'llama3:8b', size_vram_gb: 5.2, expires_in_s: exp }]);
    t.update(0, 0, m(3600), undefined);
    const a = t.update(600_000, 0, m(3000), undefined)[0]!; // counted down 600 s: unused
    expect(a).toMatchObject({ resident_s: 600, idle_s: 600, basis: 'observed', vram_gb: 5.2 });
    const b = t.update(700_000, 0, m(3590), undefined)[0]!; // back up: a request re-armed it
    expect(b).toMatchObject({ idle_s: 0, basis: 'keep_alive' });
    expect(t.update(1_000_000, 0, m(3290), undefined)[0]!.idle_s).toBe(300);
  });

  it('tokens per second for the model (or "generating" with one model) are activity; a forever keep-alive is null', () => {
    const t = new ModelTracker();
    const one = ps([{ name: 'qwen', size_vram_gb: 9, expires_in_s: null }]);
    t.update(0, 0, one, undefined);
    expect(t.update(1_200_000, 0, one, { available: true, generating: false })[0]).toMatchObject({ idle_s: 1200, expires_in_s: null });
    expect(t.update(1_300_000, 0, one, { available: true, generating: true })[0]!.idle_s).toBe(0);
    const two = ps([{ name: 'qwen', expires_in_s: null }, { name: 'phi', expires_in_s: null }]);
    t.update(1_400_000, 0, two, { available: true, per_model: { qwen: { completion_tokens_per_s: 0 }, phi: { completion_tokens_per_s: 31 } } });
    const r = t.update(1_500_000, 0, two, { available: true, generating: true, per_model: {} });
    expect(r.map((x) => [x.name, x.idle_s])).toEqual([
      ['qwen', 200],
      ['phi', 100],
    ]);
  });

  it('a model’s own idle_s / last_generation_ts wins; an unloaded model is forgotten; no Ollama → nothing', () => {
    const t = new ModelTracker();
    const wall = Date.UTC(2026, 0, 1, 12);
    const r = t.update(0, wall, ps([{ name: 'a', idle_s: 4000, first_seen_ts: wall - 5_000_000 }, { name: 'b', last_generation_ts: new Date(wall - 90_000).toISOString() }]), undefined);
    expect(r.map((x) => [x.name, x.idle_s, x.basis, x.resident_s])).toEqual([
      ['a', 4000, 'model', 5000],
      ['b', 90, 'model', 0],
    ]);
    t.update(10_000, wall, ps([]), undefined);
    expect(t.update(20_000, wall, ps([{ name: 'a' }]), undefined)[0]).toMatchObject({ resident_s: 0 });
    expect(t.update(30_000, wall, { available: false, reason: 'down' }, undefined)).toEqual([]);
  });
});
