import { defineCollector } from '../core/collector.js';
import { evaluateHeadroom } from '../headroom/evaluate.js';
import { HEADROOM_INPUTS, type Payloads } from '../headroom/inputs.js';
import { metric } from '../shared/metrics.js';
import type { HeadroomPayload } from '../shared/protocol-headroom.js';

/**
 * headroom: the composite GO / EASE_IN / HOLD signal (SPEC §3). A meta collector: it reads the
 * latest payloads of the others and hands them to the pure `evaluateHeadroom`. Only collectors
 * that are running count; a disabled one's last payload must not keep a cause alive.
 */
export const headroomCollector = defineCollector<HeadroomPayload>({
  name: 'headroom',
  description: 'Composite GO / EASE_IN / HOLD signal: can this machine take the next job?',
  interval: 2,
  meta: true,
  metrics: [
    metric('state_level', 'state_level', 'count', 'gauge', 'headroom state: 0 GO, 1 EASE_IN, 2 HOLD'),
    metric('cause_count', 'cause_count', 'count', 'gauge', 'active HOLD and EASE_IN causes'),
    metric('ram_headroom_pct', 'headroom.ram', 'percent', 'gauge', 'RAM margin left after the next job (critical − projected)', 1),
    metric('cpu_headroom_pct', 'headroom.cpu', 'percent', 'gauge', 'CPU margin left after the next job (critical − projected)', 1),
    metric('gpu_vram_headroom_pct', 'headroom.gpu_vram', 'percent', 'gauge', 'VRAM margin left after the next job (critical − projected)', 1),
  ],
  async collect(ctx) {
    const running = ctx.collectorStatus();
    const payloads: Record<string, Payloads[string]> = {};
    for (const name of HEADROOM_INPUTS) if (name in running) payloads[name] = ctx.latest(name);
    return evaluateHeadroom(payloads, ctx.config);
  },
});
