/**
 * /ws against a real listening server and the `ws` client (SPEC §7 /ws row, §9): replay on
 * connect, live samples, topic filters, control messages, Origin/Host/token checks at the
 * upgrade, survival across reloads, conflation of slow clients, and the keep-alive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import type { AnyCollector } from '../../src/core/collector.js';
import { HIGH_WATER_BYTES } from '../../src/server/ws.js';
import {
  counter,
  refusedUpgrade,
  startServer,
  type TestServer,
  testConfig,
  until,
  type WsMessage,
  WsProbe,
} from '../helpers/server.js';

/** A collector that runs once (interval 0): after connect, only a replay can deliver its payload. */
const once = (name: string): AnyCollector => ({
  name,
  description: 'runs once',
  interval: 0,
  metrics: [],
  collect: async () => ({ once: true, name }),
});

let server: TestServer | null = null;
const probes: WsProbe[] = [];

async function connect(url?: string, options?: ClientOptions): Promise<WsProbe> {
  const p = await WsProbe.open(url ?? server!.wsUrl(), options);
  probes.push(p);
  return p;
}

async function boot(...args: Parameters<typeof startServer>): Promise<TestServer> {
  server = await startServer(...args);
  // Every active collector has published at least once.
  const names = args[0].collectors.map((c) => c.name);
  await until(() => names.every((n) => server!.engine.cache.get(n) !== undefined), 'first samples');
  return server;
}

afterEach(async () => {
  for (const p of probes.splice(0)) p.close();
  await server?.close();
  server = null;
});

const isType = (type: string) => (m: WsMessage) => m.type === type;
const fromPlugin = (plugin: string) => (m: WsMessage) => m.plugin === plugin;

describe('/ws: replay and live samples', () => {
  it('sends hello, then the latest payload of every active collector, then live samples', async () => {
    const s = await boot({ collectors: [counter('a'), counter('b'), once('ident')] });
    const p = await connect();
    await p.waitUntil(() => p.messages.length >= 4, 'hello + 3 replays');
    const [hello, ...replay] = p.messages.slice(0, 4);
    expect(hello).toMatchObject({ type: 'hello', plugins: ['a', 'b', 'ident'] });
    expect(typeof hello!.version).toBe('string');
    // The replay: one message per collector, the {plugin, data, ts} envelope.
    expect(replay.map((m) => m.plugin).sort()).toEqual(['a', 'b', 'ident']);
    for (const m of replay) {
      expect(Object.keys(m).sort()).toEqual(['data', 'plugin', 'ts']);
      expect(typeof m.ts).toBe('number');
    }
    expect(replay.find(fromPlugin('ident'))!.data).toEqual({ once: true, name: 'ident' });
    // Live: "a" keeps arriving with increasing counts after its replayed value.
    const first = replay.find(fromPlugin('a'))!.data.n as number;
    await p.waitUntil(() => p.samples('a').length >= 6, 'five live samples of a');
    const ns = p.samples('a').map((m) => m.data.n as number);
    expect(ns[0]).toBe(first);
    for (let i = 1; i < ns.length; i++) expect(ns[i]).toBeGreaterThan(ns[i - 1]!);
    expect(p.samples('b', 4).length).toBeGreaterThan(0);
    // The once-collector is never sent again: what a late client has of it came from the replay.
    expect(p.samples('ident')).toHaveLength(1);
    expect(s.hub.size).toBe(1);
  });
});

