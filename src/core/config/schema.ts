import Type, { type Static, type TSchema } from 'typebox';

/**
 * The config schema (SPEC §10). Every key has its default here, so headroom runs with no file.
 * Unknown keys are errors (a typo should not be silently ignored). Sections whose collectors
 * arrive later are accepted and documented now, so config files written today keep working.
 */

const Obj = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, description });

/** "90s", "10m", "24h", "30d" or a number of seconds. */
const Duration = (def: string, description: string) =>
  Type.Union([Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d|w)?\\s*$' }), Type.Number({ minimum: 0 })], {
    default: def,
    description,
  });

const Pct = (def: number, description: string) =>
  Type.Number({ minimum: 0, maximum: 100, default: def, description });

const Level = (warn: number, critical: number, what: string) =>
  Type.Object(
    { warn: Pct(warn, `${what} warn level, %`), critical: Pct(critical, `${what} critical level, %`) },
    { additionalProperties: false, default: { warn, critical } },
  );

const Token = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'label shown in logs' })),
    token: Type.Optional(Type.String({ minLength: 16, description: 'the secret itself (>= 16 chars)' })),
    token_env: Type.Optional(Type.String({ description: 'read the secret from this environment variable' })),
    scope: Type.Union([Type.Literal('read'), Type.Literal('admin')], { default: 'read' }),
  },
  { additionalProperties: false },
);

const Server = Obj(
  {
    host: Type.String({ default: '127.0.0.1', description: 'bind address; non-loopback needs a token' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7700 }),
    tokens: Type.Array(Token, { default: [], description: 'bearer tokens: read or admin scope' }),
    allowed_hosts: Type.Array(Type.String(), { default: [], description: 'extra Host header names' }),
    allowed_origins: Type.Array(Type.String(), { default: [], description: 'extra browser origins' }),
    insecure_no_auth: Type.Boolean({ default: false, description: 'allow a non-loopback bind without tokens' }),
    body_limit_kb: Type.Integer({ minimum: 1, maximum: 10240, default: 64 }),
    tls: Obj(
      {
        cert: Type.String({ default: '', description: 'PEM certificate path' }),
        key: Type.String({ default: '', description: 'PEM private key path' }),
      },
      'optional TLS; both paths set = HTTPS',
    ),
  },
  'HTTP server',
);

const History = Obj(
  {
    enabled: Type.Boolean({ default: true }),
    path: Type.String({ default: '', description: 'SQLite file; empty = $XDG_DATA_HOME/headroom/history.db' }),
    ring_size: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 1800, description: 'in-memory samples per series' }),
    max_size_mb: Type.Number({ minimum: 1, default: 1024 }),
    retention: Obj(
      {
        raw: Duration('24h', 'raw samples'),
        minute: Duration('30d', '1-minute min/avg/max'),
        hour: Duration('400d', '1-hour min/avg/max'),
      },
      'how long each tier is kept',
    ),
  },
  'history: ring buffer and SQLite tiers',
);

const Thresholds = Obj(
  {
    ram: Level(70, 85, 'RAM'),
    gpu_vram: Level(75, 90, 'GPU VRAM'),
    cpu: Level(80, 95, 'CPU'),
    disk: Level(80, 90, 'disk'),
    swap_proximity_buffer_pct: Pct(8, 'EASE_IN when free RAM is within this % of the swap boundary'),
  },
  'warn / critical levels per resource',
);

const Earlyoom = Obj(
  {
    browser_warn_pct: Pct(20, '% of total RAM at which a browser group counts as large'),
    ram_pressure_floor: Pct(70, 'the browser EASE_IN needs RAM above this % too'),
  },
  'browser memory vs earlyoom',
);

