import { describe, expect, it } from 'vitest';
import type { IdleSummary } from '../../src/shared/protocol-services.js';
import { BUSY_LOOP_SAMPLES, IDLE_POWER_MIN_S, type RecommendInput, recommend } from '../../src/services/recommend.js';
import { defaultConfig } from '../helpers/config.js';
import { serviceRow } from './rows.js';

function idle(patch: Partial<IdleSummary & { rest_cpu_pct: number | null }> = {}): IdleSummary & { rest_cpu_pct: number | null } {
  return {
    state: 'busy',
    idle: false,
    burners: [],
    rest_cpu_pct: 40,
    since: null,
    stretch_s: 0,
    stretch_energy_wh: null,
    today_s: 0,
    energy_today_wh: null,
    energy_covered_s: 0,
    burn_today_s: 0,
    burn_energy_today_wh: null,
    power_w: null,
    power_source: null,
    power_source_label: null,
    power_reason: null,
    last_stretch: null,
    day: '2026-01-01',
    tracked_since: '2026-01-01T00:00:00.000Z',
    consumers: [],
    ...patch,
  };
}

function input(patch: Partial<RecommendInput> = {}): RecommendInput {
  return {
    config: defaultConfig(),
    services: [],
    burning: new Map(),
    idle: idle(),
    models: [],
    modelService: null,
    ram: undefined,
    packageW: null,
    ...patch,
  };
}

