import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/collector-context.js';

/**
 * Real UPS daemons from Debian packages, started from temp dirs on loopback ports for the peer
 * tests and stopped by PID. `test/peers/setup-peers.sh` installs NUT and unpacks apcupsd (which
 * conflicts with nut-client as a package) under `.tmp/peers/`.
 *
 * Safety: apcupsd runs `apccontrol` on power events (on low battery it asks for a system
 * shutdown). Its SCRIPTDIR is the temp dir with a stand-in that only logs, and every other path
 * it writes (lock, pid, events, powerfail, nologin) is in the temp dir too.
 */

const isRoot = process.getuid?.() === 0;

export interface Daemon {
  name: string;
  child: ChildProcess;
  log: () => string;
}

function first(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

export const nutBinaries = () => {
  // Debian's /usr/sbin/upsd is a wrapper that refuses to start unless /etc/nut/nut.conf says so;
  // the real binary lives in /lib/nut.
  const upsd = first(['/lib/nut/upsd', '/usr/lib/nut/upsd', '/usr/sbin/upsd']);
  const dummy = first(['/lib/nut/dummy-ups', '/usr/lib/nut/dummy-ups', '/usr/libexec/nut/dummy-ups']);
  return upsd && dummy ? { upsd, dummy } : null;
};

const APC_ROOT = process.env.HEADROOM_APCUPSD_ROOT ?? join(projectRoot, '.tmp/peers/apcupsd');

export const apcBinaries = () => {
  const apcupsd = first([join(APC_ROOT, 'sbin/apcupsd'), '/sbin/apcupsd', '/usr/sbin/apcupsd']);
  const apcaccess = first([join(APC_ROOT, 'sbin/apcaccess'), '/sbin/apcaccess', '/usr/sbin/apcaccess']);
  return apcupsd && apcaccess ? { apcupsd, apcaccess, libPath: join(APC_ROOT, 'lib/x86_64-linux-gnu') } : null;
};

/** The reason peer tests skip on this machine, or null when they can run. */
export function peerSkipReason(which: 'nut' | 'apcupsd'): string | null {
  if (which === 'nut' && !nutBinaries()) return 'NUT upsd / dummy-ups not installed (run test/peers/setup-peers.sh as root)';
  if (which === 'apcupsd' && !apcBinaries()) return `apcupsd not found in ${APC_ROOT} or /sbin (run test/peers/setup-peers.sh)`;
  return null;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // NUT drivers drop privileges to the -u user; the dir must stay reachable for it.
  chmodSync(dir, 0o755);
  return dir;
}

export function startDaemon(name: string, file: string, args: string[], env: Record<string, string> = {}): Daemon {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
  return { name, child, log: () => out };
}

/** SIGTERM by PID, SIGKILL after 3 s; resolves when the process is gone. */
export async function stopDaemon(d: Daemon | undefined): Promise<void> {
  if (!d || d.child.exitCode !== null || d.child.signalCode !== null || d.child.pid === undefined) return;
  const gone = new Promise<void>((r) => d.child.once('exit', () => r()));
  process.kill(d.child.pid, 'SIGTERM');
  const t = setTimeout(() => d.child.pid && process.kill(d.child.pid, 'SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}

/** True while a process with this PID exists. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 15_000, daemons: Daemon[] = []): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => null);
    if (v !== null && v !== false) return v as T;
    const dead = daemons.find((d) => d.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}) while waiting for ${what}:\n${dead.log()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${daemons.map((d) => `--- ${d.name}\n${d.log()}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

export interface NutPeer {
  port: number;
  ups: string;
  dir: string;
  /** Rewrite the dummy-ups .dev file; the driver re-reads it when it changes. */
  setVars(vars: Record<string, string>): void;
  daemons: Daemon[];
  stop(): Promise<void>;
}

export async function startNut(vars: Record<string, string>): Promise<NutPeer> {
  const bins = nutBinaries();
  if (!bins) throw new Error('NUT not installed');
  const dir = tempDir('headroom-nut-');
  const port = await freePort();
  const ups = 'testups';
  const dev = join(dir, `${ups}.dev`);
  let version = 0;
  let mtimeS = 0;
  const setVars = (v: Record<string, string>) => {
    writeFileSync(dev, `# version ${++version}\n${Object.entries(v).map(([k, val]) => `${k}: ${val}`).join('\n')}\n`);
    // dummy-ups re-reads the file when its mtime moves, in whole seconds: two writes within one
    // second look the same to it, and the second is never read. Each write gets a later second.
    mtimeS = Math.max(Math.floor(Date.now() / 1000), mtimeS + 1);
    utimesSync(dev, mtimeS, mtimeS);
  };
  setVars(vars);
  writeFileSync(join(dir, 'nut.conf'), 'MODE=standalone\n');
  writeFileSync(join(dir, 'ups.conf'), `[${ups}]\n  driver = dummy-ups\n  port = ${dev}\n  desc = "headroom peer test"\n  pollinterval = 1\n`);
  writeFileSync(join(dir, 'upsd.conf'), `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`);
  writeFileSync(join(dir, 'upsd.users'), '[monuser]\n  password = "pass word"\n  upsmon secondary\n', { mode: 0o600 });
  const env = { NUT_CONFPATH: dir, NUT_STATEPATH: dir, NUT_ALTPIDPATH: dir };
  const asUser = isRoot ? ['-u', 'root'] : [];
  const daemons: Daemon[] = [];
  const stop = async () => {
    for (const d of daemons.reverse()) await stopDaemon(d);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    daemons.push(startDaemon('dummy-ups', bins.dummy, ['-a', ups, '-F', ...asUser], env));
    await waitFor('the dummy-ups socket', () => existsSync(join(dir, `dummy-ups-${ups}`)) || null, 15_000, daemons);
    daemons.push(startDaemon('upsd', bins.upsd, ['-F', ...asUser], env));
    await waitFor(`upsd on 127.0.0.1:${port}`, () => canConnect(port).then((ok) => ok || null), 15_000, daemons);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, ups, dir, setVars, daemons, stop };
}

export interface ApcPeer {
  /** apcupsd's own NIS port (what ups_monitor talks to). */
  port: number;
  dir: string;
  daemons: Daemon[];
  apcaccess: (port: number) => Promise<string>;
  stop(): Promise<void>;
}

/**
 * apcupsd with `UPSTYPE net`: a network slave of the NIS server at `upstreamPort` (a test
 * server standing in for the machine with the UPS cable). It polls that server every second
 * and serves what it learnt on its own NIS port.
 */
export async function startApcupsd(upstreamPort: number): Promise<ApcPeer> {
  const bins = apcBinaries();
  if (!bins) throw new Error('apcupsd not found');
  const dir = tempDir('headroom-apcupsd-');
  const port = await freePort();
  // The stand-in apccontrol: log the event, never act on it.
  writeFileSync(join(dir, 'apccontrol'), `#!/bin/sh\necho "$@" >> "${dir}/apccontrol.log"\nexit 0\n`, { mode: 0o755 });
  const conf = [
    '## apcupsd.conf v1.1 ##',
    'UPSNAME netslave',
    'UPSCABLE ether',
    'UPSTYPE net',
    `DEVICE 127.0.0.1:${upstreamPort}`,
    'POLLTIME 1',
    `LOCKFILE ${dir}`,
    `SCRIPTDIR ${dir}`,
    `PWRFAILDIR ${dir}`,
    `NOLOGINDIR ${dir}`,
    'ONBATTERYDELAY 0',
    'BATTERYLEVEL -1',
    'MINUTES -1',
    'TIMEOUT 0',
    'ANNOY 0',
    'NOLOGON disable',
    'KILLDELAY 0',
    'NETSERVER on',
    'NISIP 127.0.0.1',
    `NISPORT ${port}`,
    `EVENTSFILE ${dir}/events`,
    'EVENTSFILEMAX 10',
    'UPSCLASS standalone',
    'UPSMODE disable',
    'STATTIME 0',
    `STATFILE ${dir}/status`,
    'LOGSTATS off',
    'DATATIME 0',
  ].join('\n');
  writeFileSync(join(dir, 'apcupsd.conf'), `${conf}\n`);
  const env: Record<string, string> = existsSync(bins.libPath) ? { LD_LIBRARY_PATH: bins.libPath } : {};
  const daemons = [startDaemon('apcupsd', bins.apcupsd, ['-b', '-f', join(dir, 'apcupsd.conf'), '-P', join(dir, 'apcupsd.pid')], env)];
  const apcaccess = (p: number) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn(bins.apcaccess, ['status', `127.0.0.1:${p}`], { env: { ...process.env, ...env } });
      let out = '';
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      c.on('error', reject);
      c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`apcaccess exited ${code}`))));
    });
  const stop = async () => {
    for (const d of daemons) await stopDaemon(d);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`apcupsd NIS on 127.0.0.1:${port}`, () => canConnect(port).then((ok) => ok || null), 15_000, daemons);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, dir, daemons, apcaccess, stop };
}
