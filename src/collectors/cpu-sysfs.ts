import type { HostFs } from '../host/hostfs.js';
import { parseUint } from '../parsers/numbers.js';

/**
 * The per-CPU sysfs files the cpu collector reads under <sys>/devices/system/cpu/cpuN/:
 * cpufreq/scaling_cur_freq (kHz), thermal_throttle/{core,package}_throttle_count and
 * topology/{physical_package_id,core_id}. Each is one number; absent files (VMs, non-x86,
 * no cpufreq driver) read as null.
 */

const CPU_DIR_RE = /^cpu(\d+)$/;

/** CPU numbers that have a directory under <sys>/devices/system/cpu, ascending. */
export async function listSysCpus(fs: HostFs): Promise<number[]> {
  const names = await fs.list(fs.sys('devices/system/cpu'));
  return names
    .map((n) => CPU_DIR_RE.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function readSysUint(fs: HostFs, cpu: number, rel: string): Promise<number | null> {
  const text = await fs.tryRead(fs.sys('devices/system/cpu', `cpu${cpu}`, rel));
  return text === null ? null : parseUint(text.trim());
}

/** Current frequency of one CPU in MHz from cpufreq (kHz in the file), or null. */
export async function readScalingMhz(fs: HostFs, cpu: number): Promise<number | null> {
  const khz = await readSysUint(fs, cpu, 'cpufreq/scaling_cur_freq');
  return khz === null ? null : khz / 1000;
}

export interface CpuThrottleReading {
  cpu: number;
  package: number | null;
  core: number | null;
  core_throttle_count: number | null;
  package_throttle_count: number | null;
}

/** Socket and core id of one logical CPU (null when the topology files are absent). */
export async function readTopology(
  fs: HostFs,
  cpu: number,
): Promise<{ cpu: number; package: number | null; core: number | null }> {
  const [pkg, core] = await Promise.all([
    readSysUint(fs, cpu, 'topology/physical_package_id'),
    readSysUint(fs, cpu, 'topology/core_id'),
  ]);
  return { cpu, package: pkg, core };
}

export async function readThrottle(fs: HostFs, cpu: number): Promise<CpuThrottleReading> {
  const [corec, pkgc] = await Promise.all([
    readSysUint(fs, cpu, 'thermal_throttle/core_throttle_count'),
    readSysUint(fs, cpu, 'thermal_throttle/package_throttle_count'),
  ]);
  // Most VMs and non-Intel CPUs have no thermal_throttle: skip the topology reads there.
  const topo =
    corec === null && pkgc === null ? { cpu, package: null, core: null } : await readTopology(fs, cpu);
  return { ...topo, core_throttle_count: corec, package_throttle_count: pkgc };
}

export interface ThrottleCounts {
  core_throttle_count: number;
  package_throttle_count: number;
}

/**
 * Machine-wide throttle counts. Every logical CPU of a core shows that core's counter, and every
 * CPU of a package shows the package's counter, so a plain sum over cpuN counts the same events
 * several times (on node_exporter's fixture: package 72 instead of 36). Count each physical core
 * (package, core) and each package once, as node_exporter does; a CPU with no topology files
 * stands for itself. Null when no CPU has thermal_throttle (VMs, non-Intel).
 */
export function sumThrottles(readings: CpuThrottleReading[]): ThrottleCounts | null {
  const cores = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const r of readings) {
    const pkgKey = r.package === null ? `cpu${r.cpu}` : `pkg${r.package}`;
    const coreKey = r.package === null || r.core === null ? `cpu${r.cpu}` : `${pkgKey}:${r.core}`;
    if (r.core_throttle_count !== null && !cores.has(coreKey)) cores.set(coreKey, r.core_throttle_count);
    if (r.package_throttle_count !== null && !packages.has(pkgKey)) {
      packages.set(pkgKey, r.package_throttle_count);
    }
  }
  if (cores.size === 0 && packages.size === 0) return null;
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  return { core_throttle_count: sum(cores), package_throttle_count: sum(packages) };
}
