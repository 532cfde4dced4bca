/**
 * TEST-ONLY stand-in for the `headroom` collector, used by the browser tests until the real one
 * (issue 4) lands; the lead will switch these tests to it. It evaluates a subset of SPEC §3 from
 * the real ram_monitor / cpu_monitor payloads (disk swap, memory PSI full, OOM, zram growth,
 * the RAM/CPU projection) and returns the shared contract shape, so the dashboard is exercised
 * with states that follow real inputs — nothing here is a hard-coded state.
 */
import type { AnyCollector, Payload } from '../../../src/core/collector.js';
import type { Config } from '../../../src/core/config/schema.js';

type Level = 'HOLD' | 'EASE_IN';
interface Cause {
  code: string;
  text: string;
  level: Level;
  source: string;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const at = (p: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), p);

export function evaluateStandIn(ram: Payload | undefined, cpu: Payload | undefined, config: Config): Payload {
  const causes: Cause[] = [];
  const missing: string[] = [];
  const dc = config.drill_cost;
  const diskV = n(at(ram, 'swap.disk.velocity_mbps'));
  if (diskV !== null && diskV > 0 && (n(at(ram, 'swap.disk.used_gb')) ?? 0) > 0)
    causes.push({ code: 'disk_swap_active', text: `disk swap active (${diskV} MB/s)`, level: 'HOLD', source: 'ram_monitor' });
  const full = n(at(ram, 'pressure.memory.full.avg10'));
  if (full !== null && full > config.pressure.memory_full_critical)
    causes.push({ code: 'memory_psi_full', text: `memory PSI full ${full}%`, level: 'HOLD', source: 'ram_monitor' });
  if (at(ram, 'oom_kill_recent') === true)
    causes.push({ code: 'oom_kill_recent', text: 'an OOM kill happened recently', level: 'HOLD', source: 'ram_monitor' });
  const zramV = n(at(ram, 'swap.zram.velocity_mbps'));
  if (zramV !== null && zramV >= 1)
    causes.push({ code: 'zram_growing', text: `zram swap growing (${zramV} MB/s)`, level: 'EASE_IN', source: 'ram_monitor' });

  const project = (key: 'ram' | 'cpu', current: number | null, delta: number, warn: number, crit: number) => {
    if (current === null) {
      missing.push(`${key}: no current value`);
      return { h: null, b: null };
    }
    const projected = Math.round((current + delta) * 10) / 10;
    const h = Math.round((crit - projected) * 10) / 10;
    if (h < 0)
      causes.push({ code: `${key}_projected_breach`, text: `${key.toUpperCase()} would reach ${projected}% (critical ${crit}%)`, level: dc.projected_breach, source: 'projection' });
    else if (h < dc.headroom_ease_in_pct)
      causes.push({ code: `${key}_headroom_low`, text: `${key.toUpperCase()} headroom ${h}%`, level: 'EASE_IN', source: 'projection' });
    return { h, b: { current, delta, projected, warn, threshold: crit } };
  };
  const t = config.thresholds;
  const r = project('ram', n(at(ram, 'ram_pct')), dc.ram_delta_pct, t.ram.warn, t.ram.critical);
  const c = project('cpu', n(at(cpu, 'aggregate_pct')), dc.cpu_spike_pct, t.cpu.warn, t.cpu.critical);
  missing.push('gpu_vram: no GPU reported');

  const hold = causes.filter((x) => x.level === 'HOLD');
  const ease = causes.filter((x) => x.level === 'EASE_IN');
  const ordered = [...hold, ...ease];
  const state = hold.length ? 'HOLD' : ease.length ? 'EASE_IN' : 'GO';
  return {
    available: true,
    state,
    reason: ordered[0]?.text ?? 'All systems nominal',
    reason_code: ordered[0]?.code ?? 'nominal',
    overrides: ordered.slice(1).map((x) => x.text),
    causes: ordered,
    headroom: { ram: r.h, cpu: c.h, gpu_vram: null },
    breakdown: { ram: r.b, cpu: c.b, gpu_vram: null },
    drill: { name: null },
    missing_inputs: missing,
    ease_in_pct: dc.headroom_ease_in_pct,
  };
}

export function standInHeadroom(interval = 0.5): AnyCollector {
  return {
    name: 'headroom',
    description: 'TEST-ONLY stand-in for the headroom collector (browser tests)',
    interval,
    metrics: [],
    collect: async (ctx) => evaluateStandIn(ctx.latest('ram_monitor'), ctx.latest('cpu_monitor'), ctx.config),
  };
}
