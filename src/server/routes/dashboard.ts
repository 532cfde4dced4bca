import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteSecurity } from '../guard.js';

/**
 * The page's Content-Security-Policy: everything from this origin only, no inline script or
 * style, no framing. The dashboard is built to need nothing else (SPEC §12: the reference
 * loaded Chart.js from a CDN and showed empty panels offline).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where the built dashboard is: `dist/web` beside the compiled server (`dist/server/routes` →
 * `dist/web`), or, when the server runs from `src/` (tests, `npm run dev`), the build output of
 * the checkout. Null when it has not been built.
 */
export function findDashboardDir(): string | null {
  const candidates = [new URL('../../web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

const publicRoute: RouteSecurity = { public: true };

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', DASHBOARD_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * Serve the dashboard at `/`: hashed assets (`/assets/*`) are immutable and cached for a year,
 * everything else (index.html, favicons) is revalidated on every load so a new build shows up.
 * Files are public (no token): they hold no data, and the page asks for the token itself.
 */
export async function registerDashboard(app: FastifyInstance, dir: string | null = findDashboardDir()): Promise<void> {
  if (dir === null) {
    app.get('/', { schema: { hide: true }, config: publicRoute }, async (_req, reply) => {
      securityHeaders(reply);
      return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    });
    return;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object | undefined), ...publicRoute } as typeof route.config;
    });
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per built file (no catch-all): unknown paths keep the API's JSON 404.
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      etag: true,
      lastModified: true,
      setHeaders(reply, path) {
        securityHeaders(reply);
        reply.header(
          'cache-control',
          /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  });
}

// Shown when the package was run without a build (a checkout before `npm run build`).
const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>headroom</title></head>
<body><h1>headroom</h1><p>The dashboard has not been built in this checkout: run <code>npm run build</code>.
The API is served as usual: <a href="/api">/api</a>, <a href="/api/status">/api/status</a>,
<a href="/docs">/docs</a>, WebSocket <code>/ws</code>.</p></body></html>`;
