import type { Socket } from 'node:net';
import Value from 'typebox/value';
import type { WebSocket } from 'ws';
import type { AlertEvent } from '../alerts/types.js';
import type { SampleEvent } from '../core/bus.js';
import type { Engine } from '../core/engine.js';
import { ErrorCodes } from '../shared/errors.js';
import { type WsControlMessage, WsClientMessage } from '../shared/protocol.js';
import { VERSION } from '../shared/version.js';

/** Bytes the socket may have queued before we stop writing and conflate instead. */
export const HIGH_WATER_BYTES = 256 * 1024;
const RETRY_MS = 50;
export const PING_INTERVAL_MS = 30_000;
const MAX_PENDING_EVENTS = 100;

/**
 * One connected client. Samples wait in `pending`, at most one per collector (the latest wins),
 * and are written only while the socket's own buffer is below the high-water mark — so a slow
 * client costs at most one payload per collector plus HIGH_WATER_BYTES, never a growing queue.
 *
 * Writing is deferred to the hub's next flush (setImmediate): collectors due at the same moment
 * finish within one turn of the event loop, and their messages then leave in one write (the
 * socket is corked around the batch) instead of one syscall per message and client.
 */
class Client {
  filter: Set<string> | '*' = '*';
  alive = true;
  private pending = new Map<string, string>();
  private pendingEvents = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly raw: Pick<Socket, 'cork' | 'uncork'> | null;

  constructor(
    readonly ws: WebSocket,
    private readonly schedule: (c: Client) => void,
  ) {
    // ws keeps the TCP socket in a private field; without it messages are written one by one.
    const raw = (ws as unknown as { _socket?: Socket })._socket;
    this.raw = raw && typeof raw.cork === 'function' ? raw : null;
  }

  wants(plugin: string): boolean {
    return this.filter === '*' || this.filter.has(plugin);
  }

  enqueue(plugin: string, serialized: string): void {
    // delete+set moves the collector to the back, so order follows freshness.
    this.pending.delete(plugin);
    this.pending.set(plugin, serialized);
    this.schedule(this);
  }

  /**
   * Events are not conflated (each one matters) but are bounded: a stalled client keeps at most
   * MAX_PENDING_EVENTS of them, the oldest dropped first.
   */
  enqueueEvent(seq: number, serialized: string): void {
    this.pending.set(`events#${seq}`, serialized);
    if (++this.pendingEvents > MAX_PENDING_EVENTS) {
      for (const key of this.pending.keys())
        if (key.startsWith('events#')) {
          this.pending.delete(key);
          this.pendingEvents--;
          break;
        }
    }
    this.schedule(this);
  }

  /** Control messages go out at once, after whatever was queued before them (order kept). */
  control(msg: WsControlMessage): void {
    this.flush();
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  flush(): void {
    if (this.ws.readyState !== this.ws.OPEN || this.pending.size === 0) return;
    this.raw?.cork();
    try {
      for (const [plugin, msg] of this.pending) {
        if (this.ws.bufferedAmount > HIGH_WATER_BYTES) {
          this.retry ??= setTimeout(() => {
            this.retry = null;
            this.flush();
          }, RETRY_MS);
          return;
        }
        this.pending.delete(plugin);
        if (plugin.startsWith('events#')) this.pendingEvents--;
        this.ws.send(msg);
      }
    } finally {
      this.raw?.uncork();
    }
  }

  pendingCount(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.pending.clear();
    this.pendingEvents = 0;
  }
}

/** `JSON.stringify({plugin, data, ts})` around the payload's shared JSON text. */
function envelope(plugin: string, dataJson: string, ts: number): string {
  return `{"plugin":${JSON.stringify(plugin)},"data":${dataJson},"ts":${JSON.stringify(ts)}}`;
}

/** Fans samples out to WebSocket clients; lives as long as the server, across reloads. */
export class WsHub {
  private clients = new Set<Client>();
  /** Clients with messages waiting for the next flush. */
  private dirty = new Set<Client>();
  private flushing: NodeJS.Immediate | null = null;
  private readonly schedule = (c: Client) => {
    this.dirty.add(c);
    this.flushing ??= setImmediate(() => {
      this.flushing = null;
      const clients = [...this.dirty];
      this.dirty.clear();
      for (const client of clients) client.flush();
    });
  };
  private pinger: NodeJS.Timeout;
  private readonly onSample = (ev: SampleEvent) => this.broadcast(ev);
  private eventSeq = 0;
  private readonly onEvent = (ev: AlertEvent) => {
    const seq = ++this.eventSeq;
    let serialized: string | null = null;
    for (const c of this.clients) {
      if (!c.wants('events')) continue;
      serialized ??= JSON.stringify({ plugin: 'events', data: ev, ts: ev.ts });
      c.enqueueEvent(seq, serialized);
    }
  };
  private readonly onReconfigured = (ev: { plugins: string[] }) => {
    for (const c of this.clients) c.control({ type: 'reload', plugins: ev.plugins });
  };

