/**
 * Time, injected. Rates and scheduling use the monotonic clock (never jumps with NTP or
 * a changed wall clock); timestamps shown to people use wall time.
 */
export interface Clock {
  /** Monotonic milliseconds, arbitrary origin. */
  monotonicMs(): number;
  /** Wall-clock milliseconds since the Unix epoch. */
  wallMs(): number;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
};

/** A clock the test advances by hand. */
export class ManualClock implements Clock {
  constructor(
    private mono = 0,
    private wall = Date.UTC(2026, 0, 1),
  ) {}
  monotonicMs(): number {
    return this.mono;
  }
  wallMs(): number {
    return this.wall;
  }
  advance(ms: number): void {
    this.mono += ms;
    this.wall += ms;
  }
}
