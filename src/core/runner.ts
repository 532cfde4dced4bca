import type { HostFs } from '../host/hostfs.js';
import { ErrorCodes, HeadroomError, errorMessage } from '../shared/errors.js';
import type { Bus } from './bus.js';
import type { Clock } from './clock.js';
import { type AnyCollector, type CollectorContext, defaultTimeoutS, type Payload } from './collector.js';
import type { Config } from './config/schema.js';
import type { LatestCache } from './latest.js';
import { RateTracker } from './rates.js';

/** Longest pause between retries of a failing collector, whatever its interval. */
export const MAX_BACKOFF_S = 60;

export type Logger = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface RunnerDeps {
  fs: HostFs;
  clock: Clock;
  cache: LatestCache;
  bus: Bus;
  config: Config;
  log: Logger;
  /** Status of all runners, for collectors that report on the others (self_monitor). */
  statusOfAll?: () => Record<string, RunnerStatus>;
  /**
   * Monotonic ms every runner's ticks are planned from (the scheduler's start): ticks fall on
   * origin + k × interval, so collectors whose intervals divide each other wake together.
   */
  origin?: () => number;
  /** A shared timer (Wakeups.at): runners due at the same moment run in one callback. */
  wakeAt?: (whenMono: number, fn: () => unknown, late?: boolean) => () => void;
}

/** Runtime state of one collector, as `/api/status` shows it. */
export interface RunnerStatus {
  interval: number;
  timeout: number;
  last_run: string | null;
  last_duration_ms: number | null;
  errors: number;
  consecutive_errors: number;
  last_error: string | null;
  last_error_at: string | null;
  available: boolean | null;
  backoff_s: number;
  running: boolean;
}

/**
 * Runs one collector on its own timer: per-tick timeout, isolation, exponential backoff.
 * A tick that throws, rejects or overruns its timeout publishes `{available:false, error}` and
 * the next tick is pushed back (interval × 2^failures, capped); one success resets it. A
 * collector still stuck in a previous call is not called again (calls would pile up) — that tick
 * fails with a clear message instead. Runners share nothing but the cache and bus, so a slow
 * or hung collector never delays the others.
 */
export class Runner {
  readonly def: AnyCollector;
  intervalS: number;
  readonly timeoutS: number;
  private readonly rates = new RateTracker();
  private readonly state: Record<string, unknown> = {};
  private previous: Payload | null = null;
  /** Cancels the planned tick. */
  private timer: (() => void) | null = null;
  private plannedAtMono: number | null = null;
  private inFlight: Promise<unknown> | null = null;
  private inFlightAbort: LazyAbort | null = null;
  private lastStartMono: number | null = null;
  private running = false;
  private stopped = false;
  private lastRunWall: number | null = null;
  private lastDurationMs: number | null = null;
  private errors = 0;
  private consecutive = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private lastAvailable: boolean | null = null;

  constructor(
    def: AnyCollector,
    private deps: RunnerDeps,
  ) {
    this.def = def;
    const override = deps.config.collectors[def.name];
    this.intervalS = override?.interval ?? def.interval;
    this.timeoutS = override?.timeout ?? defaultTimeoutS(def);
  }

  /** Begin ticking: the first tick runs now. */
  start(): void {
    this.stopped = false;
    this.running = true;
    // A once-collector that already succeeded (run ahead of start) has nothing more to do.
    if (this.intervalS === 0 && this.lastRunWall !== null && this.consecutive === 0) return;
    this.scheduleIn(0);
  }

  /** Stop ticking but keep state (the whole scheduler was disabled). */
  pause(): void {
    this.running = false;
    this.timer?.();
    this.timer = null;
  }

  /** Stop for good: abort a tick in flight and let the collector release what it holds. */
  async stop(): Promise<void> {
    this.pause();
    this.stopped = true;
    this.inFlightAbort?.abort(new HeadroomError(ErrorCodes.COLLECTOR, 'collector stopped'));
    if (this.def.close) {
      try {
        await this.def.close(this.context(new LazyAbort()));
      } catch (err) {
        this.deps.log('warn', `collector ${this.def.name}: close failed: ${errorMessage(err)}`);
      }
    }
  }

  /** Change the interval; the next tick is re-planned from the last start. */
  setInterval(seconds: number): void {
    this.intervalS = seconds;
    if (!this.running || this.inFlight || this.lastStartMono === null) return;
    const now = this.deps.clock.monotonicMs();
    const target = this.nextAfter(this.lastStartMono);
    // Keep an earlier tick already planned (e.g. the immediate one after a resume).
    if (this.timer && this.plannedAtMono !== null && this.plannedAtMono <= target) return;
    this.scheduleIn(Math.max(0, target - now));
  }

  /** Run one tick now, outside the timer (snapshot, tests). Resolves when the tick is settled. */
  async runOnce(): Promise<Payload> {
    return this.tick();
  }

  status(): RunnerStatus {
    return {
      interval: this.intervalS,
      timeout: this.timeoutS,
      last_run: this.lastRunWall === null ? null : new Date(this.lastRunWall).toISOString(),
      last_duration_ms: this.lastDurationMs === null ? null : Math.round(this.lastDurationMs * 100) / 100,
      errors: this.errors,
      consecutive_errors: this.consecutive,
      last_error: this.lastError,
      last_error_at: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      available: this.lastAvailable,
      backoff_s: this.consecutive > 0 ? this.nextDelayS() : 0,
      running: this.running,
    };
  }

