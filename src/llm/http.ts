/**
 * One HTTP GET for a collector: Node's fetch with a deadline covering headers and body, the
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

const CAUSE_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening)',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
};

function describe(err: unknown, url: string, timeoutMs: number, signal: AbortSignal | undefined): string {
  if (signal?.aborted) {
    const r = signal.reason;
    return `${url}: aborted (${r instanceof Error ? r.message : String(r ?? 'stopped')})`;
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `${url}: no complete answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code && CAUSE_WORDS[code]) return `${url}: ${CAUSE_WORDS[code]}`;
  return `${url}: ${e?.cause?.message ?? e?.message ?? String(err)}`;
}

/**
 * GET `url`; resolves with the status and the body text for any HTTP status (callers decide
 * what a 404 means), rejects with HttpError on network failure, timeout, abort or an oversized body.
 */
export async function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { signal, redirect: 'follow', headers: { accept: opts.accept ?? '*/*' } });
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new HttpError(`${url}: answer of ${declared} bytes is over the ${opts.maxBytes}-byte limit`, res.status);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    if (reader) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > opts.maxBytes) {
          await reader.cancel().catch(() => {});
          throw new HttpError(`${url}: answer larger than ${opts.maxBytes} bytes, cut off`, res.status);
        }
        chunks.push(value);
      }
    }
    return { status: res.status, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(describe(err, url, opts.timeoutMs, opts.signal));
  }
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
