import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_ROOTS, HostFs, type HostRoots } from '../host/hostfs.js';
import { parseOsRelease } from '../parsers/os-release.js';
import { NET_CLASS_FILES } from '../parsers/sys-net.js';
import { listSysCpus } from './cpu-sysfs.js';
import { captureStatfsJson } from './disk-volumes.js';
import { createRedactor } from './redact.js';

/**
 * `headroom capture-fixture DIR`: copy the kernel files the collectors read from real roots into
 * DIR/{proc,sys,rootfs}/… (same relative paths) and describe the machine in DIR/HOST.md, so a
 * test can point collectors at the copy. Plain file reads only, no subprocess. Files a machine
 * does not have are listed in HOST.md as absent, which is itself what a fixture documents (no
 * PSI, no cpufreq, no zram).
 */

type Tree = 'proc' | 'sys' | 'rootfs';

/** Files bigger than this are left out: fixtures are committed, and no file we read is that big. */
const MAX_FILE_BYTES = 1024 * 1024;

const PROC_FILES = [
  'stat',
  'loadavg',
  'uptime',
  'cpuinfo',
  'meminfo',
  'vmstat',
  'swaps',
  'diskstats',
  'net/dev',
  'self/mountinfo',
  'sys/kernel/hostname',
  'sys/kernel/osrelease',
  'sys/kernel/arch',
  'pressure/cpu',
  'pressure/memory',
  'pressure/io',
  'pressure/irq',
];
const SYS_CPU_FILES = ['online', 'offline', 'possible', 'present'];
const SYS_PER_CPU_FILES = {
  cpufreq: [
    'scaling_cur_freq',
    'scaling_min_freq',
    'scaling_max_freq',
    'cpuinfo_min_freq',
    'cpuinfo_max_freq',
    'scaling_governor',
    'scaling_driver',
  ],
  topology: ['physical_package_id', 'core_id', 'die_id', 'thread_siblings_list'],
};
const ZRAM_FILES = ['mm_stat', 'disksize', 'comp_algorithm'];
const ROOTFS_FILES = ['etc/os-release', 'usr/lib/os-release', 'etc/passwd'];
/** Per-process files process_monitor and ram_monitor read; cmdline is written redacted. */
const PID_FILES = ['stat', 'status', 'cgroup', 'io'];
/** Enough processes for a realistic table without committing thousands of files. */
const MAX_PIDS = 200;

export interface CaptureResult {
  /** Paths written, relative to destDir (e.g. `proc/stat`). */
  captured: string[];
  /** Paths not captured, with the reason (e.g. `proc/pressure/irq (ENOENT)`). */
  absent: string[];
}

export async function captureFixture(
  destDir: string,
  roots: HostRoots = DEFAULT_ROOTS,
  now: Date = new Date(),
): Promise<CaptureResult> {
  const fs = new HostFs(roots);
  const sys = await sysFiles(fs);
  const wanted: Array<[Tree, string]> = [
    ...PROC_FILES.map((f): [Tree, string] => ['proc', f]),
    ...sys.files.map((f): [Tree, string] => ['sys', f]),
    ...ROOTFS_FILES.map((f): [Tree, string] => ['rootfs', f]),
  ];
  const result: CaptureResult = { captured: [], absent: sys.absentDirs.map((d) => `sys/${d} (no directory)`) };
  for (const [tree, rel] of wanted) {
    const src = tree === 'proc' ? fs.proc(rel) : tree === 'sys' ? fs.sys(rel) : fs.root(rel);
    const dest = `${tree}/${rel}`;
    const outcome = await copyOne(src, join(destDir, dest));
    if (outcome === 'ok') result.captured.push(dest);
    else result.absent.push(`${dest} (${outcome})`);
  }
  await captureProcesses(fs, destDir, result);
  // disk_monitor's statfs answers for the captured mount table (no kernel file holds them).
  const statfsJson = await captureStatfsJson(fs, join(destDir, 'proc/self/mountinfo'));
  if (statfsJson !== null) {
    await writeFile(join(destDir, 'proc/self/statfs.json'), statfsJson);
    result.captured.push('proc/self/statfs.json');
  }
  await writeFile(join(destDir, 'HOST.md'), await describeHost(fs, roots, result, now));
  return result;
}

/**
 * The sysfs files for this machine: per-CPU cpufreq, topology and throttle counters, zram
 * devices. A whole directory the machine lacks (no cpufreq driver in a VM) is reported once.
 */
