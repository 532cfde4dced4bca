/**
 * Live: network_monitor against traffic this test makes itself, through a veth pair into a
 * network namespace it creates (host side 10.200.X.Y+1/30, namespace side +2/30; nothing leaves
 * the pair). 20 MiB go up over TCP to a server inside the namespace, then 20 MiB come back down,
 * each in its own sampling window. Checks, per window:
 *  - our byte counters move exactly as the kernel's own (/sys/class/net/<veth>/statistics);
 *  - rate × elapsed (the same monotonic instants the collector used) equals that movement;
 *  - the movement is the payload plus protocol overhead: at least the payload, at most 10 % over.
 *    Ethernet + IPv4 + TCP-with-timestamps headers are 66 bytes per ≤ 1448-byte segment (4.6 %)
 *    without offload, less with GSO/GRO (one set of headers per super-segment), plus handshake,
 *    FIN and the ACKs of the other direction.
 * Needs root (CAP_NET_ADMIN) and /usr/sbin/ip; skips with the reason otherwise. Everything is torn
 * down in afterAll, on failure too.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NetworkPayload, networkMonitor } from '../../src/collectors/network.js';
import type { Clock } from '../../src/core/clock.js';
import { DEFAULT_ROOTS } from '../../src/host/hostfs.js';
import { makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';

const IP = '/usr/sbin/ip';
const PAYLOAD = 20 * 2 ** 20;
const MiB = 2 ** 20;
const id = process.pid % 1_000_000;
const ns = `headroom-live-${process.pid}`;
// "veth*" is in the default exclude list: the test must include it to see it.
const hostIf = `vethhr${id}a`;
const nsIf = `vethhr${id}b`;
const octet = 1 + (process.pid % 250);
const hostAddr = `10.200.${octet}.1`;
const nsAddr = `10.200.${octet}.2`;
const SINK_PORT = 7901;
const SOURCE_PORT = 7902;

// Runs inside the namespace: 7901 counts what it receives and answers the count; 7902 sends the
// number of bytes asked for on its first line.
const SERVER = `
const net = require('node:net');
const [addr] = process.argv.slice(1);
let ready = 0;
const up = () => { if (++ready === 2) console.log('ready'); };
net.createServer((s) => { let n = 0; s.on('data', (b) => { n += b.length; }); s.on('end', () => s.end(n + '\\n')); })
  .listen(${SINK_PORT}, addr, up);
net.createServer((s) => {
  let line = '';
  s.on('data', (b) => {
    if (line === null) return;
    line += b.toString();
    if (!line.includes('\\n')) return;
    const n = Number(line.trim()); line = null;
    const chunk = Buffer.alloc(65536, 7);
    let left = n;
    const pump = () => { while (left > 0) { const c = chunk.subarray(0, Math.min(left, chunk.length)); left -= c.length; if (!s.write(c)) return s.once('drain', pump); } s.end(); };
    pump();
  });
}).listen(${SOURCE_PORT}, addr, up);
`;

let skipReason: string | null = null;
let server: ChildProcess | null = null;

const ip = (...args: string[]) => execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
const tryIp = (...args: string[]) => {
  try {
    ip(...args);
  } catch {
    // already gone
  }
};

/** Why this machine cannot run the test, or null. */
function preflight(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN) to create a network namespace and a veth pair';
  if (!existsSync(IP)) return `${IP} not found (iproute2)`;
  if (readFileSync('/proc/net/dev', 'utf8').includes(`${hostIf}:`)) return `${hostIf} already exists`;
  return null;
}

beforeAll(async () => {
  skipReason = preflight();
  if (skipReason) return;
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    // No IPv6 link-local address: no DAD or router solicitations adding stray bytes.
    ip('link', 'set', 'dev', hostIf, 'addrgenmode', 'none');
    ip('-n', ns, 'link', 'set', 'dev', nsIf, 'addrgenmode', 'none');
    ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
    ip('-n', ns, 'addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', ns, 'link', 'set', nsIf, 'up');
  } catch (err) {
    skipReason = `cannot create the namespace and veth pair: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`;
    return;
  }
  server = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', SERVER, nsAddr], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server!.once('exit', (code) => reject(new Error(`namespace server exited (${code})`)));
    server!.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
  });
}, 30_000);

afterAll(() => {
  server?.kill('SIGKILL');
  tryIp('netns', 'del', ns); // takes the namespace's end of the pair, and with it ours
  tryIp('link', 'del', hostIf);
});

/** The kernel's own counters for the host end. */
function kernelBytes(): { rx: number; tx: number } {
  const read = (f: string) => Number(readFileSync(`/sys/class/net/${hostIf}/statistics/${f}`, 'utf8'));
  return { rx: read('rx_bytes'), tx: read('tx_bytes') };
}

