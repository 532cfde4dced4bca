import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../test/helpers/config.js';
import type { Config } from '../core/config/schema.js';
import type { Payload } from '../core/collector.js';
import { resolveDrill } from './drills.js';
import { evaluateHeadroom } from './evaluate.js';

/** A calm machine: every input present and nothing near a limit. */
function calm(): Record<string, Payload> {
  return {
    ram_monitor: {
      available: true,
      ram_total_gb: 32,
      ram_pct: 40,
      swap: {
        zram: { used_gb: 0, total_gb: 8, velocity_mbps: 0 },
        disk: { used_gb: 0, total_gb: 4, velocity_mbps: 0 },
      },
      pressure: { memory: { some: { avg10: 0 }, full: { avg10: 0 } } },
      oom_kill_age_s: null,
      top_processes: [{ name: 'firefox', label: 'Browser (Firefox)', browser: 'Firefox', rss_mb: 2048 }],
    },
    cpu_monitor: { available: true, aggregate_pct: 10 },
    disk_monitor: {
      available: true,
      volumes: { local: [{ mountpoint: '/', pct: 50, stale: false }], network: [] },
      pressure: { io: { some: { avg10: 0 } } },
    },
    gpu_monitor: {
      available: true,
      vram_pct: 30,
      gpus: [{ index: 0, name: 'RTX 4090', vram_pct: 30, vram_total_gb: 24 }],
    },
    ups_monitor: {
      ups_available: true,
      on_battery: false,
      low_battery: false,
      ups_load_pct: 20,
      battery_charge_pct: 100,
      battery_runtime_m: 40,
    },
    power_monitor: { available: true, on_battery: false, battery_pct: null, thermal_pressure: 'nominal' },
    ollama_monitor: { available: true, loaded_models: [] },
  };
}

type Patch = (p: Record<string, Payload>) => void;
const set =
  (collector: string, path: string, value: unknown): Patch =>
  (p) => {
    const keys = path.split('.');
    let cur = p[collector] as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    cur[keys.at(-1)!] = value;
  };

function evalWith(patches: Patch[], config: Config = defaultConfig()) {
  const p = calm();
  for (const patch of patches) patch(p);
  return evaluateHeadroom(p, config);
}

