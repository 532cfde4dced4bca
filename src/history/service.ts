/**
 * History as the engine sees it: fed from the bus, flushed on a timer, maintained (retention,
 * size cap) every few minutes, and never in the way of live monitoring — if the file cannot be
 * opened or written, status says why, the ring keeps answering, and opening is retried.
 */
import type { SampleEvent } from '../core/bus.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config/schema.js';
import type { LatestEntry } from '../core/latest.js';
import type { MetricRing } from '../core/ring.js';
import { SeriesIndex } from '../core/series-index.js';
import type { Logger } from '../core/runner.js';
import { errorMessage } from '../shared/errors.js';
import type { MetricSpec } from '../shared/metrics.js';
import type { HistoryStatus } from '../shared/protocol-history.js';
import { type EventInput, EventLog } from './events.js';
import { acquireLock } from './lock.js';
import { HistoryOpenError, openStore, openStoreReadOnly } from './open.js';
import { maintain } from './retention.js';
import { metaFor } from './series.js';
import { Snapshots } from './snapshots.js';
import { buildStatus } from './status.js';
import { Store } from './store.js';
import { retentionMs } from './tiers.js';
import { DEFAULT_WRITER_OPTIONS, type FlushResult, Writer } from './writer.js';

export { metaFor } from './series.js';

export interface HistoryDeps {
  clock: Clock;
  log: Logger;
  ring: MetricRing;
  /** The latest payload of a collector (for snapshots). */
  latest: (name: string) => LatestEntry | undefined;
}

export interface HistoryTuning {
  flushEveryMs: number;
  checkpointEveryMs: number;
  maintainEveryMs: number;
  retryOpenMs: number;
}

export const DEFAULT_TUNING: HistoryTuning = {
  flushEveryMs: DEFAULT_WRITER_OPTIONS.flushEveryMs,
  checkpointEveryMs: DEFAULT_WRITER_OPTIONS.checkpointEveryMs,
  maintainEveryMs: 5 * 60_000,
  retryOpenMs: 60_000,
};

export class History {
  store: Store | null = null;
  writer: Writer | null = null;
  readonly events = new EventLog();
  private config: Config['history'];
  private specs = new Map<string, MetricSpec[]>();
  private indexes = new Map<string, SeriesIndex>();
  private fresh = new Set<string>();
  private state: HistoryStatus['state'] = 'off';
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private movedAside: string | null = null;
  /** The last successful flush, and the longest since start. */
  lastFlush: (FlushResult & { at: number }) | null = null;
  longestFlushMs: number | null = null;
  private lastMaintain = 0;
  private overCap = false;
  private readonly snapshots: Snapshots;
  private releaseLock: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private started = false;
  private readOnly = false;

  constructor(
    config: Config['history'],
    private readonly deps: HistoryDeps,
    private readonly tuning: HistoryTuning = DEFAULT_TUNING,
  ) {
    this.config = config;
    this.snapshots = new Snapshots(deps.latest);
  }

  get isOpen(): boolean {
    return this.writer !== null;
  }

  get ring(): MetricRing {
    return this.deps.ring;
  }

  now(): number {
    return this.deps.clock.wallMs();
  }

  retention(): ReturnType<typeof retentionMs> {
    return retentionMs(this.config);
  }

  setSpecs(collector: string, specs: MetricSpec[]): void {
    this.specs.set(collector, specs);
    this.indexes.set(collector, new SeriesIndex(collector, specs));
    this.fresh.clear();
  }

  spec(collector: string, metric: string): MetricSpec | undefined {
    return this.specs.get(collector)?.find((s) => s.name === metric);
  }

  /** Open the file and start the flush timer (engine start). */
  start(): void {
    this.started = true;
    this.open();
    this.timer ??= setInterval(() => this.tick(), this.tuning.flushEveryMs);
    this.timer.unref();
  }

  private fail(message: string): void {
    this.state = 'error';
    this.lastError = message;
    this.lastErrorAt = this.deps.clock.wallMs();
  }

  private open(): void {
    const { enabled, path } = this.config;
    if (!enabled || !path) {
      this.state = 'off';
      return;
    }
    try {
      this.releaseLock = acquireLock(path);
    } catch (err) {
      this.fail(`history file ${path}: ${errorMessage(err)}`);
      this.deps.log('error', `history: ${this.lastError}; monitoring continues without disk history`);
      this.scheduleRetry();
      return;
    }
    try {
      const opened = openStore(path, (msg) => this.deps.log('warn', `history: ${msg}`));
      if (opened.movedAside) this.movedAside = opened.movedAside;
      this.store = new Store(opened.db, path);
      this.writer = new Writer(this.store, { ...DEFAULT_WRITER_OPTIONS, ...this.tuning });
      this.writer.load();
      this.snapshots.refresh(this.store);
      this.events.attach(this.store);
      this.state = 'ok';
      this.maintain(true);
    } catch (err) {
      this.closeStore();
      this.fail(errorMessage(err));
      this.deps.log('error', `history: ${this.lastError}; monitoring continues without disk history`);
      if (!(err instanceof HistoryOpenError && err.kind === 'newer')) this.scheduleRetry();
    }
  }

