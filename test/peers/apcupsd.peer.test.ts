import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { parseApcStatus } from '../../src/parsers/apc-nis.js';
import { queryApcupsd } from '../../src/ups/apcupsd.js';
import { type FakeServer, type NisBehaviour, startFakeNis } from '../fakes/ups-servers.js';
import { type ApcPeer, alive, peerSkipReason, startApcupsd, waitFor } from './daemons.js';
import type { UpsPayload } from '../../src/collectors/ups.js';
import { metricsWithoutNumber, upsPoller } from './ups-harness.js';

/**
 * ups_monitor (driver: apcupsd) against Debian's real apcupsd. Without a UPS cable apcupsd runs
 * as a network slave (`UPSTYPE net`) of another NIS server: here a test server plays the
 * machine with the cable, and changing what it serves changes the UPS underneath apcupsd.
 * `apcaccess`, apcupsd's own NIS client, is the reference for our framing and parsing.
 */
const skipReason = peerSkipReason('apcupsd');
const isRoot = process.getuid?.() === 0;

interface Upstream {
  status: string;
  flag: string;
  load: number;
  charge: number;
  timeleft: number;
  linev: number;
}
let ups: Upstream = { status: 'ONLINE', flag: '0x05000008', load: 37, charge: 100, timeleft: 16.8, linev: 123 };
let behaviour: NisBehaviour['kind'] = 'ok';

const upstreamText = () => `APC      : 001,036,0857
DATE     : 2026-01-01 10:00:00 +0000
HOSTNAME : cable-host
VERSION  : 3.14.14 (31 May 2016) debian
UPSNAME  : rack
CABLE    : USB Cable
DRIVER   : USB UPS Driver
UPSMODE  : Stand Alone
MODEL    : Back-UPS RS 1500G
STATUS   : ${ups.status}
LINEV    : ${ups.linev.toFixed(1)} Volts
LOADPCT  : ${ups.load.toFixed(1)} Percent
BCHARGE  : ${ups.charge.toFixed(1)} Percent
TIMELEFT : ${ups.timeleft.toFixed(1)} Minutes
MBATTCHG : 5 Percent
MINTIMEL : 3 Minutes
MAXTIME  : 0 Seconds
SENSE    : Medium
LOTRANS  : 88.0 Volts
HITRANS  : 139.0 Volts
BATTV    : 27.1 Volts
LASTXFER : No transfers since turnon
NUMXFERS : 0
TONBATT  : 0 Seconds
CUMONBATT: 0 Seconds
XOFFBATT : N/A
SELFTEST : NO
STATFLAG : ${ups.flag}
SERIALNO : 3B1234X56789
BATTDATE : 2024-01-01
NOMINV   : 120 Volts
NOMBATTV : 24.0 Volts
NOMPOWER : 900 Watts
FIRMWARE : 878.L4 .D USB FW:L4
END APC  : 2026-01-01 10:00:01 +0000`;

let upstream: FakeServer | undefined;
let peer: ApcPeer | undefined;
let startError: unknown;
let pid: number | undefined;

beforeAll(async () => {
  if (skipReason) {
    console.warn(`apcupsd peer tests skipped: ${skipReason}`);
    return;
  }
  upstream = await startFakeNis(() =>
    behaviour === 'ok' ? { kind: 'ok', status: upstreamText } : { kind: 'garbage', bytes: Buffer.from('no\n') },
  );
  try {
    peer = await startApcupsd(upstream.port);
    pid = peer.daemons[0]!.child.pid;
  } catch (err) {
    startError = err;
  }
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  await upstream?.close();
  expect(alive(pid), `apcupsd pid ${pid} still running`).toBe(false);
});

function need(t: TestContext): ApcPeer {
  if (skipReason) t.skip(skipReason);
  if (!peer) {
    if (!isRoot) t.skip(`apcupsd would not start: ${String(startError)}`);
    throw startError;
  }
  return peer;
}

const poller = (p: ApcPeer) => upsPoller({ driver: 'apcupsd', nis_host: '127.0.0.1', nis_port: p.port });

