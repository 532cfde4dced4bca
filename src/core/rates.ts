/**
 * The one counter → rate tracker (DESIGN rule 4). Every collector turns kernel counters into
 * per-second rates here, over monotonic time:
 *  - null on the first sample of a key (no fake zeros);
 *  - null when the counter went backwards (reset, wrap, device re-plugged) — the new value
 *    becomes the baseline, so the next sample is a real rate again;
 *  - null when no time has passed;
 *  - float division, no caps.
 */
export class RateTracker {
  // Entries are updated in place: a process table updates thousands of them a second.
  private last = new Map<string, { value: number; atMs: number; pass: number }>();
  private pass = 0;

  /** Per-second rate of `value` since the previous call with the same key. */
  rate(key: string, value: number, nowMs: number): number | null {
    if (!this.step(key, value, nowMs) || this.stepElapsedMs <= 0) return null;
    return this.stepDelta / (this.stepElapsedMs / 1000);
  }

  /** Raw delta and elapsed time since the previous call with the same key (null rules as above). */
  delta(key: string, value: number, nowMs: number): { delta: number; elapsedMs: number } | null {
    return this.step(key, value, nowMs) ? { delta: this.stepDelta, elapsedMs: this.stepElapsedMs } : null;
  }

  // The last step's figures, in fields rather than a returned object: rate() runs thousands of
  // times a second with a large process table.
  private stepDelta = 0;
  private stepElapsedMs = 0;

  /**
   * Record `value` at `nowMs` for `key`; true when there was a previous value and the counter did
   * not go back (reset or wrap) nor time run backwards: stepDelta / stepElapsedMs then hold it.
   */
  private step(key: string, value: number, nowMs: number): boolean {
    const prev = this.last.get(key);
    if (!Number.isFinite(value)) return false;
    if (!prev) {
      this.last.set(key, { value, atMs: nowMs, pass: this.pass });
      return false;
    }
    const delta = value - prev.value;
    const elapsedMs = nowMs - prev.atMs;
    prev.value = value;
    prev.atMs = nowMs;
    prev.pass = this.pass;
    if (delta < 0 || elapsedMs < 0) return false;
    this.stepDelta = delta;
    this.stepElapsedMs = elapsedMs;
    return true;
  }

  /** Forget keys not seen in the latest pass (interfaces, disks, pids that went away). */
  retainOnly(keys: Set<string>): void {
    for (const k of this.last.keys()) if (!keys.has(k)) this.last.delete(k);
  }

  /** Keep a key's baseline through the next sweep() without a new value (a sample not re-read). */
  keep(key: string): void {
    const e = this.last.get(key);
    if (e) e.pass = this.pass;
  }

  /**
   * Forget every key not fed (rate, delta) or kept since the previous sweep: retainOnly for
   * callers with too many keys to gather into a Set each pass (a process table).
   */
  sweep(): void {
    for (const [k, e] of this.last) if (e.pass !== this.pass) this.last.delete(k);
    this.pass++;
  }

  has(key: string): boolean {
    return this.last.has(key);
  }

  clear(): void {
    this.last.clear();
  }
}