  /** Read an existing file without writing anything (CLI `--file`); throws when it cannot. */
  openReadOnly(): void {
    this.store = new Store(openStoreReadOnly(this.config.path), this.config.path);
    this.writer = new Writer(this.store, { ...DEFAULT_WRITER_OPTIONS, ...this.tuning });
    this.writer.load();
    this.readOnly = true;
    this.state = 'ok';
  }

  private scheduleRetry(): void {
    if (this.retry || !this.started) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.started && !this.writer) this.open();
    }, this.tuning.retryOpenMs);
    this.retry.unref();
  }

  /** Feed one collector tick (bus `sample`); cheap: values go to memory. */
  ingest(ev: SampleEvent): void {
    const writer = this.writer;
    if (!writer || ev.data.available === false) return;
    this.indexes.get(ev.plugin)?.each(ev.data, (ref, value) => {
      let s = this.fresh.has(ref.key) ? writer.byKey.get(ref.key) : undefined;
      if (!s) {
        const created = writer.seriesFor(metaFor(ev.plugin, ref.spec, { ...ref.labels }, ref.key));
        if (!created) return;
        s = created;
        this.fresh.add(ref.key);
      }
      s.addRaw(ev.ts, value);
    });
  }

  /** Record an alert or state change; written with the next flush. */
  appendEvent(ev: EventInput): void {
    this.events.append(ev, this.deps.clock.wallMs());
  }

  private tick(): void {
    if (!this.writer) return;
    this.flush();
    if (this.deps.clock.wallMs() - this.lastMaintain >= this.tuning.maintainEveryMs) this.maintain(false);
  }

  /** Write what is new now (tests and shutdown call it directly). */
  flush(all = false): boolean {
    const writer = this.writer;
    const store = this.store;
    if (!writer || !store) return false;
    const now = this.deps.clock.wallMs();
    const snapshots = this.snapshots.due(now);
    try {
      const r = writer.flush(
        now,
        () => {
          this.events.writePending();
          for (const s of snapshots) store.addSnapshot(s.ts, s.source, s.data);
        },
        all,
      );
      this.events.committed();
      this.snapshots.stored(snapshots, now);
      this.lastFlush = { at: now, ...r };
      this.longestFlushMs = Math.max(this.longestFlushMs ?? 0, r.ms);
      if (this.state === 'error') this.deps.log('info', 'history: writing again');
      this.state = 'ok';
      return true;
    } catch (err) {
      if (this.state !== 'error') this.deps.log('error', `history: flush failed: ${errorMessage(err)}; will retry`);
      this.fail(`flush failed: ${errorMessage(err)}`);
      return false;
    }
  }

  /** Retention, size cap and shrinking now (also every maintainEveryMs). */
  maintain(atOpen = false): void {
    if (!this.store || !this.writer) return;
    const now = this.deps.clock.wallMs();
    this.lastMaintain = now;
    try {
      const r = maintain(this.store, this.writer, retentionMs(this.config), this.config.max_size_mb * 1024 * 1024, now);
      this.snapshots.refresh(this.store);
      this.events.refreshCount();
      if (r.overCap && !this.overCap)
        this.deps.log('warn', `history: the last hour alone exceeds history.max_size_mb (${this.config.max_size_mb} MB)`);
      this.overCap = r.overCap;
    } catch (err) {
      this.fail(`${atOpen ? 'startup ' : ''}maintenance failed: ${errorMessage(err)}`);
    }
  }

  /** Apply a reloaded config: reopen when the file or enabled changed, else new retention/cap. */
  reconfigure(config: Config['history']): void {
    const reopen = config.enabled !== this.config.enabled || config.path !== this.config.path;
    const retune = config.max_size_mb !== this.config.max_size_mb || JSON.stringify(config.retention) !== JSON.stringify(this.config.retention);
    if (reopen && this.started) {
      this.close();
      this.config = config;
      this.started = true;
      this.open();
      return;
    }
    this.config = config;
    if (retune && this.writer) this.maintain(false);
  }

  private closeStore(): void {
    try {
      this.store?.close();
    } catch {}
    this.store = null;
    this.writer = null;
    this.events.attach(null);
    this.releaseLock?.();
    this.releaseLock = null;
    this.readOnly = false;
  }

  /** Final flush (every open chunk written, so the log is empty) and close. */
  close(): void {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    this.timer = null;
    this.retry = null;
    if (this.writer && !this.readOnly) this.flush(true);
    this.closeStore();
    if (this.state === 'ok') this.state = 'off';
  }

  status(): HistoryStatus {
    return buildStatus({
      config: this.config,
      state: this.state,
      writer: this.writer,
      store: this.store,
      events: this.events.count,
      snapshots: this.snapshots.count,
      lastFlush: this.lastFlush,
      longestFlushMs: this.longestFlushMs,
      overCap: this.overCap,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      movedAside: this.movedAside,
    });
  }
}
