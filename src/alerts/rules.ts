import type { AnyCollector, Payload } from '../core/collector.js';
import type { Config } from '../core/config/schema.js';
import { arr, bool, num, type Payloads, str } from '../headroom/inputs.js';
import { extractMetric } from '../shared/metrics.js';
import type { AlertRule, RuleSample } from './types.js';

/**
 * Where the rules come from (SPEC §4, §5): the threshold table in config (RAM, VRAM, CPU, disk),
 * the SPEC §4 defaults (idle power, idle-service CPU, memory growth, thermal pressure), every
 * collector's declared thresholds, then `alerts.rules` from config, which adds rules or — by
 * using an existing id — replaces one. Each rule has a sampler that reads its value out of the
 * latest payloads; samplers are the only place that knows payload shapes.
 */

export type Sampler = (p: Payloads, config: Config) => RuleSample;
export interface BuiltRule extends AlertRule {
  sample: Sampler;
}

const THERMAL_LEVEL: Record<string, number> = { nominal: 0, fair: 1, serious: 2, critical: 3 };

/**
 * Whether the machine is idle (SPEC §4): service_monitor's verdict when it runs (aggregate CPU
 * below `idle.cpu_pct` and no service active, busy-loop suspects aside: docs/services.md), else
 * aggregate CPU below `idle.cpu_pct` alone.
 */
const machineIdle = (p: Payloads, c: Config) => {
  const verdict = bool(p.service_monitor, 'idle.idle');
  if (p.service_monitor?.available === true && verdict !== null) return verdict;
  const cpu = num(p.cpu_monitor, 'aggregate_pct');
  return cpu !== null && cpu < c.idle.cpu_pct;
};

/** The worst element of a list by one numeric field, named by another. */
function worst(items: Record<string, unknown>[], field: string, nameField: string, dir: 'above' | 'below' = 'above'): RuleSample {
  let best: RuleSample = { value: null };
  items.forEach((it, i) => {
    const v = num(it, field);
    if (v === null) return;
    if (best.value === null || (dir === 'above' ? v > best.value : v < best.value))
      best = { value: v, subject: String(it[nameField] ?? i) };
  });
  return best;
}

