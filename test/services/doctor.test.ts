/**
 * `headroom doctor` as a person or a script runs it: the built CLI as a real process, against a
 * real `headroom serve` over fixture hosts whose recommendations are known (the laptop's Chrome
 * group is above the earlyoom line; the Debian VM has nothing to say), and with --local.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, killAllCli, projectRoot, runCli, startCliServer } from '../helpers/server.js';

const hosts = join(projectRoot, 'test/fixtures/hosts');
const rootFlags = (id: string) => [`--path.procfs=${join(hosts, id, 'proc')}`, `--path.sysfs=${join(hosts, id, 'sys')}`, `--path.rootfs=${join(hosts, id, 'rootfs')}`];

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'headroom-doctor-'));
  writeFileSync(join(home, 'config.yaml'), 'history:\n  enabled: false\n');
});
afterEach(killAllCli);
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function cli(args: string[]) {
  const run = runCli(args, { cwd: home, home });
  const { code } = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

/** A server over a fixture host, once service_monitor has seen ram_monitor's groups. */
async function serve(id: string) {
  const s = await startCliServer(['--port', '0', '-c', join(home, 'config.yaml'), ...rootFlags(id)], { cwd: home, home });
  for (let i = 0; i < 100; i++) {
    const r = await httpRequest(s.base, '/api/idle');
    if (r.json?.available && (id !== 'laptop-battery-browsers' || r.json.recommendations.length > 0)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return s;
}

describe('headroom doctor', () => {
  it('against a server: prints each recommendation with its evidence; exit 1 when one is WARN or worse', async () => {
    const { base } = await serve('laptop-battery-browsers');
    const r = await cli(['doctor', '--url', base]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^machine: /);
    expect(r.out).toMatch(/WARN {5}browser_earlyoom: Browser \(Chrome\) holds 4\.5 GB \(29\.5% of RAM, ~22 tabs\)/);
    expect(r.out).toMatch(/evidence: browser=Browser \(Chrome\) rss_mb=4608 pct_of_ram=29\.5 tabs=22 earlyoom_line_pct=20/);
    const json = await cli(['doctor', '--url', base, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ available: true, recommendations: [{ id: 'browser_earlyoom:Chrome', severity: 'WARN' }] });
    const critical = await cli(['doctor', '--url', base, '--min-severity', 'CRITICAL']);
    expect(critical.code).toBe(0);
    expect(critical.out).toMatch(/No recommendations/);
  });

  it('nothing to say → exit 0', async () => {
    const { base } = await serve('debian12-vm-2c');
    const r = await cli(['doctor', '--url', base]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/No recommendations: nothing wasteful found/);
  });

  it('--local collects in-process (no server)', async () => {
    const r = await cli(['doctor', '--local', '--duration', '1s', '-c', join(home, 'config.yaml'), ...rootFlags('laptop-battery-browsers')]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/browser_earlyoom: Browser \(Chrome\)/);
  });

  it('could not tell → exit 3 with the reason: unreachable server, bad flag', async () => {
    const down = await cli(['doctor', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/cannot reach headroom at http:\/\/127\.0\.0\.1:9/);
    const bad = await cli(['doctor', '--url', 'http://127.0.0.1:9', '--min-severity', 'LOUD']);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/--min-severity must be INFO, WARN or CRITICAL/);
  });
});