describe('/ws: subscribe / unsubscribe', () => {
  it('subscribe filters to the named collectors and the ack lists the filter', async () => {
    await boot({ collectors: [counter('a'), counter('b'), once('ident')] });
    const p = await connect();
    await p.waitFor(isType('hello'), 'hello');
    p.send({ subscribe: ['a'] });
    const ackAt = await p.indexOf(isType('subscribed'), 'subscribe ack');
    expect(p.messages[ackAt]!.plugins).toEqual(['a']);
    // Several intervals (50 ms each) later: "a" flows, "b" never comes.
    await sleep(400);
    expect(p.samples('a', ackAt + 1).length).toBeGreaterThanOrEqual(3);
    expect(p.samples('b', ackAt + 1)).toEqual([]);
    expect(p.samples('ident', ackAt + 1)).toEqual([]);

    // Unsubscribing the last one leaves an empty filter: nothing at all.
    p.send({ unsubscribe: ['a'] });
    const ack2 = await p.indexOf(isType('subscribed'), 'unsubscribe ack', ackAt + 1);
    expect(p.messages[ack2]!.plugins).toEqual([]);
    await sleep(300);
    expect(p.samples(undefined, ack2 + 1)).toEqual([]);

    // Subscribing again replays the latest of the newly subscribed at once — even a collector
    // that will never publish again.
    p.send({ subscribe: ['ident'] });
    const ack3 = await p.indexOf(isType('subscribed'), 'subscribe ack', ack2 + 1);
    expect(p.messages[ack3]!.plugins).toEqual(['ident']);
    const replayed = p.samples('ident', ack2 + 1);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]!.data).toEqual({ once: true, name: 'ident' });
    // And the replay comes before the acknowledgement.
    expect(p.messages.indexOf(replayed[0]!)).toBeLessThan(ack3);

    p.send({ subscribe: ['b'] });
    const ack4 = await p.indexOf(isType('subscribed'), 'subscribe ack', ack3 + 1);
    expect(p.messages[ack4]!.plugins).toEqual(['b', 'ident']);
    // The replay of "b" (latest value, not a fresh tick) arrives before the ack.
    expect(p.samples('b', ack3 + 1).length).toBeGreaterThanOrEqual(1);
    expect(p.messages.findIndex((m, i) => i > ack3 && m.plugin === 'b')).toBeLessThan(ack4);
    await sleep(300);
    expect(p.samples('a', ack4 + 1)).toEqual([]);
    expect(p.samples('b', ack4 + 1).length).toBeGreaterThanOrEqual(2);
  });

  it('unsubscribe from the default (everything) keeps all others; subscribe "*" restores all', async () => {
    await boot({ collectors: [counter('a'), counter('b'), once('ident')] });
    const p = await connect();
    await p.waitFor(isType('hello'), 'hello');
    p.send({ unsubscribe: ['b'] });
    const ack = await p.indexOf(isType('subscribed'), 'ack');
    expect(p.messages[ack]!.plugins).toEqual(['a', 'ident']);
    await sleep(300);
    expect(p.samples('b', ack + 1)).toEqual([]);
    expect(p.samples('a', ack + 1).length).toBeGreaterThanOrEqual(2);

    p.send({ subscribe: ['*'] });
    const ack2 = await p.indexOf(isType('subscribed'), 'ack *', ack + 1);
    expect(p.messages[ack2]!.plugins).toBe('*');
    // "*" replays everything, then "b" flows again.
    expect(p.samples(undefined, ack + 1).map((m) => m.plugin)).toEqual(expect.arrayContaining(['a', 'b', 'ident']));
    await p.waitFor((m) => m.plugin === 'b', 'live b', ack2 + 1);
  });
});

