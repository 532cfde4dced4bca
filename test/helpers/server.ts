/**
 * Helpers for tests that talk to a real listening server: an Engine with fake collectors behind
 * `createApp` on 127.0.0.1:0, a WebSocket probe that records every message, and the built CLI
 * spawned as a real process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type IncomingHttpHeaders, request as httpRequestRaw } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import type { AnyCollector, Payload } from '../../src/core/collector.js';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';
import { Engine } from '../../src/core/engine.js';
import { createApp } from '../../src/server/app.js';
import type { WsHub } from '../../src/server/ws.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The schema defaults, deep-copied (Value.Default may share objects with the schema), no plugin dirs. */
export function testConfig(patch?: (c: Config) => void): Config {
  const config = structuredClone(Value.Default(ConfigSchema, {}) as Config);
  config.plugin_dirs = [];
  patch?.(config);
  return config;
}

/**
 * A collector whose payload counts its ticks: `{n: 1}`, `{n: 2}`, … (plus `extra(n)`), so a test
 * can tell fresh data from replayed data. The count survives reloads (it lives in the closure).
 */
export function counter(name: string, interval = 0.05, extra?: (n: number) => Payload): AnyCollector {
  let n = 0;
  return {
    name,
    description: `test counter ${name}`,
    interval,
    metrics: [],
    collect: async () => {
      n++;
      return { n, ...extra?.(n) };
    },
  };
}

export interface TestServer {
  engine: Engine;
  app: Awaited<ReturnType<typeof createApp>>['app'];
  hub: WsHub;
  port: number;
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** `ws://127.0.0.1:PORT/ws` plus an optional query string. */
  wsUrl(query?: string): string;
  /** Upgrade sockets still open on the server side that are not an accepted WebSocket. */
  strayUpgradeSockets(): Socket[];
  close(): Promise<void>;
}

/** Engine (fake collectors, given config) + app listening on 127.0.0.1, a free port. Collection started. */
export async function startServer(opts: {
  collectors: AnyCollector[];
  config?: Config;
  pingIntervalMs?: number;
}): Promise<TestServer> {
  const engine = await Engine.create({ config: opts.config ?? testConfig(), builtins: opts.collectors });
  const { app, hub } = await createApp({
    engine,
    ...(opts.pingIntervalMs !== undefined ? { pingIntervalMs: opts.pingIntervalMs } : {}),
  });
  // Every socket that asked for an upgrade, to find the ones the server left open.
  const upgraded = new Set<Socket>();
  app.server.on('upgrade', (_req, socket: Socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  await engine.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const accepted = () =>
    new Set([...app.websocketServer.clients].map((c) => (c as unknown as { _socket: Socket })._socket));
  const base = `http://127.0.0.1:${port}`;
  return {
    engine,
    app,
    hub,
    port,
    base,
    wsUrl: (query) => `ws://127.0.0.1:${port}/ws${query ? `?${query}` : ''}`,
    strayUpgradeSockets: () => {
      const live = accepted();
      return [...upgraded].filter((sock) => !live.has(sock) && !sock.destroyed);
    },
    close: async () => {
      // Refused upgrades whose socket the server left open would keep app.close() waiting
      // forever (see the KNOWN BUG test in test/server/ws.test.ts); end them here.
      const live = accepted();
      for (const sock of upgraded) if (!live.has(sock)) sock.destroy();
      await app.close();
      await engine.stop();
    },
  };
}

/** Poll until `cond()` holds; throws with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: messages are untyped JSON; tests assert their shape
export type WsMessage = Record<string, any>;

/** A connected WebSocket client that records every JSON message it receives, in order. */
export class WsProbe {
  readonly messages: WsMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private listeners = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: RawData) => {
      this.messages.push(JSON.parse(raw.toString()) as WsMessage);
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
    ws.on('error', () => {});
  }

  /** Connect; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: ClientOptions = {}): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      // Attach the recorder before 'open' so nothing sent with the 101 response is missed.
      const probe = new WsProbe(ws);
      ws.once('open', () => resolve(probe));
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
  }

  /** Messages of one collector (samples carry `plugin`, control messages carry `type`). */
  samples(plugin?: string, from = 0): WsMessage[] {
    return this.messages.slice(from).filter((m) => m.plugin !== undefined && (!plugin || m.plugin === plugin));
  }

  /** The first message at index >= `from` matching `pred`, waiting for it if needed. */
  async waitFor(pred: (m: WsMessage) => boolean, what: string, from = 0, timeoutMs = 5000): Promise<WsMessage> {
    let found: WsMessage | undefined;
    await this.waitUntil(() => {
      found = this.messages.slice(from).find(pred);
      return found !== undefined;
    }, what, timeoutMs);
    return found!;
  }

  /** Index of the first message at index >= `from` matching `pred`, waiting for it if needed. */
  async indexOf(pred: (m: WsMessage) => boolean, what: string, from = 0, timeoutMs = 5000): Promise<number> {
    const m = await this.waitFor(pred, what, from, timeoutMs);
    return this.messages.indexOf(m, from);
  }

  waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.summary()}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return this.waitUntil(() => this.closed !== null, 'the socket to close', timeoutMs).then(() => this.closed!);
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private summary(): string {
    const tail = this.messages.slice(-5).map((m) => (m.type ? `{type:${m.type}}` : `{plugin:${m.plugin}}`));
    return `${this.messages.length} message(s), last: ${tail.join(' ')}${this.closed ? `, closed ${this.closed.code}` : ''}`;
  }
}

