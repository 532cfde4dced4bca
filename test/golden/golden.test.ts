import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinCollectors } from '../../src/collectors/index.js';
import { Bus } from '../../src/core/bus.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Payload } from '../../src/core/collector.js';
import { LatestCache } from '../../src/core/latest.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { defaultConfig, OFFLINE_PEERS } from '../helpers/config.js';
import { HostFs } from '../../src/host/hostfs.js';
import { fixtureRoots, projectRoot } from '../helpers/collector-context.js';

/**
 * Golden snapshots (node_exporter's e2e-output idea): every built-in collector run over every
 * fixture host, two passes 1 s apart (the second reads each `X.next` file in place of `X`),
 * compared with `test/golden/<host>.json`. Update deliberately:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/golden
 *
 * Fields that depend on the live process rather than the fixture are listed here, not hidden:
 * their values are replaced by "<volatile>" in both the snapshot and the comparison.
 */
const VOLATILE: Record<string, string[]> = {
  // self_monitor reports the running test process (heap, event loop, our own fds).
  self_monitor: ['*'],
};

/**
 * NVML is the one source a fixture tree cannot stand in for: it is a library on the machine
 * running the tests. It is switched off here so a snapshot is the same on a machine with an
 * NVIDIA GPU; the NVML path has its own tests with the fake library (src/collectors/gpu.test.ts).
 */
// Network sources point at a closed port: a fixture host has no UPS daemon or Ollama.
const GOLDEN_CONFIG = { collectors: { gpu_monitor: { nvml: false } }, ...OFFLINE_PEERS };

const HOSTS_DIR = join(projectRoot, 'test/fixtures/hosts');
const GOLDEN_DIR = join(projectRoot, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function nextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.next')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function maskVolatile(name: string, payload: Payload): Payload {
  const fields = VOLATILE[name];
  if (!fields) return payload;
  if (fields.includes('*')) return Object.fromEntries(Object.keys(payload).sort().map((k) => [k, '<volatile>']));
  const copy = structuredClone(payload);
  for (const f of fields) if (f in copy) copy[f] = '<volatile>';
  return copy;
}

/**
 * The host is copied to a temp dir and each `X.next` is moved over `X` between the passes, on
 * disk: collectors that read through their own file handles (the process scanner) see it too.
 */
async function collectHost(source: string): Promise<Record<string, Payload>> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-golden-'));
  // verbatimSymlinks: fd links such as `socket:[41001]` must stay as they are, not be rewritten
  // into absolute paths of the source tree.
  cpSync(source, dir, { recursive: true, verbatimSymlinks: true });
  const fs = new HostFs(fixtureRoots(dir));
  const clock = new ManualClock();
  const config = defaultConfig(GOLDEN_CONFIG);
  const scheduler = new Scheduler({
    fs,
    clock,
    cache: new LatestCache(),
    bus: new Bus(),
    config,
    log: () => {},
  });
  await scheduler.replaceAll(builtinCollectors, config);
  try {
    await scheduler.runOnce();
    for (const next of nextFiles(dir)) renameSync(next, next.slice(0, -'.next'.length));
    clock.advance(1000);
    const second = await scheduler.runOnce();
    const out: Record<string, Payload> = {};
    for (const name of [...second.keys()].sort()) out[name] = maskVolatile(name, second.get(name)!);
    // Messages name files by path: the temp copy's path is replaced by a stable placeholder.
    return JSON.parse(JSON.stringify(out).replaceAll(dir, '<fixture>'));
  } finally {
    await scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const hosts = readdirSync(HOSTS_DIR).filter((d) => statSync(join(HOSTS_DIR, d)).isDirectory());

describe('golden snapshots of every collector over every fixture host', () => {
  const written: string[] = [];
  afterAll(() => {
    if (written.length) console.log(`golden files written:\n  ${written.join('\n  ')}`);
  });

  it('has fixture hosts', () => {
    expect(hosts.length).toBeGreaterThan(0);
  });

  for (const host of hosts) {
    it(host, async () => {
      const got = await collectHost(join(HOSTS_DIR, host));
      const file = join(GOLDEN_DIR, `${host}.json`);
      const text = `${JSON.stringify(got, null, 2)}\n`;
      if (update) {
        writeFileSync(file, text);
        written.push(relative(projectRoot, file));
        return;
      }
      expect(existsSync(file), `${relative(projectRoot, file)} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden`).toBe(true);
      // No collector may fail on a fixture host: a failure is an error, not a golden value.
      for (const [name, p] of Object.entries(got)) expect(p.error, `${host}: ${name} failed`).toBeUndefined();
      expect(got).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});