describe('/ws: control messages and bad input', () => {
  it('answers {"type":"ping"} with pong; malformed or invalid messages get an error and the socket stays open', async () => {
    await boot({ collectors: [counter('a', 0.2)] });
    const p = await connect();
    await p.waitFor(isType('hello'), 'hello');

    p.send({ type: 'ping' });
    const pong = await p.waitFor(isType('pong'), 'pong');
    expect(typeof pong.ts).toBe('number');

    const bad: (string | Buffer)[] = [
      '{not json',
      '',
      JSON.stringify({ subscribe: 'a' }), // not an array
      JSON.stringify({ type: 'pong' }), // unknown type
      JSON.stringify({ hello: 1 }), // unknown key
      JSON.stringify([1, 2]),
      JSON.stringify({ subscribe: [1] }),
      JSON.stringify({ subscribe: Array.from({ length: 300 }, (_, i) => `c${i}`) }), // over maxItems
      Buffer.from('{"type":"ping"}'), // binary frame
    ];
    let from = p.messages.length;
    for (const msg of bad) {
      if (Buffer.isBuffer(msg)) p.ws.send(msg, { binary: true });
      else p.send(msg);
      const at = await p.indexOf(isType('error'), `error for ${String(msg).slice(0, 40)}`, from);
      const err = p.messages[at]!;
      expect(err.code).toBe('HEADROOM_ERR_BAD_REQUEST');
      expect(typeof err.message).toBe('string');
      expect(err.message.length).toBeGreaterThan(5);
      from = at + 1;
    }
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    expect(p.closed).toBeNull();
    // Still served: pings answered and samples flowing.
    p.send({ type: 'ping' });
    await p.waitFor(isType('pong'), 'pong after errors', from);
    await p.waitFor(fromPlugin('a'), 'a sample after errors', from);
  });

  it('closes a connection that sends a frame over the 64 KB limit, and only that one', async () => {
    const s = await boot({ collectors: [counter('a')] });
    const big = await connect();
    const other = await connect();
    big.send({ subscribe: ['x'.repeat(70 * 1024)] });
    const closed = await big.waitClosed();
    expect(closed.code).toBe(1009); // message too big
    const from = other.messages.length;
    await other.waitFor(fromPlugin('a'), 'a sample on the other client', from);
    await until(() => s.hub.size === 1, 'the hub to drop the closed client');
  });
});