const DrillCost = Obj(
  {
    ram_delta_pct: Type.Number({ minimum: 0, default: 8 }),
    cpu_spike_pct: Type.Number({ minimum: 0, default: 15 }),
    gpu_vram_delta_pct: Type.Number({ minimum: 0, default: 6 }),
    headroom_ease_in_pct: Type.Number({ minimum: 0, default: 5 }),
    projected_breach: Type.Union([Type.Literal('HOLD'), Type.Literal('EASE_IN')], { default: 'HOLD' }),
  },
  'the cost of the next job used by the projection',
);

const Drill = Type.Object(
  {
    ram_delta_pct: Type.Optional(Type.Number({ minimum: 0 })),
    ram_delta_gb: Type.Optional(Type.Number({ minimum: 0 })),
    cpu_spike_pct: Type.Optional(Type.Number({ minimum: 0 })),
    gpu_vram_delta_pct: Type.Optional(Type.Number({ minimum: 0 })),
    gpu_vram_delta_gb: Type.Optional(Type.Number({ minimum: 0 })),
    gpu: Type.Optional(Type.Integer({ minimum: 0, description: 'GPU index the job runs on; default the most loaded' })),
    model: Type.Optional(Type.String({ description: 'LLM the job loads: no VRAM cost when it is already resident' })),
  },
  { additionalProperties: false },
);

const Power = Obj(
  {
    battery_warn_pct: Pct(30, 'laptop on battery below this charge → EASE_IN'),
    battery_critical_pct: Pct(15, 'laptop on battery below this charge → HOLD'),
  },
  'laptop battery levels for the headroom signal',
);

const Pressure = Obj(
  {
    memory_some_warn: Type.Number({ minimum: 0, default: 10, description: 'memory PSI some avg10 → EASE_IN' }),
    memory_full_critical: Type.Number({ minimum: 0, default: 10, description: 'memory PSI full avg10 → HOLD' }),
    io_some_warn: Type.Number({ minimum: 0, default: 25, description: 'IO PSI some avg10 → EASE_IN' }),
    oom_hold_s: Type.Number({ minimum: 0, default: 300, description: 'HOLD for this long after an OOM kill' }),
  },
  'pressure stall information (PSI) and OOM',
);

const Ups = Obj(
  {
    driver: Type.Union([Type.Literal('apcupsd'), Type.Literal('nut')], { default: 'apcupsd' }),
    nis_host: Type.String({ default: 'localhost' }),
    nis_port: Type.Integer({ minimum: 1, maximum: 65535, default: 3551 }),
    nut_host: Type.String({ default: 'localhost' }),
    nut_port: Type.Integer({ minimum: 1, maximum: 65535, default: 3493 }),
    nut_ups: Type.String({ default: 'ups' }),
    username: Type.String({ default: '' }),
    password: Type.String({ default: '' }),
    timeout_ms: Type.Integer({ minimum: 50, default: 2000 }),
    load_warn: Pct(70, 'UPS load → EASE_IN'),
    load_critical: Pct(85, 'UPS load → HOLD'),
    battery_warn: Pct(50, 'battery charge on mains → EASE_IN'),
    battery_critical: Pct(30, 'battery charge → HOLD'),
    runtime_warn_m: Type.Number({ minimum: 0, default: 10 }),
  },
  'UPS through apcupsd NIS or NUT upsd',
);

const Severity = Type.Union([Type.Literal('INFO'), Type.Literal('WARN'), Type.Literal('CRITICAL')]);

const Webhook = Type.Object(
  {
    url: Type.String(),
    format: Type.Union([Type.Literal('json'), Type.Literal('ntfy'), Type.Literal('slack')], { default: 'json' }),
    min_severity: Type.Optional(Severity),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000 })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'extra request headers, e.g. Authorization (redacted in output)' })),
  },
  { additionalProperties: false },
);

