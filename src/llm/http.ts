import { type LookupAddress, type LookupOptions, lookup as dnsLookup } from 'node:dns';
import { type ClientRequest, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/**
 * One HTTP GET for a collector: node:http with a deadline covering headers and body, the
 * scheduler's abort signal, and a size cap on the body (read chunk by chunk and cut off, never
 * buffered whole first). Failures become an HttpError whose message a user can act on.
 */
export interface GetOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  accept?: string;
}

export interface GetResult {
  status: number;
  text: string;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const CLOSED = 'the server closed the connection';

/** node:http / net error codes in words a user can act on. */
const CAUSE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening)',
  ECONNRESET: CLOSED,
  HPE_INVALID_CONSTANT: CLOSED,
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  HPE_HEADER_OVERFLOW: 'response headers too large',
};

function describe(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string };
  return `${url}: ${(e?.code && CAUSE_WORDS[e.code]) || (e?.message ?? String(err))}`;
}

const MAX_REDIRECTS = 5;
const DNS_TTL_MS = 30_000;

/**
 * Host names resolved once per DNS_TTL_MS: Ollama's default URL says `localhost`, and every
 * lookup is a getaddrinfo() on the libuv threadpool (it reads /etc/hosts and nsswitch.conf)
 * — with two requests a second more CPU than the requests themselves.
 */
const dnsCache = new Map<string, { at: number; address: string; family: number }>();
const cachedLookup: LookupFunction = (hostname, options, callback) => {
  const hit = dnsCache.get(hostname);
  const now = Date.now();
  const reply = (address: string, family: number) => {
    if ((options as LookupOptions).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  if (hit && now - hit.at < DNS_TTL_MS) return reply(hit.address, hit.family);
  dnsLookup(hostname, { family: (options as LookupOptions).family ?? 0 }, (err, address, family) => {
    if (err) return callback(err, '', 0);
    dnsCache.set(hostname, { at: now, address, family });
    reply(address, family);
  });
};

/**
 * A server that refused the connection is asked again only after this long: at a 1 s interval
 * an absent Ollama otherwise costs a socket, a connect and an error object every tick. Its
 * default interval (5 s) is longer, so there every tick still asks.
 */
export const REFUSED_RECHECK_MS = 4000;
const refusedAt = new Map<string, number>();

/** Connections to a polled server are kept open between ticks (one connect, not one per request). */
const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: 4 }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };

/**
 * GET `url`; resolves with the status and the body text for any HTTP status (callers decide
 * what a 404 means), rejects with HttpError on network failure, timeout, abort or an oversized
 * body. node:http rather than fetch(): a poll every second through undici's fetch cost several
 * times the CPU (bench/RESULTS.md, overhead).
 */
export function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  return new Promise<GetResult>((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | null = null;
    const finish = (err: HttpError | null, res?: GetResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req?.destroy();
        reject(err);
      } else resolve(res!);
    };
    const timer = setTimeout(() => finish(new HttpError(`${url}: no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const onAbort = () => {
      const r = opts.signal?.reason;
      finish(new HttpError(`${url}: aborted (${r instanceof Error ? r.message : String(r ?? 'stopped')})`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const get = (target: string, hops: number) => {
      let u: URL;
      try {
        u = new URL(target);
      } catch {
        return finish(new HttpError(`${url}: not a valid URL`));
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return finish(new HttpError(`${url}: only http and https are supported`));
      const origin = u.origin;
      const lastRefused = refusedAt.get(origin);
      if (lastRefused !== undefined && Date.now() - lastRefused < REFUSED_RECHECK_MS) {
        return finish(new HttpError(`${url}: ${CAUSE_WORDS.ECONNREFUSED}`));
      }
      const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
      req = request(u, { agent: agents[u.protocol], lookup: cachedLookup, headers: { accept: opts.accept ?? '*/*' } }, (res) => {
        refusedAt.delete(origin);
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (hops >= MAX_REDIRECTS) return finish(new HttpError(`${url}: more than ${MAX_REDIRECTS} redirects`, status));
          return get(new URL(res.headers.location, u).href, hops + 1);
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > opts.maxBytes) {
          return finish(new HttpError(`${url}: answer of ${declared} bytes is over the ${opts.maxBytes}-byte limit`, status));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > opts.maxBytes) return finish(new HttpError(`${url}: answer larger than ${opts.maxBytes} bytes, cut off`, status));
          chunks.push(c);
        });
        res.on('end', () => {
          if (!res.complete) return finish(new HttpError(`${url}: ${CLOSED}`, status));
          finish(null, { status, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', () => finish(new HttpError(`${url}: ${CLOSED}`, status)));
        res.on('aborted', () => finish(new HttpError(`${url}: ${CLOSED}`, status)));
      });
      req.on('error', (err) => {
        if ((err as { code?: string }).code === 'ECONNREFUSED') refusedAt.set(origin, Date.now());
        finish(new HttpError(describe(err, url)));
      });
      req.end();
    };
    get(url, 0);
  });
}

/** GET and parse JSON from a 2xx answer. */
export async function httpGetJson(url: string, opts: GetOptions): Promise<unknown> {
  const { status, text } = await httpGet(url, { ...opts, accept: 'application/json' });
  if (status < 200 || status > 299) throw new HttpError(`${url}: HTTP ${status}${snippet(text)}`, status);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(`${url}: answer is not JSON${snippet(text)}`, status);
  }
}

/** The start of a body, for messages: enough to recognise an HTML error page. */
export function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim().slice(0, 80);
  return t ? ` (${JSON.stringify(t)})` : '';
}

/** Join a base URL and a path: `http://h:11434/` + `/api/ps`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
