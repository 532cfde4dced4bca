import type { CollectorContext } from '../core/collector.js';
import { num } from '../headroom/inputs.js';
import type { IdleSummary, Recommendation, ServiceRow } from '../shared/protocol-services.js';
import { parseDurationS, round } from '../shared/units.js';
import { RssSeries } from './growth.js';
import { activityOf, machineState } from './idle.js';
import { IdleTracker, type PowerReading } from './idle-tracker.js';
import { ModelTracker } from './models.js';
import { type BurnStreak, recommend } from './recommend.js';

/**
 * The second half of a service_monitor tick, over the service rows built from the process
 * table: activity and idle-for per service, memory growth, the machine's idle state and its
 * energy, the LLM models' idleness, and the recommendations. State lives in `ctx.state`.
 */
export interface AnalysisState {
  growth?: Map<string, RssSeries>;
  seen?: Map<string, { firstWall: number; lastActiveWall: number | null }>;
  burning?: Map<string, BurnStreak & { startMono: number }>;
  idle?: IdleTracker;
  models?: ModelTracker;
}

export type ServiceFigures = Pick<
  ServiceRow,
  'cpu_pct' | 'rss_mb' | 'threads' | 'fds' | 'read_mbps' | 'write_mbps' | 'vram_mb' | 'power_w' | 'idle_for_s' | 'process_count'
>;

export interface Analysis {
  services: ServiceRow[];
  /** The figures of running services by name, for declared metrics (label `service`). */
  by_service: Record<string, ServiceFigures>;
  idle: IdleSummary & { rest_cpu_pct: number | null };
  recommendations: Recommendation[];
  counts: { services: number; running: number; recommendations: number };
}

export function analyse(
  ctx: Pick<CollectorContext<AnalysisState>, 'config' | 'latest' | 'state'>,
  services: ServiceRow[],
  loose: ServiceRow[],
  t: { now: number; wall: number; reading: PowerReading },
): Analysis {
  const st = ctx.state;
  st.seen ??= new Map();
  const seen = st.seen;
  st.growth ??= new Map();
  const growth = st.growth;
  const windowMs = (parseDurationS(ctx.config.idle.leak_window) ?? 3600) * 1000;
  const names = new Set(services.map((s) => s.name));
  for (const m of [seen, growth]) for (const n of [...m.keys()]) if (!names.has(n)) m.delete(n);

  for (const s of services) {
    const running = s.status !== 'stopped';
    const a = activityOf({ name: s.name, cpu_pct: s.cpu_pct, io_mbps: ioMbps(s), idle_cpu_pct: s.idle_cpu_threshold_pct });
    s.active = running && a.active;
    const rec = seen.get(s.name) ?? { firstWall: t.wall, lastActiveWall: null };
    seen.set(s.name, rec);
    if (s.active) rec.lastActiveWall = t.wall;
    s.last_active = rec.lastActiveWall === null ? null : new Date(rec.lastActiveWall).toISOString();
    s.idle_for_s = running ? round((t.wall - (rec.lastActiveWall ?? rec.firstWall)) / 1000, 0) : null;
    let series = growth.get(s.name);
    if (!series || series.windowMs !== windowMs) {
      series = new RssSeries(windowMs);
      growth.set(s.name, series);
    }
    if (running) series.add(t.now, s.rss_mb);
    else series.clear();
    const gr = series.growth();
    s.memory_growth_mb_h = round(gr.mb_h, 1);
    s.memory_growth_r2 = round(gr.r2, 3);
    s.memory_growth_reason = running ? gr.reason : 'not running';
  }

  const cpu = ctx.latest('cpu_monitor');
  const cores = num(cpu, 'core_count') ?? (Array.isArray(cpu?.per_core_pct) ? cpu.per_core_pct.length : null);
  const aggregate = cpu?.available === false ? null : num(cpu, 'aggregate_pct');
  // headroom's own cost is left out: the observer must not make the machine look busy.
  const self = services.find((s) => s.kind === 'headroom');
  const selfShare = self?.cpu_pct && cores ? self.cpu_pct / cores : 0;
  const judged = [...services.filter((s) => s.status !== 'stopped' && s.kind !== 'headroom'), ...loose];
  const verdict = machineState(
    aggregate === null ? null : Math.max(0, aggregate - selfShare),
    cores,
    ctx.config.idle.cpu_pct,
    judged.map((s) => ({ name: s.name, cpu_pct: s.cpu_pct, io_mbps: ioMbps(s), idle_cpu_pct: s.idle_cpu_threshold_pct })),
  );
  st.burning ??= new Map();
  const burning = st.burning;
  for (const n of [...burning.keys()]) if (!verdict.burners.includes(n)) burning.delete(n);
  for (const n of verdict.burners) {
    const b = burning.get(n) ?? { samples: 0, seconds: 0, startMono: t.now };
    b.samples++;
    b.seconds = (t.now - b.startMono) / 1000;
    burning.set(n, b);
  }
  for (const s of [...services, ...loose]) {
    s.idle_burn_cpu_pct = verdict.state === 'unknown' ? null : verdict.burners.includes(s.name) ? s.cpu_pct : 0;
  }

  st.idle ??= new IdleTracker();

  const tracker = st.idle;
  const summary = tracker.step({
    mono: t.now,
    wall: t.wall,
    state: verdict.state,
    burners: verdict.burners,
    power: t.reading,
    services: [...services, ...loose].map((s) => ({ name: s.name, power_w: s.power_w, cpu_pct: s.cpu_pct })),
  });
  for (const s of services) s.idle_energy_today_wh = tracker.serviceEnergyWh(s.name);
  const idle = { ...summary, rest_cpu_pct: verdict.rest_cpu_pct === null ? null : round(verdict.rest_cpu_pct, 1) };

  st.models ??= new ModelTracker();
  const models = st.models.update(t.now, t.wall, ctx.latest('ollama_monitor'), ctx.latest('ollama_tokens'));
  const recommendations = recommend({
    config: ctx.config,
    services: [...services, ...loose],
    burning,
    idle,
    models,
    modelService: services.find((s) => s.kind === 'ollama')?.name ?? null,
    ram: ctx.latest('ram_monitor'),
    packageW: num(ctx.latest('power_monitor'), 'package_w'),
  });

  const by_service: Analysis['by_service'] = {};
  for (const s of services) {
    if (s.status === 'stopped') continue;
    const { cpu_pct, rss_mb, threads, fds, read_mbps, write_mbps, vram_mb, power_w, idle_for_s, process_count } = s;
    by_service[s.name] = { cpu_pct, rss_mb, threads, fds, read_mbps, write_mbps, vram_mb, power_w, idle_for_s, process_count };
  }
  return {
    services,
    by_service,
    idle,
    recommendations,
    counts: { services: services.length, running: services.filter((s) => s.status !== 'stopped').length, recommendations: recommendations.length },
  };
}

function ioMbps(s: Pick<ServiceRow, 'read_mbps' | 'write_mbps'>): number | null {
  return s.read_mbps === null && s.write_mbps === null ? null : (s.read_mbps ?? 0) + (s.write_mbps ?? 0);
}
