/**
 * A simulated host for history tests and the benchmark: a deterministic mix of series shaped
 * like what the collectors produce on a lightly used workstation — noisy per-core CPU, smooth
 * load averages, mostly-zero PSI and disk rates, slowly moving memory and temperatures, monotonic
 * counters, a few constants — each rounded to its declared precision, as collectors do.
 */
import type { MetricSpec } from '../../src/shared/metrics.js';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimSeries {
  collector: string;
  spec: MetricSpec;
  labels: Record<string, string>;
  next(): number;
}

type Shape = 'cpu' | 'load' | 'zeroish' | 'slow' | 'counter' | 'const' | 'rate' | 'freq' | 'temp';

function shape(kind: Shape, rnd: () => number, precision: number): () => number {
  const r = (x: number) => Math.round(x * 10 ** precision) / 10 ** precision;
  let level = rnd() * 10;
  let burst = 0;
  let x = rnd() * 100;
  switch (kind) {
    case 'cpu':
      return () => {
        if (burst > 0) burst--;
        else if (rnd() < 0.002) burst = Math.floor(rnd() * 120);
        level += (rnd() - 0.5) * 0.4;
        level = Math.min(15, Math.max(0.5, level));
        const v = (burst > 0 ? 70 : level) + (rnd() - 0.5) * (burst > 0 ? 20 : 3);
        return r(Math.min(100, Math.max(0, v)));
      };
    case 'load':
      return () => {
        x = x * 0.98 + rnd() * 0.06;
        return r(x / 40);
      };
    case 'zeroish':
      return () => (rnd() < 0.03 ? r(rnd() * 5) : 0);
    case 'slow':
      return () => {
        if (rnd() < 0.05) x += (rnd() - 0.5) * 20;
        return r(4000 + x);
      };
    case 'counter':
      return () => {
        x += rnd() < 0.1 ? rnd() * 0.05 : 0;
        return r(x);
      };
    case 'const':
      return () => r(level);
    case 'rate':
      return () => r(1500 + level * 20 + (rnd() - 0.5) * 200);
    case 'freq':
      return () => (rnd() < 0.2 ? [800, 1200, 2400, 3600][Math.floor(rnd() * 4)]! : 800);
    case 'temp':
      return () => {
        x = x * 0.95 + (40 + rnd() * 10) * 0.05;
        return r(x);
      };
  }
}

const spec = (name: string, unit: MetricSpec['unit'], precision: number, kind: MetricSpec['kind'] = 'gauge'): MetricSpec => ({
  name,
  path: name,
  unit,
  kind,
  help: `simulated ${name}`,
  precision,
});

/**
 * About `cores × 4 + 40` series: per-core busy % and clock, the CPU mode breakdown, load, PSI,
 * memory, per-disk and per-interface rates, temperatures, counters.
 */
export function simulatedHost(seed = 1, cores = 16, disks = 4, nics = 4): SimSeries[] {
  const rnd = prng(seed);
  const out: SimSeries[] = [];
  const add = (collector: string, s: MetricSpec, kind: Shape, labels: Record<string, string> = {}) =>
    out.push({ collector, spec: s, labels, next: shape(kind, rnd, s.precision ?? 0) });
  for (let c = 0; c < cores; c++) {
    add('cpu_monitor', spec('per_core_pct', 'percent', 1), 'cpu', { core: String(c) });
    add('cpu_monitor', spec('freq_mhz', 'megahertz', 0), 'freq', { core: String(c) });
    add('cpu_monitor', spec('core_temp_c', 'celsius', 1), 'temp', { core: String(c) });
    add('cpu_monitor', spec('core_iowait_pct', 'percent', 1), 'zeroish', { core: String(c) });
  }
  add('cpu_monitor', spec('aggregate_pct', 'percent', 1), 'cpu');
  for (const m of ['user', 'system', 'nice', 'iowait', 'irq', 'softirq', 'steal', 'guest'])
    add('cpu_monitor', spec(`breakdown_${m}_pct`, 'percent', 1), m === 'user' || m === 'system' ? 'cpu' : 'zeroish');
  for (const m of ['1m', '5m', '15m']) add('cpu_monitor', spec(`load_avg_${m}`, 'count', 2), 'load');
  for (const k of ['some', 'full'])
    for (const n of [10, 60, 300]) add('cpu_monitor', spec(`pressure_${k}_avg${n}_pct`, 'percent', 1), 'zeroish');
  add('cpu_monitor', spec('pressure_some_total_s', 'seconds', 3, 'counter'), 'counter');
  add('cpu_monitor', spec('context_switches_per_s', 'per_second', 1), 'rate');
  add('cpu_monitor', spec('interrupts_per_s', 'per_second', 1), 'rate');
  add('cpu_monitor', spec('core_count', 'count', 0), 'const');
  add('ram_monitor', spec('used_mb', 'megabytes', 1), 'slow');
  add('ram_monitor', spec('cached_mb', 'megabytes', 1), 'slow');
  add('ram_monitor', spec('swap_used_mb', 'megabytes', 1), 'const');
  add('ram_monitor', spec('used_pct', 'percent', 1), 'load');
  for (let d = 0; d < disks; d++) {
    const labels = { device: `nvme${d}n1` };
    add('disk_monitor', spec('read_mbps', 'megabytes_per_second', 2), 'zeroish', labels);
    add('disk_monitor', spec('write_mbps', 'megabytes_per_second', 2), 'zeroish', labels);
    add('disk_monitor', spec('used_pct', 'percent', 1), 'const', labels);
  }
  for (let n = 0; n < nics; n++) {
    const labels = { interface: n === 0 ? 'eth0' : `veth${n}` };
    add('network_monitor', spec('rx_mbps', 'megabytes_per_second', 3), n === 0 ? 'load' : 'zeroish', labels);
    add('network_monitor', spec('tx_mbps', 'megabytes_per_second', 3), 'zeroish', labels);
  }
  return out;
}
