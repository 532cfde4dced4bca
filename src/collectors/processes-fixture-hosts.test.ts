/**
 * ram_monitor and process_monitor over the hand-assembled fixture hosts, against the results
 * their HOST.md states (two passes 1 s apart; each `X.next` is moved over `X` in between, on a
 * copy of the tree, as the golden test does).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureRoots, makeCollectorContext, projectRoot } from '../../test/helpers/collector-context.js';
import { type ProcessesPayload, processMonitor } from './processes.js';
import { type RamPayload, ramMonitor } from './ram.js';

const hostDir = (id: string) => join(projectRoot, 'test/fixtures/hosts', id);

async function twoPasses(id: string): Promise<{ ram: RamPayload; procs: ProcessesPayload }> {
  const dir = mkdtempSync(join(tmpdir(), `headroom-${id}-`));
  try {
    cpSync(hostDir(id), dir, { recursive: true });
    const r = makeCollectorContext<Record<string, unknown>>(fixtureRoots(dir), { name: 'ram_monitor' });
    const p = makeCollectorContext<Record<string, unknown>>(fixtureRoots(dir), { name: 'process_monitor' });
    await processMonitor.collect(p.ctx as never);
    await ramMonitor.collect(r.ctx as never);
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.next') ? [join(d, e.name)] : [],
      );
    for (const next of walk(dir)) renameSync(next, next.slice(0, -'.next'.length));
    r.clock.advance(1000);
    p.clock.advance(1000);
    const procs = (await processMonitor.collect(p.ctx as never)) as ProcessesPayload;
    r.ctx.latest = (name) => (name === 'process_monitor' ? procs : undefined);
    const ram = (await ramMonitor.collect(r.ctx as never)) as RamPayload;
    return { ram, procs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const group = (ram: RamPayload, name: string) => ram.top_processes.find((g) => g.name === name);
const row = (procs: ProcessesPayload, pid: number) => procs.processes.find((r) => r.pid === pid)!;

describe.skipIf(!existsSync(hostDir('laptop-battery-browsers')))('laptop-battery-browsers (HOST.md figures)', () => {
  it('browser groups, tab estimates, earlyoom; CPU and I/O per process', async () => {
    const { ram, procs } = await twoPasses('laptop-battery-browsers');
    expect(ram).toMatchObject({ ram_pct: 75, pressure: null, earlyoom_browser_warn: true, earlyoom_pressure: true });
    expect(ram.swap).toMatchObject({ zram: { total_gb: 0, pct: 0 }, disk: { total_gb: 0, pct: 0 } });
    expect(ram.top_processes.slice(0, 4).map((g) => [g.label, g.rss_mb, g.count, g.renderer_count, g.earlyoom_risk])).toEqual([
      ['Browser (Chrome)', 4608, 32, 22, true],
      ['Browser (Firefox)', 2374, 14, 10, false],
      ['code', 1330, 6, 2, false],
      ['Browser (Brave)', 900, 7, 3, false],
    ]);
    expect(group(ram, 'chrome_crashpad_handler')).toMatchObject({ rss_mb: 8, browser: null });
    expect(procs.counts).toMatchObject({ total: 67, idle: 1 });
    expect(procs.top_cpu.slice(0, 4).map((r) => [r.pid, r.cpu_pct])).toEqual([
      [2585, 40],
      [2317, 22],
      [2569, 18],
      [8338, 12],
    ]);
    expect(row(procs, 2256)).toMatchObject({ name: 'firefox', write_mbps: 3, unit: 'app-gnome-firefox-2256.scope', user: 'dana' });
    expect(row(procs, 2547)).toMatchObject({ read_mbps: 4, write_mbps: 1, unit: 'app-gnome-google\\x2dchrome-2547.scope' });
    expect(row(procs, 8338)).toMatchObject({ read_mbps: 12 });
    expect(row(procs, 2317)).toMatchObject({ name: 'Isolated Web Co', exe: 'firefox' });
  });
});

describe.skipIf(!existsSync(hostDir('workstation-zram-nfs')))('workstation-zram-nfs (HOST.md figures)', () => {
  it('zram + swap file: totals, velocity, compression, swap-in/out; groups by cmdline[0]', async () => {
    const { ram } = await twoPasses('workstation-zram-nfs');
    expect(ram).toMatchObject({ ram_total_gb: 62.72, ram_used_gb: 53.23, ram_pct: 84.9, oom_kills: 2, oom_kill_recent: false });
    expect(ram.swap).toMatchObject({
      zram: { total_gb: 16, used_gb: 6.03, pct: 37.7, velocity_mbps: 32, compression_ratio: 3.2, algorithm: 'zstd', ram_used_gb: 1.95 },
      disk: { total_gb: 8, used_gb: 1, pct: 12.5, velocity_mbps: 0 },
      in_pages_per_s: 1024,
      out_pages_per_s: 9216,
    });
    expect(ram.pressure?.memory.some?.avg10).toBe(18.62);
    expect(group(ram, 'python3')).toMatchObject({ rss_mb: 31211, count: 4, earlyoom_risk: true, browser: null });
    expect(ram.top_processes.slice(1, 5).map((g) => [g.name, g.rss_mb])).toEqual([
      ['ollama', 9289.5],
      ['gnome-shell', 598],
      ['postgres', 181],
      ['dockerd', 96],
    ]);
    expect(group(ram, 'init')).toMatchObject({ rss_mb: 13.9 });
    expect(ram.earlyoom_browser_warn).toBe(false);
  });

  it('the table: CPU order, tricky comm, zombie, container, unknown uid, D-state process, redaction', async () => {
    const { procs } = await twoPasses('workstation-zram-nfs');
    expect(procs.top_cpu.slice(0, 7).map((r) => [r.pid, r.cpu_pct])).toEqual([
      [1350, 242],
      [301442, 100],
      [602344, 80],
      [3141, 30],
      [1203990, 20],
      [98, 18],
      [1903, 8],
    ]);
    expect(procs.top_rss.slice(0, 3).map((r) => r.pid)).toEqual([602344, 1350, 301442]);
    expect(procs.counts).toMatchObject({ total: 20, zombie: 1, idle: 1 });
    expect(row(procs, 1203990)).toMatchObject({ name: 'evil) R 0 (x y', state: 'R', exe: 'procname-test' });
    expect(row(procs, 1201877)).toMatchObject({ state: 'Z', cmdline: '', rss_mb: 0 });
    expect(row(procs, 3141)).toMatchObject({
      user: '70',
      container_id: '27208d28b4e03a318a0a613b242a9dd824f98077073aa93f8eff07a039dfe38c',
      write_mbps: 3,
    });
    expect(row(procs, 301442)).toMatchObject({ name: 'vllm', exe: 'python3', unit: 'vllm.service' });
    // D in the first pass (argv read later), R in the second: its command line is there now.
    expect(row(procs, 602344)).toMatchObject({ state: 'R', cmdline: expect.stringContaining('ipykernel_launcher') });
    expect(row(procs, 1180223).cmdline).toBe(
      'python3 /home/dana/bin/sync-worker.py --password=*** --api-key *** DB_URL=postgres://user:***@db/x S3_SECRET_KEY=***',
    );
    expect(row(procs, 871455).cmdline).toContain('IdentityFile=/home/dana/.ssh/id_ed25519');
  });
});