  /** Seconds until the next tick: the interval, or the backoff after failures. */
  private nextDelayS(): number {
    const base = this.intervalS > 0 ? this.intervalS : 1;
    if (this.consecutive === 0) return base;
    return Math.min(base * 2 ** Math.min(this.consecutive, 16), Math.max(base, MAX_BACKOFF_S));
  }

  private scheduleIn(ms: number): void {
    this.timer?.();
    const at = this.deps.clock.monotonicMs() + ms;
    this.plannedAtMono = at;
    const fire = () => {
      this.timer = null;
      this.plannedAtMono = null;
      return this.tick().then(() => this.planNext());
    };
    if (this.deps.wakeAt) this.timer = this.deps.wakeAt(at, fire, this.def.meta === true);
    else {
      const t = setTimeout(fire, ms);
      this.timer = () => clearTimeout(t);
    }
  }

  private planNext(): void {
    if (!this.running || this.stopped) return;
    // A once-collector (interval 0) stops after its first success; failures retry with backoff.
    if (this.intervalS === 0 && this.consecutive === 0) return;
    const now = this.deps.clock.monotonicMs();
    this.scheduleIn(Math.max(0, this.nextAfter(this.lastStartMono ?? now) - now));
  }

  /**
   * When the tick after one that started at `start` is due. While failing: after the backoff.
   * Otherwise the first point of the grid origin + k × interval at least half an interval after
   * `start`: collectors at 1, 2 and 5 s then share one wake-up (and their WebSocket messages one
   * write) instead of each waking the process on its own, a few milliseconds apart. The half
   * interval keeps a timer that fired a little early (timers run on a cached millisecond clock)
   * from being due again at once.
   */
  private nextAfter(start: number): number {
    const stepMs = this.nextDelayS() * 1000;
    if (this.consecutive > 0 || !this.deps.origin) return start + stepMs;
    const origin = this.deps.origin();
    return origin + Math.ceil((start + stepMs / 2 - origin) / stepMs) * stepMs;
  }

  private readonly latest = (name: string) => this.deps.cache.get(name)?.data;
  private readonly collectorStatus = () => this.deps.statusOfAll?.() ?? { [this.def.name]: this.status() };

  private context(abort: LazyAbort): CollectorContext {
    const { config, fs, clock } = this.deps;
    return {
      name: this.def.name,
      config,
      options: config.collectors[this.def.name] ?? {},
      fs,
      clock,
      rates: this.rates,
      state: this.state,
      previous: this.previous,
      get signal() {
        return abort.signal;
      },
      latest: this.latest,
      collectorStatus: this.collectorStatus,
    };
  }

  private async tick(): Promise<Payload> {
    const { clock } = this.deps;
    const start = clock.monotonicMs();
    this.lastStartMono = start;
    if (this.inFlight) {
      return this.fail(
        new HeadroomError(
          ErrorCodes.TIMEOUT,
          `still running a previous collection (hung for over ${this.timeoutS}s); skipped this tick`,
        ),
        start,
      );
    }
    const abort = new LazyAbort();
    this.inFlightAbort = abort;
    let timer: NodeJS.Timeout | undefined;
    // Promise.resolve().then(): a collect() that throws synchronously becomes a rejection.
    const call = Promise.resolve().then(() => this.def.collect(this.context(abort)));
    const tracked = call.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = tracked;
    void tracked.then(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new HeadroomError(ErrorCodes.TIMEOUT, `timed out after ${this.timeoutS}s`);
        abort.abort(err);
        reject(err);
      }, this.timeoutS * 1000);
    });
    try {
      const data = await Promise.race([call, timeout]);
      if (data === null || typeof data !== 'object' || Array.isArray(data))
        throw new HeadroomError(ErrorCodes.COLLECTOR, 'collect() did not return an object');
      return this.succeed(data as Payload, start);
    } catch (err) {
      return this.fail(err, start);
    } finally {
      clearTimeout(timer);
    }
  }

  private succeed(data: Payload, start: number): Payload {
    if (this.consecutive > 0)
      this.deps.log('info', `collector ${this.def.name}: recovered after ${this.consecutive} failed tick(s)`);
    this.consecutive = 0;
    this.previous = data;
    return this.publish(data, start);
  }

  private fail(err: unknown, start: number): Payload {
    const message = errorMessage(err);
    this.errors++;
    this.consecutive++;
    this.lastError = message;
    this.lastErrorAt = this.deps.clock.wallMs();
    // Log the first failure of a run of failures, not every tick.
    if (this.consecutive === 1) this.deps.log('warn', `collector ${this.def.name}: ${message}`);
    return this.publish({ available: false, error: message }, start);
  }

  private publish(data: Payload, start: number): Payload {
    if (this.stopped) return data;
    const { clock, cache, bus } = this.deps;
    const ts = clock.wallMs();
    this.lastRunWall = ts;
    this.lastDurationMs = clock.monotonicMs() - start;
    this.lastAvailable = data.available !== false;
    cache.set(this.def.name, data, ts);
    bus.emit('sample', { plugin: this.def.name, data, ts });
    return data;
  }
}

/**
 * A tick's AbortController, made only when the collector asks for `ctx.signal` (most never do;
 * making one per tick was a visible share of a tick's cost). Aborted before anyone asked, the
 * signal it then hands out is already aborted, with the reason.
 */
class LazyAbort {
  private controller: AbortController | null = null;
  private aborted = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