/**
 * Try an upgrade that should be refused: resolves with the HTTP status and JSON body the server
 * answered instead of 101. Rejects if the connection opens.
 */
export function refusedUpgrade(url: string, options: ClientOptions = {}): Promise<{ status: number; body: WsMessage }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('error', () => {});
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('unexpected-response', (req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        req.destroy();
        let body: WsMessage = {};
        try {
          body = JSON.parse(text) as WsMessage;
        } catch {
          body = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The CLI as a real process.

export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  proc: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait for a stderr line matching `re`; returns the match. Fails early if the process exits. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Send a signal to this process (by its PID). */
  signal(sig: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();

/** Run `node dist/cli/main.js ...args` with the given cwd and HOME; remembered for `killAllCli()`. */
export function runCli(args: string[], opts: { cwd: string; home: string; env?: NodeJS.ProcessEnv }): CliRun {
  // Everything the CLI might look up or write under the user's home goes to the test's home.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: opts.home,
    XDG_CONFIG_HOME: join(opts.home, '.config'),
    XDG_DATA_HOME: join(opts.home, '.local', 'share'),
    XDG_STATE_HOME: join(opts.home, '.local', 'state'),
    XDG_CACHE_HOME: join(opts.home, '.cache'),
    ...opts.env,
  };
  delete env.HEADROOM_CONFIG;
  delete env.NODE_OPTIONS;
  const proc = spawn(process.execPath, [cliPath, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error('could not spawn the CLI');
  running.add(proc);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    wake();
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
    wake();
  });
  let done: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('close', (code, signal) => {
      running.delete(proc);
      done = { code, signal };
      wake();
      resolve(done);
    });
  });
  const waitForStderr = (re: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(err);
        if (m) finish(() => resolve(m));
        else if (done) finish(() => reject(new Error(`CLI exited (${JSON.stringify(done)}) before ${re}; stderr:\n${err}`)));
      };
      const finish = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out waiting for ${re} on stderr; stderr so far:\n${err}`))),
        timeoutMs,
      );
      waiters.add(check);
      check();
    });
  const pid = proc.pid;
  const signal = (sig: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      process.kill(pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  return { proc, pid, stdout: () => out, stderr: () => err, exited, waitForStderr, signal };
}

/** SIGKILL one CLI process if it still runs (by its PID) and wait until it has exited. */
export async function stopCli(run: CliRun | null | undefined): Promise<void> {
  if (!run) return;
  run.signal('SIGKILL');
  await run.exited;
}

/** SIGKILL every CLI process still running (afterEach / afterAll), by PID, and wait for them. */
export async function killAllCli(): Promise<void> {
  const procs = [...running];
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('close', () => resolve());
          try {
            process.kill(p.pid!, 'SIGKILL');
          } catch {
            resolve();
          }
        }),
    ),
  );
}

/** Start `serve` and wait for its listening line; returns the run and its base URL. */
export async function startCliServer(
  args: string[],
  opts: { cwd: string; home: string; env?: NodeJS.ProcessEnv },
): Promise<{ cli: CliRun; base: string; port: number }> {
  const cli = runCli(['serve', ...args], opts);
  const m = await cli.waitForStderr(/headroom listening on http:\/\/([^\s]+):(\d+)/);
  const port = Number(m[2]);
  return { cli, base: `http://127.0.0.1:${port}`, port };
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP with full control of the headers (fetch will not send a foreign Host).

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies; tests assert their shape
  json: any;
}

/**
 * One request to `base` (http://127.0.0.1:PORT) on a fresh connection. Resolves with the
 * response even when the server answers before reading the whole body (413).
 */
export function httpRequest(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = Buffer.byteLength(opts.body);
    const req = httpRequestRaw(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: opts.method ?? 'GET', headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    // A server that answers early may reset the connection while the body is still going out;
    // that is only an error if no response came.
    req.on('error', (err) => setTimeout(() => reject(err), 200));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