const Notifications = Obj(
  {
    desktop: Type.Boolean({ default: false, description: 'notify-send, CRITICAL only' }),
    opswire: Type.Boolean({ default: false, description: 'run opswire_script for each event at or above opswire_severity' }),
    opswire_severity: Type.Union([Type.Literal('INFO'), Type.Literal('WARN'), Type.Literal('CRITICAL')], {
      default: 'WARN',
    }),
    opswire_script: Type.String({ default: '' }),
    webhooks: Type.Array(Webhook, { default: [] }),
  },
  'where alerts go',
);

const Ollama = Obj(
  {
    base_url: Type.String({ default: 'http://localhost:11434', description: 'Ollama REST API (/api/ps, /api/tags)' }),
    metrics_url: Type.String({
      default: '',
      description: 'Prometheus text endpoint with Ollama token counters; empty = none (upstream Ollama has no /metrics)',
    }),
    timeout_ms: Type.Integer({ minimum: 50, maximum: 60000, default: 2000, description: 'per request, headers and body' }),
    tokens: Obj({ warn_completion_per_s: Type.Number({ minimum: 0, default: 80 }) }, 'token throughput'),
  },
  'Ollama',
);

const InferenceEndpoint = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'label in the dashboard and metrics' }),
    url: Type.String({ description: 'the Prometheus text endpoint; a bare http://host:port gets /metrics' }),
    kind: Type.Union(
      [
        Type.Literal('auto'),
        Type.Literal('vllm'),
        Type.Literal('llamacpp'),
        Type.Literal('tgi'),
        Type.Literal('sglang'),
        Type.Literal('ollama'),
      ],
      { default: 'auto', description: 'which metric names to read; auto = whichever the page has' },
    ),
    timeout_ms: Type.Integer({ minimum: 50, maximum: 60000, default: 2000 }),
  },
  { additionalProperties: false },
);

const Inference = Type.Array(InferenceEndpoint, {
  default: [],
  description: 'inference servers exposing Prometheus text (vLLM, llama.cpp, TGI, SGLang): [{name, kind, url}]',
});