describe('/ws: Origin, Host and tokens at the upgrade', () => {
  it('refuses a foreign Origin with 403 and accepts our own origin, an allowed one, or none', async () => {
    const s = await boot({
      collectors: [counter('a')],
      config: testConfig((c) => {
        c.server.allowed_origins = ['https://dash.example'];
      }),
    });
    for (const origin of ['http://evil.example', `http://127.0.0.1:${s.port + 1}`, `https://127.0.0.1:${s.port}`, 'null']) {
      const r = await refusedUpgrade(s.wsUrl(), { origin });
      expect(r.status, origin).toBe(403);
      expect(r.body.code).toBe('HEADROOM_ERR_ORIGIN');
    }
    expect(s.hub.size).toBe(0);

    const own = await connect(s.wsUrl(), { origin: `http://127.0.0.1:${s.port}` });
    await own.waitFor(isType('hello'), 'hello (own origin)');
    const allowed = await connect(s.wsUrl(), { origin: 'https://dash.example' });
    await allowed.waitFor(isType('hello'), 'hello (allowed origin)');
    const viaLocalhost = await connect(`ws://localhost:${s.port}/ws`, { origin: `http://localhost:${s.port}` });
    await viaLocalhost.waitFor(isType('hello'), 'hello (localhost)');
    // Non-browser clients send no Origin at all.
    const plain = await connect();
    await plain.waitFor(isType('hello'), 'hello (no origin)');
    expect(s.hub.size).toBe(4);
  });

  // Regression: a refused upgrade once left its raw socket open (the guard answered before
  // @fastify/websocket marked the request as an upgrade), leaking a descriptor per refusal and
  // hanging app.close().
  it('the server closes the socket of a refused upgrade', async () => {
    const s = await boot({ collectors: [counter('a')] });
    await refusedUpgrade(s.wsUrl(), { origin: 'http://evil.example' });
    await refusedUpgrade(s.wsUrl(), { headers: { host: 'evil.example' } });
    await until(() => s.strayUpgradeSockets().length === 0, 'refused upgrade sockets to be closed', 1500);
  });

  it('refuses a Host header that is not this server (DNS rebinding) with 403', async () => {
    const s = await boot({ collectors: [counter('a')] });
    for (const host of ['evil.example', `evil.example:${s.port}`, 'rebind.attacker.test:80']) {
      const r = await refusedUpgrade(s.wsUrl(), { headers: { host } });
      expect(r.status, host).toBe(403);
      expect(r.body.code).toBe('HEADROOM_ERR_HOST');
    }
    // A rebinding page would also send its own Origin; refused on Host before that matters.
    const r = await refusedUpgrade(s.wsUrl(), { headers: { host: 'evil.example' }, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(s.hub.size).toBe(0);
  });

  it('with tokens configured: no or wrong token → 401; ?token= and Authorization: Bearer work', async () => {
    const READ = 'read-token-0123456789abcdef';
    const ADMIN = 'admin-token-0123456789abcdef';
    const s = await boot({
      collectors: [counter('a')],
      config: testConfig((c) => {
        c.server.tokens = [
          { name: 'reader', token: READ, scope: 'read' },
          { name: 'admin', token: ADMIN, scope: 'admin' },
        ];
      }),
    });
    const none = await refusedUpgrade(s.wsUrl());
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('HEADROOM_ERR_AUTH');
    const wrong = await refusedUpgrade(s.wsUrl('token=not-the-token-at-all'));
    expect(wrong.status).toBe(401);
    const wrongBearer = await refusedUpgrade(s.wsUrl(), { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    expect(wrongBearer.status).toBe(401);

    const viaQuery = await connect(s.wsUrl(`token=${READ}`));
    await viaQuery.waitFor(fromPlugin('a'), 'a sample (?token=)');
    const viaHeader = await connect(s.wsUrl(), { headers: { authorization: `Bearer ${READ}` } });
    await viaHeader.waitFor(fromPlugin('a'), 'a sample (Bearer)');
    const admin = await connect(s.wsUrl(`token=${ADMIN}`));
    await admin.waitFor(isType('hello'), 'hello (admin token)');
    // ?token= is a WebSocket convenience only; plain HTTP routes want the header.
    expect((await fetch(`${s.base}/api?token=${READ}`)).status).toBe(401);
    expect((await fetch(`${s.base}/api`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
  });
});

describe('/ws: reloads and runtime changes', () => {
  it('the same socket gets {type:"reload"} and keeps receiving samples after engine.reload()', async () => {
    const s = await boot({ collectors: [counter('a'), counter('b')] });
    const p = await connect();
    await p.waitUntil(() => p.samples('a').length >= 3, 'a few samples of a');
    const before = p.samples('a').at(-1)!.data.n as number;

    const res = await s.engine.reload();
    expect(res).toMatchObject({ status: 'ok', plugins: ['a', 'b'] });
    const at = await p.indexOf(isType('reload'), 'reload message');
    expect(p.messages[at]!.plugins).toEqual(['a', 'b']);
    await p.waitUntil(() => p.samples('a', at + 1).length >= 3, 'samples of a after the reload');
    await p.waitFor(fromPlugin('b'), 'b after the reload', at + 1);
    expect(p.samples('a', at + 1)[0]!.data.n).toBeGreaterThan(before);
    expect(p.closed).toBeNull();
    expect(s.hub.size).toBe(1);

    // A second reload, same socket.
    await s.engine.reload();
    const at2 = await p.indexOf(isType('reload'), 'second reload message', at + 1);
    await p.waitFor(fromPlugin('a'), 'a after the second reload', at2 + 1);
  });

  it('a collector switched off at runtime is announced and stops arriving', async () => {
    const s = await boot({ collectors: [counter('a'), counter('b')] });
    const p = await connect();
    await p.waitFor(fromPlugin('b'), 'b');
    await s.engine.configure({ plugins: { b: false } });
    const at = await p.indexOf(isType('reload'), 'reload message');
    expect(p.messages[at]!.plugins).toEqual(['a']);
    await sleep(300);
    expect(p.samples('b', at + 1)).toEqual([]);
    expect(p.samples('a', at + 1).length).toBeGreaterThanOrEqual(2);
  });
});

describe('/ws: slow clients are conflated', () => {
  it('a client that stops reading costs bounded memory and finally gets the latest payload', async () => {
    const BLOB = 200 * 1024;
    const blob = 'x'.repeat(BLOB);
    const s = await boot({
      collectors: [counter('big', 0.01, () => ({ blob })), counter('small', 0.05)],
    });
    const p = await connect();
    await p.waitFor(fromPlugin('big'), 'a first big payload');
    // Stop reading: the kernel buffers fill, then the server's own send buffer.
    const socket = (p.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const serverSide = [...s.app.websocketServer.clients][0]!;
    const receivedBefore = p.samples('big').length;
    const firstSeq = s.engine.cache.get('big')!.data.n as number;

    let maxPending = 0;
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      maxPending = Math.max(maxPending, s.hub.pendingTotal());
      maxBuffered = Math.max(maxBuffered, serverSide.bufferedAmount);
    }, 2);
    // About 1.5 s of publishing, longer only if the kernel's socket buffers have not filled yet.
    const startedAt = Date.now();
    while (Date.now() - startedAt < 1500 || (maxPending === 0 && Date.now() - startedAt < 8000)) await sleep(50);
    // Stop publishing, so "the latest" is a fixed target.
    await s.engine.stop();
    clearInterval(sampler);
    maxPending = Math.max(maxPending, s.hub.pendingTotal());
    maxBuffered = Math.max(maxBuffered, serverSide.bufferedAmount);
    const lastBig = s.engine.cache.get('big')!.data.n as number;
    const lastSmall = s.engine.cache.get('small')!.data.n as number;
    const published = lastBig - firstSeq;
    const publishedBytes = published * BLOB;

    // The run really pushed the client into backpressure...
    expect(publishedBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(s.hub.pendingTotal()).toBeGreaterThan(0);
    // ...and the server held at most one message per collector for it...
    expect(maxPending).toBeLessThanOrEqual(2);
    // ...plus, in the socket's own buffer, at most the high-water mark and the one message
    // written while just below it (frame headers and JSON envelope: a few bytes).
    expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER_BYTES + BLOB + 4096);
    expect(maxBuffered).toBeLessThan(publishedBytes / 10);

    socket.resume();
    await p.waitFor((m) => m.plugin === 'big' && m.data.n === lastBig, `big #${lastBig}`, 0, 15_000);
    await p.waitFor((m) => m.plugin === 'small' && m.data.n === lastSmall, `small #${lastSmall}`, 0, 5_000);
    const got = p.samples('big').slice(receivedBefore);
    // Latest wins: many payloads were dropped, never all delivered late.
    expect(got.length).toBeLessThan(published * 0.8);
    const seqs = got.map((m) => m.data.n as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs.at(-1)).toBe(lastBig);
    await until(() => s.hub.pendingTotal() === 0, 'the pending map to drain');
    expect(p.closed).toBeNull();
  }, 30_000);
});

describe('/ws: keep-alive', () => {
  it('terminates a client that never answers pings; a normal client stays', async () => {
    const s = await boot({ collectors: [counter('a', 0.1)], pingIntervalMs: 100 });
    const normal = await connect();
    let pings = 0;
    normal.ws.on('ping', () => pings++);
    const silent = await connect(s.wsUrl(), { autoPong: false });
    await silent.waitFor(isType('hello'), 'hello');
    expect(s.hub.size).toBe(2);

    const closed = await silent.waitClosed(5000);
    expect(closed.code).toBe(1006); // terminated: no close frame
    await until(() => s.hub.size === 1, 'the hub to forget the silent client');
    // The normal client keeps getting pings (answered automatically) and stays connected.
    await sleep(800);
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(normal.closed).toBeNull();
    expect(normal.ws.readyState).toBe(WebSocket.OPEN);
    const from = normal.messages.length;
    await normal.waitFor(fromPlugin('a'), 'a sample', from);
    expect(s.hub.size).toBe(1);
  });
});
