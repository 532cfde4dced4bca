import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../core/engine.js';
import { ErrorResponse } from '../../shared/protocol.js';
import {
  type IdleResponse,
  IdleResponse as IdleResponseSchema,
  type Recommendation,
  RecommendationsQuery,
  type RecommendationsResponse,
  RecommendationsResponse as RecommendationsResponseSchema,
  type ServicesResponse,
  ServicesResponse as ServicesResponseSchema,
} from '../../shared/protocol-services.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };
const RANK = { INFO: 0, WARN: 1, CRITICAL: 2 } as const;

/**
 * `GET /api/services`, `GET /api/idle`, `GET /api/recommendations`: answered from
 * service_monitor's latest payload, never by reading /proc on the request path.
 */
export function registerServiceRoutes(app: FastifyInstance, engine: Engine): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  /** service_monitor's latest payload, or why there is none. */
  const latest = (): { ok: true; data: Record<string, unknown>; ts: string } | { ok: false; reason: string; ts: string | null } => {
    const entry = engine.cache.get('service_monitor');
    const data = entry?.data;
    if (entry && data?.available === true) return { ok: true, data, ts: new Date(entry.ts).toISOString() };
    const reason =
      typeof data?.error === 'string'
        ? `service_monitor failed: ${data.error}`
        : typeof data?.reason === 'string'
          ? data.reason
          : entry
            ? 'service_monitor has no data'
            : 'service_monitor is not running (enable it with plugins: {service_monitor: true})';
    return { ok: false, reason, ts: entry ? new Date(entry.ts).toISOString() : null };
  };

  r.get(
    '/api/services',
    {
      schema: {
        summary: 'Services (configured and auto-detected) with their figures, the idle analysis and the recommendations',
        tags: ['services'],
        response: { 200: ServicesResponseSchema, ...errors },
      },
    },
    async (): Promise<ServicesResponse> => {
      const l = latest();
      if (!l.ok) return { available: false, reason: l.reason, ts: l.ts, services: [], idle: null, recommendations: [], processes_source: null, ports: null };
      const d = l.data as unknown as Omit<ServicesResponse, 'available' | 'ts'>;
      return {
        available: true,
        ts: l.ts,
        services: d.services,
        idle: d.idle,
        recommendations: d.recommendations,
        processes_source: d.processes_source,
        ports: d.ports,
      };
    },
  );

  r.get(
    '/api/idle',
    {
      schema: {
        summary: 'Idle analysis: state, current stretch, idle time and energy today, consumers while idle, and the recommendations',
        tags: ['services'],
        response: { 200: IdleResponseSchema, ...errors },
      },
    },
    async (): Promise<IdleResponse> => {
      const l = latest();
      if (!l.ok) return { available: false, reason: l.reason, ts: l.ts, idle: null, recommendations: [] };
      const d = l.data as unknown as IdleResponse;
      return { available: true, ts: l.ts, idle: d.idle, recommendations: d.recommendations };
    },
  );

  r.get(
    '/api/recommendations',
    {
      schema: {
        summary: 'Recommendations, most severe first; min_severity and service filter them',
        tags: ['services'],
        querystring: RecommendationsQuery,
        response: { 200: RecommendationsResponseSchema, ...errors },
      },
    },
    async (req): Promise<RecommendationsResponse> => {
      const l = latest();
      if (!l.ok) return { available: false, reason: l.reason, ts: l.ts, recommendations: [] };
      const all = (l.data.recommendations ?? []) as Recommendation[];
      const min = RANK[req.query.min_severity ?? 'INFO'];
      const kept = all.filter((x) => RANK[x.severity] >= min && (req.query.service === undefined || x.service === req.query.service));
      return { available: true, ts: l.ts, recommendations: kept };
    },
  );
}