export function buildRules(config: Config, collectors: readonly AnyCollector[]): BuiltRule[] {
  const t = config.thresholds;
  const a = config.alerts;
  const rules: BuiltRule[] = [
    {
      id: 'ram', source: 'ram_monitor', label: 'RAM', unit: '%', direction: 'above', ...t.ram,
      sample: (p) => ({ value: num(p.ram_monitor, 'ram_pct') }),
    },
    {
      id: 'cpu', source: 'cpu_monitor', label: 'CPU', unit: '%', direction: 'above', ...t.cpu,
      // A single 100 % tick is normal; CPU must stay high for a while to be worth a message.
      for_s: 10,
      sample: (p) => ({ value: num(p.cpu_monitor, 'aggregate_pct') }),
    },
    {
      id: 'gpu_vram', source: 'gpu_monitor', label: 'GPU VRAM', unit: '%', direction: 'above', ...t.gpu_vram,
      sample: (p) => {
        const gpus = arr(p.gpu_monitor, 'gpus');
        if (gpus.length === 0) return { value: num(p.gpu_monitor, 'vram_pct') };
        const w = worst(gpus, 'vram_pct', 'index');
        return w.subject === undefined ? w : { ...w, subject: `GPU ${w.subject}` };
      },
    },
    {
      id: 'disk', source: 'disk_monitor', label: 'Disk', unit: '%', direction: 'above', ...t.disk,
      sample: (p) => worst(arr(p.disk_monitor, 'volumes.local').filter((v) => v.stale !== true), 'pct', 'mountpoint'),
    },
    {
      id: 'idle_power', source: 'power_monitor', label: 'Package power while idle', unit: ' W', direction: 'above', ...a.idle_power_w,
      for_s: 60,
      // Not idle → 0: the rule is about idle draw, and a busy spell re-arms it.
      sample: (p, c) => {
        const w = num(p.power_monitor, 'package_w');
        if (w === null) return { value: null };
        return { value: machineIdle(p, c) ? w : 0 };
      },
    },
    {
      id: 'thermal', source: 'power_monitor', label: 'Thermal pressure', unit: '', direction: 'above', warn: 1, critical: 2,
      sample: (p) => {
        const s = str(p.power_monitor, 'thermal_pressure');
        return { value: s === null ? null : (THERMAL_LEVEL[s] ?? null), ...(s ? { subject: `(${s})` } : {}) };
      },
    },
    {
      id: 'idle_service_cpu', source: 'service_monitor', label: 'CPU of a service while the machine is idle', unit: '%', direction: 'above', ...a.idle_service_cpu_pct,
      for_s: 30,
      // service_monitor gives each service's CPU while it burns with the rest of the machine idle
      // (0 otherwise, null when it cannot tell): a busy loop makes the aggregate busy, so the
      // plain aggregate test would never see one.
      sample: (p) => {
        if (p.service_monitor?.available !== true) return { value: null };
        return worst(arr(p.service_monitor, 'services'), 'idle_burn_cpu_pct', 'name');
      },
    },
    {
      id: 'memory_growth', source: 'service_monitor', label: 'Memory growth', unit: ' MB/h', direction: 'above', ...a.memory_growth_mb_h,
      sample: (p) => worst(arr(p.service_monitor, 'services'), 'memory_growth_mb_h', 'name'),
    },
  ];

  for (const c of collectors)
    for (const th of c.thresholdsFor?.(config) ?? c.thresholds ?? []) {
      const spec = c.metrics.find((m) => m.name === th.metric);
      if (!spec) continue;
      rules.push({
        id: `${c.name}.${th.metric}`,
        source: c.name,
        label: th.help,
        unit: unitSuffix(spec.unit),
        direction: th.direction,
        warn: th.warn,
        critical: th.critical,
        ...(th.clear === undefined ? {} : { clear: th.clear }),
        sample: (p) => sampleByPath(p[c.name], spec.path, th.direction),
      });
    }

  for (const custom of config.alerts.rules) {
    const base = rules.find((r) => r.id === custom.id);
    let sample: Sampler;
    let source: string;
    if (custom.metric) {
      const dot = custom.metric.indexOf('.');
      source = custom.metric.slice(0, dot);
      const path = custom.metric.slice(dot + 1);
      sample = (p) => sampleByPath(p[source], path, custom.direction);
    } else if (base) {
      ({ source, sample } = base);
    } else continue; // rejected by config validation; never reached with a checked config
    const forS = custom.for ?? base?.for_s;
    const rule: BuiltRule = {
      id: custom.id,
      source,
      label: custom.label ?? base?.label ?? custom.id,
      unit: custom.metric ? '' : (base?.unit ?? ''),
      direction: custom.direction,
      warn: custom.warn,
      critical: custom.critical,
      ...(custom.clear === undefined ? {} : { clear: custom.clear }),
      ...(forS === undefined ? {} : { for_s: forS }),
      ...(custom.rate_limit_s === undefined ? {} : { rate_limit_s: custom.rate_limit_s }),
      sample,
    };
    if (base) rules.splice(rules.indexOf(base), 1, rule);
    else rules.push(rule);
  }
  return rules.filter((r) => !config.alerts.disabled.includes(r.id));
}

/** A declared-metric path may select several values (one per GPU, disk …): take the worst. */
export function sampleByPath(payload: Payload | undefined, path: string, dir: 'above' | 'below'): RuleSample {
  if (!payload || payload.available === false) return { value: null };
  const found = extractMetric(payload, path);
  let best: RuleSample = { value: null };
  for (const f of found) {
    if (best.value === null || (dir === 'above' ? f.value > best.value : f.value < best.value)) {
      const labels = Object.values(f.labels);
      best = labels.length ? { value: f.value, subject: labels.join(' ') } : { value: f.value };
    }
  }
  return best;
}

function unitSuffix(unit: string): string {
  switch (unit) {
    case 'percent':
      return '%';
    case 'watts':
      return ' W';
    case 'celsius':
      return ' °C';
    case 'megabytes_per_second':
      return ' MB/s';
    case 'gigabytes':
      return ' GB';
    case 'megabytes':
      return ' MB';
    case 'seconds':
      return ' s';
    case 'per_second':
      return '/s';
    default:
      return '';
  }
}

/** Sample every rule fed by `source` (or all of them) from the latest payloads. */
export function sampleRules(rules: readonly BuiltRule[], payloads: Payloads, config: Config, source?: string): Record<string, RuleSample> {
  const out: Record<string, RuleSample> = {};
  for (const r of rules) if (source === undefined || r.source === source) out[r.id] = r.sample(payloads, config);
  return out;
}