function upload(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(SINK_PORT, nsAddr);
    let reply = '';
    sock.on('error', reject);
    sock.on('data', (b) => {
      reply += b.toString();
    });
    sock.on('end', () => resolve(Number(reply.trim())));
    const chunk = Buffer.alloc(65536, 1);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const c = chunk.subarray(0, Math.min(left, chunk.length));
        left -= c.length;
        if (!sock.write(c)) return void sock.once('drain', pump);
      }
      sock.end();
    };
    sock.once('connect', pump);
  });
}

function download(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(SOURCE_PORT, nsAddr, () => sock.write(`${bytes}\n`));
    let n = 0;
    sock.on('error', reject);
    sock.on('data', (b) => {
      n += b.length;
    });
    sock.on('end', () => {
      sock.end();
      resolve(n);
    });
  });
}

describe('network_monitor live, through a veth pair into a namespace', () => {
  // The collector's own instants, so rate × elapsed uses exactly the time it divided by.
  let lastMono = 0;
  const clock: Clock = {
    monotonicMs: () => {
      lastMono = performance.now();
      return lastMono;
    },
    wallMs: () => Date.now(),
  };

  it('is left out by default (veth*) and kept with network.include', async (t) => {
    if (skipReason) t.skip(skipReason);
    const { ctx } = makeCollectorContext(DEFAULT_ROOTS, { name: 'network_monitor', clock });
    const p = (await networkMonitor.collect(ctx)) as NetworkPayload;
    expect(p.excluded).toContain(hostIf);
    expect(p.interfaces[hostIf]).toBeUndefined();
  });

  it('bytes up and down match the kernel counters, rate × elapsed, and the payload within overhead', async (t) => {
    if (skipReason) t.skip(skipReason);
    const { ctx } = makeCollectorContext(DEFAULT_ROOTS, { name: 'network_monitor', clock });
    ctx.config = defaultConfig({ network: { include: [hostIf] } });
    const sample = async () => {
      const p = (await networkMonitor.collect(ctx)) as NetworkPayload;
      return { p, at: lastMono, s: p.interfaces[hostIf]!, kernel: kernelBytes() };
    };

    const s0 = await sample();
    expect(s0.s).toMatchObject({ rx_mbps: null, tx_mbps: null, up: true, operstate: 'up', mtu: 1500, speed_mbit: 10000 });
    expect(s0.s.tx_bytes_total).toBe(s0.kernel.tx);

    expect(await upload(PAYLOAD)).toBe(PAYLOAD);
    const s1 = await sample();
    expect(await download(PAYLOAD)).toBe(PAYLOAD);
    const s2 = await sample();

    const windows = [
      { name: 'upload (host tx)', a: s0, b: s1, dir: 'tx' as const, other: 'rx' as const },
      { name: 'download (host rx)', a: s1, b: s2, dir: 'rx' as const, other: 'tx' as const },
    ];
    for (const { name, a, b, dir, other } of windows) {
      const ours = b.s[`${dir}_bytes_total`]! - a.s[`${dir}_bytes_total`]!;
      const kernel = b.kernel[dir] - a.kernel[dir];
      const elapsedS = (b.at - a.at) / 1000;
      const rateBytes = b.s[`${dir}_mbps`]! * MiB * elapsedS;
      // A FIN or ACK may land between our read and the sysfs read: a few packets at most.
      expect(Math.abs(ours - kernel), `${name}: ours vs kernel`).toBeLessThanOrEqual(2048);
      expect(Math.abs(rateBytes - ours) / ours, `${name}: rate × elapsed vs counters`).toBeLessThan(0.001);
      expect(ours, `${name}: at least the payload`).toBeGreaterThanOrEqual(PAYLOAD);
      expect(ours, `${name}: overhead under 10 %`).toBeLessThanOrEqual(PAYLOAD * 1.1);
      // The other direction carried only ACKs: a few percent of the payload.
      const back = b.s[`${other}_bytes_total`]! - a.s[`${other}_bytes_total`]!;
      expect(back, `${name}: reverse direction`).toBeLessThan(PAYLOAD * 0.1);
      // Totals are the sum over kept interfaces, ours included.
      const sum = Object.values(b.p.interfaces).reduce((acc, s) => acc + (s[`${dir}_mbps`] ?? 0), 0);
      expect(b.p.totals[`${dir}_mbps`]).toBeCloseTo(sum, 2);
      expect(b.p.totals[`${dir}_mbps`]!).toBeGreaterThanOrEqual(b.s[`${dir}_mbps`]!);
      console.log(
        `${name}: payload ${PAYLOAD} B, counted ${ours} B (+${(((ours - PAYLOAD) / PAYLOAD) * 100).toFixed(2)} %), ` +
          `kernel ${kernel} B, ${b.s[`${dir}_mbps`]} MiB/s × ${elapsedS.toFixed(3)} s, pps ${b.s[`${dir}_pps`]}`,
      );
    }
  });
});
