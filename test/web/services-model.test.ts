import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IdleSummary, ServiceRow } from '../../src/shared/protocol-services.js';
import {
  activityText,
  evidenceText,
  fmtGrowth,
  fmtWh,
  idleEnergyText,
  idleOf,
  idleStateText,
  recommendationsOf,
  serviceCells,
  servicesOf,
  sortServices,
  stretchText,
} from '../../web/src/services-model.js';

const golden = JSON.parse(readFileSync(new URL('../golden/workstation-zram-nfs.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;
const payload = golden.service_monitor!;

const idle = (p: Partial<IdleSummary>): IdleSummary => ({
  ...(idleOf(payload) as IdleSummary),
  ...p,
});

describe('services model', () => {
  it('reads the golden service_monitor payload', () => {
    const rows = servicesOf(payload);
    expect(rows.map((r) => r.name)).toContain('ollama');
    expect(recommendationsOf(payload)).toEqual([]);
    expect(idleOf(payload)?.state).toBe('busy');
    expect(servicesOf(null)).toEqual([]);
    expect(idleOf({ idle: null })).toBeNull();
  });

  it('sorts by CPU and RSS, unknown CPU last either way, ties by name', () => {
    const rows = servicesOf(payload);
    const mk = (name: string, cpu: number | null, rss: number) => ({ ...rows[0]!, name, cpu_pct: cpu, rss_mb: rss }) as ServiceRow;
    const list = [mk('a', 5, 100), mk('b', null, 50), mk('c', 80, 10), mk('d', 5, 900)];
    expect(sortServices(list, 'cpu', true).map((r) => r.name)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortServices(list, 'cpu', false).map((r) => r.name)).toEqual(['a', 'd', 'c', 'b']);
    expect(sortServices(list, 'rss', true).map((r) => r.name)).toEqual(['d', 'a', 'b', 'c']);
    expect(sortServices(list, 'name', false).map((r) => r.name)).toEqual(['a', 'b', 'c', 'd']);
    const golden = sortServices(rows, 'cpu', true).map((r) => r.name);
    expect(golden.slice(0, 3)).toEqual(['ollama', 'vllm', 'jupyter-lab.service']);
  });

  it('formats the cells with units', () => {
    const ollama = servicesOf(payload).find((r) => r.name === 'ollama')!;
    expect(serviceCells(ollama)).toEqual(['ollama', 'running', '242%', '9.3 GB', '0 MB', '42.0 W', 'active', '—', '11434']);
    const pg = servicesOf(payload).find((r) => r.name === 'pg-dev')!;
    expect(serviceCells(pg).slice(2)).toEqual(['30%', '181 MB', '0 MB', '5.2 W', 'active', '—', '—']);
  });

  it('growth, energy and activity texts', () => {
    expect(fmtGrowth(null)).toBe('—');
    expect(fmtGrowth(12.34)).toBe('+12 MB/h');
    expect(fmtGrowth(-3.46)).toBe('−3.5 MB/h');
    expect(fmtGrowth(0.01)).toBe('0 MB/h');
    expect(fmtWh(null)).toBe('—');
    expect(fmtWh(0.42)).toBe('0.42 Wh');
    expect(fmtWh(12.5)).toBe('12.5 Wh');
    expect(fmtWh(1240)).toBe('1.24 kWh');
    expect(activityText({ active: true, idle_for_s: 0, last_active: 'x' })).toBe('active');
    expect(activityText({ active: false, idle_for_s: 190, last_active: '2026-01-01T00:00:00Z' })).toBe('idle 3 min');
    expect(activityText({ active: false, idle_for_s: 40, last_active: null })).toBe('not active · 40 s');
  });

  it('idle summary lines', () => {
    expect(idleStateText(idle({}))).toBe('busy');
    expect(idleStateText(idle({ state: 'idle_but_burning', burners: ['vllm'] }))).toBe('idle but burning (vllm)');
    expect(stretchText(idle({}))).toBe('not idle');
    expect(stretchText(idle({ idle: true, stretch_s: 720, stretch_energy_wh: 3.4 }))).toBe('12 min · 3.4 Wh');
    expect(idleEnergyText(idle({}))).toEqual({ text: '—', title: 'no power reading' });
    expect(idleEnergyText(idle({ energy_today_wh: 8.2, today_s: 3600, energy_covered_s: 1800 }))).toEqual({
      text: '8.2 Wh (50% covered)',
      title: 'RAPL package power (power_monitor.package_w)',
    });
    expect(evidenceText({ idle_for_s: 5400, vram_mb: 10360.4, model: 'qwen', x: null, growth_mb_h: 42, cpu_pct: 97, energy_wh: 2.5, count: 3, idle_min: 95, r2: 0.934 })).toBe(
      'idle for 1 h 30 min · vram 10.4 GB · model qwen · growth +42 MB/h · cpu 97% · energy 2.5 Wh · count 3 · idle 1 h 35 min · r2 0.93',
    );
  });
});
