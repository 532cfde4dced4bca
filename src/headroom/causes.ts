import type { Config } from '../core/config/schema.js';
import type { Cause } from '../shared/protocol-headroom.js';
import { arr, bool, num, type Payloads, str } from './inputs.js';

/**
 * The HOLD and EASE_IN conditions of SPEC §3 (steps 1 and 2), one small function per cause.
 * Each returns its cause or nothing; a cause whose collector is missing simply never fires (the
 * evaluation lists the missing collectors). Order matters: the first cause is the `reason`.
 */

type Rule = (p: Payloads, c: Config) => Cause | null | undefined;

const r1 = (v: number) => Math.round(v * 10) / 10;
const hold = (code: string, source: string, text: string, value?: number | null, threshold?: number | null): Cause => ({
  code,
  text,
  level: 'HOLD',
  source,
  ...(value === undefined ? {} : { value }),
  ...(threshold === undefined ? {} : { threshold }),
});
const ease = (code: string, source: string, text: string, value?: number | null, threshold?: number | null): Cause => ({
  ...hold(code, source, text, value, threshold),
  level: 'EASE_IN',
});

const upsOnMains = (p: Payloads) => bool(p.ups_monitor, 'on_battery') === false;

/** GB with a unit a person can read at any size: "12 MB" below 1 GB, "1.4 GB" above. */
const size = (gb: number) => (gb < 1 ? `${Math.round(gb * 1024)} MB` : `${r1(gb)} GB`);

/**
 * Swap in use of one kind, GB. The per-kind figure is rounded to 0.01 GB, so a few MB would read
 * as 0; the per-device figures carry 1 MB resolution and are used when they say more.
 */
function swapUsed(p: Payloads, kind: 'zram' | 'disk'): number | null {
  const total = num(p.ram_monitor, `swap.${kind}.used_gb`);
  let devices = 0;
  for (const d of arr(p.ram_monitor, 'swap.devices')) if (d.kind === kind) devices += num(d, 'used_gb') ?? 0;
  return total === null ? null : Math.max(total, devices);
}

/** The local volume with the highest use, for the disk-at-critical cause. */
function fullestVolume(p: Payloads): { mountpoint: string; pct: number } | null {
  let best: { mountpoint: string; pct: number } | null = null;
  for (const v of arr(p.disk_monitor, 'volumes.local')) {
    const pct = num(v, 'pct');
    if (pct !== null && v.stale !== true && (best === null || pct > best.pct)) best = { mountpoint: str(v, 'mountpoint') ?? '?', pct };
  }
  return best;
}

