import { systemClock } from '../../src/core/clock.js';
import type { CollectorContext, CollectorRuntime, Payload } from '../../src/core/collector.js';
import type { Config } from '../../src/core/config/schema.js';
import { RateTracker } from '../../src/core/rates.js';
import type { HostFs } from '../../src/host/hostfs.js';

/** A healthy runtime entry, for collectors that read collectorStatus() (self, services, ram). */
export const healthyRuntime = (): CollectorRuntime => ({
  interval: 2,
  last_run: new Date().toISOString(),
  last_duration_ms: 1,
  errors: 0,
  last_error: null,
  available: true,
});

/**
 * A collector context on the real clock for the benches that call collect() directly: a fresh
 * RateTracker and state, `latest` for the collectors it reads, and `running` collectors reported
 * healthy by collectorStatus().
 */
export function benchContext(
  name: string,
  config: Config,
  fs: HostFs,
  latest: (n: string) => Payload | undefined = () => undefined,
  running: string[] = [],
): CollectorContext {
  return {
    name,
    config,
    options: {},
    fs,
    clock: systemClock,
    rates: new RateTracker(),
    state: {},
    previous: null,
    signal: new AbortController().signal,
    latest,
    collectorStatus: () => Object.fromEntries(running.map((r) => [r, healthyRuntime()])),
  };
}
