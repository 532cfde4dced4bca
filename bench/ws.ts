/**
 * WebSocket fan-out of `headroom serve` (every collector at 1 s): for N = 100, 500 and 1,000
 * clients on /ws, each reading every message, plus one deliberately stalled client — a raw TCP
 * connection that completes the WebSocket upgrade and then never reads again, so the kernel
 * buffers and then the server's socket buffer fill up.
 *
 *  - Delivery lag = the client's receive time (Date.now()) − the message's `ts`, the server's
 *    wall-clock time when the collector published the payload (src/core/runner.ts publish(); the
 *    collection itself happened just before). Both are whole milliseconds of the same clock, so
 *    lag has 1 ms resolution. p50 / p99 / max over every message of every client in the window.
 *  - Delivery: every update (plugin, ts) published in the window that any client received is
 *    expected at every client; clients that missed any are counted. The server conflates for a
 *    slow client (only the latest payload per collector waits), so a client that fell behind
 *    shows up here.
 *  - Server CPU (its process tree, ms per wall second) and RSS: idle before the clients connect,
 *    at the start of the window, largest, and at the end (growth = end − window start). The
 *    clients live in their own processes (bench/lib/ws-clients.ts), measured apart.
 *  - The stalled client: the server's send queue for it (Send-Q in /proc/net/tcp), the bytes the
 *    kernel holds unread on its side (Recv-Q), and whether and when the server dropped it (its
 *    socket no longer the server's: gone or orphaned). After the window the bench keeps watching,
 *    all clients still connected, until the server drops the stalled client or BENCH_WS_STALL_S
 *    (default 70) seconds after it connected — the server's keep-alive ping (every 30 s) drops a
 *    client that did not answer the previous ping, so 30–60 s after it connected.
 *
 * Budget (reported, never asserted): 1,000 clients with delivery p99 < 100 ms, and bounded server
 * memory with a stalled client.
 *
 * Run: `npx tsx bench/ws.ts` (or bench/run.sh ws). BENCH_WS_CLIENTS (comma-separated; default
 * 100,500,1000), BENCH_WS_PROCS (client processes; default one per 250 clients, at most 4),
 * BENCH_WARMUP_S (5), BENCH_DURATION_S (30), BENCH_WS_STALL_S (70; 0 = don't wait for the drop).
 * Refuses a busy machine (bench/lib/machine.ts: BENCH_WAIT_QUIET, BENCH_FORCE).
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startHeadroom } from './lib/headroom.js';
import { quietGate, seconds, sleep } from './lib/machine.js';
import { benchDir, type Daemon, startDaemon } from './lib/procs.js';
import { TreeMeter } from './lib/proctree.js';
import { f1, record, table } from './lib/results.js';
import type { Report } from './lib/ws-clients.js';

const BUDGET_P99_MS = 100;
const BUDGET_CLIENTS = 1000;

const warm = seconds('BENCH_WARMUP_S', 5);
const dur = seconds('BENCH_DURATION_S', 30);
const stallWaitS = process.env.BENCH_WS_STALL_S === '0' ? 0 : seconds('BENCH_WS_STALL_S', 70);
const sizes = (process.env.BENCH_WS_CLIENTS ?? '100,500,1000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const clientsTs = join(benchDir, 'lib', 'ws-clients.ts');

// ---- client processes ------------------------------------------------------------------------

interface ClientProc {
  d: Daemon;
  meter: TreeMeter;
  send(line: string): void;
  next(): Promise<Record<string, unknown>>;
}

function startClients(url: string, count: number): ClientProc {
  const d = startDaemon(process.execPath, ['--import', 'tsx', clientsTs, url, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let waiter: (() => void) | null = null;
  createInterface({ input: d.child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    waiter?.();
  });
  return {
    d,
    meter: new TreeMeter(d.pid),
    send: (line) => d.child.stdin!.write(`${line}\n`),
    next: async () => {
      const deadline = Date.now() + 120_000;
      while (lines.length === 0) {
        if (d.child.exitCode !== null) throw new Error(`ws-clients exited (${d.child.exitCode}):\n${d.output()}`);
        if (Date.now() > deadline) throw new Error(`ws-clients: no answer in 120 s:\n${d.output()}`);
        await Promise.race([new Promise<void>((r) => (waiter = r)), sleep(500)]);
        waiter = null;
      }
      return lines.shift()!;
    },
  };
}

// ---- the stalled client ----------------------------------------------------------------------

interface Stalled {
  socket: Socket;
  localPort: number;
  connectedAt: number;
}

/** Open /ws by hand, wait for the 101, then stop reading for good. */
function openStalled(port: number): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.once('data', (chunk: Buffer) => {
      const status = chunk.toString('latin1', 0, chunk.indexOf('\r\n'));
      if (!status.includes(' 101 ')) {
        socket.destroy();
        reject(new Error(`stalled client: upgrade refused: ${status}`));
        return;
      }
      // From here on nothing is read: Node stops reading once its own small buffer is full, then
      // the kernel's receive buffer fills and the server's writes back up.
      socket.pause();
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve({ socket, localPort: socket.localPort!, connectedAt: Date.now() });
    });
  });
}

