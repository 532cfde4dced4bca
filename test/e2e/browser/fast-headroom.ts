import { headroomCollector } from '../../../src/collectors/headroom.js';
import type { AnyCollector } from '../../../src/core/collector.js';

/** The real `headroom` collector ticking faster than its 2 s, so browser tests see changes sooner. */
export function fastHeadroom(interval = 0.5): AnyCollector {
  return { ...headroomCollector, interval };
}
