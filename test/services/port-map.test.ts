import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostFs } from '../../src/host/hostfs.js';
import { LISTENER_REFRESH_MS, PortMap, type ProcRef } from '../../src/services/port-map.js';
import { projectRoot } from '../helpers/collector-context.js';

const FIXTURE = join(projectRoot, 'test/fixtures/services/sockets');

/** The process table the fixture's descriptors belong to (see its README). */
function table(overrides: Partial<Record<number, Partial<ProcRef>>> = {}): Map<number, ProcRef> {
  const rows: ProcRef[] = [
    { pid: 100, ppid: 1, key: '100:a', uid: 0, kernel_thread: false },
    { pid: 101, ppid: 100, key: '101:a', uid: 0, kernel_thread: false },
    { pid: 102, ppid: 100, key: '102:a', uid: 0, kernel_thread: false },
    { pid: 300, ppid: 1, key: '300:a', uid: 999, kernel_thread: false },
    { pid: 301, ppid: 300, key: '301:a', uid: 999, kernel_thread: false },
    { pid: 400, ppid: 1, key: '400:a', uid: 1000, kernel_thread: false },
  ];
  return new Map(rows.map((r) => [r.pid, { ...r, ...overrides[r.pid] }]));
}

function mapOver(dir: string) {
  return new PortMap(new HostFs({ procRoot: join(dir, 'proc'), sysRoot: '/nonexistent', rootfs: '/nonexistent' }));
}

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('PortMap over a fixture tree (proc/net/tcp{,6} + proc/<pid>/fd links)', () => {
  it('lists listening sockets with an inode, both families; connections and inode-0 sockets are left out', () => {
    const pm = mapOver(FIXTURE);
    const l = pm.readListeners(0);
    expect(l.map((x) => [x.ip, x.port, x.family, x.uid, x.inode])).toEqual([
      ['0.0.0.0', 8080, 4, 0, 7001],
      ['127.0.0.1', 11434, 4, 999, 7002],
      ['127.0.0.1', 3306, 4, 1000, 7003],
      ['::1', 8080, 6, 0, 7004],
    ]);
    expect(pm.tickStats()).toMatchObject({ listeners: 4, reason: null });
  });

  it('resolves a port to the top-most holder (the pre-fork master, not the worker found first), per family', () => {
    const pm = mapOver(FIXTURE);
    const procs = table();
    const l = pm.readListeners(0);
    const owners = pm.resolve(l, procs, 0);
    expect(owners.get(7001)).toBe(100);
    expect(owners.get(7004)).toBe(100);
    expect(owners.get(7002)).toBe(300);
    expect(owners.has(7003)).toBe(false); // nobody visible holds 127.0.0.1:3306
    expect(pm.tickStats()).toMatchObject({ unresolved: 1 });
    expect(pm.tickStats().links_read).toBeGreaterThan(0);
  });

  it('keeps owners between ticks: a steady state reads no descriptor at all; a restarted owner is looked up again', () => {
    const pm = mapOver(FIXTURE);
    const procs = table();
    pm.resolve(pm.readListeners(0), procs, 0);
    const wanted = pm.readListeners(2000).filter((x) => x.port !== 3306);
    expect(pm.resolve(wanted, procs, 2000).get(7001)).toBe(100);
    expect(pm.tickStats()).toMatchObject({ links_read: 0, dirs_listed: 0, unresolved: 0 });
    // pid 100 is now another process (new start time): its answer is stale, so it is read again.
    const restarted = table({ 100: { key: '100:b' } });
    pm.readListeners(4000);
    expect(pm.resolve(wanted, restarted, 4000).get(7001)).toBe(100);
    expect(pm.tickStats().links_read).toBeGreaterThan(0);
  });

  it('an unresolvable listener is not searched again every tick (only processes new since it appeared)', () => {
    const pm = mapOver(FIXTURE);
    const procs = table();
    const only3306 = () => pm.readListeners(0).filter((x) => x.port === 3306);
    pm.resolve(only3306(), procs, 0);
    const first = pm.tickStats().links_read;
    expect(first).toBeGreaterThan(0);
    pm.resolve(only3306(), procs, 2000);
    expect(pm.tickStats()).toMatchObject({ links_read: 0, unresolved: 1 });
  });

  it('a listener that appears later is found on the next tick, in a process already read before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-sockets-'));
    temps.push(dir);
    cpSync(FIXTURE, dir, { recursive: true, verbatimSymlinks: true });
    const pm = mapOver(dir);
    const procs = table();
    pm.resolve(pm.readListeners(0), procs, 0);
    // The shell (uid 1000) starts listening on 127.0.0.1:5000 with inode 7100.
    const tcp = join(dir, 'proc/net/tcp');
    writeFileSync(
      tcp,
      `${readFileSync(tcp, 'utf8')}   5: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7100 1 0000000000000000 100 0 0 10 0\n`,
    );
    symlinkSync('socket:[7100]', join(dir, 'proc/400/fd/9'));
    const l = pm.readListeners(5000).filter((x) => x.port === 5000);
    expect(pm.resolve(l, procs, 5000).get(7100)).toBe(400);
  });

  it('sockets() and countFds() read one process: socket inodes only, and the descriptor count', () => {
    const pm = mapOver(FIXTURE);
    const p = table().get(102)!;
    expect([...(pm.sockets(p, 0, 0) ?? [])].sort()).toEqual([7001, 7010]);
    const procs = table();
    expect(pm.countFds(procs.get(102)!, 0)).toBe(3);
    expect(pm.countFds(procs.get(400)!, 0)).toBe(4);
    expect(pm.countFds({ ...p, pid: 999, key: '999:a' }, 0)).toBeNull(); // no such process
    pm.readListeners(1000); // a new tick
    expect(pm.countFds(procs.get(400)!, 1000, 5000)).toBe(4); // cached…
    expect(pm.tickStats().dirs_listed).toBe(0);
    expect(pm.countFds(procs.get(400)!, 9000, 5000)).toBe(4); // …until older than asked
    expect(pm.tickStats().dirs_listed).toBe(1);
    expect(pm.sockets({ ...p, pid: 999, key: '999:a' }, 0, 0)).toBeNull();
  });

  it('listeners(): re-read when forced or older than LISTENER_REFRESH_MS, cached otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-sockets-'));
    temps.push(dir);
    cpSync(FIXTURE, dir, { recursive: true, verbatimSymlinks: true });
    const pm = mapOver(dir);
    expect(pm.listeners(0, false)).toHaveLength(4);
    rmSync(join(dir, 'proc/net/tcp6'));
    expect(pm.listeners(LISTENER_REFRESH_MS - 1, false)).toHaveLength(4);
    expect(pm.tickStats().listeners).toBe(4);
    expect(pm.listeners(LISTENER_REFRESH_MS - 1, true)).toHaveLength(3);
    rmSync(join(dir, 'proc/net/tcp'));
    expect(pm.listeners(2 * LISTENER_REFRESH_MS, false)).toHaveLength(0);
  });

  it('a missing tcp6 (IPv6 off) is not an error; a garbled table is reported, not thrown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-sockets-'));
    temps.push(dir);
    cpSync(FIXTURE, dir, { recursive: true, verbatimSymlinks: true });
    rmSync(join(dir, 'proc/net/tcp6'));
    const pm = mapOver(dir);
    expect(pm.readListeners(0)).toHaveLength(3);
    expect(pm.tickStats().reason).toBeNull();
    writeFileSync(join(dir, 'proc/net/tcp'), 'garbage\n');
    expect(pm.readListeners(0)).toEqual([]);
    expect(pm.tickStats().reason).toMatch(/proc\/net\/tcp:1: expected at least 10 fields/);
  });
});
