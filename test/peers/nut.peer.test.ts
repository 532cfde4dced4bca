import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { alive, type NutPeer, peerSkipReason, startNut } from './daemons.js';
import type { UpsPayload } from '../../src/collectors/ups.js';
import { metricsWithoutNumber, upsPoller } from './ups-harness.js';

/**
 * ups_monitor (driver: nut) against Debian's real upsd with the dummy-ups driver reading a .dev
 * file this test writes; the file is rewritten to change the UPS underneath (on battery, low
 * battery, load climbing). upsc, NUT's own client, is the reference for every figure.
 */
const skipReason = peerSkipReason('nut');
const isRoot = process.getuid?.() === 0;

const ONLINE = {
  'device.mfr': 'Headroom',
  'device.model': 'Peer 1500',
  'ups.status': 'OL',
  'ups.load': '37',
  'ups.realpower.nominal': '900',
  'battery.charge': '100',
  'battery.runtime': '1008',
  'input.voltage': '123.0',
};

let peer: NutPeer | undefined;
let startError: unknown;
const pids: (number | undefined)[] = [];

beforeAll(async () => {
  if (skipReason) {
    console.warn(`NUT peer tests skipped: ${skipReason}`);
    return;
  }
  try {
    peer = await startNut(ONLINE);
    pids.push(...peer.daemons.map((d) => d.child.pid));
  } catch (err) {
    startError = err;
  }
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  for (const pid of pids) expect(alive(pid), `daemon pid ${pid} still running`).toBe(false);
});

function need(t: TestContext): NutPeer {
  if (skipReason) t.skip(skipReason);
  if (!peer) {
    if (!isRoot) t.skip(`NUT would not start without root: ${String(startError)}`);
    throw startError;
  }
  return peer;
}

const poller = (p: NutPeer, extra: Record<string, unknown> = {}) =>
  upsPoller({ driver: 'nut', nut_host: '127.0.0.1', nut_port: p.port, nut_ups: p.ups, ...extra });

/** upsc's `name: value` lines. */
function upsc(p: NutPeer): Record<string, string> {
  const r = spawnSync('upsc', [`${p.ups}@127.0.0.1:${p.port}`], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`upsc failed: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes(': '))
      .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
  );
}

describe('ups_monitor against real NUT upsd + dummy-ups', () => {
  it('reads the figures upsc reads, in the SPEC payload', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    const got = await until('the UPS online', (x) => x.ups_available && x.ups_status === 'ONLINE');
    const ref = upsc(p);
    expect(ref['ups.status']).toBe('OL');
    expect(got).toMatchObject({
      driver: 'nut',
      ups_load_pct: Number(ref['ups.load']),
      ups_realpower_w: (Number(ref['ups.load']) * Number(ref['ups.realpower.nominal'])) / 100,
      realpower_source: 'load_x_nominal',
      input_voltage: Number(ref['input.voltage']),
      battery_charge_pct: Number(ref['battery.charge']),
      battery_runtime_s: Number(ref['battery.runtime']),
      battery_runtime_m: Number(ref['battery.runtime']) / 60,
      ups_status_raw: 'OL',
      on_battery: false,
      low_battery: false,
      ups_model: ref['device.model'],
    });
    expect(got.ups_realpower_w).toBe(333);
    expect(metricsWithoutNumber(got)).toEqual([]);
  });

  it('logs in with a username and a password holding a space, as the real upsd accepts them', async (t) => {
    const p = need(t);
    const x = await poller(p, { username: 'monuser', password: 'pass word' }).poll();
    expect(x.reason).toBeNull();
    expect(x.ups_available).toBe(true);
  });

  it('load climbing 40 → 50 → 60 → power_climbing; then a fall clears it', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    let last: UpsPayload | undefined;
    for (const load of ['40', '50', '60']) {
      p.setVars({ ...ONLINE, 'ups.load': load });
      last = await until(`load ${load}`, (x) => x.ups_load_pct === Number(load));
    }
    expect(last!.power_climbing).toBe(true);
    expect(last!.ups_realpower_w).toBe(540);
    p.setVars({ ...ONLINE, 'ups.load': '45' });
    expect((await until('load 45', (x) => x.ups_load_pct === 45)).power_climbing).toBe(false);
  });

  it('follows the UPS onto battery (OB), then low battery (OB LB), measured watts when the UPS reports them', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    p.setVars({ ...ONLINE, 'ups.status': 'OB DISCHRG', 'battery.charge': '64', 'battery.runtime': '600', 'input.voltage': '0.0', 'ups.realpower': '310' });
    const ob = await until('on battery', (x) => x.on_battery);
    expect(ob).toMatchObject({ low_battery: false, ups_status: 'ONBATT DISCHARGING', battery_charge_pct: 64, battery_runtime_m: 10, input_voltage: 0, ups_realpower_w: 310, realpower_source: 'measured' });
    p.setVars({ ...ONLINE, 'ups.status': 'OB LB', 'battery.charge': '9', 'battery.runtime': '95' });
    const lb = await until('low battery', (x) => x.low_battery);
    expect(lb).toMatchObject({ on_battery: true, ups_status: 'ONBATT LOWBATT', ups_status_raw: 'OB LB', battery_charge_pct: 9, battery_runtime_s: 95 });
    expect(upsc(p)['ups.status']).toBe('OB LB');
  });

  it('an unknown UPS name gets upsd\'s ERR UNKNOWN-UPS as the reason', async (t) => {
    const p = need(t);
    const x = await poller(p, { nut_ups: 'nosuchups' }).poll();
    expect(x.ups_available).toBe(false);
    expect(x.reason).toMatch(/ERR UNKNOWN-UPS/);
  });

  it('the driver gone → unavailable with upsd\'s reason; upsd gone → connection refused', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    const driver = p.daemons.find((d) => d.name === 'dummy-ups')!;
    process.kill(driver.child.pid!, 'SIGTERM');
    const stale = await until('the driver loss', (x) => !x.ups_available, 30_000);
    expect(stale.reason).toMatch(/ERR (DRIVER-NOT-CONNECTED|DATA-STALE)/);
    const upsd = p.daemons.find((d) => d.name === 'upsd')!;
    process.kill(upsd.child.pid!, 'SIGTERM');
    const gone = await until('upsd gone', (x) => /connection refused/.test(x.reason ?? ''), 15_000);
    expect(gone).toMatchObject({ ups_available: false, ups_load_pct: null, on_battery: false });
  });
});
