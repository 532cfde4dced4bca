/**
 * The built CLI (`node dist/cli/main.js`) as a real process on this machine: HOME and cwd are
 * temp dirs so no stray config is found; all traffic goes to 127.0.0.1. It proves the pieces
 * work together: real readings of this machine over HTTP, reload by HTTP and SIGHUP (and
 * refusal of a broken config), runtime tuning, the security guard against hostile requests,
 * no subprocess on the collection path, graceful signals, the exposure rule, and the one-shot
 * commands with their exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliRun,
  cliPath,
  httpRequest,
  killAllCli,
  projectRoot,
  refusedUpgrade,
  runCli,
  startCliServer,
  stopCli,
} from '../helpers/server.js';

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

/** Newest mtime of the sources the build compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than src/ (tsc straight, not through npm). */
function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(cliPath).mtimeMs;
  } catch {}
  if (built > newestSource(join(projectRoot, 'src'))) return;
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the build (tsc -p tsconfig.build.json) failed:\n${r.stdout}${r.stderr}`);
}

let sandbox: string;
/** A fresh directory used as both HOME and cwd of a CLI run. */
function tempHome(): string {
  return mkdtempSync(join(sandbox, 'home-'));
}

beforeAll(() => {
  ensureBuilt();
  sandbox = mkdtempSync(join(tmpdir(), 'headroom-e2e-'));
}, 120_000);

afterAll(async () => {
  await killAllCli();
  rmSync(sandbox, { recursive: true, force: true });
});

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. ${context()}`);
    await sleep(100);
  }
}

