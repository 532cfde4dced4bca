import { defineCollector, type Payload } from '../core/collector.js';
import type { RateTracker } from '../core/rates.js';
import type { HostFs } from '../host/hostfs.js';
import { type NetDevCounters, parseNetDev } from '../parsers/proc-net-dev.js';
import { NET_CLASS_FILES, type NetClass, type NetClassFiles, type Operstate, parseNetClass } from '../parsers/sys-net.js';
import type { MetricSpec } from '../shared/metrics.js';
import { BYTES_PER_MB, round } from '../shared/units.js';

/**
 * network_monitor: per-interface throughput, packet rates, errors and drops from /proc/net/dev,
 * link state, MTU and speed from /sys/class/net.
 *
 * Units: every `*_mbps` field is MiB/s (2^20 bytes per second), like disk_monitor's `read_mbps`,
 * not megabits. `speed_mbit` is the driver's link speed in Mbit/s as sysfs gives it; `speed_mbps`
 * is the same speed in MiB/s so it compares directly with `rx_mbps` / `tx_mbps` (1000 Mbit/s =
 * 119.209 MiB/s).
 *
 * Filtering: `network.exclude` patterns (`*` = any characters, whole-name match) leave interfaces
 * out; `network.include` patterns keep an interface even when an exclude pattern matches it.
 * Defaults exclude loopback and virtual plumbing: lo, veth*, docker*, br-*, virbr*, vnet*, tun*,
 * tap*, cni*, flannel*, cali*, lxcbr*, lxdbr*. Left-out names are listed in `excluded`.
 *
 * Rates come from the one rate tracker: null on the first sample, and null for one tick when a
 * counter goes backwards (a 32-bit counter of an old driver wrapping, a driver reload), never a
 * spike. `totals` add up the kept interfaces whose rates are known (null when none is).
 */
export interface InterfaceStats {
  rx_mbps: number | null;
  tx_mbps: number | null;
  rx_pps: number | null;
  tx_pps: number | null;
  /** Cumulative counters since the interface appeared. */
  rx_errors: number | null;
  tx_errors: number | null;
  rx_drops: number | null;
  tx_drops: number | null;
  rx_bytes_total: number | null;
  tx_bytes_total: number | null;
  /** Passing traffic (operstate up; for `unknown`, admin up with carrier); null when sysfs says nothing. */
  up: boolean | null;
  operstate: Operstate | null;
  speed_mbit: number | null;
  speed_mbps: number | null;
  mtu: number | null;
}

export interface NetworkTotals {
  rx_mbps: number | null;
  tx_mbps: number | null;
  rx_pps: number | null;
  tx_pps: number | null;
}

export interface NetworkPayload extends Payload {
  available: true;
  interfaces: Record<string, InterfaceStats>;
  totals: NetworkTotals;
  /** Interfaces present but left out by `network.exclude`. */
  excluded: string[];
  /** sysfs attributes that held garbage (the field is null); empty normally. */
  problems: string[];
}

const spec = (
  name: string,
  field: string,
  unit: MetricSpec['unit'],
  kind: MetricSpec['kind'],
  help: string,
  precision?: number,
): MetricSpec => ({
  name,
  path: field.startsWith('totals.') ? field : `interfaces{interface}.${field}`,
  unit,
  kind,
  help,
  ...(precision === undefined ? {} : { precision }),
});

