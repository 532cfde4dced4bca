/**
 * headroom next to its peers, measured the same way under the same conditions, one after the
 * other: headroom (every collector at 1 s, one WebSocket client and one GET /api a second),
 * node_exporter (GET /metrics a second), Glances (`-w --disable-webui -t 1`, GET /api/<v>/all a
 * second) and netdata (update every 1, default plugins with apps.plugin, GET
 * /api/v1/allmetrics?format=json a second), idle and again with BENCH_EXTRA_PROCS sleeping
 * processes. Per monitor: CPU ms per wall second of its whole process tree, RSS (sum over the
 * tree) mean and max, processes spawned while measured; the polling client is its own process
 * (one keep-alive connection) and its CPU is counted apart. headroom's figures are given as a
 * ratio to each peer's in the same scenario.
 *
 * Peers come from Debian (apt-get install --no-install-recommends when missing; a peer that cannot
 * be installed gets a row saying so), run on loopback ports with private directories, are kept
 * off the network and watched for it (see bench/lib/peers.ts), and are stopped by PID with every
 * process they started.
 *
 * Run (as root, for apt-get and netdata's user): `npx tsx bench/compare.ts`. Durations:
 * BENCH_WARMUP_S (10), BENCH_DURATION_S (60), BENCH_EXTRA_PROCS (3000); BENCH_MONITORS=a,b to run
 * some of headroom,node_exporter,glances,netdata only; BENCH_NO_RECORD=1 prints without
 * appending to RESULTS.md. Refuses a busy machine like the other benches (BENCH_WAIT_QUIET,
 * BENCH_FORCE).
 */
import { ensureBuilt, startHeadroom } from './lib/headroom.js';
import { quietGate, seconds, sleep } from './lib/machine.js';
import { type Measured, measureTrees } from './lib/measure.js';
import {
  ensurePeersInstalled,
  LoopbackWatch,
  netdataBlocked,
  nonLoopbackTxPackets,
  PEERS,
  type PeerInstall,
  type PeerName,
  startPeer,
  strayPeers,
} from './lib/peers.js';
import { type Daemon, startSleepers } from './lib/procs.js';
import { TreeMeter } from './lib/proctree.js';
import { f1, f2, record, table } from './lib/results.js';
import { headroomClient, procCount, startClient, stopClient } from './lib/scenarios.js';

type MonitorName = 'headroom' | PeerName;
const ALL: MonitorName[] = ['headroom', ...PEERS];

const warm = seconds('BENCH_WARMUP_S', 10);
const dur = seconds('BENCH_DURATION_S', 60);
const extra = seconds('BENCH_EXTRA_PROCS', 3000);
const only = process.env.BENCH_MONITORS?.split(',').map((s) => s.trim());
const monitors = ALL.filter((m) => !only || only.includes(m));
if (monitors.length === 0) throw new Error(`BENCH_MONITORS: none of ${ALL.join(', ')}`);
const peers = monitors.filter((m): m is PeerName => m !== 'headroom');

ensureBuilt();
const installs = ensurePeersInstalled(peers, (s) => console.error(s));
const strays = strayPeers();
for (const s of strays) console.error(`compare: not started by this bench, left alone: ${s}`);
const { load, warning } = await quietGate('compare');

interface Outcome {
  monitor: MonitorName;
  label: string;
  /** Figures, or why there are none. */
  result: { monitor: Measured; client: Measured; counts: string } | { missing: string };
  confinement: string;
}

function versionLabel(m: MonitorName, inst: PeerInstall | undefined): string {
  if (m === 'headroom') return 'headroom (all collectors at 1 s)';
  return inst?.version ? `${m} ${inst.version}` : m;
}

interface Started {
  daemon: Daemon;
  clientArgs: string[];
  stop(): Promise<void>;
  /** Extra lines about how it was confined, read before it is stopped. */
  after(): string[];
}

async function start(m: MonitorName): Promise<Started> {
  if (m === 'headroom') {
    const h = await startHeadroom(1);
    return { daemon: h.daemon, clientArgs: headroomClient(h.base), stop: h.stop, after: () => [] };
  }
  const p = await startPeer[m]();
  return {
    daemon: p.daemon,
    clientArgs: p.urls,
    stop: p.stop,
    after: () => {
      const out = [...p.notes];
      if (m === 'netdata') {
        const b = netdataBlocked(p);
        out.push(
          b.length === 0
            ? 'curl/wget stand-ins: not called'
            : `curl/wget stand-ins refused ${b.length} call(s) (${[...new Set(b.map((l) => l.split(' ').find((w) => w.startsWith('http')) ?? l))].slice(0, 3).join(', ')})`,
        );
      }
      return out;
    },
  };
}

