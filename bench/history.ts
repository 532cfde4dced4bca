/**
 * History store benchmark: a simulated host (~320 series shaped like real collector output, see
 * test/history/sim.ts) written through the real writer into a real SQLite file —
 *   phase A: 30 days at a 60 s interval, flushed every 5 min of simulated time (fills the
 *            minute and hour tiers; raw retention removes its raw samples as it goes);
 *   phase B: the last 24 h at a 2 s interval, flushed every 5 s as the server does.
 * Then: bytes per sample, flush times, query latency (in-process and through the HTTP route),
 * startup (reopen) time, and a check of minute rollups against the raw samples.
 * Run: `npx tsx bench/history.ts [cores]` — prints a table and appends it to bench/RESULTS.md.
 */
import { resultHeading } from './heading.js';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { Engine } from '../src/core/engine.js';
import { ManualClock } from '../src/core/clock.js';
import { MetricRing, seriesKey } from '../src/core/ring.js';
import { queryHistory } from '../src/history/reader.js';
import { rollupAll } from '../src/history/rollup.js';
import { DEFAULT_TUNING, History, metaFor } from '../src/history/service.js';
import { registerHistoryRoutes } from '../src/server/routes/history.js';
import { historyConfig } from '../test/history/helpers.js';
import { simulatedHost } from '../test/history/sim.js';

const cores = Number(process.argv[2] ?? 64);
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
const path = join(dir, 'history.db');
const T_END = Date.UTC(2026, 5, 1);
const T_START = T_END - 31 * DAY;
const clock = new ManualClock(0, T_START);
const newHistory = () =>
  new History(historyConfig(path), { clock, ring: new MetricRing(10), log: () => {}, latest: () => undefined }, {
    ...DEFAULT_TUNING,
    flushEveryMs: 5000,
    maintainEveryMs: 3_600_000,
  });
let h = newHistory();
h.start();
const host = simulatedHost(1, cores, 8, 8);
const states = host.map((s) => {
  const key = seriesKey(s.collector, s.spec.name, s.labels);
  return h.writer!.seriesFor(metaFor(s.collector, s.spec, s.labels, key))!;
});
const keys = states.map((s) => s.meta.key);

