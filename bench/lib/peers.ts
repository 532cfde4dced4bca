/**
 * Peers for bench/compare.ts: node_exporter, Glances and netdata from Debian, each started on a
 * loopback port with private directories, kept off the network, watched while it runs and
 * stopped by PID together with every process it started.
 *
 * Network rule: a peer may talk to 127.0.0.0/8 and ::1 only. How each one is held to it:
 * - node_exporter: `--web.listen-address=127.0.0.1:PORT`; it makes no outbound connections.
 * - Glances: `--bind 127.0.0.1`, `--disable-check-update`, `--disable-autodiscover`, a private
 *   config (copy of Debian's with check_update=false, the ports plugin's default-gateway scan off,
 *   the public-IP lookup and the cloud plugin off) and http(s)_proxy / all_proxy (both cases)
 *   pointed at the dead port 127.0.0.1:9, so the cloud plugin's request for 169.254.169.254 (made
 *   even when the plugin is disabled, whenever python3-requests is installed; Debian's glances
 *   does not pull it in) or any other HTTP request goes nowhere.
 * - netdata: DO_NOT_TRACK=1, its own netdata.conf (`bind to = 127.0.0.1:PORT`, statsd on
 *   127.0.0.1, registry off and announcing itself, no DNS lookups in the ACLs, alarm script
 *   /bin/true so no notification mail) and cache/lib/log/config dirs in a temporary directory
 *   with the anonymous-statistics opt-out file. Its start-up script system-info.sh asks cloud
 *   metadata services with `curl --noproxy '*'` (169.254.169.254 and a DNS lookup of
 *   metadata.google.internal), which no proxy setting stops: netdata's PATH starts with a private
 *   directory whose `curl` and `wget` refuse (exit 7) and log the attempt.
 * While a monitor runs, LoopbackWatch reads the sockets of every process of its tree once a
 * second (/proc/<pid>/fd against /proc/net/{tcp,udp,raw,icmp}{,6}) and stops the monitor at
 * once if one is bound to or connected to anything but loopback; `ss -tuwanp` is read once too;
 * and the packets sent on non-loopback interfaces during the run are counted (0 on a quiet machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sleep } from './machine.js';
import { type Daemon, startDaemon, stopPid } from './procs.js';
import type { TreeMeter } from './proctree.js';

export type PeerName = 'node_exporter' | 'glances' | 'netdata';
export const PEERS: PeerName[] = ['node_exporter', 'glances', 'netdata'];

/** Debian packages per peer (Glances' web server needs python3-bottle, only a Recommends). */
const PACKAGES: Record<PeerName, string[]> = {
  node_exporter: ['prometheus-node-exporter'],
  glances: ['glances', 'python3-bottle'],
  netdata: ['netdata'],
};
const BINARIES: Record<PeerName, string> = {
  node_exporter: '/usr/bin/prometheus-node-exporter',
  glances: '/usr/bin/glances',
  netdata: '/usr/sbin/netdata',
};
/** Ports the Debian services would listen on (node_exporter, netdata, Glances server and web). */
const SERVICE_PORTS = [9100, 19999, 61208, 61209];
/** Where every proxy-aware HTTP client of a peer is sent: nothing listens on the discard port. */
export const DEAD_PROXY = 'http://127.0.0.1:9';

// ---------------------------------------------------------------- installation

function dpkgVersion(pkg: string): string | null {
  // dpkg-query's own ${Field} format, not a template string.
  const format = ['-f=$', '{Status}\t$', '{Version}'].join('');
  const r = spawnSync('dpkg-query', ['-W', format, pkg], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [status, version] = r.stdout.split('\t');
  return status?.endsWith(' installed') && version ? version : null;
}

export interface PeerInstall {
  /** Version of the peer's main package, or null when it is not there. */
  version: string | null;
  /** Why it is missing (apt-get's last lines), when it is. */
  reason: string | null;
}

/** A pid with its start time (field 22 of /proc/<pid>/stat), so that a reused pid is never hit. */
interface ProcId {
  pid: number;
  start: string;
}

function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** A process of a peer package: its binaries, netdata's plugins, Python running glances. */
function isPeerProcess(pid: number): boolean {
  let exe = '';
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {}
  if (Object.values(BINARIES).includes(exe) || exe.startsWith('/usr/lib/netdata/')) return true;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    return cmd.some((a) => a === BINARIES.glances || a.startsWith('/usr/lib/netdata/') || a === BINARIES.netdata);
  } catch {
    return false;
  }
}