interface TcpEntry {
  state: number;
  txQueue: number;
  rxQueue: number;
  inode: number;
}

/** The IPv4 TCP socket from local port `lport` to remote port `rport`, from /proc/net/tcp. */
function tcpEntry(lport: number, rport: number): TcpEntry | null {
  const lines = readFileSync('/proc/net/tcp', 'latin1').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (Number.parseInt(f[1]!.split(':')[1]!, 16) !== lport || Number.parseInt(f[2]!.split(':')[1]!, 16) !== rport) continue;
    const [tx, rx] = f[4]!.split(':');
    return { state: Number.parseInt(f[3]!, 16), txQueue: Number.parseInt(tx!, 16), rxQueue: Number.parseInt(rx!, 16), inode: Number(f[9]) };
  }
  return null;
}

interface StallState {
  /** The server still holds the connection (ESTABLISHED and its socket not orphaned). */
  open: boolean;
  serverSendQ: number;
  clientRecvQ: number;
}

function stallState(serverPort: number, s: Stalled): StallState {
  const server = tcpEntry(serverPort, s.localPort);
  const client = tcpEntry(s.localPort, serverPort);
  return {
    open: server !== null && server.state === 1 && server.inode !== 0,
    serverSendQ: server?.txQueue ?? 0,
    clientRecvQ: client?.rxQueue ?? 0,
  };
}

// ---- one run ---------------------------------------------------------------------------------

interface Run {
  n: number;
  procs: number;
  expected: number;
  perClientMin: number;
  perClientMax: number;
  missing: number;
  closed: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  messages: number;
  mbPerS: number;
  serverCpu: number;
  clientCpu: number;
  rssIdle: number;
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  rssAfterWatch: number;
  stallSendQMax: number;
  stallRecvQMax: number;
  /** Seconds from the stalled client's connect to the server dropping it; NaN: still open. */
  stallDroppedAfterS: number;
  stallWatchedS: number;
  /** Median lag per collector, ms. */
  lagByPlugin: Array<[string, number]>;
  /** Mean lag of the first and last tenth of the clients in connection order, ms. */
  lagFirstTenth: number;
  lagLastTenth: number;
  serverLog: string[];
}

function percentile(hist: Map<number, number>, total: number, q: number): number {
  const keys = [...hist.keys()].sort((a, b) => a - b);
  const target = Math.ceil(q * total);
  let acc = 0;
  for (const k of keys) {
    acc += hist.get(k)!;
    if (acc >= target) return k;
  }
  return Number.NaN;
}

