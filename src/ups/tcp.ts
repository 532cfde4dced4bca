import { connect, type Socket } from 'node:net';

/**
 * A short TCP conversation with a daemon that must never hang a collector or grow memory:
 *  - connect within `timeoutMs`, then the whole reply within another `timeoutMs` (one deadline
 *    for every read, so a server that trickles one byte at a time cannot stretch it);
 *  - at most `maxBytes` received over the session (an endless line, a bogus length or an endless
 *    stream of records is cut off there, not buffered);
 *  - the caller's AbortSignal (the scheduler's tick timeout) ends it at once.
 * Every failure is an Error whose message says what happened and where.
 */
export interface TcpOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Cap on bytes received over the whole session; default 64 KiB. */
  maxBytes?: number;
  /** Names the peer in messages, e.g. "apcupsd NIS at localhost:3551". */
  label: string;
}

export const DEFAULT_MAX_BYTES = 64 * 1024;

/** A connection error in words: "connection refused" rather than "connect ECONNREFUSED ::1:3551". */
export function describeSocketError(err: unknown): string {
  // With happy-eyeballs (autoSelectFamily) a failed connect is an AggregateError of both tries.
  const inner = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const code = (inner as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (nothing listening)',
    ECONNRESET: 'connection reset by the server',
    EPIPE: 'connection closed by the server',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connect timed out',
    EADDRNOTAVAIL: 'address not available',
  };
  if (code && words[code]) return words[code];
  return inner instanceof Error ? inner.message : String(inner);
}

export class TcpSession {
  private buf: Buffer = Buffer.alloc(0);
  private received = 0;
  private failure: Error | null = null;
  private closedByPeer = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly maxBytes: number;
  private readonly onAbort = () => this.fail(new Error(`${this.opts.label}: aborted (${abortReason(this.opts.signal)})`));

  private constructor(
    private readonly socket: Socket,
    private readonly opts: TcpOptions,
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Connect, or reject with a worded error within `timeoutMs`. */
  static connect(opts: TcpOptions): Promise<TcpSession> {
    if (opts.signal?.aborted) return Promise.reject(new Error(`${opts.label}: aborted (${abortReason(opts.signal)})`));
    const socket = connect({ host: opts.host, port: opts.port });
    const session = new TcpSession(socket, opts);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => session.onData(d));
    socket.on('end', () => {
      session.closedByPeer = true;
      session.poke();
    });
    socket.on('error', (err) => session.fail(new Error(`${opts.label}: ${describeSocketError(err)}`)));
    socket.on('close', () => {
      session.closedByPeer = true;
      session.poke();
    });
    opts.signal?.addEventListener('abort', session.onAbort, { once: true });
    session.arm(`no connection within ${opts.timeoutMs} ms`);
    return new Promise((resolve, reject) => {
      const settle = () => {
        socket.off('connect', onConnect);
        session.wake = null;
      };
      const onConnect = () => {
        settle();
        // The reply gets its own deadline, counted from the moment we can ask.
        session.arm(`no complete reply within ${opts.timeoutMs} ms`);
        resolve(session);
      };
      socket.once('connect', onConnect);
      session.wake = () => {
        if (!session.failure && !session.closedByPeer) return;
        settle();
        session.close();
        reject(session.failure ?? new Error(`${opts.label}: connection closed before it was established`));
      };
    });
  }

  write(data: string | Buffer): void {
    if (!this.failure) this.socket.write(data);
  }

  /** Exactly `n` bytes. */
  async readBytes(n: number, what = 'reply'): Promise<Buffer> {
    await this.waitFor(() => this.buf.length >= n, what);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** One `\n`-terminated line without its terminator; a line longer than `maxLen` is an error. */
  async readLine(maxLen: number): Promise<string> {
    let idx = -1;
    await this.waitFor(() => {
      idx = this.buf.indexOf(0x0a);
      if (idx < 0 && this.buf.length > maxLen) throw new Error(`${this.opts.label}: reply line longer than ${maxLen} bytes, cut off`);
      return idx >= 0;
    }, 'reply line');
    if (idx > maxLen) throw new Error(`${this.opts.label}: reply line longer than ${maxLen} bytes, cut off`);
    const line = this.buf.subarray(0, idx).toString('utf8').replace(/\r$/, '');
    this.buf = this.buf.subarray(idx + 1);
    return line;
  }

  /** Release the socket and timers; safe to call twice. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
  }

  private async waitFor(ready: () => boolean, what: string): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (ready()) return;
      if (this.closedByPeer) {
        throw new Error(`${this.opts.label}: connection closed by the server in the middle of the ${what} (${this.received} bytes received)`);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private onData(d: Buffer): void {
    this.received += d.length;
    if (this.received > this.maxBytes) {
      this.fail(new Error(`${this.opts.label}: reply larger than ${this.maxBytes} bytes, cut off`));
      return;
    }
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.poke();
  }

  private arm(message: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fail(new Error(`${this.opts.label}: ${message}`)), this.opts.timeoutMs);
    this.timer.unref();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.buf = Buffer.alloc(0);
    this.socket.destroy();
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

function abortReason(signal: AbortSignal | undefined): string {
  const r = signal?.reason;
  return r instanceof Error ? r.message : r === undefined ? 'stopped' : String(r);
}

/** Open, run `dialog`, always close. */
export async function withTcp<T>(opts: TcpOptions, dialog: (s: TcpSession) => Promise<T>): Promise<T> {
  const session = await TcpSession.connect(opts);
  try {
    return await dialog(session);
  } finally {
    session.close();
  }
}
