import type { AnyCollector, Payload } from './collector.js';
import type { Config } from './config/schema.js';
import { Runner, type RunnerDeps, type RunnerStatus } from './runner.js';
import { Wakeups } from './wakeups.js';

/**
 * Owns one Runner per active collector. It can be paused as a whole (`enabled: false` from
 * `/api/configure`), re-tuned per collector, and have its collector set replaced on reload
 * while the cache and bus (and so WebSocket clients) stay.
 */
export class Scheduler {
  private runners = new Map<string, Runner>();
  private enabled = true;
  private started = false;

  /** Monotonic ms of start(): the origin of every runner's tick grid. */
  private originMs = 0;

  private readonly wakeups: Wakeups;

  constructor(private deps: RunnerDeps) {
    this.wakeups = new Wakeups(deps.clock);
    this.deps = {
      ...deps,
      statusOfAll: () => this.status(),
      origin: () => this.originMs,
      wakeAt: (when, fn, late) => this.wakeups.at(when, fn, late),
    };
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  names(): string[] {
    return [...this.runners.keys()];
  }

  has(name: string): boolean {
    return this.runners.has(name);
  }

  /** Replace every runner with fresh ones (reload): old ones are stopped and closed first. */
  async replaceAll(defs: AnyCollector[], config: Config): Promise<void> {
    const old = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(old.map((r) => r.stop()));
    this.deps = { ...this.deps, config };
    for (const def of defs) this.add(def);
    this.deps.cache.retain(new Set(this.runners.keys()));
  }

  /** Start one more collector (runtime enable); no-op if it already runs. */
  add(def: AnyCollector): void {
    if (this.runners.has(def.name)) return;
    const runner = new Runner(def, this.deps);
    this.runners.set(def.name, runner);
    if (this.started && this.enabled) runner.start();
  }

  /** Stop and forget one collector (runtime disable). */
  async remove(name: string): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    this.runners.delete(name);
    this.deps.cache.delete(name);
    await runner.stop();
  }

  start(): void {
    this.started = true;
    this.originMs = this.deps.clock.monotonicMs();
    if (!this.enabled) return;
    for (const r of this.runners.values()) r.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /** Pause or resume all collection without forgetting any collector's state. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    if (!this.started) return;
    for (const r of this.runners.values()) {
      if (enabled) r.start();
      else r.pause();
    }
  }

  setInterval(name: string, seconds: number): void {
    this.runners.get(name)?.setInterval(seconds);
  }

  /**
   * One collection pass outside the timers (`headroom snapshot`, tests): system collectors
   * in parallel, then meta collectors, which read what the first group produced.
   */
  async runOnce(): Promise<Map<string, Payload>> {
    const out = new Map<string, Payload>();
    const all = [...this.runners.values()];
    const run = async (rs: Runner[]) => {
      const results = await Promise.all(rs.map((r) => r.runOnce()));
      rs.forEach((r, i) => {
        out.set(r.def.name, results[i]!);
      });
    };
    await run(all.filter((r) => !r.def.meta));
    await run(all.filter((r) => r.def.meta));
    return out;
  }

  /** Run the once-collectors (interval 0) now; `start()` then leaves those that succeeded alone. */
  async runOnceCollectors(): Promise<void> {
    await Promise.all([...this.runners.values()].filter((r) => r.intervalS === 0).map((r) => r.runOnce()));
  }

  status(): Record<string, RunnerStatus> {
    const out: Record<string, RunnerStatus> = {};
    for (const [name, r] of this.runners) out[name] = r.status();
    return out;
  }
}
