import { describe, expect, it } from 'vitest';
import type { ProcessRow } from '../../src/shared/protocol-processes.js';
import { groupOf, groupProcesses, sortRows } from '../../web/src/proc-model.js';

const row = (p: Partial<ProcessRow> & { pid: number; name: string }): ProcessRow => ({
  ppid: 1,
  user: 'dana',
  uid: 1000,
  exe: p.name,
  cmdline: p.name,
  state: 'S',
  kernel_thread: false,
  cpu_pct: 0,
  rss_mb: 1,
  threads: 1,
  read_mbps: 0,
  write_mbps: 0,
  start_time: null,
  cgroup: null,
  unit: null,
  container_id: null,
  ...p,
});

const rows = [
  row({ pid: 10, name: 'ollama', cpu_pct: 240, rss_mb: 9289, unit: 'ollama.service', threads: 38 }),
  row({ pid: 20, name: 'python3', cpu_pct: 80, rss_mb: 24672, read_mbps: 4, write_mbps: 46, unit: 'jupyter-lab.service' }),
  row({ pid: 21, name: 'python3', cpu_pct: null, rss_mb: 300, read_mbps: null, write_mbps: null, unit: 'session-2.scope' }),
  row({ pid: 30, name: 'postgres', cpu_pct: 30, rss_mb: 181, container_id: '27208d28b4e03a318a0a613b', unit: 'docker-2720.scope', user: null, uid: 70 }),
  row({ pid: 40, name: 'bash', cpu_pct: 0, rss_mb: 4, unit: 'user@1000.service' }),
];

describe('process table sorting', () => {
  it('by CPU, unknown (first-sample) CPU last whichever the order', () => {
    expect(sortRows(rows, 'cpu', true).map((r) => r.pid)).toEqual([10, 20, 30, 40, 21]);
    expect(sortRows(rows, 'cpu', false).map((r) => r.pid)).toEqual([40, 30, 20, 10, 21]);
  });
  it('by I/O (read + write), by user (uid when no name), by name with pid as tie-break', () => {
    expect(sortRows(rows, 'io', true)[0]?.pid).toBe(20);
    expect(sortRows(rows, 'user', false).map((r) => r.pid)).toEqual([30, 10, 20, 21, 40]);
    expect(sortRows(rows, 'name', false).map((r) => r.pid)).toEqual([40, 10, 30, 20, 21]);
  });
  it('does not reorder its input', () => {
    const before = rows.map((r) => r.pid);
    sortRows(rows, 'rss', true);
    expect(rows.map((r) => r.pid)).toEqual(before);
  });
});

describe('grouped view', () => {
  it('container, service unit, else executable (session scopes and user@ are not services)', () => {
    expect(groupOf(rows[0]!)).toEqual({ key: 'ollama.service', kind: 'service' });
    expect(groupOf(rows[2]!)).toEqual({ key: 'python3', kind: 'executable' });
    expect(groupOf(rows[3]!)).toEqual({ key: 'container 27208d28b4e0', kind: 'container' });
    expect(groupOf(rows[4]!)).toEqual({ key: 'bash', kind: 'executable' });
  });
  it('sums CPU, RSS and I/O per group; unknown CPU stays unknown', () => {
    const more = [...rows, row({ pid: 41, name: 'bash', cpu_pct: 2, rss_mb: 6, unit: 'session-3.scope' })];
    const g = groupProcesses(more, 'rss', true);
    expect(g.map((x) => x.key)).toEqual(['jupyter-lab.service', 'ollama.service', 'python3', 'container 27208d28b4e0', 'bash']);
    expect(g.find((x) => x.key === 'bash')).toMatchObject({ count: 2, cpu_pct: 2, rss_mb: 10 });
    expect(g.find((x) => x.key === 'python3')).toMatchObject({ count: 1, cpu_pct: null, io_mbps: null });
  });
});
