import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureHost } from '../../test/helpers/collector-context.js';
import { HostFs, type HostRoots } from './hostfs.js';
import { exeName, ProcessScanner } from './process-table.js';

const roots = fixtureHost('debian12-vm-2c');
const now = () => 1000;
const FIXTURE_PIDS = [1, 2, 10, 22871, 31375, 31376, 31377];

describe('ProcessScanner over debian12-vm-2c', () => {
  it('reads every pid directory and nothing else (self, stat, … are not processes)', async () => {
    const scan = await new ProcessScanner(new HostFs(roots)).scan(now);
    expect(scan.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual(FIXTURE_PIDS);
    expect(scan).toMatchObject({ listed: 7, cold: 7, vanished: 0, skipped: 0, boot_time_s: 1795482523, page_size: 4096 });
  });

  it('per process: comm with spaces and parentheses, exe, user, kernel threads, RSS, cgroup, io', async () => {
    const scan = await new ProcessScanner(new HostFs(roots)).scan(now);
    const by = new Map(scan.processes.map((p) => [p.pid, p]));
    expect(by.get(31375)).toMatchObject({
      comm: 'Web Content',
      state: 'S',
      kernel_thread: false,
      rss_bytes: 814 * 4096,
      threads: 1,
      key: '31375:334681',
      io: { read_bytes: 0, write_bytes: 0 },
      info: { exe: 'firefox', uid: 0, user: 'root', ioReadable: true },
    });
    expect(by.get(31375)!.info.argv.slice(0, 4)).toEqual(['/usr/lib/firefox/firefox', '-c', 'while :; do sleep 1; done', '-contentproc']);
    expect(by.get(31376)).toMatchObject({ comm: '(sd-pam)', info: { exe: '(sd-pam)', argv: ['/tmp/fx/(sd-pam)', '600'] } });
    expect(by.get(2)).toMatchObject({ comm: 'kthreadd', kernel_thread: true, rss_bytes: 0, io: null, info: { argv: [], exe: 'kthreadd', user: 'root' } });
    expect(by.get(10)).toMatchObject({ state: 'I', kernel_thread: true, info: { exe: 'kworker/0:0H-events_highpri' } });
    // /proc/1/io was EACCES on the captured machine and is absent here: io is null, and not retried.
    expect(by.get(1)).toMatchObject({ comm: 'process_api', io: null, threads: 13, info: { ioReadable: false } });
    expect(by.get(22871)!.cpu_s).toBeCloseTo(0.7, 9);
    expect(by.get(22871)!.start_s).toBeCloseTo(2627.86, 9);
    expect(by.get(31377)!.info.cgroup).toEqual({ path: '/process_api/498fd5e5041d78ce03cea15f0c1dcaa1', unit: null, container_id: null });
  });

  it('a lighter scan reads no status, cgroup or io', async () => {
    const scan = await new ProcessScanner(new HostFs(roots), { users: false, cgroup: false, io: false }).scan(now);
    const node = scan.processes.find((p) => p.pid === 31377)!;
    expect(node).toMatchObject({ io: null, info: { uid: null, user: null, cgroup: null, exe: 'node' } });
  });
});

describe('ProcessScanner caching and churn', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the fixture host's tree that a test can change between scans. */
  function copyHost(): HostRoots {
    dir = mkdtempSync(join(tmpdir(), 'headroom-ptable-'));
    cpSync(join(roots.procRoot, '..'), dir, { recursive: true });
    return { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'rootfs') };
  }
  const statPath = (r: HostRoots, pid: number) => join(r.procRoot, String(pid), 'stat');

  it('static files are read once per process: a second scan is warm and reuses the same info', async () => {
    const r = copyHost();
    const scanner = new ProcessScanner(new HostFs(r));
    const a = await scanner.scan(now);
    // Change cmdline on disk: a warm scan must not read it again.
    writeFileSync(join(r.procRoot, '22871', 'cmdline'), 'changed\0');
    const b = await scanner.scan(now);
    expect(b.cold).toBe(0);
    const infoA = a.processes.find((p) => p.pid === 22871)!.info;
    const infoB = b.processes.find((p) => p.pid === 22871)!.info;
    expect(infoB).toBe(infoA);
  });

  it('a reused pid (new start time) and an exec (new comm) are new processes; a periodic refresh re-reads', async () => {
    const r = copyHost();
    const scanner = new ProcessScanner(new HostFs(r), { refreshEvery: 1000 });
    await scanner.scan(now);
    const stat = (await import('node:fs')).readFileSync(statPath(r, 22871), 'utf8');
    writeFileSync(statPath(r, 22871), stat.replace(' 262786 ', ' 999999 '));
    writeFileSync(statPath(r, 31376), (await import('node:fs')).readFileSync(statPath(r, 31376), 'utf8').replace('((sd-pam))', '(sleep)'));
    writeFileSync(join(r.procRoot, '31376', 'cmdline'), 'sleep\x00600\x00');
    const b = await scanner.scan(now);
    expect(b.cold).toBe(2);
    expect(b.processes.find((p) => p.pid === 22871)!.key).toBe('22871:999999');
    expect(b.processes.find((p) => p.pid === 31376)!.info.exe).toBe('sleep');

    const refreshing = new ProcessScanner(new HostFs(r), { refreshEvery: 1 });
    await refreshing.scan(now);
    expect((await refreshing.scan(now)).cold).toBe(7);
  });

  it('processes that vanish mid-read are skipped silently; garbled ones are skipped and counted', async () => {
    const r = copyHost();
    mkdirSync(join(r.procRoot, '4242')); // listed, then gone: no stat
    rmSync(statPath(r, 31377));
    writeFileSync(statPath(r, 31376), '31376 (sd-pam) S 1 2 3\n');
    writeFileSync(join(r.procRoot, '22871', 'status'), 'garbage\n');
    const scan = await new ProcessScanner(new HostFs(r)).scan(now);
    expect(scan.processes.map((p) => p.pid).sort((a, b) => a - b)).toEqual([1, 2, 10, 31375]);
    expect(scan.vanished).toBe(2);
    expect(scan.skipped).toBe(2);
    expect(scan.skip_reasons.join('\n')).toMatch(/31376\/stat:1: 4 fields after comm/);
    expect(scan.skip_reasons.join('\n')).toMatch(/22871\/status:1: no Name line/);
  });

  it('a D-state process keeps its argv unread until it wakes (cmdline takes its mmap lock)', async () => {
    const r = copyHost();
    const fs = await import('node:fs');
    const orig = fs.readFileSync(statPath(r, 22871), 'utf8');
    writeFileSync(statPath(r, 22871), orig.replace('(bash) S ', '(bash) D '));
    const scanner = new ProcessScanner(new HostFs(r));
    const a = await scanner.scan(now);
    expect(a.processes.find((p) => p.pid === 22871)!.info).toMatchObject({ argv: [], exe: 'bash', user: 'root' });
    writeFileSync(statPath(r, 22871), orig);
    const b = await scanner.scan(now);
    expect(b.processes.find((p) => p.pid === 22871)!.info.argv).toEqual(['bash', '/dev/fd/3']);
  });

  it('yields to the event loop between chunks (other work interleaves) and stops when aborted', async () => {
    const r = copyHost();
    const events: string[] = [];
    setImmediate(() => events.push('other work'));
    await new ProcessScanner(new HostFs(r), { yieldEvery: 2 }).scan(() => {
      events.push('chunk');
      return 0;
    });
    events.push('done');
    // 7 processes (each stamped) in chunks of 2: the queued work runs at the first yield, not after the scan.
    expect(events).toEqual(['chunk', 'chunk', 'other work', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'done']);

    const ac = new AbortController();
    const aborted = new ProcessScanner(new HostFs(r), { yieldEvery: 2 }).scan(now, ac.signal);
    ac.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
  });
});

