/**
 * Conformance with node_exporter for memory, swap, vmstat and the process table: ram_monitor,
 * process_monitor and their parsers run over node_exporter's fixture tree
 * (../shared/fixtures/node_exporter, read in place) must agree with its e2e-output.txt.
 * (meminfo and PSI parsing themselves are compared in node-exporter.test.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { processMonitor } from '../../src/collectors/processes.js';
import { ramMonitor } from '../../src/collectors/ram.js';
import { HostFs, type HostRoots } from '../../src/host/hostfs.js';
import { ProcessScanner } from '../../src/host/process-table.js';
import { parseSwaps } from '../../src/parsers/proc-swaps.js';
import { parseVmstat } from '../../src/parsers/proc-vmstat.js';
import { makeCollectorContext, projectRoot } from '../helpers/collector-context.js';
import { type PromSample, parsePromText, samples, value } from '../helpers/prom-text.js';

const dir = resolve(projectRoot, '../shared/fixtures/node_exporter');
const roots: HostRoots = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'no-rootfs') };
const proc = (rel: string) => readFileSync(join(roots.procRoot, rel), 'utf8');
const GiB = 2 ** 30;

let node: PromSample[];
beforeAll(() => {
  // Fail, never skip: without the peer's tree this test proves nothing, and CI has ../shared.
  if (!existsSync(join(dir, 'e2e-output.txt'))) {
    throw new Error(`node_exporter fixture not found at ${dir} (expected ../shared/fixtures/node_exporter beside the checkout)`);
  }
  node = parsePromText(readFileSync(join(dir, 'e2e-output.txt'), 'utf8'));
});

describe('/proc/vmstat', () => {
  it('node_vmstat_*: every counter node_exporter exports has the same value', () => {
    const vm = parseVmstat(proc('vmstat'));
    const series = node.filter((s) => s.name.startsWith('node_vmstat_'));
    expect(series.map((s) => s.name).sort()).toEqual(
      ['oom_kill', 'pgfault', 'pgmajfault', 'pgpgin', 'pgpgout', 'pswpin', 'pswpout'].map((k) => `node_vmstat_${k}`),
    );
    for (const s of series) expect(vm.get(s.name.slice('node_vmstat_'.length)), s.name).toBe(s.value);
  });
});

describe('ram_monitor over the node_exporter tree', () => {
  it('RAM figures agree with node_memory_*; MemAvailable is absent there, so available is estimated', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'ram_monitor' });
    const p = await ramMonitor.collect(ctx as never);
    const gb = (metric: string) => value(node, metric) / GiB;
    expect(p.ram_total_gb).toBeCloseTo(gb('node_memory_MemTotal_bytes'), 2);
    expect(p.mem_free_gb).toBeCloseTo(gb('node_memory_MemFree_bytes'), 2);
    expect(p.buffers_gb).toBeCloseTo(gb('node_memory_Buffers_bytes'), 2);
    expect(p.cached_gb).toBeCloseTo(gb('node_memory_Cached_bytes'), 2);
    expect(p.shared_gb).toBeCloseTo(gb('node_memory_Shmem_bytes'), 2);
    // This made-up meminfo predates MemAvailable (Linux 3.14): MemFree + file LRU + SReclaimable.
    expect(samples(node, 'node_memory_MemAvailable_bytes')).toEqual([]);
    const estimate =
      value(node, 'node_memory_MemFree_bytes') +
      value(node, 'node_memory_Active_file_bytes') +
      value(node, 'node_memory_Inactive_file_bytes') +
      value(node, 'node_memory_SReclaimable_bytes');
    expect(p.available_source).toBe('estimate');
    expect(p.ram_free_gb).toBeCloseTo(estimate / GiB, 2);
    expect(p.ram_used_gb).toBeCloseTo((value(node, 'node_memory_MemTotal_bytes') - estimate) / GiB, 2);
    expect(p.oom_kills).toBe(value(node, 'node_vmstat_oom_kill'));
    expect(p.pressure?.memory.some?.total_s).toBeCloseTo(value(node, 'node_pressure_memory_waiting_seconds_total'), 9);
    expect(p.pressure?.memory.full?.total_s).toBeCloseTo(value(node, 'node_pressure_memory_stalled_seconds_total'), 9);
  });

  it('swap comes from /proc/swaps (zram0 here), which in this made-up tree disagrees with meminfo SwapTotal', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'ram_monitor' });
    const p = await ramMonitor.collect(ctx as never);
    const [zram] = parseSwaps(proc('swaps'));
    expect(zram).toMatchObject({ filename: '/dev/zram0', kind: 'zram', size_bytes: 8388604 * 1024, used_bytes: 76 * 1024 });
    expect(p.swap!.zram).toMatchObject({ total_gb: 8, used_gb: 0, device_count: 1, compression_ratio: null });
    expect(p.swap!.disk).toMatchObject({ total_gb: 0, used_gb: 0, device_count: 0 });
    // node_exporter reports meminfo's SwapTotal (4 GiB) and exports nothing from /proc/swaps; a real
    // kernel keeps the two equal. The fixture files were written separately, so they differ; we
    // report per-device totals from /proc/swaps, the only file that says which device is zram.
    expect(value(node, 'node_memory_SwapTotal_bytes')).toBe(4194300 * 1024);
    // No /sys/block/zram0 in this tree: no compression figures, not an error.
    expect(p.swap_reason).toBeNull();
  });
});

describe('process_monitor over the node_exporter tree', () => {
  it('node_processes_pids, node_processes_state and node_processes_threads agree', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'process_monitor' });
    const p = await processMonitor.collect(ctx as never);
    expect(p.counts.total).toBe(value(node, 'node_processes_pids'));
    expect(p.counts.threads).toBe(value(node, 'node_processes_threads'));
    const byState = Object.fromEntries(samples(node, 'node_processes_state').map((s) => [s.labels.state, s.value]));
    expect(byState).toEqual({ I: p.counts.idle, S: p.counts.sleeping });
    expect(p.counts).toMatchObject({ running: 0, zombie: 0, disk_sleep: 0, other: 0 });
  });

  it('a tree with only stat per pid: rows with what stat says, other fields unknown, retried next scan', async () => {
    const scanner = new ProcessScanner(new HostFs(roots));
    const first = await scanner.scan(() => 0);
    expect(first.processes).toHaveLength(3);
    const systemd = first.processes.find((s) => s.pid === 1)!;
    // Values read straight from proc/1/stat ("1 (systemd) S 0 1 1 … 2507 …"): utime 36 + stime 98 ticks.
    expect(systemd).toMatchObject({ comm: 'systemd', ppid: 0, threads: 1, rss_bytes: 2507 * 4096, info: { argv: [], exe: 'systemd', uid: null } });
    expect(systemd.cpu_s).toBeCloseTo(1.34, 9);
    expect((await scanner.scan(() => 0)).cold).toBe(3);
    // node_exporter's proc/self is a plain file here, not a pid directory: ignored.
    expect(first.listed).toBe(3);
  });
});