async function sysFiles(fs: HostFs): Promise<{ files: string[]; absentDirs: string[] }> {
  const files = SYS_CPU_FILES.map((f) => `devices/system/cpu/${f}`);
  const absentDirs: string[] = [];
  for (const cpu of await listSysCpus(fs)) {
    const dir = `devices/system/cpu/cpu${cpu}`;
    for (const sub of ['cpufreq', 'topology', 'thermal_throttle']) {
      const present = new Set(await fs.list(fs.sys(dir, sub)));
      if (present.size === 0) {
        absentDirs.push(`${dir}/${sub}/`);
        continue;
      }
      // thermal_throttle holds only counters and times: take all of it.
      const names =
        sub === 'thermal_throttle' ? [...present].sort() : SYS_PER_CPU_FILES[sub as 'cpufreq' | 'topology'];
      files.push(...names.map((f) => `${dir}/${sub}/${f}`));
    }
  }
  const zram = (await fs.list(fs.sys('block'))).filter((d) => /^zram\d+$/.test(d)).sort();
  for (const dev of zram) files.push(...ZRAM_FILES.map((f) => `block/${dev}/${f}`));
  // Link state, MTU and speed per interface (network_monitor); a refused read (EINVAL) is recorded as absent.
  for (const iface of (await fs.list(fs.sys('class/net'))).sort()) {
    files.push(...NET_CLASS_FILES.map((f) => `class/net/${iface}/${f}`));
  }
  return { files, absentDirs };
}

/**
 * The first MAX_PIDS processes: their stat/status/cgroup/io as they are, and cmdline with
 * secrets redacted (a fixture is committed; a password on a command line must not be). A
 * process that exits mid-copy is simply incomplete, as it would be for the scanner.
 */
async function captureProcesses(fs: HostFs, destDir: string, result: CaptureResult): Promise<void> {
  const redact = createRedactor({ redact: true, redact_patterns: [] });
  const pids = (await fs.list(fs.proc()))
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b)
    .slice(0, MAX_PIDS);
  for (const pid of pids) {
    for (const f of PID_FILES) {
      if ((await copyOne(fs.proc(String(pid), f), join(destDir, 'proc', String(pid), f))) === 'ok')
        result.captured.push(`proc/${pid}/${f}`);
    }
    const cmdline = await fs.tryRead(fs.proc(String(pid), 'cmdline'));
    if (cmdline === null) continue;
    const argv = cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    const safe = argv.length ? `${redact(argv).split(' ').join('\0')}\0` : '';
    await mkdir(join(destDir, 'proc', String(pid)), { recursive: true });
    await writeFile(join(destDir, 'proc', String(pid), 'cmdline'), safe);
    result.captured.push(`proc/${pid}/cmdline`);
  }
}

/** Copy one file; 'ok' or the reason it was not copied (ENOENT, EACCES, too large). */
async function copyOne(src: string, dest: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(src);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unreadable';
  }
  if (data.length > MAX_FILE_BYTES) return `over ${MAX_FILE_BYTES} bytes`;
  await mkdir(dirname(dest), { recursive: true });
  await writeFile(dest, data);
  return 'ok';
}

async function describeHost(fs: HostFs, roots: HostRoots, result: CaptureResult, now: Date): Promise<string> {
  const read = async (p: string) => (await fs.tryRead(p))?.trim() || null;
  const release =
    (await fs.tryRead(fs.root('etc/os-release'))) ?? (await fs.tryRead(fs.root('usr/lib/os-release')));
  // Kernels before 5.x have no /proc/sys/kernel/arch; Node's answer is only right for the live roots.
  const liveArch = roots.procRoot === DEFAULT_ROOTS.procRoot ? os.machine() : 'unknown';
  const lines = [
    '# Fixture host',
    '',
    `- kernel: ${(await read(fs.proc('sys/kernel/osrelease'))) ?? 'unknown'}`,
    `- distro: ${release === null ? 'unknown' : parseOsRelease(release).pretty_name}`,
    `- arch: ${(await read(fs.proc('sys/kernel/arch'))) ?? liveArch}`,
    `- logical CPUs: ${(await listSysCpus(fs)).length}`,
    `- captured: ${now.toISOString()} by captureFixture (src/collectors/capture.ts)`,
    `- roots: procfs ${roots.procRoot}, sysfs ${roots.sysRoot}, rootfs ${roots.rootfs}`,
    '',
    '## Captured',
    '',
    ...result.captured.map((p) => `- ${p}`),
    '',
    '## Absent on this machine',
    '',
    ...(result.absent.length > 0 ? result.absent.map((p) => `- ${p}`) : ['- (none)']),
    '',
  ];
  return lines.join('\n');
}
