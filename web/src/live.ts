/**
 * The live link (an effect, outside the reducer): a WebSocket to /ws that reconnects with
 * backoff and resubscribes, and while it is down, polling of /api every 2 s. Every arrival is
 * turned into actions; nothing here knows about the DOM.
 */
import type { HistoryEvent } from '../../src/shared/protocol-history.js';
import type { ApiSnapshot, StatusResponse, WsControlMessage, WsSampleMessage } from '../../src/shared/protocol.js';
import { AuthError, getJson, wsUrl } from './api.js';
import type { Store } from './store.js';

export const POLL_MS = 2000;
const PING_MS = 15_000;
/** No message at all for this long (samples arrive every few seconds): the link is dead. */
const SILENCE_MS = 35_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const STATUS_REFRESH_MS = 30_000;

export interface Live {
  /** Drop the socket and connect again now (after a token was entered). */
  reconnectNow(): void;
  /** Fetch /api/status now (after settings changed). */
  refreshStatus(): Promise<void>;
  stop(): void;
}

export interface LiveHooks {
  /** The socket is back after a loss: reload what was missed (chart history, events). */
  onRecovered(): void;
}

export function startLive(store: Store, hooks: LiveHooks): Live {
  let ws: WebSocket | null = null;
  let attempts = 0;
  let lostOnce = false;
  let reconnectTimer: number | undefined;
  let pollTimer: number | undefined;
  let polling = false;
  let lastMessage = 0;
  let stopped = false;

  const dispatchSample = (plugin: string, data: Record<string, unknown>, ts: number) => {
    if (plugin === 'events') store.dispatch({ type: 'event', event: data as unknown as HistoryEvent });
    else store.dispatch({ type: 'sample', plugin, data, ts });
  };

  const onMessage = (text: string) => {
    lastMessage = Date.now();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg === null || typeof msg !== 'object') return;
    const m = msg as Partial<WsSampleMessage> & Partial<{ type: string }>;
    if (typeof m.type === 'string') {
      const c = msg as WsControlMessage;
      if (c.type === 'hello' || c.type === 'reload') store.dispatch({ type: 'hello', plugins: c.plugins });
      else if (c.type === 'pong') store.dispatch({ type: 'contact', at: lastMessage, serverTs: c.ts });
      else if (c.type === 'error') console.warn(`headroom: server says ${c.code}: ${c.message}`);
      return;
    }
    if (typeof m.plugin === 'string' && m.data && typeof m.data === 'object' && typeof m.ts === 'number') {
      store.dispatch({ type: 'contact', at: lastMessage });
      dispatchSample(m.plugin, m.data, m.ts);
    }
  };

  const connect = () => {
    if (stopped || store.get().auth !== 'ok') return;
    const socket = new WebSocket(wsUrl());
    ws = socket;
    socket.onopen = () => {
      attempts = 0;
      lastMessage = Date.now();
      // Ask for everything again: a fresh connection starts from the server's default, and
      // the replay that follows fills every panel at once.
      socket.send(JSON.stringify({ subscribe: ['*'] }));
      socket.send(JSON.stringify({ type: 'ping' }));
      store.dispatch({ type: 'link', link: 'live' });
      stopPolling();
      if (lostOnce) hooks.onRecovered();
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data === 'string') onMessage(ev.data);
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      lostOnce = true;
      startPolling();
      scheduleReconnect();
    };
    // onerror is always followed by onclose; the browser logs the reason itself.
  };

  const scheduleReconnect = () => {
    if (stopped || reconnectTimer !== undefined) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts);
    attempts++;
    const delay = base * (0.8 + Math.random() * 0.4);
    reconnectTimer = window.setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delay);
  };

  const startPolling = () => {
    if (polling || stopped) return;
    polling = true;
    if (store.get().link === 'live' || store.get().link === 'connecting') store.dispatch({ type: 'link', link: 'polling' });
    void pollOnce();
  };

  const stopPolling = () => {
    polling = false;
    window.clearTimeout(pollTimer);
    pollTimer = undefined;
  };

  /** One poll: the snapshot and the collectors' last-run times (the snapshot has no per-collector time). */
  const pollOnce = async () => {
    if (!polling) return;
    try {
      const sentAt = Date.now();
      const [snap, status] = await Promise.all([getJson<ApiSnapshot>('/api'), getJson<StatusResponse>('/api/status')]);
      if (!polling) return;
      applySnapshot(snap, status, sentAt);
      store.dispatch({ type: 'link', link: 'polling' });
    } catch (err) {
      if (err instanceof AuthError) store.dispatch({ type: 'auth', auth: 'required' });
      else store.dispatch({ type: 'link', link: 'offline' });
    }
    if (polling) pollTimer = window.setTimeout(() => void pollOnce(), POLL_MS);
  };

  const applySnapshot = (snap: ApiSnapshot, status: StatusResponse | null, sentAt: number) => {
    const now = Date.now();
    const serverTs = Date.parse(snap.ts);
    // The server's clock at the midpoint of the round trip.
    store.dispatch({ type: 'contact', at: Math.round((sentAt + now) / 2), serverTs });
    store.dispatch({ type: 'system', system: snap.system });
    store.dispatch({ type: 'auth', auth: 'ok' });
    if (status) store.dispatch({ type: 'status', status });
    for (const [plugin, data] of Object.entries(snap.metrics)) {
      const lastRun = status?.collectors[plugin]?.last_run;
      const ts = lastRun ? Date.parse(lastRun) : serverTs;
      dispatchSample(plugin, data as Record<string, unknown>, Number.isFinite(ts) ? ts : serverTs);
    }
  };

  const refreshStatus = async () => {
    try {
      store.dispatch({ type: 'status', status: await getJson<StatusResponse>('/api/status') });
    } catch (err) {
      if (err instanceof AuthError) store.dispatch({ type: 'auth', auth: 'required' });
    }
  };

  /** First load: the snapshot fills the page even before the socket opens. */
  const initial = async () => {
    try {
      const sentAt = Date.now();
      const [snap, status] = await Promise.all([getJson<ApiSnapshot>('/api'), getJson<StatusResponse>('/api/status')]);
      applySnapshot(snap, status, sentAt);
    } catch (err) {
      if (err instanceof AuthError) store.dispatch({ type: 'auth', auth: 'required' });
    }
    connect();
  };

  const keepAlive = window.setInterval(() => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastMessage > SILENCE_MS) {
      ws.close();
      return;
    }
    ws.send(JSON.stringify({ type: 'ping' }));
  }, PING_MS);
  const statusTimer = window.setInterval(() => {
    if (store.get().link === 'live') void refreshStatus();
  }, STATUS_REFRESH_MS);

  void initial();

  return {
    reconnectNow() {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      attempts = 0;
      const old = ws;
      ws = null;
      old?.close();
      if (old) lostOnce = true;
      void initial();
    },
    refreshStatus,
    stop() {
      stopped = true;
      stopPolling();
      window.clearTimeout(reconnectTimer);
      window.clearInterval(keepAlive);
      window.clearInterval(statusTimer);
      ws?.close();
    },
  };
}