export const HOLD_RULES: Rule[] = [
  (p) => {
    const used = swapUsed(p, 'disk');
    const vel = num(p.ram_monitor, 'swap.disk.velocity_mbps');
    if (used !== null && vel !== null && used > 0 && vel > 0)
      return hold('disk_swap_active', 'ram_monitor', `Disk swap active: ${r1(vel)} MB/s into swap, ${size(used)} used`, vel, 0);
  },
  (p) => {
    if (bool(p.ups_monitor, 'on_battery') === true) {
      const rt = num(p.ups_monitor, 'battery_runtime_m');
      return hold('ups_on_battery', 'ups_monitor', `UPS on battery${rt === null ? '' : ` (${r1(rt)} min runtime left)`}`);
    }
  },
  (p, c) => {
    const charge = num(p.ups_monitor, 'battery_charge_pct');
    if (bool(p.ups_monitor, 'low_battery') === true)
      return hold('ups_battery_low', 'ups_monitor', 'UPS reports low battery (LB)', charge, c.ups.battery_critical);
    if (charge !== null && charge < c.ups.battery_critical)
      return hold('ups_battery_low', 'ups_monitor', `UPS battery at ${r1(charge)}% (critical < ${c.ups.battery_critical}%)`, charge, c.ups.battery_critical);
  },
  (p, c) => {
    const load = num(p.ups_monitor, 'ups_load_pct');
    if (load !== null && load > c.ups.load_critical)
      return hold('ups_load_critical', 'ups_monitor', `UPS load ${r1(load)}% above critical ${c.ups.load_critical}%`, load, c.ups.load_critical);
  },
  (p, c) => {
    if (bool(p.power_monitor, 'on_battery') !== true) return;
    const pct = num(p.power_monitor, 'battery_pct');
    if (pct !== null && pct < c.power.battery_critical_pct)
      return hold('battery_critical', 'power_monitor', `On battery at ${r1(pct)}% (critical < ${c.power.battery_critical_pct}%)`, pct, c.power.battery_critical_pct);
  },
  (p, c) => atCritical('ram', 'ram_monitor', 'RAM', num(p.ram_monitor, 'ram_pct'), c.thresholds.ram.critical),
  (p, c) => atCritical('cpu', 'cpu_monitor', 'CPU', num(p.cpu_monitor, 'aggregate_pct'), c.thresholds.cpu.critical),
  (p, c) => {
    // VRAM at critical on any GPU, not only the one the projection uses.
    let worst: { pct: number; idx: number } | null = null;
    const gpus = arr(p.gpu_monitor, 'gpus');
    gpus.forEach((g, i) => {
      const pct = num(g, 'vram_pct');
      if (pct !== null && (worst === null || pct > worst.pct)) worst = { pct, idx: num(g, 'index') ?? i };
    });
    if (gpus.length === 0) {
      const pct = num(p.gpu_monitor, 'vram_pct');
      if (pct !== null) worst = { pct, idx: 0 };
    }
    const w = worst as { pct: number; idx: number } | null;
    if (w && w.pct >= c.thresholds.gpu_vram.critical)
      return hold('gpu_vram_critical', 'gpu_monitor', `GPU ${w.idx} VRAM at ${r1(w.pct)}% (critical ${c.thresholds.gpu_vram.critical}%)`, w.pct, c.thresholds.gpu_vram.critical);
  },
  (p, c) => {
    const v = fullestVolume(p);
    if (v && v.pct >= c.thresholds.disk.critical)
      return hold('disk_critical', 'disk_monitor', `Disk ${v.mountpoint} at ${r1(v.pct)}% (critical ${c.thresholds.disk.critical}%)`, v.pct, c.thresholds.disk.critical);
  },
  (p, c) => {
    const full = num(p.ram_monitor, 'pressure.memory.full.avg10');
    if (full !== null && full > c.pressure.memory_full_critical)
      return hold('memory_pressure_full', 'ram_monitor', `Memory pressure: all tasks stalled ${r1(full)}% of the last 10 s (critical > ${c.pressure.memory_full_critical}%)`, full, c.pressure.memory_full_critical);
  },
  (p, c) => {
    const age = num(p.ram_monitor, 'oom_kill_age_s');
    if (age !== null && age <= c.pressure.oom_hold_s)
      return hold('oom_kill_recent', 'ram_monitor', `The kernel OOM killer ran ${Math.round(age)} s ago (hold for ${c.pressure.oom_hold_s} s)`, age, c.pressure.oom_hold_s);
  },
  (p) => {
    if (str(p.power_monitor, 'thermal_pressure') === 'critical')
      return hold('thermal_critical', 'power_monitor', 'Thermal pressure critical: at a trip point or throttling hard');
  },
];

function atCritical(key: string, source: string, label: string, value: number | null, critical: number): Cause | null {
  if (value === null || value < critical) return null;
  return hold(`${key}_critical`, source, `${label} at ${r1(value)}% (critical ${critical}%)`, value, critical);
}

