import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../core/engine.js';
import {
  type ApiSnapshot as ApiSnapshotType,
  ApiSnapshot,
  ConfigureRequest,
  ErrorResponse,
  InfoResponse,
  ReloadResponse,
  StatusResponse,
} from '../../shared/protocol.js';
import { VERSION } from '../../shared/version.js';
import type { RouteSecurity } from '../guard.js';

const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };
const admin: RouteSecurity = { scope: 'admin', stateChanging: true };

/** The foundation routes: snapshot, identity, status, runtime tuning and reload. */
export function registerCoreRoutes(app: FastifyInstance, engine: Engine): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // Everything of the /api body after `ts`, rebuilt only when some collector published since:
  // a poller then costs a string concatenation, not a serialisation of every payload. The
  // payloads' JSON text is shared with the WebSocket (Engine.briefJson).
  let tail = { version: -1, text: '' };
  const snapshotTail = (): string => {
    if (tail.version === engine.cache.version) return tail.text;
    const version = engine.cache.version;
    const metrics: string[] = [];
    let headroom = 'null';
    for (const [name, entry] of engine.cache.all()) {
      const json = engine.briefJson(name, entry.data);
      metrics.push(`${JSON.stringify(name)}:${json}`);
      if (name === 'headroom') headroom = json;
    }
    tail = { version, text: `"system":${JSON.stringify(engine.system())},"headroom":${headroom},"metrics":{${metrics.join(',')}}}` };
    return tail.text;
  };

  r.get(
    '/api',
    {
      schema: {
        summary: 'Full snapshot: system identity, headroom and the latest payload of every collector',
        tags: ['snapshot'],
        response: { 200: ApiSnapshot, ...errors },
      },
    },
    async (_req, reply) => {
      // The ApiSnapshot schema above documents this body; a string is sent as it is.
      reply.type('application/json; charset=utf-8');
      return `{"ts":"${new Date(engine.clock.wallMs()).toISOString()}",${snapshotTail()}` as unknown as ApiSnapshotType;
    },
  );

  r.get(
    '/info',
    {
      schema: {
        summary: 'Hostname, OS, kernel and architecture',
        tags: ['snapshot'],
        response: { 200: InfoResponse, ...errors },
      },
    },
    async () => {
      const host = engine.cache.get('host')?.data;
      const bootTime = typeof host?.boot_time === 'string' ? host.boot_time : null;
      return {
        ...engine.system(),
        version: VERSION,
        boot_time: bootTime,
        uptime_s: bootTime === null ? null : Math.round((engine.clock.wallMs() - Date.parse(bootTime)) / 1000),
      };
    },
  );

  r.get(
    '/api/status',
    {
      schema: {
        summary: 'Collector runtime state and tuning',
        tags: ['runtime'],
        response: { 200: StatusResponse, ...errors },
      },
    },
    async () => engine.status(),
  );

  r.post(
    '/api/configure',
    {
      config: admin,
      schema: {
        summary: 'Tune collection at runtime (admin scope): enabled, interval, intervals, history_size, plugins',
        tags: ['runtime'],
        body: ConfigureRequest,
        response: { 200: StatusResponse, ...errors },
      },
    },
    async (req) => engine.configure(req.body),
  );

  for (const method of ['GET', 'POST'] as const) {
    r.route({
      method,
      url: '/reload',
      config: admin,
      schema: {
        summary: 'Re-read the config and restart collectors, keeping WebSocket clients (admin scope)',
        tags: ['runtime'],
        response: { 200: ReloadResponse, ...errors },
      },
      handler: async () => engine.reload(),
    });
  }
}