describe('recommend', () => {
  it('nothing to say about a quiet machine', () => {
    expect(recommend(input({ services: [serviceRow('web')] }))).toEqual([]);
  });

  it('an LLM model idle past idle.model_idle holding VRAM: unload / keep_alive, with its numbers', () => {
    const r = recommend(
      input({
        modelService: 'ollama',
        models: [
          { name: 'llama3:70b', vram_gb: 10.4, resident_s: 7200, idle_s: 7200, expires_in_s: null, basis: 'observed' },
          { name: 'phi3', vram_gb: 2.1, resident_s: 600, idle_s: 600, expires_in_s: 240, basis: 'keep_alive' }, // 10 min < 15 min
        ],
      }),
    );
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({
      id: 'llm_model_idle:llama3:70b',
      kind: 'llm_model_idle',
      severity: 'WARN',
      service: 'ollama',
      evidence: { model: 'llama3:70b', vram_gb: 10.4, idle_min: 120, resident_min: 120, expires_in_s: null, rule_idle_min: 15 },
    });
    expect(r[0]!.text).toMatch(/llama3:70b .*2 h .*10\.4 GB VRAM .*keep_alive is forever.*ollama stop llama3:70b/);
  });

  it('a busy loop: only after BUSY_LOOP_SAMPLES samples, above the idle-CPU rule, naming the pid; critical above its critical level', () => {
    const spin = serviceRow('spinner', { cpu_pct: 98.7, idle_burn_cpu_pct: 98.7, power_w: 6.2, top_process: { pid: 4242, name: 'node', cpu_pct: 98.7, rss_mb: 40 } });
    const base = { services: [spin], idle: idle({ state: 'idle_but_burning', idle: true, burners: ['spinner'], rest_cpu_pct: 1.4 }) };
    expect(recommend(input({ ...base, burning: new Map([['spinner', { samples: BUSY_LOOP_SAMPLES - 1, seconds: 4 }]]) }))).toEqual([]);
    const [r] = recommend(input({ ...base, burning: new Map([['spinner', { samples: BUSY_LOOP_SAMPLES, seconds: 6 }]]) }));
    expect(r).toMatchObject({
      id: 'busy_loop:spinner',
      severity: 'CRITICAL',
      service: 'spinner',
      evidence: { cpu_pct: 98.7, for_s: 6, rest_cpu_pct: 1.4, pid: 4242, process: 'node', power_w: 6.2, rule_warn_pct: 5, rule_critical_pct: 20 },
    });
    expect(r!.text).toMatch(/spinner \(pid 4242 node\) has used 98\.7% CPU for 6 s while the rest of the machine is idle \(rest 1\.4% CPU/);
    const mild = serviceRow('poller', { cpu_pct: 8, idle_burn_cpu_pct: 8 });
    const [m] = recommend(input({ services: [mild], idle: idle({ idle: true }), burning: new Map([['poller', { samples: 5, seconds: 10 }]]) }));
    expect(m!.severity).toBe('WARN');
  });

  it('memory growth above the leak rule, with slope, r², window and RSS', () => {
    const r = recommend(
      input({
        config: defaultConfig({ idle: { leak_window: '20s' } }),
        services: [
          serviceRow('leaky', { memory_growth_mb_h: 7150.3, memory_growth_r2: 0.998, rss_mb: 412.5, main_pid: 77 }),
          serviceRow('steady', { memory_growth_mb_h: 40 }),
          serviceRow('warm', { memory_growth_mb_h: 150 }),
        ],
      }),
    );
    expect(r.map((x) => [x.id, x.severity])).toEqual([
      ['memory_growth:leaky', 'CRITICAL'],
      ['memory_growth:warm', 'WARN'],
    ]);
    expect(r[0]!.evidence).toEqual({ memory_growth_mb_h: 7150.3, r2: 0.998, window_s: 20, rss_mb: 412.5, pid: 77, rule_warn_mb_h: 100, rule_critical_mb_h: 500 });
    expect(r[0]!.text).toMatch(/leaky's memory grows 7150 MB\/h \(least-squares over 20 s, r² 0\.998; RSS now 413 MB\)/);
  });

  it('package power while idle above the rule, after IDLE_POWER_MIN_S, naming the top idle consumer', () => {
    const consumers = [{ name: 'spinner', energy_wh: 0.8, cpu_s: 300, avg_cpu_pct: 50, burning: true }];
    const quiet = idle({ state: 'idle', idle: true, stretch_s: IDLE_POWER_MIN_S + 240, stretch_energy_wh: 0.9, consumers });
    const [r] = recommend(input({ idle: quiet, packageW: 12.34 }));
    expect(r).toMatchObject({ id: 'idle_power:package', severity: 'CRITICAL', service: 'spinner', evidence: { package_w: 12.34, idle_for_s: 300, top_consumer: 'spinner', rule_warn_w: 5 } });
    expect(r!.text).toMatch(/12\.3 W after 5 min idle, above the idle-power rule of 5 W; .*spinner \(0\.8 Wh, 50% CPU\)/);
    expect(recommend(input({ idle: { ...quiet, stretch_s: 30 }, packageW: 12 }))).toEqual([]); // too early
    expect(recommend(input({ idle: quiet, packageW: 4.2 }))).toEqual([]); // under the rule
    expect(recommend(input({ idle: { ...quiet, idle: false }, packageW: 30 }))).toEqual([]); // busy: fine
  });

  it('disk swap in use while RAM is free; a browser near the earlyoom line', () => {
    const ram = {
      available: true,
      ram_total_gb: 16,
      ram_free_gb: 9.8,
      ram_pct: 38.8,
      swap: { disk: { used_gb: 1.2 } },
      top_processes: [
        { name: 'chrome', label: 'Browser (Chrome)', browser: 'Chrome', rss_mb: 2800, renderer_count: 31 },
        { name: 'firefox', label: 'Browser (Firefox)', browser: 'Firefox', rss_mb: 900, renderer_count: 4 },
        { name: 'code', label: 'code', browser: null, rss_mb: 4000, renderer_count: 0 },
      ],
    };
    const r = recommend(input({ ram }));
    expect(r.map((x) => [x.id, x.severity])).toEqual([
      ['browser_earlyoom:Chrome', 'INFO'], // 17.1 % of RAM: above 0.8 × 20 %, below 20 %
      ['disk_swap_ram_free:swap', 'INFO'],
    ]);
    expect(r[0]!.evidence).toEqual({ browser: 'Browser (Chrome)', rss_mb: 2800, pct_of_ram: 17.1, tabs: 31, earlyoom_line_pct: 20 });
    expect(r[1]!.evidence).toEqual({ swap_disk_used_gb: 1.2, ram_free_gb: 9.8, ram_pct: 38.8, rule_ram_warn_pct: 70 });
    // RAM tight: swap is in use for a reason, no advice.
    expect(recommend(input({ ram: { ...ram, ram_free_gb: 1, ram_pct: 93, top_processes: [] } }))).toEqual([]);
  });

  it('most severe first', () => {
    const r = recommend(
      input({
        services: [serviceRow('a', { memory_growth_mb_h: 150 }), serviceRow('b', { memory_growth_mb_h: 900 })],
        ram: { available: true, ram_total_gb: 16, ram_free_gb: 10, ram_pct: 30, swap: { disk: { used_gb: 2 } }, top_processes: [] },
      }),
    );
    expect(r.map((x) => x.severity)).toEqual(['CRITICAL', 'WARN', 'INFO']);
  });
});
