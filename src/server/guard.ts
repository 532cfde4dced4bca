import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config/schema.js';
import { ErrorCodes } from '../shared/errors.js';
import { sendError } from './errors.js';
import {
  type Scope,
  allowedHostnames,
  bearerOf,
  checkToken,
  crossSiteReason,
  isHostAllowed,
  isOriginAllowed,
  resolveTokens,
  scopeSatisfies,
} from './security.js';

/** Per-route security settings, set in each route's `config`. */
export interface RouteSecurity {
  /** Scope needed when tokens are configured. Default read. */
  scope?: Scope;
  /** Refuse cross-site browser requests (reload, configure). */
  stateChanging?: boolean;
  /** A WebSocket upgrade: the Origin must be ours and `?token=` is accepted. */
  websocket?: boolean;
  /**
   * Served without a token even when tokens are configured: the dashboard's static files (no
   * data in them). A browser cannot send a bearer header when it loads a page, and the page
   * itself asks for the token. The Host allow-list still applies.
   */
  public?: boolean;
}

export interface GuardOptions {
  getConfig: () => Config;
  bindHost: string;
  secure: boolean;
}

/**
 * One onRequest hook for every route and upgrade, in this order: Host allow-list (DNS
 * rebinding), WebSocket Origin (cross-site hijacking), bearer token and scope, then the
 * cross-site rule for state-changing routes. Settings are read from the live config, so a
 * reload that adds a token or an allowed host applies at once.
 */
export function installGuard(app: FastifyInstance, opts: GuardOptions): void {
  // What the checks need from the config, worked out once per config (a reload brings a new
  // object) rather than per request: token digests, the Host allow-list (which for a
  // non-loopback bind lists this machine's addresses: refreshed every minute).
  let memo: { config: Config; at: number; hosts: Set<string>; tokens: ReturnType<typeof resolveTokens> } | null = null;
  const settings = (config: Config) => {
    const now = Date.now();
    if (memo === null || memo.config !== config || now - memo.at > 60_000)
      memo = { config, at: now, hosts: allowedHostnames(config, opts.bindHost), tokens: resolveTokens(config) };
    return memo;
  };
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const config = opts.getConfig();
    const { hosts, tokens } = settings(config);
    const sec = (req.routeOptions.config ?? {}) as RouteSecurity;
    const host = req.headers.host;
    if (!isHostAllowed(host, hosts))
      return sendError(
        reply,
        403,
        ErrorCodes.HOST,
        `Host "${host ?? ''}" is not allowed; add it to server.allowed_hosts if you reach this server by that name`,
        'host header',
      );
    const origin = req.headers.origin;
    if (sec.websocket && origin !== undefined && !isOriginAllowed(origin, host, opts.secure, config))
      return sendError(
        reply,
        403,
        ErrorCodes.ORIGIN,
        `WebSocket Origin "${origin}" is not this server's; add it to server.allowed_origins to allow it`,
        'origin header',
      );
    // Configured tokens are always required; --insecure-no-auth only lets a server with none
    // start on a non-loopback address (the start-up rule in security.ts).
    if (tokens.length > 0 && !sec.public) {
      const query = req.query as Record<string, unknown> | undefined;
      const presented =
        bearerOf(req.headers.authorization) ??
        (sec.websocket && typeof query?.token === 'string' ? query.token : null);
      if (presented === null) {
        reply.header('www-authenticate', 'Bearer realm="headroom"');
        return sendError(
          reply,
          401,
          ErrorCodes.AUTH,
          'an API token is required: send "Authorization: Bearer <token>"' +
            (sec.websocket ? ' or ?token=<token> on the WebSocket URL' : ''),
          'authorization header',
        );
      }
      const token = checkToken(presented, tokens);
      if (!token) {
        reply.header('www-authenticate', 'Bearer realm="headroom", error="invalid_token"');
        return sendError(reply, 401, ErrorCodes.AUTH, 'the API token is not valid', 'authorization header');
      }
      const need = sec.scope ?? 'read';
      if (!scopeSatisfies(token.scope, need))
        return sendError(
          reply,
          403,
          ErrorCodes.FORBIDDEN,
          `this route needs a token with ${need} scope; "${token.name}" has ${token.scope}`,
          'authorization header',
        );
    }
    if (sec.stateChanging) {
      const site = req.headers['sec-fetch-site'];
      const why = crossSiteReason(
        typeof site === 'string' ? site : undefined,
        origin,
        host,
        opts.secure,
        config,
      );
      if (why) return sendError(reply, 403, ErrorCodes.CROSS_SITE, why, 'sec-fetch-site / origin headers');
    }
  });
}
