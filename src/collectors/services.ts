import type { ProcessRow } from '../collectors/processes.js';
import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import { isProcfs } from '../host/proc-reader.js';
import { type Analysis, type AnalysisState, analyse } from '../services/analyse.js';
import { configuredServices, knownServices, type ServiceDef } from '../services/definitions.js';
import { containerName, readPidfile } from '../services/facts.js';
import { cpuWatts, gpuShare, powerReading, powerShareW, sumFigures } from '../services/figures.js';
import { assignOwnership, dynamicServices, type MatchFacts } from '../services/ownership.js';
import { PortMap, type ProcRef } from '../services/port-map.js';
import { type StatusInfo, serviceStatus } from '../services/status.js';
import { closeOwn, type OwnTable, processTable } from '../services/table.js';
import { type MetricSpec, metric } from '../shared/metrics.js';
import type { PortStats, ServiceRow } from '../shared/protocol-services.js';
import { round } from '../shared/units.js';

export interface ServicesPayload extends Payload, Analysis {
  available: true;
  processes_source: 'process_monitor' | 'scan';
  ports: PortStats;
}

interface ServicesState extends AnalysisState {
  own?: OwnTable;
  ports?: PortMap;
  selfPid?: number | null;
  /** A wanted port had no known owner last tick: re-read the listening sockets now. */
  portsPending?: boolean;
  /** systemd services shown once stay shown while they run (no flapping around the bar). */
  units?: Set<string>;
  containerNames?: Map<string, string | null>;
}

/** A systemd service is listed when it uses more than this (or has been listed before). */
const UNIT_MIN_CPU_PCT = 1;
const UNIT_MIN_RSS_MB = 100;
/** How often a service process's descriptors are re-read for its listening ports. */
const PORT_REFRESH_MS = 30_000;
/** How often a service process's open descriptors are counted (a gauge that moves slowly). */
const FD_COUNT_REFRESH_MS = 10_000;
const PIDS_SHOWN = 100;

const svc = (name: string, field: string, unit: Parameters<typeof metric>[2], help: string, precision?: number) =>
  metric(`service_${name}`, `by_service{service}.${field}`, unit, 'gauge', help, precision);
const metrics: MetricSpec[] = [
  svc('cpu_pct', 'cpu_pct', 'percent', 'CPU of a service, % of one CPU', 1),
  svc('rss_mb', 'rss_mb', 'megabytes', 'RSS of a service (sum over its processes)', 1),
  svc('threads', 'threads', 'count', 'threads of a service'),
  svc('fds', 'fds', 'count', 'open file descriptors of a service'),
  svc('read_mbps', 'read_mbps', 'megabytes_per_second', 'storage reads of a service', 3),
  svc('write_mbps', 'write_mbps', 'megabytes_per_second', 'storage writes of a service', 3),
  svc('vram_mb', 'vram_mb', 'megabytes', 'GPU memory held by a service', 0),
  svc('power_w', 'power_w', 'watts', 'estimated power share of a service', 2),
  svc('idle_for_s', 'idle_for_s', 'seconds', 'seconds since a service was last active', 0),
  svc('processes', 'process_count', 'count', 'processes of a service'),
  metric('services_running', 'counts.running', 'count', 'gauge', 'services with at least one process'),
  metric('recommendations', 'counts.recommendations', 'count', 'gauge', 'recommendations open now'),
  metric('idle', 'idle.idle', 'count', 'gauge', '1 while the machine is idle (busy-loop suspects aside)'),
  metric('idle_stretch_s', 'idle.stretch_s', 'seconds', 'gauge', 'length of the current idle stretch', 0),
  metric('idle_today_s', 'idle.today_s', 'seconds', 'gauge', 'idle time today (local day)', 0),
  metric('power_reading_w', 'idle.power_w', 'watts', 'gauge', 'the power reading idle energy is integrated from (RAPL, battery or UPS)', 2),
];