  constructor(
    private engine: Engine,
    pingIntervalMs = PING_INTERVAL_MS,
  ) {
    engine.bus.on('sample', this.onSample);
    engine.bus.on('event', this.onEvent);
    engine.bus.on('reconfigured', this.onReconfigured);
    // Keep-alive: a client that did not answer the previous ping is gone; drop it.
    this.pinger = setInterval(() => {
      for (const c of this.clients) {
        if (!c.alive) {
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }, pingIntervalMs);
    this.pinger.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Messages held back for slow clients, summed (for tests and self-monitoring). */
  pendingTotal(): number {
    let n = 0;
    for (const c of this.clients) n += c.pendingCount();
    return n;
  }

  accept(ws: WebSocket): void {
    const client = new Client(ws, this.schedule);
    this.clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (raw, isBinary) => this.onMessage(client, raw.toString(), isBinary));
    ws.on('close', () => {
      client.close();
      this.clients.delete(client);
      this.dirty.delete(client);
    });
    ws.on('error', () => ws.terminate());
    client.control({ type: 'hello', version: VERSION, plugins: this.engine.scheduler.names().sort() });
    this.replay(client, null);
  }

  /** Send the latest payload of every (or the named) active collector. */
  private replay(client: Client, only: string[] | null): void {
    for (const [plugin, entry] of this.engine.cache.all()) {
      if (only && !only.includes(plugin)) continue;
      if (!client.wants(plugin)) continue;
      client.enqueue(plugin, envelope(plugin, this.engine.briefJson(plugin, entry.data), entry.ts));
    }
  }

  private broadcast(ev: SampleEvent): void {
    let serialized: string | null = null;
    for (const c of this.clients) {
      if (!c.wants(ev.plugin)) continue;
      serialized ??= envelope(ev.plugin, this.engine.briefJson(ev.plugin, ev.data), ev.ts);
      c.enqueue(ev.plugin, serialized);
    }
  }

  private onMessage(client: Client, text: string, isBinary: boolean): void {
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary frames are not accepted');
      msg = JSON.parse(text);
    } catch (err) {
      client.control({ type: 'error', code: ErrorCodes.BAD_REQUEST, message: `not a JSON message: ${String(err)}` });
      return;
    }
    if (!Value.Check(WsClientMessage, msg)) {
      client.control({
        type: 'error',
        code: ErrorCodes.BAD_REQUEST,
        message: 'expected {"subscribe":[names]}, {"unsubscribe":[names]} or {"type":"ping"}',
      });
      return;
    }
    if (msg.type === 'ping') client.control({ type: 'pong', ts: Date.now() });
    if (msg.subscribe) {
      if (msg.subscribe.includes('*')) client.filter = '*';
      else {
        const set = client.filter === '*' ? new Set<string>() : client.filter;
        for (const n of msg.subscribe) set.add(n);
        client.filter = set;
      }
      this.replay(client, msg.subscribe.includes('*') ? null : msg.subscribe);
    }
    if (msg.unsubscribe) {
      const set = client.filter === '*' ? new Set(this.engine.scheduler.names()) : client.filter;
      for (const n of msg.unsubscribe) set.delete(n);
      client.filter = set;
    }
    if (msg.subscribe || msg.unsubscribe)
      client.control({ type: 'subscribed', plugins: client.filter === '*' ? '*' : [...client.filter].sort() });
  }

  close(): void {
    clearInterval(this.pinger);
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    this.dirty.clear();
    this.engine.bus.off('sample', this.onSample);
    this.engine.bus.off('reconfigured', this.onReconfigured);
    this.engine.bus.off('event', this.onEvent);
    for (const c of this.clients) {
      c.close();
      c.ws.close(1001, 'server shutting down');
    }
    this.clients.clear();
  }
}
