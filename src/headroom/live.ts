import type { Engine } from '../core/engine.js';
import type { DrillRequest, HeadroomPayload } from '../shared/protocol-headroom.js';
import { resolveDrill } from './drills.js';
import { evaluateHeadroom } from './evaluate.js';
import { HEADROOM_INPUTS, type Payloads } from './inputs.js';

/** The latest payloads of the running headroom inputs (a stopped collector's old payload is ignored). */
export function headroomInputs(engine: Engine): Payloads {
  const running = new Set(engine.scheduler.names());
  const out: Record<string, Payloads[string]> = {};
  for (const name of HEADROOM_INPUTS) if (running.has(name)) out[name] = engine.cache.get(name)?.data;
  return out;
}

/**
 * Evaluate now, from the latest payloads, for an optional drill. Used by `GET /api/headroom` and
 * `headroom check --local`; throws a 400-mapped HeadroomError for an unknown drill.
 */
export function headroomNow(engine: Engine, req: DrillRequest = {}): HeadroomPayload {
  return evaluateHeadroom(headroomInputs(engine), engine.config, resolveDrill(engine.config, req));
}