const flushMs: number[] = [];
const flushCpuMs: number[] = [];
const maintainMs: number[] = [];
const keep = new Map<number, { t: number[]; v: number[] }>([0, 17, 40, 100, 200].map((i) => [i, { t: [], v: [] }]));
function run(until: number, intervalMs: number, flushEveryMs: number): number {
  let samples = 0;
  let nextFlush = clock.wallMs() + flushEveryMs;
  let nextMaintain = clock.wallMs() + 3_600_000;
  while (clock.wallMs() < until) {
    const t = clock.wallMs();
    for (let i = 0; i < states.length; i++) {
      const v = host[i]!.next();
      states[i]!.addRaw(t, v);
      const k = keep.get(i);
      if (k && t >= T_END - DAY) {
        k.t.push(t);
        k.v.push(v);
      }
    }
    samples += states.length;
    clock.advance(intervalMs);
    if (clock.wallMs() >= nextFlush) {
      const cpu0 = process.cpuUsage();
      h.flush();
      const cpu = process.cpuUsage(cpu0);
      flushMs.push(h.lastFlush!.ms);
      flushCpuMs.push((cpu.user + cpu.system) / 1000);
      nextFlush += flushEveryMs;
    }
    if (clock.wallMs() >= nextMaintain) {
      const m0 = performance.now();
      h.maintain();
      maintainMs.push(performance.now() - m0);
      nextMaintain += 3_600_000;
    }
  }
  return samples;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const wall0 = performance.now();
const samplesA = run(T_END - DAY, 60_000, 300_000);
flushMs.length = 0;
flushCpuMs.length = 0;
const samplesB = run(T_END, 2000, 5000);
const simS = (performance.now() - wall0) / 1000;
h.maintain();
const st = h.status();
const pages = h.store!.db
  .prepare("SELECT sum(pgsize) AS bytes, sum(payload) AS payload FROM dbstat WHERE name = 'chunks'")
  .get() as { bytes: number; payload: number };
const records = Object.values(st.tiers).reduce((a, t) => a + t.samples, 0);

const time = (f: () => unknown, n = 20) => {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return { median: pct(ms, 0.5), max: Math.max(...ms) };
};
const twenty = keys.slice(0, 20);
const now = clock.wallMs();
const q24 = time(() => queryHistory(h, twenty, now - DAY, now, 60_000));
const q30 = time(() => queryHistory(h, twenty, now - 30 * DAY, now, 3_600_000));
const q1h = time(() => queryHistory(h, twenty, now - 3_600_000, now, 2000));
const app = Fastify();
registerHistoryRoutes(app, { history: h } as unknown as Engine);
await app.ready();
const series = twenty.map((k) => `series=${encodeURIComponent(k)}`).join('&');
const http = async (from: string, step: string) => {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const res = await app.inject({ url: `/api/history?${series}&from=${from}&to=${now}&step=${step}` });
    ms.push(performance.now() - t0);
    bytes = res.body.length;
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  return { median: pct(ms, 0.5), max: Math.max(...ms), bytes };
};
const h24 = await http(String(now - DAY), '60');
const h30 = await http(String(now - 30 * DAY), '3600');

// Minute rollups against the raw samples kept for a few series (the last 24 h).
let checked = 0;
let wrong = 0;
for (const [i, k] of keep) {
  const want = rollupAll(k.t, k.v, 60_000).slice(0, -1);
  const got = h.writer!.read(states[i]!, 1, want[0]!.t, want[want.length - 1]!.t);
  want.forEach((w, j) => {
    checked++;
    const ok = got.t[j] === w.t && got.cols[0]![j] === w.min && got.cols[2]![j] === w.max && Math.abs(got.cols[1]![j]! - w.avg) < 0.01 && got.cols[3]![j] === w.count;
    if (!ok) wrong++;
  });
}

h.close();
const reopen0 = performance.now();
h = newHistory();
h.start();
const reopenMs = performance.now() - reopen0;
h.close();
rmSync(dir, { recursive: true, force: true });

const raw = st.tiers.raw!;
const f = (x: number, d = 2) => x.toFixed(d);
const rows = [
  ['series', String(states.length)],
  ['samples written (30 d @ 60 s + 24 h @ 2 s)', `${(samplesA + samplesB).toLocaleString('en')} in ${f(simS, 1)} s`],
  ['raw tier: compressed bytes / sample', f(raw.bytes / raw.samples, 3)],
  ['whole file / records held (24 h raw + 30 d minute + 30 d hour)', `${f(st.disk_bytes / records, 3)} B (${f(st.disk_bytes / 1048576, 1)} MB for ${records.toLocaleString('en')} records, ${raw.samples.toLocaleString('en')} of them raw)`],
  ['chunks table: blob bytes in page bytes (fill)', `${f(pages.payload / 1048576, 1)} MB in ${f(pages.bytes / 1048576, 1)} MB (${f((100 * pages.payload) / pages.bytes, 0)} %)`],
  ['minute tier: bytes / record (min,avg,max,count)', f(st.tiers.minute!.bytes / st.tiers.minute!.samples, 3)],
  ['hour tier: bytes / record', f(st.tiers.hour!.bytes / st.tiers.hour!.samples, 3)],
  ['flush every 5 s (2 s samples), wall: median / p99 / longest ms', `${f(pct(flushMs, 0.5))} / ${f(pct(flushMs, 0.99))} / ${f(Math.max(...flushMs))} (${flushMs.length} flushes)`],
  ['flush every 5 s, process CPU: median / p99 / max ms', `${f(pct(flushCpuMs, 0.5))} / ${f(pct(flushCpuMs, 0.99))} / ${f(Math.max(...flushCpuMs))}`],
  ['hourly maintenance (retention, cap, vacuum): median / longest ms', `${f(pct(maintainMs, 0.5))} / ${f(Math.max(...maintainMs))}`],
  ['query 24 h @ 60 s, 20 series (minute tier): median / max ms', `${f(q24.median)} / ${f(q24.max)}`],
  ['query 30 d @ 1 h, 20 series (hour tier): median / max ms', `${f(q30.median)} / ${f(q30.max)}`],
  ['query 1 h @ 2 s, 20 series (raw tier): median / max ms', `${f(q1h.median)} / ${f(q1h.max)}`],
  ['HTTP GET /api/history 24 h @ 60 s, 20 series: median / max ms', `${f(h24.median)} / ${f(h24.max)} (${(h24.bytes / 1024).toFixed(0)} KB JSON)`],
  ['HTTP GET /api/history 30 d @ 1 h, 20 series: median / max ms', `${f(h30.median)} / ${f(h30.max)} (${(h30.bytes / 1024).toFixed(0)} KB JSON)`],
  ['minute rollups vs raw (5 series, 24 h)', `${checked - wrong}/${checked} buckets equal`],
  ['reopen (load + log replay + rollup rebuild) ms', f(reopenMs)],
];
const load = loadavg()[0]!.toFixed(1);
const table = [
  '',
  resultHeading('history'),
  '',
  '| measure | value |',
  '|---|---|',
  ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  '',
  `Load average at the end: ${load} (other work on this machine inflates wall times; CPU columns are the process's own).`,
].join('\n');
console.log(table);
if (!process.argv.includes('--no-record')) appendFileSync(new URL('./RESULTS.md', import.meta.url), `${table}\n`);
