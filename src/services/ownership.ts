import type { Criterion, ServiceDef, ServiceKind } from './definitions.js';

/**
 * Which service owns which process (pure). A process belongs to at most one service, so CPU,
 * memory and power are never counted twice. The rules, in order:
 *
 * 1. Tiers: configured services, then the well-known ones (headroom, LLM servers, named
 *    inference endpoints), then containers, then systemd services. The first tier that claims
 *    a process owns it: a configured service beats the systemd unit its process runs in.
 * 2. Within the configured and well-known tiers a service owns the processes it matches *and
 *    their descendants* (SPEC §4): a process goes to the service matching its nearest ancestor
 *    (itself included); when several match that same process, the one listed first wins.
 *    headroom is the exception: it owns only its own process (what an app embedding headroom
 *    starts, or a test runner's children, is not headroom's cost).
 * 3. Containers and systemd units own exactly the processes in their cgroup: cgroup membership
 *    already is the ownership (a terminal's shells are not the terminal server's unit).
 *
 * Kernel threads belong to nobody.
 */

/** The fields of a process-table row (process_monitor's ProcessRow) that matching reads. */
export interface MatchRow {
  pid: number;
  ppid: number;
  name: string;
  exe: string;
  cmdline: string;
  kernel_thread: boolean;
  cgroup: string | null;
  unit: string | null;
  container_id: string | null;
}

/** What the I/O side found out for matching: port holders, pidfile contents, container names. */
export interface MatchFacts {
  /** port → pids holding a listening socket on it (top-most holders). */
  portHolders: ReadonlyMap<number, ReadonlySet<number>>;
  /** pidfile path → the pid in it, or why there is none. */
  pidfiles: ReadonlyMap<string, { pid: number | null; reason: string | null }>;
  /** container id → its name, when known. */
  containerNames: ReadonlyMap<string, string | null>;
}

export interface Ownership {
  defs: ServiceDef[];
  /** def index → owned pids, ascending. */
  owned: Map<number, number[]>;
  /** def index → per criterion, how many processes it matched directly (before ownership). */
  found: Map<number, number[]>;
  /** def index → the services that own processes it matched but lost to them. */
  lostTo: Map<number, Set<number>>;
}

interface Tier {
  defs: number[];
  inherit: boolean;
}

const USER_MANAGER_RE = /^user@\d+\.service$/;

/** Container and systemd-service definitions for what the table shows this tick. */
export function dynamicServices(rows: readonly MatchRow[], facts: MatchFacts, idleCpuPct: number): ServiceDef[] {
  const containers = new Set<string>();
  const units = new Set<string>();
  for (const r of rows) {
    if (r.kernel_thread) continue;
    if (r.container_id) containers.add(r.container_id);
    else if (r.unit?.endsWith('.service') && !USER_MANAGER_RE.test(r.unit)) units.add(r.unit);
  }
  const def = (name: string, kind: ServiceKind, c: Criterion): ServiceDef => ({
    name,
    origin: 'auto',
    kind,
    criteria: [c],
    idleCpuPct,
    problems: [],
  });
  return [
    ...[...containers].sort().map((id) => def(facts.containerNames.get(id) ?? `container:${id.slice(0, 12)}`, 'container', { kind: 'container', value: id })),
    ...[...units].sort().map((u) => def(u, 'systemd', { kind: 'unit', value: u })),
  ];
}