const Service = Type.Object(
  {
    name: Type.String(),
    match: Type.Object(
      {
        process: Type.Optional(Type.String()),
        cmdline: Type.Optional(Type.String()),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        unit: Type.Optional(Type.String()),
        cgroup: Type.Optional(Type.String()),
        container: Type.Optional(Type.String()),
        pidfile: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    idle: Type.Optional(Type.Object({ cpu_pct: Type.Number({ minimum: 0 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Idle = Obj(
  {
    cpu_pct: Pct(5, 'machine idle below this aggregate CPU %'),
    leak_window: Duration('1h', 'window of the RSS growth slope'),
    model_idle: Duration('15m', 'an LLM model loaded this long without a generation is worth unloading'),
  },
  'idle analysis',
);

const AlertRuleConfig = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }),
    metric: Type.Optional(
      Type.String({ pattern: '^[a-z][a-z0-9_]*\\..+$', description: '<collector>.<payload path>, e.g. ram_monitor.swap.zram.pct' }),
    ),
    label: Type.Optional(Type.String()),
    direction: Type.Union([Type.Literal('above'), Type.Literal('below')], { default: 'above' }),
    warn: Type.Number(),
    critical: Type.Number(),
    clear: Type.Optional(Type.Number({ description: 're-arm level; default warn' })),
    for: Type.Optional(Type.Number({ minimum: 0, description: 'seconds a level must hold before it fires' })),
    rate_limit_s: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const Alerts = Obj(
  {
    rate_limit_s: Type.Number({ minimum: 0, default: 300, description: 'minimum seconds between two firings of one rule' }),
    idle_power_w: Type.Object(
      { warn: Type.Number({ default: 5 }), critical: Type.Number({ default: 10 }) },
      { additionalProperties: false, default: { warn: 5, critical: 10 } },
    ),
    idle_service_cpu_pct: Level(5, 20, 'CPU of an idle service'),
    memory_growth_mb_h: Type.Object(
      { warn: Type.Number({ default: 100 }), critical: Type.Number({ default: 500 }) },
      { additionalProperties: false, default: { warn: 100, critical: 500 } },
    ),
    rules: Type.Array(AlertRuleConfig, {
      default: [],
      description: 'extra rules, or overrides of a built-in rule by its id (ram, cpu, gpu_vram, disk, idle_power, thermal, …)',
    }),
    disabled: Type.Array(Type.String(), { default: [], description: 'rule ids switched off' }),
  },
  'default alert rules',
);

const Network = Obj(
  {
    exclude: Type.Array(Type.String(), {
      default: ['lo', 'veth*', 'docker*', 'br-*', 'virbr*', 'vnet*', 'tun*', 'tap*', 'cni*', 'flannel*', 'cali*', 'lxcbr*', 'lxdbr*', 'ifb*', 'dummy*'],
      description: 'interface name patterns left out (* = any characters)',
    }),
    include: Type.Array(Type.String(), { default: [], description: 'patterns kept even when excluded, e.g. "tun0" for a VPN' }),
  },
  'network_monitor: which interfaces count',
);

const Disk = Obj(
  {
    include_tmpfs: Type.Boolean({ default: false, description: 'report tmpfs mounts as volumes' }),
    exclude_fstypes: Type.Array(Type.String(), { default: [], description: 'extra filesystem types to leave out' }),
    exclude_mountpoints: Type.Array(Type.String(), { default: [], description: 'mount point patterns to leave out (* = any)' }),
    statfs_timeout_ms: Type.Integer({ minimum: 50, maximum: 60000, default: 1500, description: 'a mount slower than this is reported stale' }),
  },
  'disk_monitor: which volumes count, and the hung-mount timeout',
);

const Processes = Obj(
  {
    top_n: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'entries in the top-by-CPU and top-by-RSS lists' }),
    redact: Type.Boolean({ default: true, description: 'hide secrets in command lines (passwords, tokens, keys, URL credentials)' }),
    redact_patterns: Type.Array(Type.String(), { default: [], description: 'extra regular expressions whose matches are redacted' }),
  },
  'process_monitor and the process table',
);

const Peer = Type.Object(
  { name: Type.String(), url: Type.String(), token: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

const Fleet = Obj({ peers: Type.Array(Peer, { default: [] }) }, 'hub mode');

const Export = Obj(
  {
    prometheus: Obj({ enabled: Type.Boolean({ default: true }) }, 'GET /metrics'),
    otlp: Obj(
      {
        endpoint: Type.String({ default: '', description: 'OTLP/HTTP metrics URL; empty = off' }),
        interval: Duration('60s', 'push interval'),
        headers: Type.Record(Type.String(), Type.String(), { default: {} }),
      },
      'OpenTelemetry push',
    ),
  },
  'export to Prometheus and OpenTelemetry',
);

const CollectorOverride = Type.Object(
  {
    interval: Type.Optional(Type.Number({ minimum: 1, description: 'seconds, >= 1' })),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds' })),
  },
  { additionalProperties: true },
);

export const ConfigSchema = Type.Object(
  {
    server: Server,
    history: History,
    thresholds: Thresholds,
    earlyoom: Earlyoom,
    drill_cost: DrillCost,
    drills: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Drill, { default: {} }),
    pressure: Pressure,
    power: Power,
    ups: Ups,
    notifications: Notifications,
    ollama: Ollama,
    inference: Inference,
    services: Type.Array(Service, { default: [] }),
    idle: Idle,
    alerts: Alerts,
    fleet: Fleet,
    export: Export,
    network: Network,
    disk: Disk,
    processes: Processes,
    plugins: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), Type.Boolean(), {
      default: {},
      description: 'collector on/off; built-ins are on unless set false, user plugins off unless set true',
    }),
    plugin_dirs: Type.Array(Type.String(), { default: ['~/.config/headroom/plugins'] }),
    collectors: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), CollectorOverride, {
      default: {},
      description: 'per-collector interval / timeout and collector-specific options',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