export const serviceMonitor = defineCollector<ServicesPayload, ServicesState>({
  name: 'service_monitor',
  description: 'services (configured and auto-detected): CPU, RSS, fds, I/O, ports, VRAM, power share, memory growth; idle analysis and recommendations',
  interval: 2,
  timeout: 5,
  // Runs after the collectors whose payloads it reads (process_monitor, cpu_monitor, power …).
  meta: true,
  metrics,
  async collect(ctx) {
    const table = await processTable(ctx);
    if (table.pending !== undefined) return { available: false, reason: table.pending } as never;
    const now = ctx.clock.monotonicMs();
    const wall = ctx.clock.wallMs();
    const rows = table.rows;
    const st = ctx.state;
    st.selfPid ??= isProcfs(ctx.fs.proc()) ? process.pid : null;
    const auto = ctx.options.auto !== false;
    const configured = configuredServices(ctx.config);
    const known = auto ? knownServices(ctx.config, st.selfPid) : [];

    // Ports: listening sockets, and the processes behind the ports some service asks for.
    st.ports ??= new PortMap(ctx.fs);
    const ports = st.ports;
    // Every tick while a configured port has no known owner (a service starting up is found at
    // once); otherwise the listening sockets are re-read every LISTENER_REFRESH_MS.
    const listeners = ports.listeners(now, st.portsPending !== false);
    const procs = new Map<number, ProcRef>(rows.map((r) => [r.pid, { pid: r.pid, ppid: r.ppid, key: `${r.pid}:${r.start_time}`, uid: r.uid, kernel_thread: r.kernel_thread }]));
    ports.prune(procs);
    const wanted = new Set([...configured, ...known].flatMap((d) => d.criteria.flatMap((c) => (c.kind === 'port' ? [c.value] : []))));
    const holders = ports.resolve(listeners.filter((l) => wanted.has(l.port)), procs, now);
    const resolvedPorts = new Set(listeners.filter((l) => holders.has(l.inode)).map((l) => l.port));
    // Only ports named in the config keep the tables read every tick until found: the default
    // Ollama port on a machine without Ollama waits for the periodic refresh.
    st.portsPending = configured.some((d) => d.criteria.some((c) => c.kind === 'port' && !resolvedPorts.has(c.value)));
    const portHolders = new Map<number, Set<number>>();
    for (const l of listeners) {
      const pid = holders.get(l.inode);
      if (pid === undefined) continue;
      if (!portHolders.has(l.port)) portHolders.set(l.port, new Set());
      portHolders.get(l.port)!.add(pid);
    }
    const pidfiles = new Map(configured.flatMap((d) => d.criteria.flatMap((c) => (c.kind === 'pidfile' ? [[c.value, readPidfile(ctx.fs, c.value)] as const] : []))));
    st.containerNames ??= new Map();
    const names = st.containerNames;
    for (const r of rows) if (r.container_id && !names.has(r.container_id)) names.set(r.container_id, containerName(ctx.fs, r.container_id, r.pid));
    const facts: MatchFacts = { portHolders, pidfiles, containerNames: names };

    const defs: ServiceDef[] = [...configured, ...known, ...(auto ? dynamicServices(rows, facts, ctx.config.idle.cpu_pct) : [])];
    const own = assignOwnership(defs, rows, facts);
    const byPid = new Map(rows.map((r) => [r.pid, r]));
    const totalCpu = rows.reduce((s, r) => s + (r.cpu_pct ?? 0), 0);
    const reading = powerReading(payloads(ctx));
    const gpu = ctx.latest('gpu_monitor');
    const listening = new Set(listeners.map((l) => l.port));
    const inodePort = new Map(listeners.map((l) => [l.inode, l.port]));
    st.units ??= new Set();
    const units = st.units;
    const liveUnits = new Set<string>();

    const rc: RowContext = { byPid, totalCpu, reading, gpu, ports, procs, inodePort, now, descriptors: true };
    const services: ServiceRow[] = [];
    const ownedPids = new Set<number>();
    defs.forEach((def, i) => {
      const pids = own.owned.get(i) ?? [];
      if (def.origin === 'auto' && pids.length === 0) return;
      const procRows = pids.map((p) => byPid.get(p)!);
      const fig = sumFigures(procRows);
      if (def.kind === 'systemd') {
        liveUnits.add(def.name);
        const big = (fig.cpu_pct ?? 0) >= UNIT_MIN_CPU_PCT || fig.rss_mb >= UNIT_MIN_RSS_MB;
        if (!big && !units.has(def.name)) return;
        units.add(def.name);
      }
      const status = serviceStatus(def, i, own, facts, listening);
      const unit = def.kind === 'systemd' ? def.name : (procRows[0]?.unit ?? null);
      const container = def.kind === 'container' ? String(def.criteria[0]!.value) : null;
      for (const p of pids) ownedPids.add(p);
      services.push(buildRow({ name: def.name, origin: def.origin, kind: def.kind, idleCpuPct: def.idleCpuPct, status, unit, container_id: container }, pids, rc, fig));
    });
    for (const u of [...units]) if (!liveUnits.has(u)) units.delete(u);

    // Hot processes in no service: not listed, but a busy loop outside any service is still found.
    const loose = rows
      .filter((r) => !r.kernel_thread && !ownedPids.has(r.pid) && (r.cpu_pct ?? 0) > ctx.config.idle.cpu_pct)
      .map((r) =>
        buildRow(
          { name: `${r.exe}[${r.pid}]`, origin: 'auto', kind: 'process', idleCpuPct: ctx.config.idle.cpu_pct, status: RUNNING, unit: r.unit, container_id: r.container_id },
          [r.pid],
          { ...rc, descriptors: false },
          sumFigures([r]),
        ),
      );

    return {
      available: true,
      ...analyse(ctx, services, loose, { now, wall, reading }),
      processes_source: table.source,
      ports: ports.tickStats(),
    };
  },
  close(ctx) {
    closeOwn(ctx.state);
  },
});