describe('evaluateHeadroom', () => {
  it('is GO with "All systems nominal" on a calm machine, with the projection per resource', () => {
    const h = evalWith([]);
    expect(h.state).toBe('GO');
    expect(h.reason).toBe('All systems nominal');
    expect(h.reason_code).toBe('all_nominal');
    expect(h.overrides).toEqual([]);
    expect(h.missing_inputs).toEqual([]);
    // defaults: ram 40 + 8 vs 85; cpu 10 + 15 vs 95; vram 30 + 6 vs 90
    expect(h.breakdown.ram).toMatchObject({ current: 40, delta: 8, projected: 48, threshold: 85, headroom: 37 });
    expect(h.breakdown.cpu).toMatchObject({ current: 10, delta: 15, projected: 25, threshold: 95, headroom: 70 });
    expect(h.breakdown.gpu_vram).toMatchObject({ current: 30, delta: 6, projected: 36, threshold: 90, headroom: 54 });
    expect(h.headroom).toEqual({ ram: 37, cpu: 70, gpu_vram: 54 });
  });

  const holds: [string, Patch[]][] = [
    ['disk_swap_active', [set('ram_monitor', 'swap.disk.used_gb', 0.5), set('ram_monitor', 'swap.disk.velocity_mbps', 3)]],
    ['ups_on_battery', [set('ups_monitor', 'on_battery', true)]],
    ['ups_battery_low', [set('ups_monitor', 'low_battery', true)]],
    ['ups_battery_low', [set('ups_monitor', 'battery_charge_pct', 25)]],
    ['ups_load_critical', [set('ups_monitor', 'ups_load_pct', 90)]],
    ['battery_critical', [set('power_monitor', 'on_battery', true), set('power_monitor', 'battery_pct', 10)]],
    ['ram_critical', [set('ram_monitor', 'ram_pct', 85)]],
    ['cpu_critical', [set('cpu_monitor', 'aggregate_pct', 99)]],
    ['gpu_vram_critical', [set('gpu_monitor', 'gpus', [{ index: 0, vram_pct: 30 }, { index: 1, vram_pct: 95 }])]],
    ['disk_critical', [set('disk_monitor', 'volumes.local', [{ mountpoint: '/data', pct: 93 }])]],
    ['memory_pressure_full', [set('ram_monitor', 'pressure.memory.full.avg10', 12)]],
    ['oom_kill_recent', [set('ram_monitor', 'oom_kill_age_s', 30)]],
    ['thermal_critical', [set('power_monitor', 'thermal_pressure', 'critical')]],
  ];
  it.each(holds)('HOLD: %s', (code, patches) => {
    const h = evalWith(patches);
    expect(h.state).toBe('HOLD');
    expect(h.reason_code).toBe(code);
    expect(h.causes[0]).toMatchObject({ code, level: 'HOLD' });
    expect(h.reason).toBe(h.causes[0]!.text);
    expect(h.reason.length).toBeGreaterThan(10);
  });

  const eases: [string, Patch[]][] = [
    ['zram_swap_growing', [set('ram_monitor', 'swap.zram.used_gb', 1.2), set('ram_monitor', 'swap.zram.velocity_mbps', 4)]],
    ['browser_earlyoom', [set('ram_monitor', 'ram_pct', 75), set('ram_monitor', 'top_processes', [{ name: 'chrome', label: 'Browser (Chrome)', browser: 'Chrome', rss_mb: 8192 }])]],
    ['ups_load_warn', [set('ups_monitor', 'ups_load_pct', 75)]],
    ['ups_battery_warn', [set('ups_monitor', 'battery_charge_pct', 45)]],
    ['ups_runtime_low', [set('ups_monitor', 'battery_runtime_m', 6)]],
    ['battery_low', [set('power_monitor', 'on_battery', true), set('power_monitor', 'battery_pct', 25)]],
    ['swap_proximity', [set('ram_monitor', 'ram_pct', 93)]],
    ['memory_pressure_some', [set('ram_monitor', 'pressure.memory.some.avg10', 15)]],
    ['io_pressure_some', [set('disk_monitor', 'pressure.io.some.avg10', 30)]],
    ['thermal_serious', [set('power_monitor', 'thermal_pressure', 'serious')]],
    ['ram_headroom_low', [set('ram_monitor', 'ram_pct', 74)]],
    ['cpu_headroom_low', [set('cpu_monitor', 'aggregate_pct', 77)]],
    ['gpu_vram_headroom_low', [set('gpu_monitor', 'gpus', [{ index: 0, vram_pct: 81 }])]],
  ];
  it.each(eases)('EASE_IN: %s', (code, patches) => {
    // swap_proximity needs RAM below critical and a job that fits: raise critical, no RAM delta.
    const config = defaultConfig();
    if (code === 'swap_proximity') {
      config.thresholds.ram.critical = 97;
      config.drill_cost.ram_delta_pct = 0;
    }
    const h = evalWith(patches, config);
    expect(h.state).toBe('EASE_IN');
    expect(h.causes.map((c) => c.code)).toContain(code);
    expect(h.causes.every((c) => c.level === 'EASE_IN')).toBe(true);
  });

  it('projected breach → HOLD, or EASE_IN with drill_cost.projected_breach: EASE_IN', () => {
    const h = evalWith([set('gpu_monitor', 'gpus', [{ index: 0, vram_pct: 88 }])]);
    expect(h.state).toBe('HOLD');
    expect(h.reason_code).toBe('gpu_vram_projected_breach');
    expect(h.breakdown.gpu_vram).toMatchObject({ current: 88, delta: 6, projected: 94, headroom: -4 });
    const c = defaultConfig();
    c.drill_cost.projected_breach = 'EASE_IN';
    const soft = evalWith([set('gpu_monitor', 'gpus', [{ index: 0, vram_pct: 88 }])], c);
    expect(soft.state).toBe('EASE_IN');
    expect(soft.causes[0]).toMatchObject({ code: 'gpu_vram_projected_breach', level: 'EASE_IN' });
  });

  it('headroom exactly at the ease-in floor is GO; just below is EASE_IN; exactly 0 is not a breach', () => {
    // 85 − (72 + 8) = 5 → not < 5
    expect(evalWith([set('ram_monitor', 'ram_pct', 72)]).state).toBe('GO');
    expect(evalWith([set('ram_monitor', 'ram_pct', 72.1)]).reason_code).toBe('ram_headroom_low');
    const zero = evalWith([set('ram_monitor', 'ram_pct', 77)]);
    expect(zero.breakdown.ram?.headroom).toBe(0);
    expect(zero.state).toBe('EASE_IN');
    expect(evalWith([set('ram_monitor', 'ram_pct', 77.1)]).reason_code).toBe('ram_projected_breach');
  });

  it('does not repeat a resource already at critical as a projected breach', () => {
    const h = evalWith([set('ram_monitor', 'ram_pct', 90)]);
    expect(h.causes.map((c) => c.code)).toEqual(['ram_critical']);
  });

  it('lists HOLD causes first; reason is the first, overrides the rest', () => {
    const h = evalWith([
      set('ram_monitor', 'swap.zram.used_gb', 1),
      set('ram_monitor', 'swap.zram.velocity_mbps', 2),
      set('ups_monitor', 'on_battery', true),
      set('ram_monitor', 'swap.disk.used_gb', 1),
      set('ram_monitor', 'swap.disk.velocity_mbps', 1),
    ]);
    expect(h.causes.map((c) => c.code)).toEqual(['disk_swap_active', 'ups_on_battery', 'zram_swap_growing']);
    expect(h.reason).toMatch(/^Disk swap active/);
    expect(h.overrides).toHaveLength(2);
    expect(h.overrides[1]).toMatch(/zram/);
  });

  it('boundaries: zram growing needs >= 1 MB/s; disk swap needs both used and velocity > 0', () => {
    expect(evalWith([set('ram_monitor', 'swap.zram.used_gb', 1), set('ram_monitor', 'swap.zram.velocity_mbps', 0.99)]).state).toBe('GO');
    expect(evalWith([set('ram_monitor', 'swap.zram.used_gb', 1), set('ram_monitor', 'swap.zram.velocity_mbps', 1)]).state).toBe('EASE_IN');
    expect(evalWith([set('ram_monitor', 'swap.disk.used_gb', 2), set('ram_monitor', 'swap.disk.velocity_mbps', 0)]).state).toBe('GO');
    expect(evalWith([set('ram_monitor', 'swap.disk.used_gb', 0), set('ram_monitor', 'swap.disk.velocity_mbps', 5)]).state).toBe('GO');
  });

  it('browser earlyoom needs both the browser share and RAM above the floor', () => {
    const big = set('ram_monitor', 'top_processes', [{ name: 'chrome', label: 'Browser (Chrome)', browser: 'Chrome', rss_mb: 8192 }]);
    expect(evalWith([big, set('ram_monitor', 'ram_pct', 60)]).state).toBe('GO');
    const notBrowser = set('ram_monitor', 'top_processes', [{ name: 'java', label: 'java', browser: null, rss_mb: 20000 }]);
    expect(evalWith([notBrowser, set('ram_monitor', 'ram_pct', 75)]).causes.map((c) => c.code)).not.toContain('browser_earlyoom');
  });

  it('OOM hold lasts oom_hold_s', () => {
    expect(evalWith([set('ram_monitor', 'oom_kill_age_s', 300)]).state).toBe('HOLD');
    expect(evalWith([set('ram_monitor', 'oom_kill_age_s', 301)]).state).toBe('GO');
  });

  it('skips the causes of missing or unavailable inputs and says which', () => {
    const p = calm();
    delete p.gpu_monitor;
    p.ups_monitor = { ups_available: false, reason: 'connect ECONNREFUSED 127.0.0.1:3551', on_battery: true };
    p.power_monitor = { available: false, reason: 'no /sys/class/power_supply' };
    const h = evaluateHeadroom(p, defaultConfig());
    expect(h.state).toBe('GO');
    expect(h.missing_inputs).toEqual(['gpu_monitor', 'ups_monitor', 'power_monitor']);
    expect(h.missing_reasons.ups_monitor).toMatch(/ECONNREFUSED/);
    expect(h.missing_reasons.gpu_monitor).toBe('not running');
    expect(h.breakdown.gpu_vram).toBeNull();
    expect(h.headroom.gpu_vram).toBeNull();
  });

  it('a CPU payload without a figure yet (first sample) gives no CPU projection', () => {
    const h = evalWith([set('cpu_monitor', 'aggregate_pct', null)]);
    expect(h.breakdown.cpu).toBeNull();
    expect(h.state).toBe('GO');
  });
});

