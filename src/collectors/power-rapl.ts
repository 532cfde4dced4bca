import { join } from 'node:path';
import type { RateTracker } from '../core/rates.js';
import type { HostFs } from '../host/hostfs.js';
import { errnoPhrase, readFileSet } from '../host/sysfs-files.js';
import { type HwmonChip, sensorsOf } from '../parsers/sys-hwmon.js';
import { type PowercapZone, parsePowercapZone, type RaplKind } from '../parsers/sys-powercap.js';
import { round } from '../shared/units.js';

/**
 * RAPL watts from powercap energy counters (µJ): power = Δenergy / Δt over monotonic time,
 * through the collector's one RateTracker.
 *
 * Wrap: `energy_uj` wraps at `max_energy_range_uj` (about 262 kJ on client CPUs: 44 minutes at
 * 100 W). A counter lower than its previous value is taken as one wrap when the unwrapped
 * step, `max − previous + current`, is under half the range; anything else is a reset (driver
 * reload): no figure for that sample, the next one is a real rate again.
 *
 * Unreadable counters: since Linux 5.10 `energy_uj` is root-only (CVE-2020-8694, the
 * "Platypus" power side channel). EACCES is reported with how to grant read access, never
 * thrown. Hosts without powercap RAPL but with the out-of-tree `amd_energy` hwmon driver get
 * their package figure from its `Esocket<N>` energy counters instead.
 */
export interface RaplDomain {
  /** Zone directory: `intel-rapl:0`, `intel-rapl:0:1`, or `amd_energy/energy<N>`. */
  zone: string;
  name: string | null;
  kind: RaplKind;
  package: number | null;
  power_w: number | null;
  /** The counter now, in joules (it wraps; the rate is what matters). */
  energy_j: number | null;
  reason: string | null;
}

export interface RaplFigures {
  source: 'powercap' | 'amd_energy' | null;
  domains: RaplDomain[];
  package_w: number | null;
  core_w: number | null;
  uncore_w: number | null;
  dram_w: number | null;
  psys_w: number | null;
  reason: string | null;
  /** What to do about unreadable counters (null when they were read). */
  hint: string | null;
}

/** Per-zone unwrapping state, kept between ticks in the collector's state. */
export interface CounterState {
  last: number;
  total: number;
  generation: number;
}

const ZONE_RE = /^intel-rapl(-mmio)?:\d+(?::\d+)*$/;

export const RAPL_READ_HINT =
  'energy_uj is readable by root only since Linux 5.10 (CVE-2020-8694). To let headroom read it: ' +
  '`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj` ' +
  '(until reboot), or make it permanent with a systemd-tmpfiles rule ' +
  '`z /sys/class/powercap/intel-rapl:*/energy_uj 0444 - - -` (and the same for intel-rapl:*:*).';

/** Zone name → its directory: the class-level entry, or nested inside its parent zone. */
async function findZones(fs: HostFs): Promise<Map<string, string>> {
  const root = fs.sys('class/powercap');
  const zones = new Map<string, string>();
  const visit = async (dir: string, depth: number): Promise<void> => {
    for (const name of await fs.list(dir)) {
      if (!ZONE_RE.test(name)) continue;
      if (!zones.has(name)) zones.set(name, join(dir, name));
      // Real sysfs lists every zone at the class level (symlinks); copies and captures may
      // hold subzones only inside their parent, so look one level down as well.
      if (depth < 2) await visit(join(dir, name), depth + 1);
    }
  };
  await visit(root, 0);
  return zones;
}

/** Total energy so far (µJ) with wraps folded in, or null on a reset. */
export function unwrapCounter(st: Map<string, CounterState>, key: string, raw: number, max: number | null): { total: number; generation: number } {
  const prev = st.get(key);
  if (!prev) {
    const s = { last: raw, total: raw, generation: 0 };
    st.set(key, s);
    return s;
  }
  let step = raw - prev.last;
  if (step < 0) {
    const wrapped = max !== null && max > 0 ? max - prev.last + raw : Number.POSITIVE_INFINITY;
    if (max !== null && wrapped >= 0 && wrapped < max / 2) {
      step = wrapped;
    } else {
      // A reset: start a new series (a new rate key) so the tracker reports null once.
      prev.generation += 1;
      prev.total = raw;
      prev.last = raw;
      return prev;
    }
  }
  prev.last = raw;
  prev.total += step;
  return prev;
}

