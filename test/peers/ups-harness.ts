import { systemClock } from '../../src/core/clock.js';
import { type UpsPayload, upsMonitor } from '../../src/collectors/ups.js';
import { extractMetric } from '../../src/shared/metrics.js';
import { fixtureHost, makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';

/** A ups_monitor context on the real clock, configured by `ups:` keys, and polling helpers. */
export function upsPoller(ups: Record<string, unknown>) {
  const { ctx } = makeCollectorContext<Record<string, unknown>>(fixtureHost('debian12-vm-2c'), { name: 'ups_monitor', clock: systemClock });
  ctx.config = defaultConfig({ ups: { timeout_ms: 1000, ...ups } });
  const poll = () => upsMonitor.collect(ctx as never) as Promise<UpsPayload>;
  /** Poll every 200 ms until `pred` holds; the last payload is in the error when it never does. */
  const until = async (what: string, pred: (p: UpsPayload) => boolean, timeoutMs = 20_000): Promise<UpsPayload> => {
    const end = Date.now() + timeoutMs;
    let last: UpsPayload | undefined;
    while (Date.now() < end) {
      last = await poll();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`never saw ${what}; last payload: ${JSON.stringify(last)}`);
  };
  return { ctx, poll, until };
}

/** Declared metrics of ups_monitor that find no number in `payload`. */
export function metricsWithoutNumber(payload: UpsPayload): string[] {
  return upsMonitor.metrics.filter((m) => extractMetric(payload, m.path).length === 0).map((m) => m.name);
}