describe('drills', () => {
  const config = defaultConfig();
  config.drills = {
    'llm-14b': { ram_delta_gb: 4, gpu_vram_delta_gb: 12, cpu_spike_pct: 30 },
    'on-gpu1': { gpu: 1, gpu_vram_delta_pct: 10 },
    qwen: { model: 'qwen2.5:14b', gpu_vram_delta_gb: 10 },
  };

  it('converts absolute GB against the totals and names the drill in the cause', () => {
    const p = calm();
    const h = evaluateHeadroom(p, config, resolveDrill(config, { drill: 'llm-14b' }));
    expect(h.drill.name).toBe('llm-14b');
    expect(h.breakdown.ram).toMatchObject({ current: 40, delta: 12.5, projected: 52.5 }); // 4 / 32 GB
    expect(h.breakdown.gpu_vram).toMatchObject({ current: 30, delta: 50, projected: 80 }); // 12 / 24 GB
    expect(h.breakdown.cpu).toMatchObject({ delta: 30 });
    expect(h.breakdown.gpu_vram?.headroom).toBe(10);
    expect(h.state).toBe('GO');
  });

  it('a drill that would breach RAM → HOLD naming the drill', () => {
    const p = calm();
    (p.ram_monitor as Record<string, unknown>).ram_pct = 60;
    const h = evaluateHeadroom(p, config, resolveDrill(config, { drill: 'llm-14b', ram_delta_gb: 10 }));
    expect(h.breakdown.ram).toMatchObject({ current: 60, delta: 31.3, projected: 91.3 });
    expect(h.state).toBe('HOLD');
    expect(h.reason).toMatch(/RAM would breach.*drill llm-14b/);
  });

  it('ad-hoc fields override the profile and the defaults', () => {
    const d = resolveDrill(config, { drill: 'llm-14b', cpu_spike_pct: 5, ram_delta_pct: 2 });
    expect(d).toMatchObject({ name: 'llm-14b', cpu_spike_pct: 5, ram_delta_pct: 2, ram_delta_gb: null, gpu_vram_delta_gb: 12 });
    expect(resolveDrill(config, {})).toMatchObject({ name: null, ram_delta_pct: 8, cpu_spike_pct: 15, gpu_vram_delta_pct: 6 });
  });

  it('an unknown drill names the known ones', () => {
    expect(() => resolveDrill(config, { drill: 'nope' })).toThrow(/unknown drill "nope"; known drills: llm-14b, on-gpu1, qwen/);
    expect(() => resolveDrill(defaultConfig(), { drill: 'x' })).toThrow(/no drills are configured/);
  });

  it('multi-GPU: the most loaded GPU unless the drill names one', () => {
    const p = calm();
    (p.gpu_monitor as Record<string, unknown>).gpus = [
      { index: 0, vram_pct: 20, vram_total_gb: 24 },
      { index: 1, vram_pct: 60, vram_total_gb: 48 },
    ];
    expect(evaluateHeadroom(p, config).breakdown.gpu_vram?.current).toBe(60);
    const named = evaluateHeadroom(p, config, resolveDrill(config, { gpu: 0 }));
    expect(named.breakdown.gpu_vram?.current).toBe(20);
    expect(evaluateHeadroom(p, config, resolveDrill(config, { drill: 'on-gpu1' })).breakdown.gpu_vram).toMatchObject({ current: 60, delta: 10 });
  });

  it('a model already resident in Ollama costs no new VRAM', () => {
    const p = calm();
    const d = resolveDrill(config, { drill: 'qwen' });
    expect(evaluateHeadroom(p, config, d).breakdown.gpu_vram?.delta).toBe(41.7);
    (p.ollama_monitor as Record<string, unknown>).loaded_models = [{ name: 'qwen2.5:14b', size_vram_gb: 9.6 }];
    const h = evaluateHeadroom(p, config, d);
    expect(h.breakdown.gpu_vram).toMatchObject({ delta: 0 });
    expect(h.breakdown.gpu_vram?.note).toMatch(/already resident/);
  });
});