export async function readRapl(
  fs: HostFs,
  rates: RateTracker,
  counters: Map<string, CounterState>,
  nowMs: number,
  hwmon: Array<{ device: string; chip: HwmonChip }>,
): Promise<RaplFigures> {
  const zones = await findZones(fs);
  const read = await Promise.all(
    [...zones].map(async ([zone, dir]) => {
      const set = await readFileSet(fs, dir, ['name', 'energy_uj', 'max_energy_range_uj']);
      return { zone, parsed: parsePowercapZone(set.files), errors: set.errors };
    }),
  );
  // intel-rapl-mmio repeats the package counter of intel-rapl on some Intel CPUs: summing both
  // would count the package twice, so an MMIO zone is used only for a domain MSR lacks.
  const msrNames = new Set(read.filter((z) => !z.zone.startsWith('intel-rapl-mmio')).map((z) => z.parsed.name));
  const used = read.filter((z) => !z.zone.startsWith('intel-rapl-mmio') || !msrNames.has(z.parsed.name));
  used.sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));

  let denied = false;
  const domains = used.map(({ zone, parsed, errors }) => {
    const d = domainFrom(zone, parsed);
    const err = errors.energy_uj;
    if (err) {
      denied ||= err === 'EACCES' || err === 'EPERM';
      d.reason = `${zone}/energy_uj: ${errnoPhrase(err)}`;
      return d;
    }
    if (parsed.energy_uj === null) {
      d.reason = `${zone}/energy_uj: no counter`;
      return d;
    }
    d.energy_j = parsed.energy_uj / 1e6;
    const u = unwrapCounter(counters, zone, parsed.energy_uj, parsed.max_energy_range_uj);
    const uw = rates.rate(`rapl.${zone}.${u.generation}`, u.total, nowMs);
    d.power_w = uw === null ? null : round(uw / 1e6, 2);
    if (d.power_w === null) d.reason = 'first sample (or counter reset): a rate needs two';
    return d;
  });

  if (domains.some((d) => d.kind === 'package')) {
    return summarise('powercap', domains, denied);
  }
  const amd = amdEnergyDomains(rates, nowMs, hwmon);
  if (amd.length > 0) return summarise('amd_energy', amd, false);
  if (domains.length > 0) return summarise('powercap', domains, denied);
  return {
    ...emptyFigures(),
    reason: `no RAPL energy counters: ${fs.sys('class/powercap')} has no intel-rapl zones (VM, non-x86 CPU, or the intel_rapl_msr module not loaded)`,
  };
}

function domainFrom(zone: string, z: PowercapZone): RaplDomain {
  return { zone, name: z.name, kind: z.kind, package: z.package, power_w: null, energy_j: null, reason: null };
}

/** amd_energy (out-of-tree hwmon driver): `Esocket<N>` energy counters in J, already 64-bit. */
function amdEnergyDomains(rates: RateTracker, nowMs: number, hwmon: Array<{ device: string; chip: HwmonChip }>): RaplDomain[] {
  const out: RaplDomain[] = [];
  for (const { device, chip } of hwmon) {
    if (chip.name !== 'amd_energy') continue;
    for (const s of sensorsOf(chip, 'energy')) {
      const m = /^Esocket(\d+)$/.exec(s.label ?? '');
      if (!m || s.input === null) continue;
      const w = rates.rate(`amd_energy.${device}.${s.id}`, s.input, nowMs);
      out.push({
        zone: `${device}/${s.id}`,
        name: `package-${m[1]}`,
        kind: 'package',
        package: Number(m[1]),
        power_w: round(w, 2),
        energy_j: s.input,
        reason: w === null ? 'first sample: a rate needs two' : null,
      });
    }
  }
  return out;
}

function emptyFigures(): RaplFigures {
  return { source: null, domains: [], package_w: null, core_w: null, uncore_w: null, dram_w: null, psys_w: null, reason: null, hint: null };
}

/** Sum per kind; a kind whose domains are not all known sums to null rather than to a part. */
function summarise(source: RaplFigures['source'], domains: RaplDomain[], denied: boolean): RaplFigures {
  const sum = (kind: RaplKind): number | null => {
    const of = domains.filter((d) => d.kind === kind);
    if (of.length === 0 || of.some((d) => d.power_w === null)) return null;
    return round(
      of.reduce((a, d) => a + d.power_w!, 0),
      2,
    );
  };
  const reasons = [...new Set(domains.map((d) => d.reason).filter((r): r is string => r !== null))];
  return {
    source,
    domains,
    package_w: sum('package'),
    core_w: sum('core'),
    uncore_w: sum('uncore'),
    dram_w: sum('dram'),
    psys_w: sum('psys'),
    reason: reasons.length ? reasons.join('; ') : null,
    hint: denied ? RAPL_READ_HINT : null,
  };
}
