import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../test/helpers/config.js';
import { defineCollector } from '../core/collector.js';
import { metric } from '../shared/metrics.js';
import { buildRules, sampleRules } from './rules.js';

const ups = defineCollector({
  name: 'ups_monitor',
  description: 'test UPS',
  interval: 2,
  metrics: [metric('ups_load_pct', 'ups_load_pct', 'percent', 'gauge', 'UPS load')],
  thresholds: [{ metric: 'ups_load_pct', direction: 'above', warn: 70, critical: 85, help: 'UPS load' }],
  collect: async () => ({}),
});

describe('buildRules', () => {
  it('has the threshold table, the SPEC §4 defaults and collector thresholds', () => {
    const rules = buildRules(defaultConfig(), [ups]);
    expect(rules.map((r) => r.id)).toEqual([
      'ram',
      'cpu',
      'gpu_vram',
      'disk',
      'idle_power',
      'thermal',
      'idle_service_cpu',
      'memory_growth',
      'ups_monitor.ups_load_pct',
    ]);
    expect(rules.find((r) => r.id === 'ram')).toMatchObject({ warn: 70, critical: 85, direction: 'above' });
    expect(rules.find((r) => r.id === 'idle_power')).toMatchObject({ warn: 5, critical: 10 });
  });

  it('config rules add new ones, replace built-ins by id, and `disabled` removes', () => {
    const c = defaultConfig();
    c.alerts.rules = [
      { id: 'ram', direction: 'above', warn: 50, critical: 60, clear: 40 },
      { id: 'zram', metric: 'ram_monitor.swap.zram.pct', direction: 'above', warn: 60, critical: 90, for: 30 },
    ];
    c.alerts.disabled = ['cpu'];
    const rules = buildRules(c, []);
    expect(rules.find((r) => r.id === 'ram')).toMatchObject({ warn: 50, critical: 60, clear: 40, source: 'ram_monitor' });
    expect(rules.find((r) => r.id === 'cpu')).toBeUndefined();
    const zram = rules.find((r) => r.id === 'zram')!;
    expect(zram).toMatchObject({ source: 'ram_monitor', for_s: 30 });
    expect(zram.sample({ ram_monitor: { swap: { zram: { pct: 72 } } } }, c)).toEqual({ value: 72 });
  });

  it('samplers read the worst volume / GPU and name it', () => {
    const c = defaultConfig();
    const rules = buildRules(c, [ups]);
    const s = sampleRules(
      rules,
      {
        disk_monitor: { volumes: { local: [{ mountpoint: '/', pct: 40 }, { mountpoint: '/data', pct: 91 }, { mountpoint: '/stale', pct: 99, stale: true }] } },
        gpu_monitor: { gpus: [{ index: 0, vram_pct: 10 }, { index: 1, vram_pct: 80 }] },
        ups_monitor: { ups_load_pct: 77 },
        power_monitor: { package_w: 12, thermal_pressure: 'serious' },
        cpu_monitor: { aggregate_pct: 2 },
      },
      c,
    );
    expect(s.disk).toEqual({ value: 91, subject: '/data' });
    expect(s.gpu_vram).toEqual({ value: 80, subject: 'GPU 1' });
    expect(s['ups_monitor.ups_load_pct']).toEqual({ value: 77 });
    expect(s.idle_power).toEqual({ value: 12 }); // CPU 2 % < idle.cpu_pct 5 → idle
    expect(s.thermal).toEqual({ value: 2, subject: '(serious)' });
    expect(s.ram).toEqual({ value: null });
    expect(s.memory_growth).toEqual({ value: null });
  });

  it('a collector whose levels come from config (ups:) gets them from the config in force', async () => {
    const { upsMonitor } = await import('../collectors/ups.js');
    const c = defaultConfig();
    c.ups.load_warn = 40;
    c.ups.load_critical = 60;
    const load = buildRules(c, [upsMonitor]).find((r) => r.id === 'ups_monitor.ups_load_pct');
    expect(load).toMatchObject({ warn: 40, critical: 60, direction: 'above' });
    const battery = buildRules(c, [upsMonitor]).find((r) => r.id === 'ups_monitor.battery_charge_pct');
    expect(battery).toMatchObject({ warn: 50, critical: 30, direction: 'below' });
  });

  it('idle power reads 0 while the machine is busy, so a busy spell re-arms it', () => {
    const rules = buildRules(defaultConfig(), []);
    const idle = rules.find((r) => r.id === 'idle_power')!;
    expect(idle.sample({ power_monitor: { package_w: 30 }, cpu_monitor: { aggregate_pct: 60 } }, defaultConfig())).toEqual({ value: 0 });
    expect(idle.sample({ power_monitor: { package_w: null }, cpu_monitor: { aggregate_pct: 1 } }, defaultConfig())).toEqual({ value: null });
  });

  it("idle power follows service_monitor's idle verdict when it runs (a busy loop does not end idleness)", () => {
    const c = defaultConfig();
    const idle = buildRules(c, []).find((r) => r.id === 'idle_power')!;
    const burning = { available: true, idle: { idle: true, state: 'idle_but_burning' } };
    // Aggregate 52 % (a busy loop on one of two CPUs) but the rest of the machine is idle.
    expect(idle.sample({ power_monitor: { package_w: 14 }, cpu_monitor: { aggregate_pct: 52 }, service_monitor: burning }, c)).toEqual({ value: 14 });
    const busy = { available: true, idle: { idle: false, state: 'busy' } };
    expect(idle.sample({ power_monitor: { package_w: 14 }, cpu_monitor: { aggregate_pct: 1 }, service_monitor: busy }, c)).toEqual({ value: 0 });
  });

  it("idle-service CPU reads each service's CPU while it burns with the rest idle; memory growth the steepest slope", () => {
    const c = defaultConfig();
    const rules = buildRules(c, []);
    const services = [
      { name: 'web', cpu_pct: 40, idle_burn_cpu_pct: 0, memory_growth_mb_h: 12 },
      { name: 'spinner', cpu_pct: 99, idle_burn_cpu_pct: 99, memory_growth_mb_h: null },
      { name: 'leaky', cpu_pct: 1, idle_burn_cpu_pct: 0, memory_growth_mb_h: 7150 },
    ];
    const s = sampleRules(rules, { service_monitor: { available: true, services } }, c);
    expect(s.idle_service_cpu).toEqual({ value: 99, subject: 'spinner' });
    expect(s.memory_growth).toEqual({ value: 7150, subject: 'leaky' });
    // Not running, or cannot tell (no CPU figure yet): no reading, the rule keeps its state.
    expect(sampleRules(rules, {}, c).idle_service_cpu).toEqual({ value: null });
    const unknown = { available: true, services: [{ name: 'web', idle_burn_cpu_pct: null }] };
    expect(sampleRules(rules, { service_monitor: unknown }, c).idle_service_cpu).toEqual({ value: null });
  });
});
