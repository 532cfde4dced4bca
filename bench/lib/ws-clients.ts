/**
 * Many WebSocket clients in one process, for bench/ws.ts (run as its own process so that the
 * server's CPU is measured apart). Each client reads every message; for each message
 * `{"plugin":…,"data":…,"ts":…}` it takes the lag = receive time (Date.now()) − ts, where ts is
 * the server's wall-clock time when the collector published the payload. The envelope is not
 * JSON-parsed (the plugin name is read from its head and ts from its tail), so a client costs
 * about what a frame costs to receive.
 *
 *   node --import tsx bench/lib/ws-clients.ts ws://127.0.0.1:PORT/ws COUNT
 *
 * Protocol on stdin/stdout, one line each:
 *   → {"ready":COUNT}                       once every client is open and has its hello
 *   ← start MS                              count messages with ts ≥ MS from now on
 *   ← stop MS                               … and ts < MS; report after a grace period
 *   → {"report":{…}}                        see Report
 * Connections stay open until SIGTERM.
 */
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const [url, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!url || !Number.isInteger(count) || count <= 0) {
  console.error('usage: ws-clients.ts URL COUNT');
  process.exit(2);
}

/** Largest lag kept in the histogram, ms; later ones count in the last bucket. */
const MAX_LAG_MS = 60_000;
/** After `stop`, how long messages stamped before it may still arrive. */
const GRACE_MS = 3000;
/** Connections opened at once (the server's listen backlog is finite). */
const CONNECT_BATCH = 50;

export interface Report {
  clients: number;
  /** Messages in the window, per client (index = client). */
  perClient: number[];
  /** Updates seen in the window: "plugin@ts" → how many of these clients received it. */
  updates: Record<string, number>;
  /** Lag histograms per collector: plugin → [ms, messages] for every lag seen. */
  lag: Record<string, Array<[number, number]>>;
  /** Per client: when its connection opened (wall ms) and its lags summed, ms. */
  openedAt: number[];
  lagSum: number[];
  bytes: number;
  /** Messages outside the protocol (no plugin/ts). */
  other: number;
  errors: number;
  /** Clients whose connection closed during the run, and the close codes seen. */
  closed: number;
  closeCodes: Record<string, number>;
}

const lag = new Map<string, Map<number, number>>();
const perClient = new Array<number>(count).fill(0);
const openedAt = new Array<number>(count).fill(0);
const lagSum = new Array<number>(count).fill(0);
const updates = new Map<string, number>();
let bytes = 0;
let other = 0;
let errors = 0;
let closed = 0;
const closeCodes: Record<string, number> = {};
let from = Number.POSITIVE_INFINITY;
let until = Number.POSITIVE_INFINITY;

const PLUGIN_HEAD = Buffer.from('{"plugin":"');
const TS_KEY = Buffer.from(',"ts":');

function onMessage(i: number, data: Buffer): void {
  const now = Date.now();
  if (data.compare(PLUGIN_HEAD, 0, PLUGIN_HEAD.length, 0, PLUGIN_HEAD.length) !== 0) {
    other++;
    return;
  }
  const at = data.lastIndexOf(TS_KEY);
  const ts = at < 0 ? Number.NaN : Number(data.toString('latin1', at + TS_KEY.length, data.length - 1));
  if (!Number.isFinite(ts)) {
    other++;
    return;
  }
  if (ts < from || ts >= until) return;
  const end = data.indexOf(34, PLUGIN_HEAD.length); // the closing quote of the plugin name
  const plugin = data.toString('latin1', PLUGIN_HEAD.length, end);
  const key = `${plugin}@${ts}`;
  updates.set(key, (updates.get(key) ?? 0) + 1);
  perClient[i]!++;
  bytes += data.length;
  const ms = Math.min(MAX_LAG_MS, Math.max(0, now - ts));
  lagSum[i]! += ms;
  let h = lag.get(plugin);
  if (!h) {
    h = new Map();
    lag.set(plugin, h);
  }
  h.set(ms, (h.get(ms) ?? 0) + 1);
}

function open(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url!, { perMessageDeflate: false });
    let hello = false;
    ws.on('open', () => {
      openedAt[i] = Date.now();
    });
    ws.on('message', (data: Buffer) => {
      if (!hello) {
        hello = true;
        resolve();
      }
      onMessage(i, data);
    });
    ws.on('error', (err) => {
      errors++;
      if (!hello) reject(err);
    });
    ws.on('close', (code) => {
      closed++;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    });
  });
}

for (let i = 0; i < count; i += CONNECT_BATCH) {
  const batch: Promise<void>[] = [];
  for (let j = i; j < Math.min(count, i + CONNECT_BATCH); j++) batch.push(open(j));
  await Promise.all(batch);
}
process.stdout.write(`${JSON.stringify({ ready: count })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'start') from = Number(arg);
  else if (cmd === 'stop') {
    until = Number(arg);
    setTimeout(() => {
      const report: Report = {
        clients: count,
        perClient,
        updates: Object.fromEntries(updates),
        lag: Object.fromEntries([...lag].map(([plugin, h]) => [plugin, [...h]])),
        openedAt,
        lagSum,
        bytes,
        other,
        errors,
        closed,
        closeCodes,
      };
      // Stop counting: the clients go on reading until SIGTERM.
      from = Number.POSITIVE_INFINITY;
      process.stdout.write(`${JSON.stringify({ report })}\n`);
    }, GRACE_MS);
  }
}
// stdin closed: the bench is gone.
process.exit(0);
