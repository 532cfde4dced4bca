import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../core/engine.js';
import { headroomNow } from '../../headroom/live.js';
import { drillRequestOf, HeadroomPayload, HeadroomQuery } from '../../shared/protocol-headroom.js';
import { ErrorResponse } from '../../shared/protocol.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

/** GET /api/headroom: the signal evaluated now, optionally for a named or ad-hoc drill. */
export function registerHeadroomRoutes(app: FastifyInstance, engine: Engine): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/headroom',
    {
      schema: {
        summary: 'GO / EASE_IN / HOLD now, with reason, overrides, causes and the projection per resource',
        description:
          'Evaluated from the latest payloads at request time. `drill=NAME` uses a profile from `drills:`; ' +
          '`ram_delta_pct`, `cpu_spike_pct`, `gpu_vram_delta_pct`, `ram_delta_gb`, `gpu_vram_delta_gb`, `gpu` set ' +
          'the cost of the next job ad hoc (each overrides the profile and the `drill_cost` default). ' +
          'An unknown drill is a 400 naming the known ones.',
        tags: ['headroom'],
        querystring: HeadroomQuery,
        response: { 200: HeadroomPayload, ...errors },
      },
    },
    async (req) => headroomNow(engine, drillRequestOf(req.query)),
  );
}