const metrics: MetricSpec[] = [
  spec('rx_mbps', 'rx_mbps', 'megabytes_per_second', 'gauge', 'received MiB/s (2^20 bytes/s)', 3),
  spec('tx_mbps', 'tx_mbps', 'megabytes_per_second', 'gauge', 'transmitted MiB/s (2^20 bytes/s)', 3),
  spec('rx_packets_per_s', 'rx_pps', 'per_second', 'gauge', 'packets received per second', 1),
  spec('tx_packets_per_s', 'tx_pps', 'per_second', 'gauge', 'packets transmitted per second', 1),
  spec('rx_errors', 'rx_errors', 'count', 'counter', 'receive errors since the interface appeared'),
  spec('tx_errors', 'tx_errors', 'count', 'counter', 'transmit errors since the interface appeared'),
  spec('rx_drops', 'rx_drops', 'count', 'counter', 'received packets dropped since the interface appeared'),
  spec('tx_drops', 'tx_drops', 'count', 'counter', 'packets dropped on transmit since the interface appeared'),
  spec('rx_total_bytes', 'rx_bytes_total', 'bytes', 'counter', 'bytes received since the interface appeared'),
  spec('tx_total_bytes', 'tx_bytes_total', 'bytes', 'counter', 'bytes transmitted since the interface appeared'),
  spec('up', 'up', 'count', 'gauge', '1 when the link passes traffic (operstate up), else 0'),
  spec('mtu_bytes', 'mtu', 'bytes', 'gauge', 'maximum transmission unit'),
  spec('total_rx_mbps', 'totals.rx_mbps', 'megabytes_per_second', 'gauge', 'received MiB/s, all kept interfaces', 3),
  spec('total_tx_mbps', 'totals.tx_mbps', 'megabytes_per_second', 'gauge', 'transmitted MiB/s, all kept interfaces', 3),
  spec('total_rx_packets_per_s', 'totals.rx_pps', 'per_second', 'gauge', 'packets received per second, all kept interfaces', 1),
  spec('total_tx_packets_per_s', 'totals.tx_pps', 'per_second', 'gauge', 'packets transmitted per second, all kept interfaces', 1),
];

interface NetworkState {
  /** The interface filter, compiled once per config (reload brings a new one). */
  filter?: { config: unknown; test: (name: string) => boolean };
  /** Last `speed` read per interface, and the link state it was read in (see readNetClass). */
  speeds?: Map<string, SpeedRead>;
}

/** `speed` as last read, with the operstate and carrier it was read under. */
export interface SpeedRead {
  text: string | null;
  operstate: string | null;
  carrier: string | null;
  atMs: number;
}

/** `speed` is read again at least this often, even when the link state did not change. */
const SPEED_REREAD_MS = 30_000;

export const networkMonitor = defineCollector<NetworkPayload | (Payload & { available: false; reason: string }), NetworkState>({
  name: 'network_monitor',
  description: 'per-interface MiB/s, packets/s, errors and drops; link state, MTU and speed',
  interval: 2,
  metrics,
  async collect(ctx) {
    const path = ctx.fs.proc('net/dev');
    let text: string;
    try {
      text = await ctx.fs.read(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { available: false, reason: `${path} absent: no network counters (not Linux, or no CONFIG_NET)` };
      }
      throw err;
    }
    const now = ctx.clock.monotonicMs();
    const net = ctx.config.network;
    if (ctx.state.filter?.config !== net) ctx.state.filter = { config: net, test: interfaceFilter(net.exclude, net.include) };
    const filter = ctx.state.filter.test;
    const entries = parseNetDev(text, path);
    const kept = entries.filter((e) => filter(e.name));
    ctx.state.speeds ??= new Map();
    const speeds = ctx.state.speeds;
    const classes = await Promise.all(kept.map((e) => readNetClass(ctx.fs, e.name, { speeds, nowMs: now })));
    for (const name of speeds.keys()) if (!kept.some((e) => e.name === name)) speeds.delete(name);

    const interfaces = new Map<string, InterfaceStats>();
    const problems: string[] = [];
    const keys = new Set<string>();
    kept.forEach((e, i) => {
      const cls = classes[i]!;
      problems.push(...cls.problems);
      interfaces.set(e.name, interfaceStats(ctx.rates, e.name, e.counters, cls.value, now, keys));
    });
    ctx.rates.retainOnly(keys);
    return {
      available: true,
      interfaces: Object.fromEntries(interfaces),
      totals: sumTotals([...interfaces.values()]),
      excluded: entries.filter((e) => !filter(e.name)).map((e) => e.name),
      problems,
    };
  },
});