function peerProcesses(exclude: ReadonlySet<number> = new Set()): ProcId[] {
  const out: ProcId[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid || exclude.has(pid) || !isPeerProcess(pid)) continue;
    const f = statFields(pid);
    if (f) out.push({ pid, start: f[19]! });
  }
  return out;
}

/**
 * Install the peers that are missing with apt-get (`apt-get update` once if that fails), then
 * make sure the packages' maintainer scripts left nothing running: any peer process that was not
 * there before the install is stopped by PID. Never throws: a peer that cannot be had comes back
 * with version null and the reason.
 */
export function ensurePeersInstalled(peers: PeerName[], log: (s: string) => void): Record<PeerName, PeerInstall> {
  const out = {} as Record<PeerName, PeerInstall>;
  const missing = peers.flatMap((p) => PACKAGES[p].filter((pkg) => dpkgVersion(pkg) === null));
  let failure: string | null = null;
  if (missing.length > 0 && typeof process.getuid === 'function' && process.getuid() !== 0) {
    failure = `not installed (${missing.join(', ')}), and installing needs root`;
    log(`compare: ${failure}`);
  } else if (missing.length > 0) {
    const before = new Set(peerProcesses().map((p) => `${p.pid}:${p.start}`));
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
    log(`compare: installing ${missing.join(' ')} (apt-get install -y --no-install-recommends)`);
    let r = install();
    const listsMissing = /Unable to locate package|has no installation candidate|Unable to fetch|404\s+Not Found/i;
    if (r.status !== 0 && listsMissing.test(`${r.stderr}\n${r.stdout}`)) {
      log('compare: apt-get install failed on package lists; running apt-get update once and trying again');
      spawnSync('apt-get', ['update'], { encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'inherit'] });
      r = install();
    }
    if (r.status !== 0) {
      const text = `${r.error?.message ?? ''}\n${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n');
      failure = text
        .filter((l) => /^E:|error|denied|permission/i.test(l))
        .slice(-2)
        .join(' / ');
      failure = `apt-get install failed: ${failure || text.slice(-1)[0] || `exit ${r.status}`}`;
      log(`compare: ${failure}`);
    }
    // Daemons started by the packages' scripts (an init script, a service manager): stop them.
    const started = peerProcesses().filter((p) => !before.has(`${p.pid}:${p.start}`));
    for (const p of started) log(`compare: the install left ${p.pid} (${readCmd(p.pid)}) running: stopping it by PID`);
    stopProcIds(started);
  }
  for (const p of peers) {
    const version = dpkgVersion(PACKAGES[p][0]!);
    const others = PACKAGES[p].slice(1).filter((pkg) => dpkgVersion(pkg) === null);
    if (version !== null && others.length === 0 && existsSync(BINARIES[p])) out[p] = { version, reason: null };
    else out[p] = { version: null, reason: failure ?? `not installed: ${[...(version ? [] : [PACKAGES[p][0]]), ...others].join(', ')}` };
  }
  return out;
}

function readCmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 120);
  } catch {
    return '?';
  }
}

function sameProcess(p: ProcId): boolean {
  const f = statFields(p.pid);
  return f !== null && f[19] === p.start && f[0] !== 'Z';
}

function stopProcIds(ids: ProcId[]): void {
  for (const p of ids) {
    if (!sameProcess(p)) continue;
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {}
  }
  const deadline = Date.now() + 5000;
  while (ids.some(sameProcess) && Date.now() < deadline) spawnSync('sleep', ['0.1']);
  for (const p of ids) {
    if (!sameProcess(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * Peer daemons this bench did not start (a packaged service, another user's) and anything on the
 * Debian services' ports: they are not measured but load the machine, so the run notes them.
 */
export function strayPeers(): string[] {
  const out = peerProcesses().map((p) => `${p.pid} ${readCmd(p.pid)}`);
  for (const s of readSockets()) {
    if (s.state === 'LISTEN' && SERVICE_PORTS.includes(s.localPort)) out.push(`something listens on ${s.local} (${s.proto})`);
  }
  return out;
}

// ---------------------------------------------------------------- sockets

interface SockEntry {
  proto: string;
  local: string;
  localPort: number;
  remote: string;
  state: string;
  inode: number;
  loopback: boolean;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** A /proc/net address (hex, host byte order per 32-bit word) as text, and whether it is loopback or unspecified. */
function decodeAddr(hex: string): { text: string; port: number; loopback: boolean; unspecified: boolean } {
  const [a = '', p = '0'] = hex.split(':');
  const port = Number.parseInt(p, 16);
  const bytes: number[] = [];
  for (let w = 0; w < a.length; w += 8) {
    const word = a.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(word.slice(b, b + 2), 16));
  }
  const unspecified = bytes.every((b) => b === 0);
  if (bytes.length === 4) {
    return { text: `${bytes.join('.')}:${port}`, port, loopback: bytes[0] === 127, unspecified };
  }
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  const v6loop = bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = mapped ? `[::ffff:${bytes.slice(12).join('.')}]:${port}` : `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${port}`;
  return { text, port, loopback: v6loop || (mapped && bytes[12] === 127), unspecified };
}

const NET_FILES = ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'icmp', 'icmp6'];

/**
 * Every socket of this network namespace. A socket is "loopback" when its local address is
 * loopback and its peer is loopback or none (a wildcard bind, 0.0.0.0 or ::, is not).
 */
function readSockets(): SockEntry[] {
  const out: SockEntry[] = [];
  for (const f of NET_FILES) {
    let text = '';
    try {
      text = readFileSync(`/proc/net/${f}`, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10) continue;
      const l = decodeAddr(c[1]!);
      const r = decodeAddr(c[2]!);
      const tcp = f.startsWith('tcp');
      out.push({
        proto: f,
        local: l.text,
        localPort: l.port,
        remote: r.text,
        state: tcp ? (TCP_STATES[c[3]!] ?? c[3]!) : c[3] === '07' ? 'UNCONN' : 'CONN',
        inode: Number(c[9]),
        loopback: l.loopback && (r.loopback || r.unspecified),
      });
    }
  }
  return out;
}

function socketInodes(pid: number): number[] {
  const out: number[] = [];
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.push(Number(m[1]));
    } catch {}
  }
  return out;
}

/** Packets sent on every interface but lo since boot (/proc/net/dev). */
export function nonLoopbackTxPackets(): number {
  let n = 0;
  for (const line of readFileSync('/proc/net/dev', 'latin1').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || name!.trim() === 'lo') continue;
    n += Number(rest.trim().split(/\s+/)[9]);
  }
  return n;
}

/**
 * Once a second: list the sockets of every process of a monitor's tree (the meter is polled
 * first, so processes born during warm-up are known before the measured window starts) and call
 * `onViolation` for the first one that is not loopback-only. Keeps a list of what it saw.
 */
export class LoopbackWatch {
  readonly seen = new Set<string>();
  violation: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly meter: TreeMeter,
    private readonly onViolation: (what: string) => void,
  ) {}

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  check(): void {
    this.meter.poll();
    const inodes = new Map<number, number>();
    for (const pid of this.meter.seen.keys()) for (const i of socketInodes(pid)) inodes.set(i, pid);
    if (inodes.size === 0) return;
    for (const s of readSockets()) {
      const pid = inodes.get(s.inode);
      if (pid === undefined || s.inode === 0) continue;
      const desc = `${s.proto} ${s.state} ${s.local}${s.state === 'LISTEN' || s.state === 'UNCONN' ? '' : ` → ${s.remote}`}`;
      this.seen.add(desc);
      if (!s.loopback && this.violation === null) {
        this.violation = `pid ${pid} (${readCmd(pid)}): ${desc}`;
        this.onViolation(this.violation);
      }
    }
  }

  /** Cross-check with `ss -Htuwanp`: sockets owned by the tree that are not loopback-only. */
  ssCheck(): { lines: number; bad: string[] } {
    const r = spawnSync('ss', ['-Htuwanp'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) return { lines: 0, bad: [`ss failed: ${r.stderr || r.error?.message}`] };
    const tree = new Set(this.meter.seen.keys());
    const loop = (addr: string) => /^(127\.|\[::1\]|\[::ffff:127\.|::1|::ffff:127\.)/.test(addr);
    const none = (addr: string) => /^(0\.0\.0\.0|\*|\[::\]|::):/.test(addr) || addr === '*' || addr.startsWith('*:');
    let lines = 0;
    const bad: string[] = [];
    for (const line of r.stdout.split('\n')) {
      const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
      if (!pids.some((p) => tree.has(p))) continue;
      lines++;
      const c = line.trim().split(/\s+/);
      const [local = '', peer = ''] = [c[4], c[5]];
      if (!loop(local) || !(loop(peer) || none(peer))) bad.push(line.trim());
    }
    return { lines, bad };
  }
}

// ---------------------------------------------------------------- running peers

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Environment for a peer: proxies at a dead loopback port, no tracking, private HOME/XDG. */
function peerEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const proxy = {
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    all_proxy: DEAD_PROXY,
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    ALL_PROXY: DEAD_PROXY,
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
  };
  return {
    ...process.env,
    ...proxy,
    DO_NOT_TRACK: '1',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_STATE_HOME: join(dir, 'state'),
    ...extra,
  };
}

export interface PeerRun {
  name: PeerName;
  daemon: Daemon;
  base: string;
  /** URLs the polling client GETs once a second. */
  urls: string[];
  dir: string;
  notes: string[];
  /** Stop the root and every process of its tree and session, by PID. */
  stop(): Promise<void>;
}

/** Descendants of `root` (by ppid) and members of its session, with start times. */
function treeAndSession(root: number): ProcId[] {
  const stats = new Map<number, string[]>();
  for (const pid of allPids()) {
    const f = statFields(pid);
    if (f) stats.set(pid, f);
  }
  const out = new Map<number, ProcId>();
  const rootSid = stats.get(root)?.[3];
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, f] of stats) {
      if (out.has(pid) || pid === process.pid) continue;
      const child = pid === root || out.has(Number(f[1]));
      const session = rootSid !== undefined && Number(rootSid) === root && f[3] === rootSid;
      if (child || session) {
        out.set(pid, { pid, start: f[19]! });
        grew = true;
      }
    }
  }
  return [...out.values()];
}

/** Stop a peer: SIGTERM its root (then SIGKILL), then whatever of its tree/session is left. */
async function stopTree(d: Daemon, graceMs: number): Promise<void> {
  const before = treeAndSession(d.pid);
  await stopPid(d.pid, graceMs);
  await Promise.race([d.exited, sleep(2000)]);
  // Orphans re-parented away from the root are still in its session (it was started detached).
  const rest = [...before, ...treeAndSession(d.pid)].filter((p) => p.pid !== d.pid && sameProcess(p));
  for (const p of rest) await stopPid(p.pid, 2000);
}

/** Wait until one of `urls` answers 200; returns that URL. */
async function waitAny(urls: string[], timeoutMs: number, d: Daemon): Promise<string> {
  const t0 = performance.now();
  for (;;) {
    for (const url of urls) {
      try {
        const r = await fetch(url);
        await r.arrayBuffer();
        if (r.status === 200) return url;
      } catch {}
    }
    if (d.child.exitCode !== null) throw new Error(`exited (${d.child.exitCode}) before answering:\n${d.output().slice(-2000)}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`no answer on ${urls.join(' or ')} within ${timeoutMs} ms:\n${d.output().slice(-2000)}`);
    await sleep(200);
  }
}

