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
  private last = new Map<string, { value: number; atMs: number }>();

  /** Per-second rate of `value` since the previous call with the same key. */
  rate(key: string, value: number, nowMs: number): number | null {
    const d = this.delta(key, value, nowMs);
    if (d === null || d.elapsedMs <= 0) return null;
    return d.delta / (d.elapsedMs / 1000);
  }

  /** Raw delta and elapsed time since the previous call with the same key (null rules as above). */
  delta(key: string, value: number, nowMs: number): { delta: number; elapsedMs: number } | null {
    const prev = this.last.get(key);
    if (!Number.isFinite(value)) return null;
    this.last.set(key, { value, atMs: nowMs });
    if (!prev) return null;
    const delta = value - prev.value;
    const elapsedMs = nowMs - prev.atMs;
    if (delta < 0 || elapsedMs < 0) return null;
    return { delta, elapsedMs };
  }

  /** Forget keys not seen in the latest pass (interfaces, disks, pids that went away). */
  retainOnly(keys: Set<string>): void {
    for (const k of this.last.keys()) if (!keys.has(k)) this.last.delete(k);
  }

  has(key: string): boolean {
    return this.last.has(key);
  }

  clear(): void {
    this.last.clear();
  }
}