/** PIDs of the live processes whose parent is `ppid`, from /proc/<pid>/stat. */
function childrenOf(ppid: number): number[] {
  // The kernel's own list per thread (CONFIG_PROC_CHILDREN): cheap however many processes the
  // machine runs, so the watch loop below keeps its pace on a busy host.
  try {
    const tasks = readdirSync(`/proc/${ppid}/task`);
    const kids = tasks.flatMap((t) => readFileSync(`/proc/${ppid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return kids;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) === ppid) kids.push(Number(name));
  }
  return kids;
}

describe('headroom serve (one long-running process)', () => {
  let home: string;
  let configFile: string;
  let cli: CliRun;
  let base: string;
  let port: number;
  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(base, path, { headers });
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpRequest(base, path, {
      method: 'POST',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  beforeAll(async () => {
    home = tempHome();
    configFile = join(home, 'headroom.yaml');
    writeFileSync(configFile, '# e2e config\nserver:\n  body_limit_kb: 64\n');
    ({ cli, base, port } = await startCliServer(['--port', '0', '--config', configFile], { cwd: home, home }));
  });
  afterAll(async () => {
    await stopCli(cli);
  });

  it('logs the listening line and serves real readings of this machine on /api', async () => {
    expect(cli.stderr()).toMatch(/headroom listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(port).toBeGreaterThan(0);
    const first = await get('/api');
    expect(first.status).toBe(200);
    // The host collector runs once at start; "unknown" until its first tick has finished.
    const name = await until(async () => {
      const h = (await get('/api')).json.system.hostname;
      return h === 'unknown' ? undefined : h;
    }, 'the host collector');
    expect(name).toBe(hostname());
    expect(first.json.metrics.cpu_monitor.core_count).toBe(cpus().length);
    // CPU % needs two readings of /proc/stat; the collector runs every 2 s.
    const pct = await until(async () => {
      const v = (await get('/api')).json.metrics.cpu_monitor?.aggregate_pct;
      return typeof v === 'number' ? v : undefined;
    }, 'a numeric aggregate_pct');
    expect(pct).toBeGreaterThanOrEqual(0);
    expect(pct).toBeLessThanOrEqual(100);
  });

  it('serves /info, /api/status, /openapi.json and /docs', async () => {
    const info = await get('/info');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ hostname: hostname(), arch: expect.any(String), version: pkg.version });

    const status = await get('/api/status');
    expect(status.status).toBe(200);
    expect(status.json.plugins).toEqual(expect.arrayContaining(['cpu_monitor', 'host']));
    expect(status.json.config_path).toBe(configFile);
    for (const name of ['cpu_monitor', 'host']) {
      const c = status.json.collectors[name];
      expect(Date.parse(c.last_run), name).not.toBeNaN();
      expect(typeof c.last_duration_ms, name).toBe('number');
      expect(c.errors, name).toBe(0);
    }

    const spec = await get('/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.json.openapi).toMatch(/^3\./);
    const paths = spec.json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api']!)).toContain('get');
    expect(Object.keys(paths['/info']!)).toContain('get');
    expect(Object.keys(paths['/api/status']!)).toContain('get');
    expect(Object.keys(paths['/api/configure']!)).toContain('post');
    expect(Object.keys(paths['/reload']!).sort()).toEqual(expect.arrayContaining(['get', 'post']));

    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
    expect(docs.text).toMatch(/<html/i);
  });

  it('POST /api/configure tunes every periodic collector; an interval below 1 s is refused naming the field', async () => {
    const ok = await post('/api/configure', { interval: 1.5 });
    expect(ok.status).toBe(200);
    const status = (await get('/api/status')).json;
    expect(status.interval).toBe(1.5);
    expect(status.collectors.cpu_monitor.interval).toBe(1.5);
    expect(status.collectors.host.interval).toBe(0); // a once-collector stays once

    const bad = await post('/api/configure', { interval: 0.5 });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('HEADROOM_ERR_BAD_REQUEST');
    expect(bad.json.message).toMatch(/interval/);
    expect((await get('/api/status')).json.collectors.cpu_monitor.interval).toBe(1.5);
  });

  it('refuses hostile requests and keeps serving', async () => {
    const evilHost = await get('/api', { host: 'evil.example' });
    expect(evilHost.status).toBe(403);
    expect(evilHost.json.code).toBe('HEADROOM_ERR_HOST');

    const evilOrigin = await post('/api/configure', { interval: 2 }, { origin: 'http://evil.example' });
    expect(evilOrigin.status).toBe(403);
    expect(evilOrigin.json.code).toBe('HEADROOM_ERR_CROSS_SITE');
    const ownOrigin = await post('/api/configure', { interval: 2 }, { origin: `http://127.0.0.1:${port}` });
    expect(ownOrigin.status).toBe(200);

    const crossSite = await get('/reload', { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.code).toBe('HEADROOM_ERR_CROSS_SITE');

    const huge = await post('/api/configure', JSON.stringify({ interval: 2, pad: 'x'.repeat(1024 * 1024) }));
    expect(huge.status).toBe(413);

    const malformed = await post('/api/configure', '{"interval": 2,');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('HEADROOM_ERR_BAD_REQUEST');

    const unknownField = await post('/api/configure', { interval: 2, bogus: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.message).toMatch(/bogus/);

    const after = await get('/api');
    expect(after.status).toBe(200);
    expect(after.json.system.hostname).toBe(hostname());
    expect(cli.proc.exitCode).toBeNull();
  });

  it('spawns no subprocess while collecting', async () => {
    // Fast ticks so the collection path runs many times while we watch.
    expect((await post('/api/configure', { interval: 1 })).status).toBe(200);
    const seen = new Set<number>();
    const deadline = Date.now() + 5000;
    let scans = 0;
    let requests = 0;
    while (Date.now() < deadline) {
      for (const pid of childrenOf(cli.pid)) seen.add(pid);
      scans++;
      if (scans % 10 === 0) {
        expect((await get('/api')).status).toBe(200);
        requests++;
      }
      await sleep(20);
    }
    expect(scans).toBeGreaterThan(50);
    expect(requests).toBeGreaterThan(3);
    const last = (await get('/api/status')).json.collectors.cpu_monitor;
    expect(Date.now() - Date.parse(last.last_run)).toBeLessThan(3000); // it was really ticking
    expect([...seen]).toEqual([]);
  }, 20_000);

  it('reloads on GET and POST /reload', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await httpRequest(base, '/reload', { method });
      expect(r.status, method).toBe(200);
      expect(r.json).toMatchObject({ status: 'ok', config_path: configFile });
      expect(r.json.plugins).toEqual(expect.arrayContaining(['cpu_monitor', 'host']));
    }
  });

  it('a broken config is refused on SIGHUP and on /reload with its file:line:column; the old one keeps running', async () => {
    const before = (await get('/api/status')).json.collectors.cpu_monitor.last_run as string;
    let seen: Record<string, unknown> = {};
    // Line 4 opens a flow map that is never closed: a YAML syntax error at a known place.
    writeFileSync(configFile, 'server:\n  body_limit_kb: 64\nplugins:\n  cpu_monitor: {\n');
    cli.signal('SIGHUP');
    // The log record names the file, then lists each problem as file:line:column.
    const log = await cli.waitForStderr(/SIGHUP: reload refused[\s\S]*?headroom\.yaml:\d+:\d+/);
    expect(log[0]).toContain(`${configFile}:4:`);

    const r = await post('/reload');
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('HEADROOM_ERR_CONFIG');
    expect(`${r.json.place ?? ''} ${r.json.message}`).toMatch(new RegExp(`${configFile.replaceAll('.', '\\.')}:\\d+:\\d+`));

    // Still serving, same collectors, still ticking.
    const status = (await get('/api/status')).json;
    expect(status.plugins).toEqual(expect.arrayContaining(['cpu_monitor', 'host']));
    await until(async () => {
      seen = (await get('/api/status')).json.collectors.cpu_monitor;
      const now = seen.last_run as string;
      return Date.parse(now) > Date.parse(before) ? now : undefined;
    }, 'cpu_monitor to tick again', 10_000, () => `last status ${JSON.stringify(seen)}; server log:\n${cli.stderr()}`);
    expect((await get('/api')).json.metrics.cpu_monitor.available).toBe(true);
  });

  it('SIGHUP applies an edited config: cpu_monitor switched off disappears, /reload brings it back', async () => {
    writeFileSync(configFile, 'plugins:\n  cpu_monitor: false\n');
    cli.signal('SIGHUP');
    await cli.waitForStderr(/SIGHUP: reloaded/);
    const plugins = await until(async () => {
      const p = (await get('/api/status')).json.plugins as string[];
      return p.includes('cpu_monitor') ? undefined : p;
    }, 'cpu_monitor to be gone');
    expect(plugins).toContain('host');
    expect(Object.keys((await get('/api/status')).json.collectors)).not.toContain('cpu_monitor');
    expect((await get('/api')).json.metrics.cpu_monitor).toBeUndefined();

    writeFileSync(configFile, 'plugins:\n  cpu_monitor: true\n');
    const r = await post('/reload');
    expect(r.status).toBe(200);
    expect(r.json.plugins).toContain('cpu_monitor');
  });
});