describe('ProcessScanner kept files', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps stat and io open between scans, closes those of vanished processes, and all on close()', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-ptable-'));
    cpSync(join(roots.procRoot, '..'), dir, { recursive: true });
    const r: HostRoots = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'rootfs') };
    // Kept files are for procfs; a fixture tree keeps none unless asked (see the next test).
    const plain = new ProcessScanner(new HostFs(r));
    await plain.scan(now);
    expect(plain.openFiles).toBe(0);
    const scanner = new ProcessScanner(new HostFs(r), { fdBudget: 100 });
    await scanner.scan(now);
    // 7 stat files, io for the 4 user processes whose io exists (pid 1 has none, kernel threads are not asked).
    expect(scanner.openFiles).toBe(7 + 4);
    // A kept file is re-read from offset 0: a changed counter shows.
    const stat = join(r.procRoot, '22871', 'stat');
    const text = (await import('node:fs')).readFileSync(stat, 'utf8');
    writeFileSync(stat, text.replace(' 19 51 ', ' 29 51 '));
    const b = await scanner.scan(now);
    expect(b.processes.find((p) => p.pid === 22871)!.cpu_s).toBeCloseTo(0.8, 9);
    rmSync(join(r.procRoot, '31377'), { recursive: true });
    await scanner.scan(now);
    expect(scanner.openFiles).toBe(6 + 3);
    scanner.close();
    expect(scanner.openFiles).toBe(0);
    expect((await scanner.scan(now)).processes).toHaveLength(6);
  });

  it('beyond the descriptor budget files are opened and closed per read', async () => {
    const scanner = new ProcessScanner(new HostFs(roots), { fdBudget: 3 });
    const scan = await scanner.scan(now);
    expect(scan.processes).toHaveLength(7);
    expect(scanner.openFiles).toBe(3);
    expect((await scanner.scan(now)).processes).toHaveLength(7);
    scanner.close();
  });
});

describe('exeName', () => {
  it.each([
    [['/opt/google/chrome/chrome', '--type=renderer'], 'chrome', 'chrome'],
    [['/usr/lib/firefox/firefox', '-contentproc'], 'Web Content', 'firefox'],
    [['nginx: worker process'], 'nginx', 'nginx'],
    [['sshd: bob@pts/0'], 'sshd', 'sshd'],
    [['postgres: 14/main: checkpointer'], 'postgres', 'postgres'],
    [['npm exec vitest run'], 'npm exec vitest', 'npm'],
    [['-bash'], 'bash', 'bash'],
    [['/opt/My App/app', '--flag'], 'app', 'app'],
    [['/home/u/Some Game/game.x86_64', '-x'], 'game.x86_64', 'game.x86_64'],
    [[], 'kthreadd', 'kthreadd'],
    [[''], 'zombie', 'zombie'],
  ])('%j (comm %s) → %s', (argv, comm, want) => {
    expect(exeName(argv, comm)).toBe(want);
  });
});