export function matches(c: Criterion, r: MatchRow, facts: MatchFacts): boolean {
  switch (c.kind) {
    case 'process':
      return r.name === c.value || r.exe === c.value;
    case 'exe':
      return c.value.includes(r.exe) || c.value.includes(r.name);
    case 'cmdline':
      return r.cmdline !== '' && c.re.test(r.cmdline);
    case 'port':
      return facts.portHolders.get(c.value)?.has(r.pid) ?? false;
    case 'pid':
      return r.pid === c.value;
    case 'pidfile':
      return facts.pidfiles.get(c.value)?.pid === r.pid;
    case 'unit': {
      if (r.cgroup === null) return false;
      const want = c.value.includes('.') ? [c.value] : [c.value, `${c.value}.service`];
      return r.cgroup.split('/').some((seg) => want.includes(seg));
    }
    case 'cgroup': {
      if (r.cgroup === null) return false;
      const want = `/${c.value.replace(/^\/+|\/+$/g, '')}`;
      return want === '/' ? true : r.cgroup === want || r.cgroup.startsWith(`${want}/`);
    }
    case 'container': {
      if (!r.container_id) return false;
      const v = c.value.replace(/^\//, '');
      if (/^[0-9a-f]{4,64}$/.test(v) && r.container_id.startsWith(v)) return true;
      return facts.containerNames.get(r.container_id) === v;
    }
  }
}

/** Assign every process to at most one service. `defs` are in priority order within their kinds. */
export function assignOwnership(defs: ServiceDef[], rows: readonly MatchRow[], facts: MatchFacts): Ownership {
  const tiers: Tier[] = [
    { defs: [], inherit: true }, // configured
    { defs: [], inherit: true }, // well-known
    { defs: [], inherit: false }, // containers
    { defs: [], inherit: false }, // systemd services
  ];
  defs.forEach((d, i) => {
    tiers[d.origin === 'config' ? 0 : d.kind === 'container' ? 2 : d.kind === 'systemd' ? 3 : 1]!.defs.push(i);
  });
  const found = new Map<number, number[]>(defs.map((d, i) => [i, d.criteria.map(() => 0)]));
  const byPid = new Map<number, MatchRow>();
  for (const r of rows) if (!r.kernel_thread) byPid.set(r.pid, r);

  // Direct matches per tier: pid → the first def of the tier that matches it; every def's
  // criteria are all tried so statuses can say which criterion found nothing.
  const direct = tiers.map(() => new Map<number, number>());
  const matchedBy = new Map<number, Set<number>>(); // pid → every def matching it directly
  // What descendants inherit: direct matches of services that own their descendants.
  const heritable = tiers.map(() => new Map<number, number>());
  const record = (t: number, pid: number, di: number) => {
    if (!direct[t]!.has(pid)) direct[t]!.set(pid, di);
    if (defs[di]!.descendants !== false && !heritable[t]!.has(pid)) heritable[t]!.set(pid, di);
    addTo(matchedBy, pid, di);
  };
  tiers.forEach((tier, t) => {
    if (!tier.inherit) {
      // Containers and units found by dynamicServices: one lookup per process, not one match
      // per (unit × process) — there may be a hundred units and thousands of processes.
      const byValue = new Map<string, number>();
      for (const di of tier.defs) byValue.set(String(defs[di]!.criteria[0]!.value), di);
      for (const r of byPid.values()) {
        const di = byValue.get((t === 2 ? r.container_id : r.unit) ?? '');
        if (di === undefined) continue;
        found.get(di)![0]!++;
        record(t, r.pid, di);
      }
      return;
    }
    for (const r of byPid.values()) {
      for (const di of tier.defs) {
        const counts = found.get(di)!;
        let hit = false;
        defs[di]!.criteria.forEach((c, ci) => {
          if (matches(c, r, facts)) {
            counts[ci]!++;
            hit = true;
          }
        });
        if (hit) record(t, r.pid, di);
      }
    }
  });

  const memo = tiers.map(() => new Map<number, number | null>());
  const nearest = (t: number, pid: number): number | null => {
    const path: number[] = [];
    let cur: number | undefined = pid;
    let result: number | null = null;
    // Walk up to the first process with a direct match (or a memoised answer); a cycle or a
    // missing parent ends the walk. Depth is bounded for garbage tables.
    while (cur !== undefined && path.length < 4096) {
      const m = memo[t]!.get(cur);
      if (m !== undefined) {
        result = m;
        break;
      }
      const d = heritable[t]!.get(cur);
      if (d !== undefined) {
        result = d;
        path.push(cur);
        break;
      }
      path.push(cur);
      const row = byPid.get(cur);
      const parent = row?.ppid;
      cur = parent !== undefined && parent !== cur && byPid.has(parent) && !path.includes(parent) ? parent : undefined;
    }
    for (const p of path) memo[t]!.set(p, result);
    return result;
  };

  const owned = new Map<number, number[]>();
  const ownerOf = new Map<number, number>();
  for (const pid of [...byPid.keys()].sort((a, b) => a - b)) {
    for (let t = 0; t < tiers.length; t++) {
      const d = direct[t]!.get(pid) ?? (tiers[t]!.inherit ? nearest(t, pid) : null);
      if (d === null) continue;
      ownerOf.set(pid, d);
      const list = owned.get(d) ?? [];
      list.push(pid);
      owned.set(d, list);
      break;
    }
  }
  const lostTo = new Map<number, Set<number>>();
  for (const [pid, ds] of matchedBy) {
    const owner = ownerOf.get(pid);
    if (owner === undefined) continue;
    for (const d of ds) {
      if (d === owner) continue;
      addTo(lostTo, d, owner);
    }
  }
  return { defs, owned, found, lostTo };
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const set = m.get(k) ?? new Set<V>();
  set.add(v);
  m.set(k, set);
}