describe('headroom serve: signals and the exposure rule', () => {
  const runs: CliRun[] = [];
  afterEach(async () => {
    await Promise.all(runs.splice(0).map(stopCli));
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} shuts down gracefully with exit code 0`, async () => {
      const home = tempHome();
      const { cli, base } = await startCliServer(['--port', '0'], { cwd: home, home });
      runs.push(cli);
      expect((await httpRequest(base, '/api')).status).toBe(200);
      cli.signal(sig);
      const exit = await Promise.race([cli.exited, sleep(10_000).then(() => 'still running')]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(cli.stderr()).toContain(`${sig}: shutting down`);
    });
  }

  // Regression (see test/server/ws.test.ts): a refused upgrade once hung graceful shutdown.
  it('SIGTERM still exits 0 after a refused WebSocket upgrade', async () => {
    const home = tempHome();
    const { cli, base, port } = await startCliServer(['--port', '0'], { cwd: home, home });
    runs.push(cli);
    const r = await refusedUpgrade(`ws://127.0.0.1:${port}/ws`, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect((await httpRequest(base, '/api')).status).toBe(200);
    cli.signal('SIGTERM');
    const exit = await Promise.race([cli.exited, sleep(10_000).then(() => 'still running')]);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 20_000);

  it('refuses a non-loopback bind without a token (exit 2, says why)', async () => {
    const home = tempHome();
    const cli = runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: home, home });
    runs.push(cli);
    const exit = await cli.exited;
    expect(exit.code).toBe(2);
    expect(cli.stderr()).toMatch(/token/i);
    expect(cli.stderr()).not.toMatch(/listening on/);
  });

  it('serve --host 0.0.0.0 --insecure-no-auth starts', async () => {
    const home = tempHome();
    const { cli, port } = await startCliServer(['--host', '0.0.0.0', '--insecure-no-auth', '--port', '0'], {
      cwd: home,
      home,
    });
    runs.push(cli);
    const r = await until(async () => {
      const res = await httpRequest(`http://127.0.0.1:${port}`, '/api');
      return res.json?.system?.hostname === 'unknown' ? undefined : res;
    }, 'the host collector');
    expect(r.status).toBe(200);
    expect(r.json.system.hostname).toBe(hostname());
    cli.signal('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });
});

describe('one-shot commands', () => {
  const runs: CliRun[] = [];
  afterEach(async () => {
    await Promise.all(runs.splice(0).map(stopCli));
  });
  async function run(args: string[], home = tempHome()) {
    const cli = runCli(args, { cwd: home, home });
    runs.push(cli);
    const exit = await cli.exited;
    return { code: exit.code, out: cli.stdout(), err: cli.stderr() };
  }

  it('snapshot --json prints the /api shape with real CPU figures', async () => {
    const r = await run(['snapshot', '--json']);
    expect(r.code, r.err).toBe(0);
    const snap = JSON.parse(r.out);
    expect(snap.system.hostname).toBe(hostname());
    expect(typeof snap.metrics.cpu_monitor.aggregate_pct).toBe('number');
    expect(snap.metrics.cpu_monitor.aggregate_pct).toBeGreaterThanOrEqual(0);
    expect(snap.metrics.cpu_monitor.aggregate_pct).toBeLessThanOrEqual(100);
    expect(snap.metrics.cpu_monitor.core_count).toBe(cpus().length);
  });

  it('snapshot (text) prints a readable block per collector', async () => {
    const r = await run(['snapshot']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(hostname());
    expect(r.out).toMatch(/^cpu_monitor$/m);
    expect(r.out).toMatch(/aggregate_pct\s+\d/);
  });

  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  it('config check: a bad file exits 2 with file:line:column, a good one exits 0', async () => {
    const home = tempHome();
    const bad = join(home, 'bad.yaml');
    writeFileSync(bad, 'server:\n  port: "abc"\n  bogus: 1\n');
    const r = await run(['config', 'check', bad], home);
    expect(r.code).toBe(2);
    const text = r.out + r.err;
    expect(text).toContain(`${bad}:2:`);
    expect(text).toMatch(/bad\.yaml:3:\d+/);
    expect(text).toMatch(/bogus/);

    const good = join(home, 'good.yaml');
    writeFileSync(good, 'server:\n  port: 7701\nplugins:\n  cpu_monitor: false\n');
    const ok = await run(['config', 'check', good], home);
    expect(ok.code, ok.out + ok.err).toBe(0);
  });

  it('an unknown command or flag exits 2', async () => {
    for (const args of [['frobnicate'], ['serve', '--bogus'], ['snapshot', '--nope'], ['config', 'frob']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/error/i);
    }
  });
});
