/**
 * Sorting and grouping of process rows for the processes panel. Pure; tested in
 * test/web/proc-model.test.ts.
 */
import type { ProcessRow } from '../../src/shared/protocol-processes.js';

export type SortKey = 'pid' | 'user' | 'name' | 'state' | 'cpu' | 'rss' | 'threads' | 'io' | 'unit';

export interface ProcGroup {
  key: string;
  /** What the group is: a systemd service, a container, or processes sharing an executable. */
  kind: 'service' | 'container' | 'executable';
  count: number;
  cpu_pct: number | null;
  rss_mb: number;
  io_mbps: number | null;
}

const io = (r: ProcessRow): number | null =>
  r.read_mbps === null && r.write_mbps === null ? null : (r.read_mbps ?? 0) + (r.write_mbps ?? 0);

const VALUE: Record<SortKey, (r: ProcessRow) => number | string | null> = {
  pid: (r) => r.pid,
  user: (r) => r.user ?? (r.uid === null ? null : String(r.uid)),
  name: (r) => r.name.toLowerCase(),
  state: (r) => r.state,
  cpu: (r) => r.cpu_pct,
  rss: (r) => r.rss_mb,
  threads: (r) => r.threads,
  io,
  unit: (r) => r.container_id ?? r.unit,
};

/** Compare two sort values; unknown values (null) go last whichever the order. */
function compare(a: number | string | null, b: number | string | null, desc: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (a === b) return 0;
  const lt = typeof a === 'number' && typeof b === 'number' ? a < b : String(a).localeCompare(String(b)) < 0;
  return (lt ? -1 : 1) * (desc ? -1 : 1);
}

export function sortRows(rows: readonly ProcessRow[], key: SortKey, desc: boolean): ProcessRow[] {
  const v = VALUE[key];
  return [...rows].sort((a, b) => compare(v(a), v(b), desc) || a.pid - b.pid);
}

/** The group a process belongs to: its container, its service unit, else its executable. */
export function groupOf(r: ProcessRow): { key: string; kind: ProcGroup['kind'] } {
  if (r.container_id) return { key: `container ${r.container_id.slice(0, 12)}`, kind: 'container' };
  // Session scopes and user@.service hold unrelated processes: group those by executable.
  if (r.unit?.endsWith('.service') && !/^user@\d+\.service$/.test(r.unit)) return { key: r.unit, kind: 'service' };
  return { key: r.exe || r.name, kind: 'executable' };
}

export function groupProcesses(rows: readonly ProcessRow[], key: SortKey, desc: boolean): ProcGroup[] {
  const groups = new Map<string, ProcGroup>();
  for (const r of rows) {
    const { key: k, kind } = groupOf(r);
    let g = groups.get(k);
    if (!g) {
      g = { key: k, kind, count: 0, cpu_pct: null, rss_mb: 0, io_mbps: null };
      groups.set(k, g);
    }
    g.count++;
    if (r.cpu_pct !== null) g.cpu_pct = (g.cpu_pct ?? 0) + r.cpu_pct;
    g.rss_mb += r.rss_mb;
    const x = io(r);
    if (x !== null) g.io_mbps = (g.io_mbps ?? 0) + x;
  }
  const value: Record<SortKey, (g: ProcGroup) => number | string | null> = {
    pid: (g) => g.key,
    user: (g) => g.key,
    name: (g) => g.key.toLowerCase(),
    state: (g) => g.kind,
    cpu: (g) => g.cpu_pct,
    rss: (g) => g.rss_mb,
    threads: (g) => g.count,
    io: (g) => g.io_mbps,
    unit: (g) => g.key,
  };
  const v = value[key];
  return [...groups.values()].sort((a, b) => compare(v(a), v(b), desc) || a.key.localeCompare(b.key));
}
