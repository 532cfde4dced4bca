import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROOTS, type HostRoots } from '../host/hostfs.js';
import { extractMetric } from '../shared/metrics.js';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { defaultConfig } from '../../test/helpers/config.js';
import { type ProcessesPayload, type ProcessRow, processMonitor, topRows } from './processes.js';

const fixture = fixtureHost('debian12-vm-2c');
let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** A writable copy of the fixture host, so a test can move counters between ticks. */
function copyHost(): HostRoots {
  dir = mkdtempSync(join(tmpdir(), 'headroom-proc-'));
  cpSync(join(fixture.procRoot, '..'), dir, { recursive: true });
  return { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'rootfs') };
}

function setup(roots: HostRoots = fixture, config: Record<string, unknown> = {}) {
  const t = makeCollectorContext<Record<string, unknown>>(roots, { name: 'process_monitor' });
  t.ctx.config = defaultConfig(config);
  const tick = (): Promise<ProcessesPayload> => processMonitor.collect(t.ctx as never);
  return { ...t, tick };
}

const BOOT_S = 1795482523;

describe('process_monitor over debian12-vm-2c', () => {
  it('the table: every process with user, comm, exe, redacted cmdline, RSS, start time, cgroup', async () => {
    const p = await setup().tick();
    expect(p.counts).toEqual({ total: 7, running: 0, sleeping: 6, disk_sleep: 0, stopped: 0, zombie: 0, idle: 1, other: 0, threads: 25 });
    expect(p.processes.map((r) => r.pid)).toEqual([1, 2, 10, 22871, 31375, 31376, 31377]);
    const node = p.processes.find((r) => r.pid === 31377)!;
    expect(node).toEqual({
      pid: 31377,
      ppid: 1,
      user: 'root',
      uid: 0,
      name: 'node',
      exe: 'node',
      cmdline: 'node /tmp/fx/idle.js --password=*** --api-key *** postgres://app:***@db:5432/x',
      state: 'S',
      kernel_thread: false,
      cpu_pct: null,
      rss_mb: 39,
      threads: 7,
      read_mbps: null,
      write_mbps: null,
      start_time: new Date((BOOT_S + 3346.82) * 1000).toISOString(),
      cgroup: '/process_api/498fd5e5041d78ce03cea15f0c1dcaa1',
      unit: null,
      container_id: null,
    });
    expect(JSON.stringify(p)).not.toMatch(/hunter2|abc123|s3cret/);
    expect(p.processes.find((r) => r.pid === 31375)).toMatchObject({ name: 'Web Content', exe: 'firefox' });
    expect(p.processes.find((r) => r.pid === 31376)).toMatchObject({ name: '(sd-pam)', cmdline: '/tmp/fx/(sd-pam) 600' });
    expect(p.processes.find((r) => r.pid === 2)).toMatchObject({ kernel_thread: true, cmdline: '', user: 'root', rss_mb: 0 });
    expect(p.scan).toEqual({ listed: 7, cold: 7, vanished: 0, skipped: 0, skip_reasons: [] });
  });

  it('first tick: no CPU figures (null, not 0) and top_cpu empty; second tick: rates; top_rss by RSS', async () => {
    const { tick, clock } = setup();
    const first = await tick();
    expect(first.top_cpu).toEqual([]);
    expect(first.top_rss.map((r) => r.pid)).toEqual([31377, 1, 22871, 31375, 31376, 2, 10]);
    clock.advance(1000);
    const second = await tick();
    expect(second.processes.every((r) => r.cpu_pct === 0)).toBe(true);
    expect(second.processes.find((r) => r.pid === 22871)).toMatchObject({ read_mbps: 0, write_mbps: 0 });
    // pid 1's io is unreadable (EACCES on the captured machine): null, not 0.
    expect(second.processes.find((r) => r.pid === 1)).toMatchObject({ read_mbps: null, write_mbps: null });
    expect(second.top_cpu).toHaveLength(7);
    expect(second.scan.cold).toBe(0);
    expect(extractMetric(second, 'counts.total')).toEqual([{ labels: {}, value: 7 }]);
    expect(extractMetric(second, 'top_rss[rank].rss_mb')[0]).toEqual({ labels: { rank: '0' }, value: 39 });
  });

  it('a row that came out the same is published again as the same object; a changed one is new', async () => {
    const roots = copyHost();
    const { tick, clock } = setup(roots);
    await tick();
    clock.advance(1000);
    const second = await tick();
    clock.advance(1000);
    const statPath = join(roots.procRoot, '22871', 'stat');
    writeFileSync(statPath, readFileSync(statPath, 'utf8').replace(' 999 ', ' 1999 '));
    const third = await tick();
    for (const row of third.processes) {
      const before = second.processes.find((r) => r.pid === row.pid)!;
      if (row.pid === 22871) {
        expect(row).not.toBe(before);
        expect(row.rss_mb).toBeGreaterThan(before.rss_mb);
      } else {
        expect(row).toBe(before);
      }
    }
    // The same values a fresh collector computes from the same two samples.
    const fresh = setup(roots);
    await fresh.tick();
    expect(third.counts).toEqual((await fresh.tick()).counts);
  });

  it('cpu_pct from utime+stime deltas, I/O rates from read/write_bytes, top_n from config', async () => {
    const roots = copyHost();
    const { tick, clock } = setup(roots, { processes: { top_n: 2 } });
    const stat = join(roots.procRoot, '22871', 'stat');
    const io = join(roots.procRoot, '22871', 'io');
    const s0 = readFileSync(stat, 'utf8');
    const io0 = readFileSync(io, 'utf8');
    await tick();
    // +150 ticks of user and +50 of system time (2 s of CPU) over 1 s: 200 % (two threads busy).
    writeFileSync(stat, s0.replace(' 19 51 ', ' 169 101 '));
    writeFileSync(io, io0.replace(/^read_bytes: (\d+)$/m, (_, v) => `read_bytes: ${Number(v) + 3 * 1048576}`));
    clock.advance(1000);
    const p = await tick();
    expect(p.processes.find((r) => r.pid === 22871)).toMatchObject({ cpu_pct: 200, read_mbps: 3, write_mbps: 0 });
    expect(p.top_cpu.map((r) => r.pid)).toEqual([22871, 31377]);
    expect(p.top_rss).toHaveLength(2);
    // CPU time of one process never goes back, but a bad read could: null then, never a spike.
    writeFileSync(stat, s0);
    clock.advance(1000);
    expect((await tick()).processes.find((r) => r.pid === 22871)!.cpu_pct).toBeNull();
  });

  it('io of a process that did not run is not re-read: 0 for that interval, then averaged over the span', async () => {
    const roots = copyHost();
    const { tick, clock } = setup(roots);
    const stat = join(roots.procRoot, '22871', 'stat');
    const io = join(roots.procRoot, '22871', 'io');
    const s0 = readFileSync(stat, 'utf8');
    const io0 = readFileSync(io, 'utf8');
    const bump = (mb: number) =>
      writeFileSync(io, io0.replace(/^write_bytes: (\d+)$/m, (_, v) => `write_bytes: ${Number(v) + mb * 1048576}`));
    await tick();
    // 4 MB written "between ticks" without a CPU tick: not seen yet (the file is not re-read).
    bump(4);
    clock.advance(1000);
    expect((await tick()).processes.find((r) => r.pid === 22871)).toMatchObject({ cpu_pct: 0, write_mbps: 0 });
    // Once it runs, the io is read and the 4 MB are spread over the 2 s since the last read.
    writeFileSync(stat, s0.replace(' 19 51 ', ' 20 51 '));
    clock.advance(1000);
    expect((await tick()).processes.find((r) => r.pid === 22871)).toMatchObject({ cpu_pct: 1, write_mbps: 2 });
  });

  it('a reused pid starts over: no rate across two different processes', async () => {
    const roots = copyHost();
    const { tick, clock } = setup(roots);
    const stat = join(roots.procRoot, '22871', 'stat');
    await tick();
    writeFileSync(stat, readFileSync(stat, 'utf8').replace(' 19 51 ', ' 0 1 ').replace(' 262786 ', ' 400000 '));
    clock.advance(1000);
    const p = await tick();
    expect(p.processes.find((r) => r.pid === 22871)!.cpu_pct).toBeNull();
  });

  it.runIf(process.platform === 'linux')('close() gives back the files the scanner keeps open between ticks (real /proc)', async () => {
    const { tick, ctx } = setup(DEFAULT_ROOTS);
    await tick();
    const scanner = (ctx.state as { scanner: { openFiles: number } }).scanner;
    expect(scanner.openFiles).toBeGreaterThan(0);
    await processMonitor.close!(ctx as never);
    expect(scanner.openFiles).toBe(0);
  });

  it('processes.redact: false shows command lines as they are', async () => {
    const p = await setup(fixture, { processes: { redact: false } }).tick();
    expect(p.processes.find((r) => r.pid === 31377)!.cmdline).toContain('--password=hunter2');
  });

  it('a redact pattern that does not compile fails the tick, naming it', async () => {
    await expect(setup(fixture, { processes: { redact_patterns: ['(oops'] } }).tick()).rejects.toThrow(/redact_patterns\[0\] "\(oops"/);
  });

  it('a tree without pid directories (not Linux /proc) is an error, not an empty table', async () => {
    const { tick } = setup({ ...fixture, procRoot: fixture.sysRoot });
    await expect(tick()).rejects.toThrow(/no process directories/);
  });
});

describe('topRows', () => {
  // A deterministic pseudo-random table with many ties, so the pid tie-break decides often.
  const rows: ProcessRow[] = Array.from({ length: 400 }, (_, i) => {
    const x = (i * 7919) % 101;
    return { pid: (i * 37) % 1009, cpu_pct: x % 5 === 0 ? null : x % 13, rss_mb: (x % 7) * 1.5 } as ProcessRow;
  });
  const byCpu = (a: ProcessRow, b: ProcessRow) => b.cpu_pct! - a.cpu_pct! || b.rss_mb - a.rss_mb || a.pid - b.pid;
  const byRss = (a: ProcessRow, b: ProcessRow) => b.rss_mb - a.rss_mb || a.pid - b.pid;

  it.each([0, 1, 5, 20, 399, 400, 1000])('top %i equals sort-then-cut', (n) => {
    const hasCpu = (r: ProcessRow) => r.cpu_pct !== null;
    expect(topRows(rows, n, byCpu, hasCpu)).toEqual(rows.filter(hasCpu).sort(byCpu).slice(0, n));
    expect(topRows(rows, n, byRss)).toEqual([...rows].sort(byRss).slice(0, n));
  });
});