async function started(name: PeerName, dir: string, d: Daemon, ready: () => Promise<{ base: string; urls: string[]; notes: string[] }>): Promise<PeerRun> {
  try {
    const r = await ready();
    return {
      name,
      daemon: d,
      dir,
      ...r,
      stop: async () => {
        await stopTree(d, name === 'netdata' ? 15_000 : 5000);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopTree(d, 5000);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Debian's node_exporter, binary run directly, default collectors, on 127.0.0.1:PORT. */
export async function startNodeExporter(): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-peer-node_exporter-'));
  const port = await freePort();
  const d = startDaemon(BINARIES.node_exporter, [`--web.listen-address=127.0.0.1:${port}`], { env: peerEnv(dir), cwd: dir, detached: true });
  return started('node_exporter', dir, d, async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitAny([`${base}/metrics`], 15_000, d);
    return { base, urls: [`${base}/metrics`], notes: [] };
  });
}

/** An INI file with some keys replaced or added (sections added when missing). */
export function overrideIni(text: string, set: Record<string, Record<string, string>>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const todo = new Map(Object.entries(set).map(([s, kv]) => [s, new Map(Object.entries(kv))]));
  let section: string | null = null;
  const flush = () => {
    const rest = section !== null ? todo.get(section) : undefined;
    if (rest) for (const [k, v] of rest) out.push(`${k}=${v}`);
    if (section !== null) todo.delete(section);
  };
  for (const line of lines) {
    const sm = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (sm) {
      flush();
      section = sm[1]!;
      out.push(line);
      continue;
    }
    const km = /^\s*([^#;=\s][^=]*?)\s*=/.exec(line);
    const kv = section !== null ? todo.get(section) : undefined;
    if (km && kv?.has(km[1]!)) {
      out.push(`${km[1]}=${kv.get(km[1]!)}`);
      kv.delete(km[1]!);
    } else out.push(line);
  }
  flush();
  for (const [s, kv] of todo) out.push('', `[${s}]`, ...[...kv].map(([k, v]) => `${k}=${v}`));
  return `${out.join('\n')}\n`;
}

/** The API version Glances serves (4 from Glances 4, 3 for 3.x, 2 for older). */
export let glancesApi: number | null = null;

/** Glances in web-server mode, REST only, refresh 1 s, on 127.0.0.1:PORT, private config and HOME. */
export async function startGlances(): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-peer-glances-'));
  const port = await freePort();
  const stock = existsSync('/etc/glances/glances.conf') ? readFileSync('/etc/glances/glances.conf', 'utf8') : '';
  const conf = join(dir, 'glances.conf');
  writeFileSync(
    conf,
    overrideIni(stock, {
      global: { check_update: 'false' },
      ports: { port_default_gateway: 'False' },
      ip: { disable: 'True', public_ip_disabled: 'True' },
      cloud: { disable: 'True' },
    }),
  );
  for (const sub of ['config', 'cache', 'data', 'state']) mkdirSync(join(dir, sub), { recursive: true });
  const args = [
    '-C',
    conf,
    '-w',
    '--disable-webui',
    '-t',
    '1',
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--disable-check-update',
    '--disable-autodiscover',
  ];
  const d = startDaemon(BINARIES.glances, args, { env: peerEnv(dir), cwd: dir, detached: true });
  return started('glances', dir, d, async () => {
    const base = `http://127.0.0.1:${port}`;
    const ok = await waitAny(
      [4, 3, 2].map((v) => `${base}/api/${v}/pluginslist`),
      30_000,
      d,
    );
    glancesApi = Number(/\/api\/(\d+)\//.exec(ok)![1]);
    return { base, urls: [`${base}/api/${glancesApi}/all`], notes: [`Glances REST API version ${glancesApi}`] };
  });
}

/** netdata's own config for the bench: see the header comment. */
function netdataConf(dir: string, port: number, user: string, path: string): string {
  return `# headroom bench: private netdata, loopback only
[global]
	run as user = ${user}
[db]
	update every = 1
[directories]
	config = ${dir}/etc
	stock config = /usr/lib/netdata/conf.d
	log = ${dir}/log
	cache = ${dir}/cache
	lib = ${dir}/lib
	home = ${dir}/cache
	lock = ${dir}/lib/lock
	registry = ${dir}/lib/registry
	health config = ${dir}/etc/health.d
	stock health config = /usr/lib/netdata/conf.d/health.d
	plugins = "/usr/lib/netdata/plugins.d"
	web = /usr/share/netdata/web
[logs]
	debug = ${dir}/log/debug.log
	error = ${dir}/log/error.log
	access = ${dir}/log/access.log
	health = ${dir}/log/health.log
[environment variables]
	PATH = ${path}
[web]
	bind to = 127.0.0.1:${port}
	allow connections by dns = no
	allow dashboard by dns = no
	allow badges by dns = no
	allow streaming by dns = no
	allow netdata.conf by dns = no
	allow management by dns = no
[registry]
	enabled = no
	registry to announce = http://127.0.0.1:${port}
	allow by dns = no
[health]
	script to execute on alarm = /bin/true
[statsd]
	bind to = udp:127.0.0.1 tcp:127.0.0.1
[cloud]
	enabled = no
`;
}

/** netdata in the foreground, 1 s, default plugins (apps.plugin included), on 127.0.0.1:PORT. */
export async function startNetdata(): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-peer-netdata-'));
  const port = await freePort();
  for (const sub of ['etc', 'etc/health.d', 'log', 'cache', 'lib', 'lib/cloud.d', 'bin']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'etc', '.opt-out-from-anonymous-statistics'), '');
  writeFileSync(join(dir, 'lib', 'cloud.d', 'cloud.conf'), '[global]\n\tenabled = no\n');
  writeFileSync(join(dir, 'etc', 'health_alarm_notify.conf'), 'SEND_EMAIL="NO"\nDEFAULT_RECIPIENT_EMAIL=""\nsendmail=""\n');
  // Network clients that netdata's scripts call with --noproxy: refuse, and leave a trace.
  const blocked = join(dir, 'blocked.log');
  for (const tool of ['curl', 'wget']) {
    const p = join(dir, 'bin', tool);
    writeFileSync(p, `#!/bin/sh\necho "${tool} $*" >> '${blocked}'\nexit 7\n`);
    chmodSync(p, 0o755);
  }
  writeFileSync(blocked, '');
  chmodSync(blocked, 0o666);
  const path = `${join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  let user = userInfo().username;
  if (root && spawnSync('id', ['netdata']).status === 0) user = 'netdata';
  const conf = join(dir, 'etc', 'netdata.conf');
  writeFileSync(conf, netdataConf(dir, port, user, path));
  if (user === 'netdata') {
    chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', 'netdata:netdata', dir]);
  }
  const d = startDaemon(BINARIES.netdata, ['-D', '-c', conf], { env: peerEnv(dir, { PATH: path }), cwd: dir, detached: true });
  return started('netdata', dir, d, async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitAny([`${base}/api/v1/info`], 30_000, d);
    return {
      base,
      urls: [`${base}/api/v1/allmetrics?format=json`],
      notes: [],
    };
  });
}

/** What netdata's curl/wget stand-ins refused (one line per attempt). */
export function netdataBlocked(run: PeerRun): string[] {
  try {
    return readFileSync(join(run.dir, 'blocked.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export const startPeer: Record<PeerName, () => Promise<PeerRun>> = {
  node_exporter: startNodeExporter,
  glances: startGlances,
  netdata: startNetdata,
};