export const EASE_IN_RULES: Rule[] = [
  (p) => {
    const used = swapUsed(p, 'zram');
    const vel = num(p.ram_monitor, 'swap.zram.velocity_mbps');
    // zram's used figure is what was swapped out; what it costs in RAM (compressed) is ram_used_gb.
    const inRam = num(p.ram_monitor, 'swap.zram.ram_used_gb');
    if (used !== null && vel !== null && used > 0 && vel >= 1)
      return ease(
        'zram_swap_growing',
        'ram_monitor',
        `zram swap growing ${r1(vel)} MB/s (${size(used)} swapped out${inRam === null ? '' : `, ${size(inRam)} of RAM compressed`})`,
        vel,
        1,
      );
  },
  (p, c) => {
    const ramPct = num(p.ram_monitor, 'ram_pct');
    const totalGb = num(p.ram_monitor, 'ram_total_gb');
    if (ramPct === null || totalGb === null || totalGb <= 0 || ramPct <= c.earlyoom.ram_pressure_floor) return;
    for (const g of arr(p.ram_monitor, 'top_processes')) {
      const rss = num(g, 'rss_mb');
      if (g.browser === null || g.browser === undefined || rss === null) continue;
      const share = (rss / 1024 / totalGb) * 100;
      if (share > c.earlyoom.browser_warn_pct)
        return ease(
          'browser_earlyoom',
          'ram_monitor',
          `${str(g, 'label') ?? str(g, 'name')} holds ${r1(rss / 1024)} GB (${r1(share)}% of RAM) with RAM at ${r1(ramPct)}%: earlyoom may kill it`,
          share,
          c.earlyoom.browser_warn_pct,
        );
    }
  },
  (p, c) => {
    const load = num(p.ups_monitor, 'ups_load_pct');
    if (load !== null && load > c.ups.load_warn && load <= c.ups.load_critical)
      return ease('ups_load_warn', 'ups_monitor', `UPS load ${r1(load)}% above warn ${c.ups.load_warn}%`, load, c.ups.load_warn);
  },
  (p, c) => {
    const charge = num(p.ups_monitor, 'battery_charge_pct');
    if (upsOnMains(p) && charge !== null && charge < c.ups.battery_warn && charge >= c.ups.battery_critical && bool(p.ups_monitor, 'low_battery') !== true)
      return ease('ups_battery_warn', 'ups_monitor', `UPS battery at ${r1(charge)}% while on mains (warn < ${c.ups.battery_warn}%)`, charge, c.ups.battery_warn);
  },
  (p, c) => {
    const rt = num(p.ups_monitor, 'battery_runtime_m');
    if (rt !== null && rt < c.ups.runtime_warn_m)
      return ease('ups_runtime_low', 'ups_monitor', `UPS runtime ${r1(rt)} min (warn < ${c.ups.runtime_warn_m} min)`, rt, c.ups.runtime_warn_m);
  },
  (p, c) => {
    if (bool(p.power_monitor, 'on_battery') !== true) return;
    const pct = num(p.power_monitor, 'battery_pct');
    if (pct !== null && pct < c.power.battery_warn_pct && pct >= c.power.battery_critical_pct)
      return ease('battery_low', 'power_monitor', `On battery at ${r1(pct)}% (warn < ${c.power.battery_warn_pct}%)`, pct, c.power.battery_warn_pct);
  },
  (p, c) => {
    const ramPct = num(p.ram_monitor, 'ram_pct');
    if (ramPct === null) return;
    const free = 100 - ramPct;
    if (free <= c.thresholds.swap_proximity_buffer_pct && ramPct < c.thresholds.ram.critical)
      return ease('swap_proximity', 'ram_monitor', `Free RAM ${r1(free)}% is within ${c.thresholds.swap_proximity_buffer_pct}% of the swap boundary`, free, c.thresholds.swap_proximity_buffer_pct);
  },
  (p, c) => {
    const some = num(p.ram_monitor, 'pressure.memory.some.avg10');
    if (some !== null && some > c.pressure.memory_some_warn)
      return ease('memory_pressure_some', 'ram_monitor', `Memory pressure: tasks stalled ${r1(some)}% of the last 10 s (warn > ${c.pressure.memory_some_warn}%)`, some, c.pressure.memory_some_warn);
  },
  (p, c) => {
    const some = num(p.disk_monitor, 'pressure.io.some.avg10');
    if (some !== null && some > c.pressure.io_some_warn)
      return ease('io_pressure_some', 'disk_monitor', `I/O pressure: tasks stalled ${r1(some)}% of the last 10 s (warn > ${c.pressure.io_some_warn}%)`, some, c.pressure.io_some_warn);
  },
  (p) => {
    if (str(p.power_monitor, 'thermal_pressure') === 'serious')
      return ease('thermal_serious', 'power_monitor', 'Thermal pressure serious: near a trip point or throttling');
  },
];

export function collectCauses(rules: Rule[], p: Payloads, c: Config): Cause[] {
  const out: Cause[] = [];
  for (const rule of rules) {
    const cause = rule(p, c);
    if (cause) out.push(cause);
  }
  return out;
}