const RUNNING = { status: 'running' as const, status_reason: null, matched_by: [] };

interface RowContext {
  byPid: ReadonlyMap<number, ProcessRow>;
  totalCpu: number;
  reading: ReturnType<typeof powerReading>;
  gpu: Payload | undefined;
  ports: PortMap;
  procs: ReadonlyMap<number, ProcRef>;
  inodePort: ReadonlyMap<number, number>;
  now: number;
  /** Count descriptors and read listening ports (not for the hot processes of no service). */
  descriptors: boolean;
}

/** A service row from its processes; activity, growth and idle fields are filled by analyse(). */
function buildRow(
  meta: Pick<ServiceRow, 'name' | 'origin' | 'kind' | 'unit' | 'container_id'> & { idleCpuPct: number; status: StatusInfo },
  pids: number[],
  rc: RowContext,
  fig: ReturnType<typeof sumFigures>,
): ServiceRow {
  const g = gpuShare(rc.gpu, new Set(pids));
  const share = powerShareW(fig.cpu_pct, rc.totalCpu, cpuWatts(rc.reading, g.all_gpus_w), g.gpu_w);
  let fds: number | null = null;
  const svcPorts = new Set<number>();
  for (const pid of rc.descriptors ? pids : []) {
    const n = rc.ports.countFds(rc.procs.get(pid)!, rc.now, FD_COUNT_REFRESH_MS);
    if (n !== null) fds = (fds ?? 0) + n;
    for (const inode of rc.ports.sockets(rc.procs.get(pid)!, rc.now, PORT_REFRESH_MS) ?? []) {
      const port = rc.inodePort.get(inode);
      if (port !== undefined) svcPorts.add(port);
    }
  }
  return {
    name: meta.name,
    origin: meta.origin,
    kind: meta.kind,
    ...meta.status,
    pids: pids.slice(0, PIDS_SHOWN),
    process_count: pids.length,
    main_pid: mainPid(pids, rc.byPid),
    top_process: fig.top_process,
    cpu_pct: pids.length ? fig.cpu_pct : null,
    rss_mb: fig.rss_mb,
    threads: fig.threads,
    fds,
    read_mbps: fig.read_mbps,
    write_mbps: fig.write_mbps,
    ports: [...svcPorts].sort((a, b) => a - b),
    vram_mb: g.vram_mb,
    power_w: share.power_w,
    power: { cpu_share_pct: share.cpu_share_pct, cpu_w: share.cpu_w, gpu_w: round(g.gpu_w, 2), source: rc.reading.source },
    active: false,
    idle_cpu_threshold_pct: meta.idleCpuPct,
    last_active: null,
    idle_for_s: null,
    idle_burn_cpu_pct: null,
    memory_growth_mb_h: null,
    memory_growth_r2: null,
    memory_growth_reason: null,
    idle_energy_today_wh: null,
    unit: meta.unit,
    container_id: meta.container_id,
  };
}

function payloads(ctx: CollectorContext<ServicesState>): Record<string, Payload | undefined> {
  const out: Record<string, Payload | undefined> = {};
  for (const n of ['power_monitor', 'ups_monitor']) out[n] = ctx.latest(n);
  return out;
}

/** The top-most owned process (its parent is not owned); the lowest pid among several. */
function mainPid(pids: readonly number[], byPid: ReadonlyMap<number, ProcessRow>): number | null {
  const set = new Set(pids);
  for (const p of pids) if (!set.has(byPid.get(p)!.ppid)) return p;
  return pids[0] ?? null;
}
