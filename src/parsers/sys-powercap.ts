import { parseUint } from './numbers.js';

/**
 * One powercap zone, /sys/class/powercap/<zone>/ (Documentation/power/powercap/powercap.rst):
 * `name`, `energy_uj` (a counter in microjoules that wraps at `max_energy_range_uj`).
 * Intel RAPL zones are `intel-rapl:<package>` (name `package-<N>`, or `psys` for the platform)
 * with subzones `intel-rapl:<package>:<i>` (`core`, `uncore`, `dram`); AMD Zen CPUs expose
 * the same `intel-rapl` tree (package and core) through the same driver. `intel-rapl-mmio:<N>`
 * is a second view of the package counter on some Intel CPUs.
 *
 * Rules for bad input: the caller passes the files it could read. A counter that is not an
 * unsigned integer (or above 2^53, where deltas stop being exact) reads as null.
 */
export type RaplKind = 'package' | 'core' | 'uncore' | 'dram' | 'psys' | 'other';

export interface PowercapZone {
  name: string | null;
  kind: RaplKind;
  /** Socket number from `package-<N>`, or null. */
  package: number | null;
  energy_uj: number | null;
  max_energy_range_uj: number | null;
}

export function raplKind(name: string | null): { kind: RaplKind; package: number | null } {
  if (name === null) return { kind: 'other', package: null };
  const m = /^package-(\d+)$/.exec(name);
  if (m) return { kind: 'package', package: Number(m[1]) };
  if (name === 'core' || name === 'uncore' || name === 'dram' || name === 'psys') return { kind: name, package: null };
  return { kind: 'other', package: null };
}

export function parsePowercapZone(files: Record<string, string | undefined>): PowercapZone {
  const name = files.name?.trim() || null;
  const num = (f: string | undefined): number | null => (f === undefined ? null : parseUint(f.trim()));
  return {
    name,
    ...raplKind(name),
    energy_uj: num(files.energy_uj),
    max_energy_range_uj: num(files.max_energy_range_uj),
  };
}
