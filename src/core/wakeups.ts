import type { Clock } from './clock.js';

/**
 * Early by up to this much still counts as due. A Node timer can fire a little before its
 * monotonic target: its expiry is computed from the event loop's cached millisecond clock,
 * which lags the real one by however long the current loop turn has run.
 */
const SLACK_MS = 2;

/**
 * How long `late` callbacks of a wake-up wait for the others' promises at most: a hung
 * collector (it has its own timeout) must not hold the meta collectors back for long.
 */
export const LATE_WAIT_MS = 500;

type Callback = () => unknown;

/**
 * One timer for many callbacks: everything due at the same moment runs in the same callback.
 * The scheduler plans ticks on a shared grid, and per-runner timers would still fire a few
 * milliseconds apart (each expiry is rounded from a different cached clock reading), waking
 * the process once per collector; here they wake it once.
 */
export class Wakeups {
  private readonly due = new Map<number, Set<Callback>>();
  /** Callbacks that run after the others of their wake-up have settled (meta collectors). */
  private readonly late = new Set<Callback>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /**
   * Run `fn` at monotonic ms `when` (at once if past); returns a cancel function. A `late`
   * callback of a wake-up runs once the promises returned by the others of that wake-up have
   * settled (at most LATE_WAIT_MS): the headroom signal is then computed from the samples of
   * the same moment, not the ones a second older.
   */
  at(when: number, fn: Callback, late = false): () => void {
    if (late) this.late.add(fn);
    let set = this.due.get(when);
    if (!set) {
      set = new Set();
      this.due.set(when, set);
    }
    set.add(fn);
    if (when < this.timerAt) this.arm();
    return () => {
      this.late.delete(fn);
      const s = this.due.get(when);
      if (!s?.delete(fn)) return;
      if (s.size === 0) this.due.delete(when);
      // Nothing left: drop the timer, which would otherwise keep a stopped process alive.
      // Otherwise it may now be early for what is left; fire() re-arms for the rest.
      if (this.due.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
      }
    };
  }

  /** Pending callbacks (tests, self-monitoring). */
  get size(): number {
    let n = 0;
    for (const s of this.due.values()) n += s.size;
    return n;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.due.keys()) if (t < next) next = t;
    this.timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.clock.monotonicMs()));
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.monotonicMs();
    const run: Callback[] = [];
    const after: Callback[] = [];
    // Oldest first, so callbacks run in the order they fell due.
    const times = [...this.due.keys()].filter((t) => t <= now + SLACK_MS).sort((a, b) => a - b);
    for (const t of times) {
      for (const fn of this.due.get(t)!) (this.late.has(fn) ? after : run).push(fn);
      this.due.delete(t);
    }
    const pending: Promise<unknown>[] = [];
    for (const fn of run) {
      const r = fn();
      if (r instanceof Promise) pending.push(r);
    }
    if (this.timer === null) this.arm();
    if (after.length === 0) return;
    // Still wanted when they run: a runner stopped meanwhile has cancelled (deleted) its callback.
    const runLate = () => {
      for (const fn of after) if (this.late.delete(fn)) fn();
    };
    if (pending.length === 0) {
      runLate();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => {
      timer = setTimeout(r, LATE_WAIT_MS);
    });
    void Promise.race([Promise.allSettled(pending), limit]).then(() => {
      clearTimeout(timer);
      runLate();
    });
  }
}
