/**
 * Conformance with node_exporter: our parsers and collectors, run over node_exporter's own
 * fixture tree (../shared/fixtures/node_exporter/{proc,sys}, read in place), must agree with
 * the values node_exporter computed from the same files (its e2e-output.txt) on every quantity
 * both report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cpuMonitor } from '../../src/collectors/cpu.js';
import { listSysCpus, readScalingMhz } from '../../src/collectors/cpu-sysfs.js';
import { host } from '../../src/collectors/host.js';
import { HostFs, type HostRoots } from '../../src/host/hostfs.js';
import { parseCpuinfo } from '../../src/parsers/proc-cpuinfo.js';
import { parseLoadavg } from '../../src/parsers/proc-loadavg.js';
import { parseMeminfo } from '../../src/parsers/proc-meminfo.js';
import { parsePressure } from '../../src/parsers/proc-pressure.js';
import { CPU_TIME_PARTITION, cpuTotalSeconds, type ProcStat, parseProcStat } from '../../src/parsers/proc-stat.js';
import { makeCollectorContext, projectRoot } from '../helpers/collector-context.js';
import { type PromSample, parsePromText, samples, value } from '../helpers/prom-text.js';

const dir = resolve(projectRoot, '../shared/fixtures/node_exporter');
// No os-release in the shared tree: rootfs points at a directory without one.
const roots: HostRoots = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'no-rootfs') };
const proc = (rel: string) => readFileSync(join(roots.procRoot, rel), 'utf8');

let node: PromSample[];
let stat: ProcStat;

beforeAll(() => {
  // Fail, never skip: without the peer's tree this test proves nothing, and CI has ../shared.
  if (!existsSync(join(dir, 'e2e-output.txt'))) {
    throw new Error(`node_exporter fixture not found at ${dir} (expected ../shared/fixtures/node_exporter beside the checkout)`);
  }
  node = parsePromText(readFileSync(join(dir, 'e2e-output.txt'), 'utf8'));
  stat = parseProcStat(proc('stat'));
});

describe('/proc/stat', () => {
  it('node_cpu_seconds_total: every cpu and mode', () => {
    const series = samples(node, 'node_cpu_seconds_total');
    expect(series).toHaveLength(stat.cpus.length * CPU_TIME_PARTITION.length);
    for (const s of series) {
      const cpu = stat.cpus.find((c) => c.cpu === Number(s.labels.cpu));
      expect(cpu?.times[s.labels.mode as (typeof CPU_TIME_PARTITION)[number]], `cpu${s.labels.cpu} ${s.labels.mode}`).toBe(s.value);
    }
  });

  it('node_cpu_guest_seconds_total: guest and guest_nice', () => {
    const series = samples(node, 'node_cpu_guest_seconds_total');
    expect(series).toHaveLength(stat.cpus.length * 2);
    for (const s of series) {
      const times = stat.cpus.find((c) => c.cpu === Number(s.labels.cpu))!.times;
      expect(s.labels.mode === 'user' ? times.guest : times.guest_nice).toBe(s.value);
    }
  });

  it('guest time: both read the raw column, and neither counts it twice in the total', () => {
    // The kernel adds guest time to user (and guest_nice to nice) as well as to guest. node_exporter
    // reports the raw user column (cpu0: 444.9 s, of which 0.02 s guest) and guest separately, as we
    // do. So the right total is the sum of node_cpu_seconds_total alone; adding
    // node_cpu_guest_seconds_total on top would double count. cpuTotalSeconds agrees with that.
    for (const { cpu, times } of stat.cpus) {
      const modes = samples(node, 'node_cpu_seconds_total', { cpu: String(cpu) });
      const nodeTotal = modes.reduce((a, s) => a + s.value, 0);
      expect(cpuTotalSeconds(times)).toBeCloseTo(nodeTotal, 9);
    }
  });

  it('boot time, context switches, interrupts, forks, running and blocked', () => {
    expect(stat.boot_time_s).toBe(value(node, 'node_boot_time_seconds'));
    expect(stat.context_switches).toBe(value(node, 'node_context_switches_total'));
    expect(stat.interrupts).toBe(value(node, 'node_intr_total'));
    expect(stat.processes).toBe(value(node, 'node_forks_total'));
    expect(stat.procs_running).toBe(value(node, 'node_procs_running'));
    expect(stat.procs_blocked).toBe(value(node, 'node_procs_blocked'));
  });
});

describe('/proc/loadavg, /proc/pressure, /proc/meminfo, /proc/cpuinfo', () => {
  it('node_load1/5/15', () => {
    const load = parseLoadavg(proc('loadavg'));
    expect([load.load1, load.load5, load.load15]).toEqual(['node_load1', 'node_load5', 'node_load15'].map((n) => value(node, n)));
  });

  it('node_pressure_*: some = waiting, full = stalled (µs → s)', () => {
    // node_exporter divides by 1000 twice (14.036781000000001); we divide by 1e6 once, the
    // correctly rounded 14.036781. One ulp apart: compare to 9 decimals.
    const cases: Array<[string, 'some' | 'full', string]> = [
      ['cpu', 'some', 'node_pressure_cpu_waiting_seconds_total'],
      ['io', 'some', 'node_pressure_io_waiting_seconds_total'],
      ['io', 'full', 'node_pressure_io_stalled_seconds_total'],
      ['memory', 'some', 'node_pressure_memory_waiting_seconds_total'],
      ['memory', 'full', 'node_pressure_memory_stalled_seconds_total'],
      ['irq', 'full', 'node_pressure_irq_stalled_seconds_total'],
    ];
    for (const [file, kind, metric] of cases) {
      expect(parsePressure(proc(`pressure/${file}`))[kind]?.total_s, metric).toBeCloseTo(value(node, metric), 9);
    }
  });

  it('node_memory_*: every meminfo key, kB → bytes, HugePages_* as counts', () => {
    const mem = parseMeminfo(proc('meminfo'));
    // node_exporter spells Active(anon) as Active_anon.
    const nodeName = (key: string) => key.replace('(', '_').replace(')', '');
    for (const [key, bytes] of Object.entries(mem.bytes)) {
      expect(bytes, key).toBe(value(node, `node_memory_${nodeName(key)}_bytes`));
    }
    for (const [key, count] of Object.entries(mem.counts)) expect(count, key).toBe(value(node, `node_memory_${key}`));
    const nodeMemory = node.filter((s) => /^node_memory_[A-Za-z0-9_]+$/.test(s.name) && !s.name.startsWith('node_memory_numa_'));
    expect(nodeMemory).toHaveLength(Object.keys(mem.bytes).length + Object.keys(mem.counts).length);
  });

  it('node_cpu_frequency_hertz and node_cpu_info: MHz, model and topology', () => {
    const info = parseCpuinfo(proc('cpuinfo'));
    for (const s of samples(node, 'node_cpu_frequency_hertz')) {
      expect(info.processors[Number(s.labels.cpu)]!.mhz! * 1e6).toBeCloseTo(s.value, 3);
    }
    const cpuInfo = samples(node, 'node_cpu_info');
    expect(info.processors).toHaveLength(cpuInfo.length);
    expect(info.model).toBe(cpuInfo[0]!.labels.model_name);
    const cores = new Set(cpuInfo.map((s) => `${s.labels.package}:${s.labels.core}`));
    expect(info.physical_cores).toBe(cores.size);
    expect(info.sockets).toBe(new Set(cpuInfo.map((s) => s.labels.package)).size);
  });
});

describe('/sys/devices/system/cpu', () => {
  it('node_cpu_scaling_frequency_hertz: scaling_cur_freq kHz → MHz', async () => {
    const fs = new HostFs(roots);
    const series = samples(node, 'node_cpu_scaling_frequency_hertz');
    expect(series.length).toBe((await listSysCpus(fs)).length);
    for (const s of series) expect((await readScalingMhz(fs, Number(s.labels.cpu)))! * 1e6).toBeCloseTo(s.value, 3);
  });
});

describe('collectors over the node_exporter tree', () => {
  it('cpu_monitor agrees on load, procs, PSI, throttles and frequencies', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'cpu_monitor' });
    const p = await cpuMonitor.collect(ctx);
    expect(p.core_count).toBe(new Set(samples(node, 'node_cpu_seconds_total').map((s) => s.labels.cpu)).size);
    expect(p.model).toBe(samples(node, 'node_cpu_info')[0]!.labels.model_name);
    expect(p.load_avg).toEqual({ '1m': value(node, 'node_load1'), '5m': value(node, 'node_load5'), '15m': value(node, 'node_load15') });
    expect(p.procs_running).toBe(value(node, 'node_procs_running'));
    expect(p.procs_blocked).toBe(value(node, 'node_procs_blocked'));
    expect(p.pressure?.cpu.some?.total_s).toBeCloseTo(value(node, 'node_pressure_cpu_waiting_seconds_total'), 9);

    // Throttles: every CPU of a package shows the package counter (cpu0 and cpu1 both say 30), so
    // a plain sum over cpuN/thermal_throttle would report 72 package throttles. node_exporter
    // counts each package and each (package, core) once; so do we. Both read 36 and 14.
    const sum = (name: string) => samples(node, name).reduce((a, s) => a + s.value, 0);
    expect(p.throttle).toEqual({
      core_throttle_count: sum('node_cpu_core_throttles_total'),
      package_throttle_count: sum('node_cpu_package_throttles_total'),
    });

    // cpufreq where sysfs has it (cpu0-3 in this tree), /proc/cpuinfo "cpu MHz" for the rest.
    p.freq_mhz.forEach((mhz, cpu) => {
      const scaling = samples(node, 'node_cpu_scaling_frequency_hertz', { cpu: String(cpu) })[0];
      const cpuinfo = samples(node, 'node_cpu_frequency_hertz', { cpu: String(cpu) })[0];
      expect(mhz! * 1e6, `cpu${cpu}`).toBeCloseTo((scaling ?? cpuinfo)!.value, 3);
    });
  });

  it('host agrees on boot time, CPU counts and memory totals', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'host' });
    const p = await host.collect(ctx);
    const cpuInfo = samples(node, 'node_cpu_info');
    expect(p.boot_time).toBe(new Date(value(node, 'node_boot_time_seconds') * 1000).toISOString());
    expect(p.cpu_cores).toBe(cpuInfo.length);
    expect(p.cpu_physical_cores).toBe(new Set(cpuInfo.map((s) => `${s.labels.package}:${s.labels.core}`)).size);
    expect(p.cpu_sockets).toBe(new Set(cpuInfo.map((s) => s.labels.package)).size);
    const gb = (metric: string) => Math.round((value(node, metric) / 2 ** 30) * 100) / 100;
    expect(p.ram_total_gb).toBe(gb('node_memory_MemTotal_bytes'));
    expect(p.swap_total_gb).toBe(gb('node_memory_SwapTotal_bytes'));
    // The shared tree has no os-release or kernel files (node_os_info came from another fixture).
    expect(p).toMatchObject({ os: null, hostname: null, kernel: null });
  });
});
