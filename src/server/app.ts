import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Engine } from '../core/engine.js';
import { VERSION } from '../shared/version.js';
import { errorHandler, sendError } from './errors.js';
import { installGuard, type RouteSecurity } from './guard.js';
import { registerCoreRoutes } from './routes/core.js';
import { registerHeadroomRoutes } from './routes/headroom.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerHistoryRoutes } from './routes/history.js';
import { registerProcessRoutes } from './routes/processes.js';
import { registerServiceRoutes } from './routes/services.js';
import { WsHub } from './ws.js';
import { ErrorCodes } from '../shared/errors.js';

export interface AppDeps {
  engine: Engine;
  /** The address the server binds (for the Host allow-list); default 127.0.0.1. */
  bindHost?: string;
  /** Served over TLS (affects the expected Origin scheme). */
  secure?: boolean;
  logger?: FastifyServerOptions['logger'];
  https?: { cert: Buffer; key: Buffer } | null;
  /** WebSocket keep-alive ping interval (tests shorten it). */
  pingIntervalMs?: number;
  /** The built dashboard's directory; default: found beside the server (null = not built). */
  dashboardDir?: string | null;
}

export interface HeadroomApp {
  app: FastifyInstance;
  hub: WsHub;
}

const WS_MAX_PAYLOAD = 64 * 1024;

/**
 * Build the HTTP server around an Engine (DESIGN rule 8): everything it needs comes in `deps`,
 * so tests drive it in-process with `app.inject()`.
 */
export async function createApp(deps: AppDeps): Promise<HeadroomApp> {
  const { engine } = deps;
  const config = engine.config;
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.server.body_limit_kb * 1024,
    ...(deps.https ? { https: deps.https } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // The reverse of permissive: requests carry no credentials cookies and we send no CORS headers.
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  // Response schemas stay for the OpenAPI document, but replies are serialised with
  // JSON.stringify: compiling a fast-json-stringify serialiser for every route's schema took a
  // quarter of a second at startup (SPEC: first /api 200 within 1 s of exec), and the big
  // bodies (/api, WebSocket payloads) are already serialised once and reused.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.url.split('?')[0]}; see /docs`),
  );
  // Registered before the guard: its own onRequest hook must mark an upgrade first, so that a
  // refused upgrade (bad Origin, Host or token) still has its raw socket destroyed afterwards.
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  installGuard(app, {
    getConfig: () => engine.config,
    bindHost: deps.bindHost ?? config.server.host,
    secure: Boolean(deps.https),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'headroom',
        version: VERSION,
        description:
          'Can this machine take the next job? Local system and workload monitor API.\n\n' +
          'Live data: WebSocket `GET /ws` (OpenAPI cannot describe it). On connect the server sends ' +
          '`{type:"hello"}` and the latest `{plugin, data, ts}` of every collector (ts = epoch ms), then each new ' +
          'sample. Send `{"subscribe":[names]}` / `{"unsubscribe":[names]}` to filter (`"*"` = all), ' +
          '`{"type":"ping"}` for a `{type:"pong"}`. Tokens: `Authorization: Bearer` or `?token=`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { validatorUrl: null, deepLinking: true },
    staticCSP: true,
  });

  const hub = new WsHub(engine, deps.pingIntervalMs);
  app.addHook('onClose', async () => hub.close());

  registerCoreRoutes(app, engine);
  registerHeadroomRoutes(app, engine);
  registerHistoryRoutes(app, engine);
  registerProcessRoutes(app, engine);
  registerServiceRoutes(app, engine);

  const wsRoute: RouteSecurity = { scope: 'read', websocket: true };
  app.get(
    '/ws',
    {
      websocket: true,
      config: wsRoute,
      schema: {
        summary:
          'WebSocket: replay of the latest payloads, then live {plugin, data, ts}; send {"subscribe":[…]} / {"unsubscribe":[…]}',
        tags: ['live'],
      },
    },
    (socket) => hub.accept(socket),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await registerDashboard(app, deps.dashboardDir);

  return { app, hub };
}
