import os from 'node:os';
import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import { parseOsRelease } from '../parsers/os-release.js';
import { countTopology, parseCpuinfo } from '../parsers/proc-cpuinfo.js';
import { parseMeminfo } from '../parsers/proc-meminfo.js';
import { parseProcStat } from '../parsers/proc-stat.js';
import { parseUptime } from '../parsers/proc-uptime.js';
import type { MetricSpec } from '../shared/metrics.js';
import { bytesToGb, round } from '../shared/units.js';
import { listSysCpus, readTopology } from './cpu-sysfs.js';

/** What the machine is. Fields a source does not give are null, never guessed from this host. */
export interface HostPayload extends Payload {
  available: true;
  hostname: string | null;
  /** PRETTY_NAME from os-release, e.g. "Debian GNU/Linux 12 (bookworm)". */
  os: string | null;
  kernel: string | null;
  arch: string;
  uptime_s: number | null;
  /** ISO 8601, UTC. */
  boot_time: string | null;
  cpu_model: string | null;
  /** Logical CPUs. */
  cpu_cores: number | null;
  cpu_physical_cores: number | null;
  cpu_sockets: number | null;
  ram_total_gb: number | null;
  swap_total_gb: number | null;
  /** `linux` when read from /proc (or a fixture tree), else Node's process.platform. */
  platform: string;
}

/** Host metrics are plain top-level fields: name and path are the field. */
const gauge = (name: string, unit: MetricSpec['unit'], help: string, precision?: number): MetricSpec => ({
  name,
  path: name,
  unit,
  kind: 'gauge',
  help,
  ...(precision === undefined ? {} : { precision }),
});

const metrics: MetricSpec[] = [
  gauge('uptime_s', 'seconds', 'seconds since boot when host was last read', 0),
  gauge('cpu_cores', 'count', 'logical CPUs'),
  gauge('cpu_physical_cores', 'count', 'physical CPU cores'),
  gauge('cpu_sockets', 'count', 'CPU packages'),
  gauge('ram_total_gb', 'gigabytes', 'physical memory (MemTotal)', 2),
  gauge('swap_total_gb', 'gigabytes', 'swap space (SwapTotal)', 2),
];

export const host = defineCollector<HostPayload>({
  name: 'host',
  description: 'hostname, OS, kernel, architecture, uptime, boot time, CPU model and memory totals',
  interval: 0,
  metrics,
  async collect(ctx) {
    const statPath = ctx.fs.proc('stat');
    let statText: string;
    try {
      statText = await ctx.fs.read(statPath);
    } catch (err) {
      if (process.platform !== 'linux') return hostFromOs(ctx.clock.wallMs());
      throw err;
    }
    return collectLinux(ctx, statText, statPath);
  },
});

async function collectLinux(
  ctx: CollectorContext,
  statText: string,
  statPath: string,
): Promise<HostPayload> {
  const { fs } = ctx;
  const stat = parseProcStat(statText, statPath);
  const [hostname, kernel, arch, uptimeText, cpuinfoText, meminfoText, osRelease] = await Promise.all([
    fs.tryRead(fs.proc('sys/kernel/hostname')),
    fs.tryRead(fs.proc('sys/kernel/osrelease')),
    fs.tryRead(fs.proc('sys/kernel/arch')),
    fs.tryRead(fs.proc('uptime')),
    fs.tryRead(fs.proc('cpuinfo')),
    fs.tryRead(fs.proc('meminfo')),
    // os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
    fs.tryRead(fs.root('etc/os-release')).then((t) => t ?? fs.tryRead(fs.root('usr/lib/os-release'))),
  ]);
  const cpuinfo = cpuinfoText === null ? null : parseCpuinfo(cpuinfoText);
  const mem = meminfoText === null ? null : parseMeminfo(meminfoText, fs.proc('meminfo'));
  const bootS = stat.boot_time_s;
  // Without /proc/uptime, boot time and the wall clock still give the uptime.
  const uptimeS =
    uptimeText !== null
      ? parseUptime(uptimeText, fs.proc('uptime')).uptime_s
      : bootS !== null
        ? Math.max(0, ctx.clock.wallMs() / 1000 - bootS)
        : null;

  let topology =
    cpuinfo?.physical_cores != null && cpuinfo.sockets !== null
      ? { physical_cores: cpuinfo.physical_cores, sockets: cpuinfo.sockets }
      : null;
  // arm64 and others leave the ids out of cpuinfo; sysfs topology has them.
  topology ??= countTopology(await Promise.all((await listSysCpus(fs)).map((c) => readTopology(fs, c))));

  const gb = (key: string): number | null => {
    const b = mem?.bytes[key];
    return b === undefined ? null : round(bytesToGb(b), 2);
  };
  return {
    available: true,
    hostname: oneLine(hostname),
    os: osRelease === null ? null : parseOsRelease(osRelease).pretty_name,
    kernel: oneLine(kernel),
    arch: oneLine(arch) ?? os.machine(),
    uptime_s: round(uptimeS, 2),
    boot_time: bootS === null ? null : new Date(bootS * 1000).toISOString(),
    cpu_model: cpuinfo?.model ?? null,
    cpu_cores: stat.cpus.length || cpuinfo?.processors.length || null,
    cpu_physical_cores: topology?.physical_cores ?? null,
    cpu_sockets: topology?.sockets ?? null,
    ram_total_gb: gb('MemTotal'),
    swap_total_gb: gb('SwapTotal'),
    platform: 'linux',
  };
}

function oneLine(text: string | null): string | null {
  const t = text?.trim();
  return t ? t : null;
}

/** Non-Linux: what Node's os module gives; the rest is null. */
export function hostFromOs(nowWallMs: number): HostPayload {
  const cpus = os.cpus();
  const uptime = os.uptime();
  return {
    available: true,
    hostname: os.hostname(),
    os: `${os.type()} ${os.release()}`,
    kernel: os.release(),
    arch: os.machine(),
    uptime_s: round(uptime, 2),
    boot_time: new Date(nowWallMs - uptime * 1000).toISOString(),
    cpu_model: cpus[0]?.model ?? null,
    cpu_cores: cpus.length || null,
    cpu_physical_cores: null,
    cpu_sockets: null,
    ram_total_gb: round(bytesToGb(os.totalmem()), 2),
    swap_total_gb: null,
    platform: process.platform,
  };
}
