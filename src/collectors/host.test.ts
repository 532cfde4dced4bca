import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { extractMetric } from '../shared/metrics.js';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { host } from './host.js';

const roots = fixtureHost('debian12-vm-2c');
const raw = (rel: string) => readFileSync(`${roots.procRoot}/${rel}`, 'utf8');
/** A meminfo value in GiB, read without the parser under test. */
const memGb = (key: string) => (Number(/\d+/.exec(raw('meminfo').split('\n').find((l) => l.startsWith(`${key}:`))!)![0]) * 1024) / 2 ** 30;
const btime = Number(/^btime (\d+)$/m.exec(raw('stat'))![1]);

describe('host over debian12-vm-2c', () => {
  it('describes the machine from its files', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'host' });
    const p = await host.collect(ctx);
    expect(p).toEqual({
      available: true,
      hostname: 'vm',
      os: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.18.44-fc-v782',
      arch: 'x86_64',
      uptime_s: Number(raw('uptime').split(' ')[0]),
      boot_time: new Date(btime * 1000).toISOString(),
      cpu_model: 'AMD EPYC',
      cpu_cores: 2,
      cpu_physical_cores: 2,
      cpu_sockets: 1,
      ram_total_gb: Math.round(memGb('MemTotal') * 100) / 100,
      swap_total_gb: Math.round(memGb('SwapTotal') * 100) / 100,
      platform: 'linux',
    });
  });

  it('falls back to /usr/lib/os-release, then to defaults', async () => {
    const { ctx, fs } = makeCollectorContext(roots);
    fs.overrides.set(`${roots.rootfs}/etc/os-release`, null);
    fs.overrides.set(`${roots.rootfs}/usr/lib/os-release`, 'NAME="Other"\nPRETTY_NAME="Other OS 1"\n');
    expect((await host.collect(ctx)).os).toBe('Other OS 1');
    fs.overrides.set(`${roots.rootfs}/usr/lib/os-release`, null);
    expect((await host.collect(ctx)).os).toBeNull();
  });

  it('derives uptime from btime and the clock when /proc/uptime is absent', async () => {
    const { ctx, fs, clock } = makeCollectorContext(roots);
    fs.overrides.set(`${roots.procRoot}/uptime`, null);
    clock.advance(btime * 1000 + 1234_000 - clock.wallMs());
    expect((await host.collect(ctx)).uptime_s).toBe(1234);
  });

  it('uses Node for arch only when the kernel file is absent', async () => {
    const { ctx, fs } = makeCollectorContext(roots);
    fs.overrides.set(`${roots.procRoot}/sys/kernel/arch`, null);
    expect((await host.collect(ctx)).arch).toBe(os.machine());
  });

  it('counts cores from sysfs topology when cpuinfo has no ids (arm64)', async () => {
    const { ctx, fs } = makeCollectorContext(roots);
    const arm = 'processor : 0\nCPU implementer : 0x41\nCPU part : 0xd0c\n\nprocessor : 1\nCPU implementer : 0x41\nCPU part : 0xd0c\n';
    fs.overrides.set(`${roots.procRoot}/cpuinfo`, arm);
    expect(await host.collect(ctx)).toMatchObject({ cpu_model: 'ARM Neoverse-N1', cpu_physical_cores: 2, cpu_sockets: 1 });
  });

  it('names the file and line when a kernel file is garbage', async () => {
    const { ctx, fs } = makeCollectorContext(roots);
    fs.overrides.set(`${roots.procRoot}/meminfo`, 'MemTotal: lots kB\n');
    await expect(host.collect(ctx)).rejects.toThrow(`${roots.procRoot}/meminfo:1:`);
  });

  it('declares every numeric field it reports', async () => {
    const { ctx } = makeCollectorContext(roots);
    const p = await host.collect(ctx);
    const paths = host.metrics.map((m) => m.path);
    for (const m of host.metrics) expect(extractMetric(p, m.path)).toHaveLength(1);
    for (const [k, v] of Object.entries(p)) if (typeof v === 'number') expect(paths).toContain(k);
  });
});