async function run(n: number): Promise<Run> {
  const h = await startHeadroom(1);
  const clients: ClientProc[] = [];
  let stalled: Stalled | null = null;
  try {
    const server = new TreeMeter(h.daemon.pid);
    await sleep(1000);
    const rssIdle = server.read().rssKb;
    const nprocs = Math.max(1, Number(process.env.BENCH_WS_PROCS) || Math.min(4, Math.ceil(n / 250)));
    const wsUrl = `ws://127.0.0.1:${h.port}/ws`;
    for (let i = 0; i < nprocs; i++) {
      const count = Math.floor(n / nprocs) + (i < n % nprocs ? 1 : 0);
      clients.push(startClients(wsUrl, count));
    }
    for (const c of clients) await c.next();
    stalled = await openStalled(h.port);
    console.error(`ws: ${n} clients in ${nprocs} process(es) and 1 stalled client connected; warm-up ${warm} s`);
    await sleep(warm * 1000);

    let sendQMax = 0;
    let recvQMax = 0;
    let droppedAt = Number.NaN;
    const watchStall = (st: Stalled) => {
      const s = stallState(h.port, st);
      sendQMax = Math.max(sendQMax, s.serverSendQ);
      recvQMax = Math.max(recvQMax, s.clientRecvQ);
      if (!s.open && Number.isNaN(droppedAt)) droppedAt = Date.now();
    };

    const from = Date.now();
    const s0 = server.read();
    const c0 = clients.map((c) => c.meter.read().cpuMs);
    const t0 = performance.now();
    for (const c of clients) c.send(`start ${from}`);
    let rssMax = s0.rssKb;
    const end = t0 + dur * 1000;
    while (performance.now() < end) {
      await sleep(Math.min(1000, end - performance.now()));
      rssMax = Math.max(rssMax, server.read().rssKb);
      watchStall(stalled);
    }
    const until = Date.now();
    for (const c of clients) c.send(`stop ${until}`);
    const s1 = server.read();
    const c1 = clients.map((c) => c.meter.read().cpuMs);
    const elapsed = (performance.now() - t0) / 1000;
    const reports = await Promise.all(clients.map(async (c) => (await c.next()).report as Report));
    const rssEnd = s1.rssKb;

    // Keep everything connected until the server drops the stalled client (or we give up).
    const watchUntil = stalled.connectedAt + stallWaitS * 1000;
    while (Number.isNaN(droppedAt) && Date.now() < watchUntil) {
      await sleep(1000);
      rssMax = Math.max(rssMax, server.read().rssKb);
      watchStall(stalled);
    }
    watchStall(stalled);
    const rssAfterWatch = server.read().rssKb;

    // Merge the client processes' reports.
    const lag = new Map<number, number>();
    const byPlugin = new Map<string, Map<number, number>>();
    const updates = new Map<string, number>();
    const perClient: number[] = [];
    const order: Array<{ openedAt: number; meanLag: number }> = [];
    let bytes = 0;
    let closed = 0;
    let errors = 0;
    for (const r of reports) {
      for (const [plugin, hist] of Object.entries(r.lag)) {
        let h = byPlugin.get(plugin);
        if (!h) {
          h = new Map();
          byPlugin.set(plugin, h);
        }
        for (const [ms, k] of hist) {
          lag.set(ms, (lag.get(ms) ?? 0) + k);
          h.set(ms, (h.get(ms) ?? 0) + k);
        }
      }
      r.perClient.forEach((k, i) => {
        order.push({ openedAt: r.openedAt[i]!, meanLag: k > 0 ? r.lagSum[i]! / k : Number.NaN });
      });
      for (const [key, k] of Object.entries(r.updates)) updates.set(key, (updates.get(key) ?? 0) + k);
      perClient.push(...r.perClient);
      bytes += r.bytes;
      closed += r.closed;
      errors += r.errors;
    }
    const messages = perClient.reduce((a, b) => a + b, 0);
    order.sort((a, b) => a.openedAt - b.openedAt);
    const tenth = Math.max(1, Math.floor(order.length / 10));
    const meanOf = (xs: typeof order) => xs.reduce((a, b) => a + b.meanLag, 0) / xs.length;
    const histTotal = (h: Map<number, number>) => [...h.values()].reduce((a, b) => a + b, 0);
    const expected = updates.size;
    const log = h.daemon
      .output()
      .split('\n')
      .filter((l) => /warn|error|exceeded/i.test(l));
    if (h.daemon.child.exitCode !== null || h.daemon.child.signalCode !== null) {
      const how = h.daemon.child.exitCode ?? h.daemon.child.signalCode;
      console.error(`ws: the server exited (${how}) during the run at ${n} clients; its output:\n${h.daemon.output().slice(-4000)}`);
      log.unshift(`**server exited (${how}) during the run**`);
    }
    return {
      n,
      procs: nprocs,
      expected,
      perClientMin: Math.min(...perClient),
      perClientMax: Math.max(...perClient),
      missing: perClient.filter((k) => k < expected).length,
      closed,
      errors,
      p50: percentile(lag, messages, 0.5),
      p99: percentile(lag, messages, 0.99),
      max: Math.max(...lag.keys()),
      messages,
      mbPerS: bytes / elapsed / 1e6,
      serverCpu: (s1.cpuMs - s0.cpuMs) / elapsed,
      clientCpu: c1.reduce((a, b, i) => a + b - c0[i]!, 0) / elapsed,
      rssIdle: rssIdle / 1024,
      rssStart: s0.rssKb / 1024,
      rssMax: rssMax / 1024,
      rssEnd: rssEnd / 1024,
      rssAfterWatch: rssAfterWatch / 1024,
      stallSendQMax: sendQMax,
      stallRecvQMax: recvQMax,
      stallDroppedAfterS: (droppedAt - stalled.connectedAt) / 1000,
      stallWatchedS: (Date.now() - stalled.connectedAt) / 1000,
      lagByPlugin: [...byPlugin]
        .map(([plugin, h]): [string, number] => [plugin, percentile(h, histTotal(h), 0.5)])
        .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])),
      lagFirstTenth: meanOf(order.slice(0, tenth)),
      lagLastTenth: meanOf(order.slice(-tenth)),
      serverLog: log,
    };
  } finally {
    stalled?.socket.destroy();
    for (const c of clients) await c.d.stop();
    await h.stop();
  }
}

