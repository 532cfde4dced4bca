/**
 * `headroom check` and `headroom wait` as a script runs them: the built CLI as a real process,
 * against a real `headroom serve` over fixture hosts whose state is known (debian12 GO, laptop
 * EASE_IN for its browser, workstation HOLD for its RAM projection), and with --local.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, killAllCli, projectRoot, runCli, startCliServer } from '../helpers/server.js';

const hosts = join(projectRoot, 'test/fixtures/hosts');
const rootFlags = (id: string) => [
  `--path.procfs=${join(hosts, id, 'proc')}`,
  `--path.sysfs=${join(hosts, id, 'sys')}`,
  `--path.rootfs=${join(hosts, id, 'rootfs')}`,
];

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'headroom-check-'));
  writeFileSync(
    join(home, 'config.yaml'),
    'history:\n  enabled: false\ndrills:\n  small: { ram_delta_pct: 1, cpu_spike_pct: 1 }\n  huge: { ram_delta_gb: 64 }\n',
  );
});
afterEach(killAllCli);
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const run = runCli(args, { cwd: home, home });
  const { code } = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

async function serve(id: string) {
  const s = await startCliServer(['--port', '0', '-c', join(home, 'config.yaml'), ...rootFlags(id)], { cwd: home, home });
  // /api/headroom evaluates at request time; wait until RAM has its process groups (its first
  // tick may come before process_monitor's first table) so the browser cause can be seen.
  for (let i = 0; i < 100; i++) {
    const r = await httpRequest(s.base, '/api');
    if (r.json?.metrics?.ram_monitor?.top_processes_source) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return s;
}

describe('headroom check', () => {
  it.each([
    ['debian12-vm-2c', 0, /^GO {6}All systems nominal/],
    ['laptop-battery-browsers', 1, /^EASE_IN Browser \(Chrome\) holds 4\.5 GB/],
    ['workstation-zram-nfs', 2, /^HOLD {4}RAM would breach: 84\.9% \+ 8% → 92\.9%, critical 85%/],
  ])('%s → exit %i with state and reason', async (id, code, line) => {
    const { base } = await serve(id);
    const r = await cli(['check', '--url', base]);
    expect(r.code, r.err).toBe(code);
    expect(r.out).toMatch(line);
    expect(r.out).toMatch(/ram {6}now \d/);
  });

  it('--drill and ad-hoc deltas change the projection; --json prints the payload', async () => {
    const { base } = await serve('workstation-zram-nfs');
    const small = await cli(['check', '--url', base, '--drill', 'small', '--json']);
    const h = JSON.parse(small.out);
    expect(h.drill).toMatchObject({ name: 'small', ram_delta_pct: 1 });
    expect(h.breakdown.ram).toMatchObject({ current: 84.9, delta: 1, projected: 85.9 });
    const adHoc = await cli(['check', '--url', base, '--ram-delta-pct', '0']);
    expect(adHoc.out).toMatch(/ram {6}now 84\.9% \+ 0% → 84\.9%/);
  });

  it('exit 3 for an unknown drill (naming the known ones), an unreachable server, or a bad flag', async () => {
    const { base } = await serve('debian12-vm-2c');
    const unknown = await cli(['check', '--url', base, '--drill', 'nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toMatch(/unknown drill "nope"; known drills: huge, small/);
    const down = await cli(['check', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/cannot reach headroom at http:\/\/127\.0\.0\.1:9/);
    const bad = await cli(['check', '--no-such-flag']);
    expect(bad.code).toBe(3);
    const badNum = await cli(['check', '--url', base, '--ram-delta-gb', 'lots']);
    expect(badNum.code).toBe(3);
    expect(badNum.err).toMatch(/--ram-delta-gb: "lots" is not a non-negative number/);
  });

  it('--local collects in-process, no server', async () => {
    const r = await cli(['check', '--local', '-c', join(home, 'config.yaml'), ...rootFlags('workstation-zram-nfs')]);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toMatch(/^HOLD/);
  });
});

describe('headroom wait', () => {
  it('returns 0 at once when the state is already good enough', async () => {
    const { base } = await serve('laptop-battery-browsers');
    const r = await cli(['wait', '--url', base, '--until', 'EASE_IN', '--timeout', '5s']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^EASE_IN /);
  });

  it('times out with exit 2 when the state does not improve, saying what it waited on', async () => {
    const { base } = await serve('workstation-zram-nfs');
    const t0 = Date.now();
    const r = await cli(['wait', '--url', base, '--timeout', '3s', '--interval', '1s']);
    expect(r.code).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    expect(r.err).toMatch(/waiting for GO: HOLD RAM would breach/);
    expect(r.err).toMatch(/still HOLD .* after 3s; giving up/);
  });

  it('returns 0 as soon as the state improves (drill switched by a config reload)', async () => {
    const cfg = join(home, 'reload.yaml');
    writeFileSync(cfg, 'history:\n  enabled: false\nthresholds:\n  ram: { warn: 70, critical: 85 }\n');
    const s = await startCliServer(['--port', '0', '-c', cfg, ...rootFlags('workstation-zram-nfs')], { cwd: home, home });
    const waiter = runCli(['wait', '--url', s.base, '--until', 'EASE_IN', '--timeout', '30s', '--interval', '500ms'], { cwd: home, home });
    await waiter.waitForStderr(/waiting for EASE_IN: HOLD/);
    // Raise the RAM critical level: the projection fits, zram and PSI keep it at EASE_IN.
    writeFileSync(cfg, 'history:\n  enabled: false\nthresholds:\n  ram: { warn: 90, critical: 99 }\n');
    const reload = await httpRequest(s.base, '/reload', { method: 'POST' });
    expect(reload.status).toBe(200);
    const { code } = await waiter.exited;
    expect(code, waiter.stderr()).toBe(0);
    expect(waiter.stdout()).toMatch(/^EASE_IN /);
  });

  it('exit 3 when the server is unreachable from the start; usage errors are 3 too', async () => {
    expect((await cli(['wait', '--url', 'http://127.0.0.1:9', '--timeout', '2s'])).code).toBe(3);
    const bad = await cli(['wait', '--until', 'SOON']);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/--until must be GO or EASE_IN/);
  });
});