function interfaceStats(
  rates: RateTracker,
  name: string,
  c: NetDevCounters,
  cls: NetClass,
  now: number,
  keys: Set<string>,
): InterfaceStats {
  const rate = (field: keyof NetDevCounters): number | null => {
    const key = `${name}\u0000${field}`;
    keys.add(key);
    const v = c[field];
    return v === null ? null : rates.rate(key, v, now);
  };
  const mib = (v: number | null) => (v === null ? null : round(v / BYTES_PER_MB, 3));
  return {
    rx_mbps: mib(rate('rx_bytes')),
    tx_mbps: mib(rate('tx_bytes')),
    rx_pps: round(rate('rx_packets'), 1),
    tx_pps: round(rate('tx_packets'), 1),
    rx_errors: c.rx_errs,
    tx_errors: c.tx_errs,
    rx_drops: c.rx_drop,
    tx_drops: c.tx_drop,
    rx_bytes_total: c.rx_bytes,
    tx_bytes_total: c.tx_bytes,
    up: cls.up,
    operstate: cls.operstate,
    speed_mbit: cls.speed_mbit,
    speed_mbps: cls.speed_mbit === null ? null : mib((cls.speed_mbit * 1e6) / 8),
    mtu: cls.mtu,
  };
}

function sumTotals(list: InterfaceStats[]): NetworkTotals {
  const sum = (field: keyof NetworkTotals, digits: number): number | null => {
    const known = list.map((s) => s[field]).filter((v): v is number => v !== null);
    return known.length === 0 ? null : round(known.reduce((a, v) => a + v, 0), digits);
  };
  return { rx_mbps: sum('rx_mbps', 3), tx_mbps: sum('tx_mbps', 3), rx_pps: sum('rx_pps', 1), tx_pps: sum('tx_pps', 1) };
}

/** A predicate over interface names: excluded by any `exclude` pattern unless an `include` pattern matches. */
export function interfaceFilter(exclude: readonly string[], include: readonly string[]): (name: string) => boolean {
  const ex = exclude.map(globToRegExp);
  const inc = include.map(globToRegExp);
  return (name) => inc.some((re) => re.test(name)) || !ex.some((re) => re.test(name));
}

/** `*` matches any run of characters (including none); everything else is literal; whole-name match. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/**
 * Link attributes of one interface. `speed` goes through the threadpool: the kernel answers it
 * by asking the driver (ethtool get_link_ksettings under the RTNL lock), which can sleep on a
 * PHY or wait for the lock; the others are plain fields of the device.
 */
export async function readNetClass(
  fs: HostFs,
  name: string,
  cache?: { speeds: Map<string, SpeedRead>; nowMs: number },
): Promise<{ value: NetClass; problems: string[] }> {
  const dir = fs.sys('class/net', name);
  const files: NetClassFiles = {};
  for (const attr of NET_CLASS_FILES) if (attr !== 'speed') files[attr] = await fs.tryRead(`${dir}/${attr}`);
  // The link speed only changes with the link (renegotiation drops carrier): while operstate and
  // carrier read the same, the last answer stands, re-checked every SPEED_REREAD_MS. That spares
  // a threadpool round trip per interface per tick.
  const last = cache?.speeds.get(name);
  if (
    cache &&
    last &&
    last.operstate === (files.operstate ?? null) &&
    last.carrier === (files.carrier ?? null) &&
    cache.nowMs - last.atMs < SPEED_REREAD_MS
  )
    files.speed = last.text;
  else {
    files.speed = await fs.readAsync(`${dir}/speed`).catch(() => null);
    cache?.speeds.set(name, { text: files.speed, operstate: files.operstate ?? null, carrier: files.carrier ?? null, atMs: cache.nowMs });
  }
  return parseNetClass(files, dir);
}
