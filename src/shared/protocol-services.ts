import Type, { type Static } from 'typebox';

/**
 * Services, idle analysis and recommendations (SPEC §4) as service_monitor's payload,
 * `GET /api/services`, `GET /api/idle`, `GET /api/recommendations` and `headroom doctor --json`
 * carry them. Figures carry their unit in their name; CPU % is of one CPU (as in the process
 * table: 250 = two and a half CPUs busy).
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description?: string) =>
  Type.Union([t, Type.Null()], description ? { description } : {});

export const ServiceKind = Type.Union([
  Type.Literal('configured'),
  Type.Literal('headroom'),
  Type.Literal('ollama'),
  Type.Literal('vllm'),
  Type.Literal('llamacpp'),
  Type.Literal('inference'),
  Type.Literal('container'),
  Type.Literal('systemd'),
  Type.Literal('process'),
]);

export const ServiceStatus = Type.Union([Type.Literal('running'), Type.Literal('partial'), Type.Literal('stopped')], {
  description: 'running: every match key found processes; partial: some found none; stopped: no process',
});

export const ServiceRow = Type.Object(
  {
    name: Type.String(),
    origin: Type.Union([Type.Literal('config'), Type.Literal('auto')]),
    kind: ServiceKind,
    status: ServiceStatus,
    status_reason: Nullable(Type.String(), 'what is missing: a key that found nothing, a config problem'),
    matched_by: Type.Array(Type.String(), { description: 'the match keys that found processes, e.g. "port 8080"' }),
    pids: Type.Array(Type.Integer(), { description: 'owned processes (matched ones and their descendants), at most 100 listed' }),
    process_count: Type.Integer(),
    main_pid: Nullable(Type.Integer(), 'the top-most owned process'),
    top_process: Nullable(
      Type.Object({ pid: Type.Integer(), name: Type.String(), cpu_pct: Nullable(Type.Number()), rss_mb: Type.Number() }),
      'the busiest owned process',
    ),
    cpu_pct: Nullable(Type.Number(), '% of one CPU; null on first sight'),
    rss_mb: Type.Number({ description: 'sum of the processes’ RSS (shared pages counted in each)' }),
    threads: Type.Integer(),
    fds: Nullable(Type.Integer(), 'open file descriptors; null when not ours to read'),
    read_mbps: Nullable(Type.Number()),
    write_mbps: Nullable(Type.Number()),
    ports: Type.Array(Type.Integer(), { description: 'TCP ports its processes listen on' }),
    vram_mb: Nullable(Type.Number(), 'VRAM its processes hold (NVML per process); null without a GPU list'),
    power_w: Nullable(Type.Number(), 'estimated share: CPU share × CPU watts + GPU share × GPU watts'),
    power: Type.Object({
      cpu_share_pct: Nullable(Type.Number(), 'its CPU time / all processes’ CPU time'),
      cpu_w: Nullable(Type.Number()),
      gpu_w: Nullable(Type.Number()),
      source: Nullable(Type.String(), 'rapl, battery or ups'),
    }),
    active: Type.Boolean({ description: 'CPU above its idle threshold, or storage I/O' }),
    idle_cpu_threshold_pct: Type.Number(),
    last_active: Nullable(Type.String(), 'ISO time it was last active; null = not seen active since tracking began'),
    idle_for_s: Nullable(Type.Number(), 'seconds since last active (since first seen when never active)'),
    idle_burn_cpu_pct: Nullable(Type.Number(), 'its CPU while it burns with the rest of the machine idle; 0 otherwise'),
    memory_growth_mb_h: Nullable(Type.Number(), 'least-squares slope of RSS over idle.leak_window'),
    memory_growth_r2: Nullable(Type.Number()),
    memory_growth_reason: Nullable(Type.String(), 'why there is no slope yet'),
    idle_energy_today_wh: Nullable(Type.Number(), 'its power share integrated while the machine was idle today'),
    unit: Nullable(Type.String()),
    container_id: Nullable(Type.String()),
  },
);
export type ServiceRow = Static<typeof ServiceRow>;

export const MachineState = Type.Union(
  [Type.Literal('idle'), Type.Literal('idle_but_burning'), Type.Literal('busy'), Type.Literal('unknown')],
  { description: 'idle_but_burning: idle except for services burning CPU without I/O (busy-loop suspects)' },
);

export const IdleConsumer = Type.Object({
  name: Type.String(),
  energy_wh: Nullable(Type.Number()),
  cpu_s: Type.Number(),
  avg_cpu_pct: Type.Number(),
  burning: Type.Boolean(),
});

export const IdleSummary = Type.Object(
  {
    state: MachineState,
    idle: Type.Boolean(),
    burners: Type.Array(Type.String()),
    rest_cpu_pct: Nullable(Type.Number(), 'aggregate CPU % without the burners'),
    since: Nullable(Type.String(), 'start of the current idle stretch'),
    stretch_s: Type.Number(),
    stretch_energy_wh: Nullable(Type.Number()),
    today_s: Type.Number({ description: 'idle seconds today (local day), burning included' }),
    energy_today_wh: Nullable(Type.Number(), 'energy while idle today; null without a power reading'),
    energy_covered_s: Type.Number({ description: 'idle seconds today that had a power reading' }),
    burn_today_s: Type.Number(),
    burn_energy_today_wh: Nullable(Type.Number()),
    power_w: Nullable(Type.Number()),
    power_source: Nullable(Type.String(), 'rapl, battery or ups'),
    power_source_label: Nullable(Type.String()),
    power_reason: Nullable(Type.String()),
    last_stretch: Nullable(
      Type.Object({ since: Type.String(), until: Type.String(), duration_s: Type.Number(), energy_wh: Nullable(Type.Number()) }),
    ),
    day: Type.String(),
    tracked_since: Type.String(),
    consumers: Type.Array(IdleConsumer, { description: 'services consuming while idle today, ranked by energy then CPU' }),
  },
);
export type IdleSummary = Static<typeof IdleSummary>;

export const RecommendationKind = Type.Union([
  Type.Literal('llm_model_idle'),
  Type.Literal('busy_loop'),
  Type.Literal('memory_growth'),
  Type.Literal('idle_power'),
  Type.Literal('disk_swap_ram_free'),
  Type.Literal('browser_earlyoom'),
]);

export const Recommendation = Type.Object(
  {
    id: Type.String({ description: 'stable: kind:subject' }),
    kind: RecommendationKind,
    severity: Type.Union([Type.Literal('INFO'), Type.Literal('WARN'), Type.Literal('CRITICAL')]),
    service: Nullable(Type.String()),
    text: Type.String(),
    evidence: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
  },
);
export type Recommendation = Static<typeof Recommendation>;

export const PortStats = Type.Object({
  listeners: Type.Integer(),
  links_read: Type.Integer(),
  dirs_listed: Type.Integer(),
  denied: Type.Integer(),
  unresolved: Type.Integer(),
  reason: Nullable(Type.String()),
});
export type PortStats = Static<typeof PortStats>;

const Common = {
  available: Type.Boolean({ description: 'false while service_monitor is off, failing or has not run yet' }),
  reason: Type.Optional(Type.String({ description: 'why available is false' })),
  ts: Nullable(Type.String(), 'when service_monitor produced the data (ISO)'),
};

export const ServicesResponse = Type.Object(
  {
    ...Common,
    services: Type.Array(ServiceRow),
    idle: Nullable(IdleSummary),
    recommendations: Type.Array(Recommendation),
    processes_source: Nullable(Type.String({ description: 'process_monitor, or scan (our own, when it is off)' })),
    ports: Nullable(PortStats),
  },
  { $id: 'ServicesResponse' },
);
export type ServicesResponse = Static<typeof ServicesResponse>;

export const IdleResponse = Type.Object(
  { ...Common, idle: Nullable(IdleSummary), recommendations: Type.Array(Recommendation) },
  { $id: 'IdleResponse' },
);
export type IdleResponse = Static<typeof IdleResponse>;

export const Severity = Type.Union([Type.Literal('INFO'), Type.Literal('WARN'), Type.Literal('CRITICAL')]);

export const RecommendationsQuery = Type.Object(
  { min_severity: Type.Optional(Severity), service: Type.Optional(Type.String({ description: 'only this service' })) },
  { additionalProperties: false },
);
export type RecommendationsQuery = Static<typeof RecommendationsQuery>;

export const RecommendationsResponse = Type.Object(
  { ...Common, recommendations: Type.Array(Recommendation) },
  { $id: 'RecommendationsResponse' },
);
export type RecommendationsResponse = Static<typeof RecommendationsResponse>;