// ---- main ------------------------------------------------------------------------------------

const { load, warning } = await quietGate('ws');
const runs: Run[] = [];
for (const n of sizes) runs.push(await run(n));

const kb = (b: number) => f1(b / 1024);
const rows = runs.map((r) => [
  r.n,
  r.procs,
  `${r.p50} / ${r.p99} / ${r.max}`,
  r.expected,
  r.perClientMin === r.perClientMax ? r.perClientMin : `${r.perClientMin}–${r.perClientMax}`,
  r.missing,
  r.closed + r.errors,
  f1(r.mbPerS),
  f1(r.serverCpu),
  `${f1(r.rssIdle)} / ${f1(r.rssStart)} / ${f1(r.rssMax)} / ${f1(r.rssEnd)}`,
  f1(r.rssEnd - r.rssStart),
  f1(r.clientCpu),
]);
const stallRows = runs.map((r) => [
  r.n,
  kb(r.stallSendQMax),
  kb(r.stallRecvQMax),
  Number.isNaN(r.stallDroppedAfterS) ? `no (still open after ${f1(r.stallWatchedS)} s)` : `yes, ${f1(r.stallDroppedAfterS)} s after it connected`,
  f1(r.rssAfterWatch),
  f1(r.rssAfterWatch - r.rssStart),
]);
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const notes: string[] = [];
const big = runs.find((r) => r.n === BUDGET_CLIENTS);
if (big) {
  const ok = big.p99 < BUDGET_P99_MS && big.missing === 0 && big.closed + big.errors === 0;
  notes.push(
    `Budget: ${BUDGET_CLIENTS} clients with delivery p99 < ${BUDGET_P99_MS} ms, every client receiving every update → p99 ${big.p99} ms, ${big.missing} client(s) missed updates (${verdict(ok)}). ` +
      `Bounded memory with a stalled client: server RSS ${f1(big.rssStart)} MB at the window's start, ${f1(big.rssMax)} MB largest, ${f1(big.rssAfterWatch)} MB at the end (judge from the growth columns; the server keeps at most one payload per collector plus 256 KiB for a slow client, src/server/ws.ts).`,
  );
}
notes.push(
  `Every collector at 1 s; clients connected, ${warm} s warm-up, then ${dur} s measured per row; ${cpus().length} cores shared by the server and the client processes. ` +
    'Lag = client receive time − the message\'s `ts` (server wall clock when the collector published), whole ms. "updates" = distinct (collector, ts) messages stamped in the window; ' +
    '"msgs / client" should equal it; "missed" = clients that received fewer. Server CPU = its process tree, utime+stime per wall second. ' +
    'RSS idle = before the clients connected; growth = window end − window start.',
  'Stalled client: a raw TCP connection that completed the upgrade and never read again. Send-Q = bytes queued in the server\'s kernel socket for it, Recv-Q = bytes unread in its own; ' +
    '"dropped" = the server closed its side (socket gone or orphaned). RSS after = server RSS when the drop was seen (or when the bench stopped watching), growth from the window\'s start.',
);
for (const r of runs)
  notes.push(
    `At ${r.n} clients: mean lag of the first tenth of the clients to connect ${f1(r.lagFirstTenth)} ms, of the last tenth ${f1(r.lagLastTenth)} ms; ` +
      `median lag by collector: ${r.lagByPlugin.map(([p, ms]) => `${p} ${ms}`).join(', ')}.`,
  );
for (const r of runs)
  if (r.serverLog.length > 0) notes.push(`Server log at ${r.n} clients (warnings/errors): ${r.serverLog.slice(0, 5).join(' · ')}`);
record(
  'ws (WebSocket fan-out)',
  load,
  warning,
  [
    table(
      [
        'clients',
        'client procs',
        'lag ms p50 / p99 / max',
        'updates',
        'msgs / client',
        'missed',
        'closed/errors',
        'MB/s delivered',
        'server CPU ms/s',
        'server RSS MB idle / start / max / end',
        'RSS growth MB',
        'clients CPU ms/s',
      ],
      rows,
    ),
    '',
    table(['clients', 'stalled: server Send-Q KB max', 'stalled: Recv-Q KB max', 'dropped by server', 'server RSS MB after', 'RSS growth MB'], stallRows),
  ].join('\n'),
  notes,
);
