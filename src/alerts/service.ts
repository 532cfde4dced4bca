import type { AnyCollector, Payload } from '../core/collector.js';
import type { Config } from '../core/config/schema.js';
import type { Payloads } from '../headroom/inputs.js';
import type { HeadroomPayload } from '../shared/protocol-headroom.js';
import { evaluateAlerts } from './evaluate.js';
import { evaluateHeadroomEvents, type HeadroomEventState, initialHeadroomEventState } from './headroom-events.js';
import { type BuiltRule, buildRules, sampleRules } from './rules.js';
import type { AlertEvent, AlertState } from './types.js';

export interface AlertDeps {
  config(): Config;
  collectors(): readonly AnyCollector[];
  /** Latest payload of each running collector. */
  latest(): Payloads;
  now(): number;
  /** Where events go: the events log, the WebSocket and the notifiers. */
  publish(ev: AlertEvent): void;
}

/**
 * Runs the pure evaluations as samples arrive: threshold rules fed by the collector that just
 * reported, and headroom transitions on each headroom tick. Keeps the state between ticks
 * (rebuilt rules keep the state of the ids that remain, so a reload does not re-fire alerts).
 */
export class AlertService {
  private rules: BuiltRule[] = [];
  private state: AlertState = {};
  private headroom: HeadroomEventState = initialHeadroomEventState();

  constructor(private readonly deps: AlertDeps) {
    this.rebuild();
  }

  rebuild(): void {
    this.rules = buildRules(this.deps.config(), this.deps.collectors());
    const ids = new Set(this.rules.map((r) => r.id));
    this.state = Object.fromEntries(Object.entries(this.state).filter(([id]) => ids.has(id)));
  }

  /** A collector finished a tick. */
  onSample(plugin: string, data: Payload): void {
    const config = this.deps.config();
    const now = this.deps.now();
    const mine = this.rules.filter((r) => r.source === plugin);
    if (mine.length > 0) {
      const samples = sampleRules(mine, this.deps.latest(), config);
      const out = evaluateAlerts(mine, samples, this.state, now, config.alerts.rate_limit_s);
      Object.assign(this.state, out.state);
      for (const ev of out.events) this.deps.publish(ev);
    }
    if (plugin === 'headroom' && data.available !== false && typeof data.state === 'string') {
      const out = evaluateHeadroomEvents(this.headroom, data as unknown as HeadroomPayload, now, config.alerts.rate_limit_s);
      this.headroom = out.state;
      for (const ev of out.events) this.deps.publish(ev);
    }
  }

  status(): { rules: { id: string; source: string; level: string; value: number | null; warn: number; critical: number; direction: string }[] } {
    return {
      rules: this.rules.map((r) => ({
        id: r.id,
        source: r.source,
        direction: r.direction,
        warn: r.warn,
        critical: r.critical,
        level: this.state[r.id]?.level ?? 'ok',
        value: this.state[r.id]?.value ?? null,
      })),
    };
  }
}