async function measureOne(m: MonitorName, ignore: Set<number>): Promise<Outcome> {
  const inst = m === 'headroom' ? undefined : installs[m];
  const label = versionLabel(m, inst);
  if (inst && inst.version === null) return { monitor: m, label, result: { missing: inst.reason ?? 'not installed' }, confinement: '' };
  const tx0 = nonLoopbackTxPackets();
  let s: Started;
  try {
    s = await start(m);
  } catch (e) {
    return { monitor: m, label, result: { missing: `did not start: ${String((e as Error).message).split('\n')[0]}` }, confinement: '' };
  }
  let stopped = false;
  const stopMonitor = async () => {
    if (stopped) return;
    stopped = true;
    await s.stop();
  };
  const monitorMeter = new TreeMeter(s.daemon.pid, ignore);
  const watch = new LoopbackWatch(monitorMeter, (what) => {
    console.error(`compare: ${m} has a socket that is not loopback-only: ${what}; stopping it now`);
    void stopMonitor();
  });
  let client: Daemon | null = null;
  let after: string[] = [];
  let ss: { lines: number; bad: string[] } = { lines: 0, bad: [] };
  try {
    watch.start();
    client = startClient(s.clientArgs);
    const meters = { monitor: monitorMeter, client: new TreeMeter(client.pid, ignore) };
    const ssTimer = setTimeout(() => {
      ss = watch.ssCheck();
    }, (warm * 1000) / 2);
    const r = await measureTrees(meters, warm, dur);
    clearTimeout(ssTimer);
    watch.check();
    const counts = await stopClient(client);
    client = null;
    after = s.after();
    await stopMonitor();
    const tx = nonLoopbackTxPackets() - tx0;
    const sockets = [...watch.seen].filter((x) => / (LISTEN|UNCONN) /.test(x));
    const confinement = [
      `${label}: sockets ${sockets.length > 0 ? sockets.join(', ') : 'none listening'}`,
      `other sockets seen ${watch.seen.size - sockets.length}`,
      `ss -tuwanp: ${ss.lines} line(s) of its tree, ${ss.bad.length === 0 ? 'all loopback' : `NOT loopback: ${ss.bad.join(' | ')}`}`,
      `packets sent on non-loopback interfaces while it ran (whole machine): ${tx}`,
      ...after,
    ].join('; ');
    if (watch.violation) return { monitor: m, label, result: { missing: `stopped: socket not loopback-only: ${watch.violation}` }, confinement };
    return { monitor: m, label, result: { monitor: r.monitor, client: r.client, counts }, confinement };
  } finally {
    watch.stop();
    if (client) await client.stop();
    await stopMonitor();
  }
}

const rows: Array<Array<string | number>> = [];
const notes: string[] = [];
const ratio = (h: number, p: number) => (Number.isFinite(h) && Number.isFinite(p) && p > 0 ? `${f2(h / p)}×` : '—');

for (const procs of [0, extra]) {
  const sleepers = await startSleepers(procs);
  const run = procs === 0 ? 'idle' : `+${procs} sleeping processes`;
  const outcomes: Outcome[] = [];
  try {
    for (const m of monitors) {
      console.error(`compare: ${run}: ${m} (${warm} s warm-up + ${dur} s), ${procCount()} processes`);
      const o = await measureOne(m, sleepers.pids);
      if ('missing' in o.result) console.error(`compare: ${m}: ${o.result.missing}`);
      outcomes.push(o);
      if (o.confinement) notes.push(`- ${run}: ${o.confinement}.`);
      await sleep(1000);
    }
  } finally {
    await sleepers.stop();
  }
  const h = outcomes.find((o) => o.monitor === 'headroom')?.result;
  const hc = h && !('missing' in h) ? h.monitor.cpuMsPerS : Number.NaN;
  const hr = h && !('missing' in h) ? h.monitor.rssMaxMb : Number.NaN;
  for (const o of outcomes) {
    if ('missing' in o.result) {
      rows.push([run, o.label, `— (${o.result.missing})`, '—', '—', '—', '—', '—', '—', '—']);
      continue;
    }
    const { monitor: mm, client: cc, counts } = o.result;
    const peer = o.monitor !== 'headroom';
    rows.push([
      run,
      o.label,
      f2(mm.cpuMsPerS),
      f1(mm.rssMeanMb),
      f1(mm.rssMaxMb),
      mm.spawned,
      f2(cc.cpuMsPerS),
      counts,
      peer ? ratio(hc, mm.cpuMsPerS) : '—',
      peer ? ratio(hr, mm.rssMaxMb) : '—',
    ]);
  }
}

const versions = peers.map((p) => `${p} ${installs[p].version ?? `missing (${installs[p].reason})`}`).join(', ');
record(
  'compare (headroom and peers)',
  load,
  warning,
  table(
    [
      'run',
      'monitor',
      'CPU ms/s',
      'RSS MB mean',
      'RSS MB max',
      'spawned',
      'client CPU ms/s',
      'requests ok',
      'headroom ÷ peer CPU',
      'headroom ÷ peer RSS max',
    ],
    rows,
  ),
  [
    `Warm-up ${warm} s, then ${dur} s measured per row, one monitor at a time. CPU = utime+stime+cutime+cstime of the monitor's process tree from /proc, per wall second; RSS = sum of VmRSS over the tree. The client is its own Node process with one keep-alive connection, GETting once a second (headroom: also one WebSocket); its CPU is the "client" column, not the monitor's. Ratios: headroom's figure ÷ the peer's in the same run (below 1 = headroom uses less).`,
    `Peers from Debian (${versions || 'none'}), installed with --no-install-recommends. node_exporter: default collectors, /metrics without gzip. Glances: private config (Debian's, check_update off, ports-plugin gateway scan off, public IP and cloud off), -w --disable-webui -t 1. netdata: private config, update every 1, dbengine, default plugins, health on with the alarm script /bin/true.`,
    'Loopback only: every peer binds 127.0.0.1; proxies point at the dead port 127.0.0.1:9; netdata runs with DO_NOT_TRACK=1, registry off and curl/wget replaced on its PATH; the sockets of every monitor tree are read once a second (a socket bound to or connected to a non-loopback address stops the monitor and voids its row) and once with ss:',
    ...notes,
    ...(strays.length > 0 ? [`Peer processes running that this bench did not start (not measured, but loading the machine): ${strays.join('; ')}.`] : []),
  ],
);
