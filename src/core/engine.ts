import { channelsFromConfig } from '../alerts/notify/channels.js';
import { Dispatcher } from '../alerts/notify/dispatcher.js';
import { AlertService } from '../alerts/service.js';
import type { AlertEvent } from '../alerts/types.js';
import { builtinCollectors } from '../collectors/index.js';
import { DEFAULT_ROOTS, HostFs, type HostRoots } from '../host/hostfs.js';
import { DEFAULT_TUNING, History, type HistoryTuning } from '../history/service.js';
import { ErrorCodes, HeadroomError } from '../shared/errors.js';
import type { ConfigureRequest, ReloadResponse, StatusResponse, SystemInfo } from '../shared/protocol.js';
import { Bus } from './bus.js';
import { type Clock, systemClock } from './clock.js';
import type { AnyCollector } from './collector.js';
import { type LoadConfigOptions, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { LatestCache } from './latest.js';
import { loadPlugins } from './plugins.js';
import { MetricRing } from './ring.js';
import type { Logger } from './runner.js';
import { Scheduler } from './scheduler.js';

export interface EngineOptions extends LoadConfigOptions {
  roots?: HostRoots;
  clock?: Clock;
  /** The built-in collectors (default: the package's list). */
  builtins?: AnyCollector[];
  log?: Logger;
  /** Use this config instead of looking one up (tests, embedding); reload then keeps it. */
  config?: Config;
  configPath?: string | null;
  /** History flush/maintenance timing (tests shorten it). */
  historyTuning?: Partial<HistoryTuning>;
}

const silent: Logger = () => {};

/**
 * The collection core without any server: config, collectors (built-in + plugins), scheduler,
 * latest cache, event bus and in-memory ring. Importable on its own (SPEC §11).
 */
export class Engine {
  readonly bus = new Bus();
  readonly cache = new LatestCache();
  readonly clock: Clock;
  readonly fs: HostFs;
  readonly ring: MetricRing;
  /** Disk history (SQLite tiers), events and snapshots; opened by start(), closed by stop(). */
  readonly history: History;
  readonly scheduler: Scheduler;
  /** Threshold rules and headroom transitions → events (SPEC §5). */
  readonly alerts: AlertService;
  /** Delivers events to desktop / script / webhooks, off the collection path. */
  readonly notifier: Dispatcher;
  config: Config;
  configPath: string | null;
  private readonly builtins: AnyCollector[];
  private plugins: AnyCollector[] = [];
  /** Every known collector by name (built-ins and plugins), for briefOf. */
  private byName = new Map<string, AnyCollector>();
  private readonly briefTexts = new WeakMap<object, string>();
  private pluginWarnings: string[] = [];
  private generation = 0;
  private runtimeToggles = new Map<string, boolean>();
  private readonly startedMono: number;
  private reloading: Promise<ReloadResponse> | null = null;
  private readonly log: Logger;

  private constructor(
    private readonly options: EngineOptions,
    config: Config,
    configPath: string | null,
  ) {
    this.clock = options.clock ?? systemClock;
    this.fs = new HostFs(options.roots ?? DEFAULT_ROOTS);
    this.builtins = options.builtins ?? builtinCollectors;
    this.log = options.log ?? silent;
    this.config = config;
    this.configPath = configPath;
    this.ring = new MetricRing(config.history.ring_size);
    this.scheduler = new Scheduler({
      fs: this.fs,
      clock: this.clock,
      cache: this.cache,
      bus: this.bus,
      config,
      log: this.log,
    });
    this.history = new History(
      config.history,
      { clock: this.clock, log: this.log, ring: this.ring, latest: (name) => this.cache.get(name) },
      { ...DEFAULT_TUNING, ...options.historyTuning },
    );
    this.notifier = new Dispatcher({ log: (level, msg) => this.log(level, msg) });
    this.alerts = new AlertService({
      config: () => this.config,
      collectors: () => this.known(),
      latest: () => {
        const out: Record<string, Record<string, unknown>> = {};
        for (const name of this.scheduler.names()) {
          const data = this.cache.get(name)?.data;
          if (data) out[name] = data;
        }
        return out;
      },
      now: () => this.clock.wallMs(),
      publish: (ev) => this.publishEvent(ev),
    });
    this.bus.on('sample', (ev) => {
      this.ring.record(ev);
      this.history.ingest(ev);
      this.alerts.onSample(ev.plugin, ev.data);
    });
    this.startedMono = this.clock.monotonicMs();
  }

  /** Load config (throws a ConfigError naming every problem) and plugins; does not start collecting. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const loaded = options.config
      ? { config: options.config, path: options.configPath ?? null }
      : await loadConfig(options);
    const engine = new Engine(options, loaded.config, loaded.path);
    await engine.applyConfig(loaded.config);
    return engine;
  }

  /**
   * Start collecting. Once-collectors (interval 0, e.g. `host`) run first and are awaited, so
   * the identity in `/api` and `/info` is there from the first request.
   */
  async start(): Promise<void> {
    // History first: it reloads what the file holds before new samples arrive.
    this.history.start();
    await this.scheduler.runOnceCollectors();
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    this.notifier.close();
    this.history.close();
  }

  /** Store an event (history, or memory without it), push it to WebSocket clients and notify. */
  publishEvent(ev: AlertEvent): void {
    this.history.appendEvent({ kind: ev.kind, message: ev.message, source: ev.source, severity: ev.severity, data: ev.data, ts: ev.ts });
    this.bus.emit('event', ev);
    this.notifier.send(ev);
  }

  /** Every collector that could run: built-ins and loaded plugins. */
  known(): AnyCollector[] {
    return [...this.builtins, ...this.plugins];
  }

  /** Built-ins run unless switched off; user plugins run only when switched on (SPEC §2.1). */
  private isWanted(def: AnyCollector, config: Config): boolean {
    const toggle = this.runtimeToggles.get(def.name) ?? config.plugins[def.name];
    if (toggle !== undefined) return toggle;
    return this.builtins.includes(def);
  }

  private async applyConfig(config: Config): Promise<void> {
    this.generation++;
    const reserved = new Set(this.builtins.map((d) => d.name));
    const { collectors, problems } = await loadPlugins(config.plugin_dirs, this.generation, reserved);
    this.plugins = collectors;
    this.byName = new Map();
    for (const d of this.known()) if (!this.byName.has(d.name)) this.byName.set(d.name, d);
    this.pluginWarnings = problems.map((p) => `${p.file}: ${p.message}`);
    for (const w of this.pluginWarnings) this.log('warn', `plugin skipped: ${w}`);
    const unknown = Object.keys(config.plugins).filter((n) => !this.known().some((d) => d.name === n));
    for (const n of unknown) this.pluginWarnings.push(`plugins.${n}: no collector of that name is installed`);
    this.config = config;
    const active = this.known().filter((d) => this.isWanted(d, config));
    for (const d of this.known()) {
      this.ring.setSpecs(d.name, d.metrics);
      this.history.setSpecs(d.name, d.metrics);
    }
    this.ring.resize(config.history.ring_size);
    this.history.reconfigure(config.history);
    await this.scheduler.replaceAll(active, config);
    this.ring.retainCollectors(new Set(active.map((d) => d.name)));
    this.alerts.rebuild();
    this.notifier.setChannels(channelsFromConfig(config, () => this.system().hostname));
  }

  /**
   * Re-read the config file and restart every collector (plugins re-imported). A config that
   * fails validation throws and leaves the running config and collectors untouched. Runtime
   * tuning from `/api/configure` is reset to what the file says. Concurrent calls share one reload.
   */
  reload(): Promise<ReloadResponse> {
    if (this.reloading) return this.reloading;
    this.reloading = (async () => {
      try {
        const loaded = this.options.config
          ? { config: this.config, path: this.configPath }
          : await loadConfig({ ...this.options, flag: this.configPath ?? this.options.flag });
        this.runtimeToggles.clear();
        this.configPath = loaded.path;
        await this.applyConfig(loaded.config);
        const plugins = this.scheduler.names().sort();
        this.bus.emit('reconfigured', { plugins });
        this.log('info', `reloaded config ${loaded.path ?? '(built-in defaults)'}: ${plugins.join(', ')}`);
        return { status: 'ok', plugins, config_path: loaded.path, warnings: [...this.pluginWarnings] } as const;
      } finally {
        this.reloading = null;
      }
    })();
    return this.reloading;
  }

  /** Apply `POST /api/configure`: validated already against the schema; names checked here. */
  async configure(req: ConfigureRequest): Promise<StatusResponse> {
    const known = new Map(this.known().map((d) => [d.name, d]));
    const unknown = [...Object.keys(req.intervals ?? {}), ...Object.keys(req.plugins ?? {})].filter(
      (n) => !known.has(n),
    );
    if (unknown.length > 0)
      throw new HeadroomError(
        ErrorCodes.BAD_REQUEST,
        `unknown collector(s): ${[...new Set(unknown)].join(', ')}; known: ${[...known.keys()].sort().join(', ')}`,
      );
    for (const [name, on] of Object.entries(req.plugins ?? {})) {
      this.runtimeToggles.set(name, on);
      if (on) this.scheduler.add(known.get(name)!);
      else await this.scheduler.remove(name);
    }
    if (req.plugins) {
      this.ring.retainCollectors(new Set(this.scheduler.names()));
      this.bus.emit('reconfigured', { plugins: this.scheduler.names().sort() });
    }
    if (req.interval !== undefined)
      for (const name of this.scheduler.names())
        if ((this.scheduler.status()[name]?.interval ?? 0) > 0) this.scheduler.setInterval(name, req.interval);
    for (const [name, s] of Object.entries(req.intervals ?? {})) this.scheduler.setInterval(name, s);
    if (req.history_size !== undefined) this.ring.resize(req.history_size);
    if (req.enabled !== undefined) this.scheduler.setEnabled(req.enabled);
    return this.status();
  }

  status(): StatusResponse {
    const collectors = this.scheduler.status();
    const periodic = new Set(
      Object.values(collectors)
        .map((c) => c.interval)
        .filter((i) => i > 0),
    );
    return {
      enabled: this.scheduler.isEnabled,
      interval: periodic.size === 1 ? [...periodic][0]! : null,
      history_size: this.ring.size,
      history_count: this.ring.count(),
      history_series: this.ring.seriesCount(),
      history: this.history.status(),
      uptime_seconds: Math.round((this.clock.monotonicMs() - this.startedMono) / 100) / 10,
      config_path: this.configPath,
      plugins: this.scheduler.names().sort(),
      available_plugins: this.known()
        .map((d) => d.name)
        .sort(),
      collectors,
      notifications: this.notifier.status(),
      alerts: this.alerts.status().rules,
    };
  }

  /** A payload as `/api` and `/ws` show it: the collector's `brief` form when it declares one. */
  briefOf(name: string, data: Record<string, unknown>): Record<string, unknown> {
    if (data.available === false) return data;
    const def = this.byName.get(name);
    return def?.brief ? def.brief(data) : data;
  }

  /**
   * `JSON.stringify(briefOf(name, data))`, made once per payload: `/api` and every WebSocket
   * client share the text (a payload object is never changed once published).
   */
  briefJson(name: string, data: Record<string, unknown>): string {
    let text = this.briefTexts.get(data);
    if (text === undefined) {
      text = JSON.stringify(this.briefOf(name, data));
      this.briefTexts.set(data, text);
    }
    return text;
  }

  /** hostname / os / kernel / arch from the host collector, or "unknown" until it has run. */
  system(): SystemInfo {
    const host = this.cache.get('host')?.data;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : 'unknown');
    return { hostname: str(host?.hostname), os: str(host?.os), kernel: str(host?.kernel), arch: str(host?.arch) };
  }
}