describe('ups_monitor against real apcupsd (NIS, network-slave mode)', () => {
  it('apcaccess reads the test upstream: its framing is NIS as apcupsd speaks it', async (t) => {
    need(t);
    const text = await peer!.apcaccess(upstream!.port);
    expect(parseApcStatus(text).fields).toEqual(parseApcStatus(upstreamText()).fields);
  });

  it('our NIS client gets exactly the records apcaccess gets from apcupsd', async (t) => {
    const p = need(t);
    await poller(p).until('apcupsd to have polled its master', (x) => x.ups_load_pct === 37);
    const [ours, theirs] = await Promise.all([queryApcupsd({ host: '127.0.0.1', port: p.port, timeoutMs: 2000 }), p.apcaccess(p.port)]);
    const a = parseApcStatus(ours).fields;
    const b = parseApcStatus(theirs).fields;
    // apcupsd stamps each answer with the time; everything else must match record for record.
    for (const k of ['DATE', 'END APC', 'MASTERUPD']) {
      delete a[k];
      delete b[k];
    }
    expect(a).toEqual(b);
    expect(Object.keys(a).length).toBeGreaterThan(25);
  });

  it('gives the SPEC payload: realpower = LOADPCT × NOMPOWER, runtime in minutes, ONLINE', async (t) => {
    const p = need(t);
    const x = await poller(p).until('online figures', (y) => y.ups_available && y.ups_load_pct === 37);
    expect(x).toMatchObject({
      driver: 'apcupsd',
      ups_load_pct: 37,
      ups_realpower_w: 333,
      nominal_power_w: 900,
      input_voltage: 123,
      battery_charge_pct: 100,
      battery_runtime_m: 16.8,
      ups_status: 'ONLINE',
      on_battery: false,
      low_battery: false,
      ups_model: 'Back-UPS RS 1500G',
    });
    // apcupsd adds its own role to the text; it is not a UPS state.
    expect(x.ups_status_raw).toBe('ONLINE SLAVE');
    expect(metricsWithoutNumber(x)).toEqual([]);
  });

  it('load climbing 40 → 50 → 60 gives power_climbing', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    let last: UpsPayload | undefined;
    for (const load of [40, 50, 60]) {
      ups = { ...ups, load };
      last = await until(`load ${load}`, (x) => x.ups_load_pct === load);
    }
    expect(last!.power_climbing).toBe(true);
    expect(last!.ups_realpower_w).toBe(540);
  });

  it('the master gone → apcupsd reports COMMLOST → unavailable; back → available', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    behaviour = 'garbage';
    const lost = await until('COMMLOST', (x) => !x.ups_available, 30_000);
    expect(lost.reason).toMatch(/lost contact with the UPS/);
    expect(lost.ups_status).toMatch(/COMMLOST/);
    behaviour = 'ok';
    await until('recovery', (x) => x.ups_available, 30_000);
  });

  it('on battery, then low battery (apcupsd starts its shutdown through the stand-in apccontrol)', async (t) => {
    const p = need(t);
    const { until } = poller(p);
    ups = { ...ups, status: 'ONBATT', flag: '0x05000010', load: 41, charge: 80, timeleft: 12.5, linev: 0 };
    const ob = await until('on battery', (x) => x.on_battery);
    expect(ob).toMatchObject({ low_battery: false, battery_charge_pct: 80, battery_runtime_m: 12.5, input_voltage: 0, ups_load_pct: 41 });
    ups = { ...ups, status: 'ONBATT LOWBATT', flag: '0x05000050', charge: 8, timeleft: 1.5 };
    const lb = await until('low battery', (x) => x.low_battery);
    expect(lb).toMatchObject({ on_battery: true, battery_charge_pct: 8, battery_runtime_m: 1.5 });
    // apcupsd's text collapses to SHUTTING DOWN; the state bits still say battery and low.
    const down = await until('apcupsd shutting down', (x) => x.ups_status_raw === 'SHUTTING DOWN');
    expect(down).toMatchObject({ on_battery: true, low_battery: true, ups_status: 'ONBATT LOWBATT SHUTDOWN' });
    // apcupsd asked for a shutdown, and only the stand-in heard it.
    const log = () => {
      try {
        return readFileSync(join(p.dir, 'apccontrol.log'), 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor('doshutdown in the apccontrol log', () => (/doshutdown/.test(log()) ? true : null), 15_000);
    expect(log()).toMatch(/onbattery[\s\S]*doshutdown/);
  });

  it('apcupsd stopped → connection refused', async (t) => {
    const p = need(t);
    process.kill(p.daemons[0]!.child.pid!, 'SIGTERM');
    const x = await poller(p).until('refused', (y) => /connection refused/.test(y.reason ?? ''), 15_000);
    expect(x).toMatchObject({ ups_available: false, ups_load_pct: null, on_battery: false, low_battery: false });
  });
});
