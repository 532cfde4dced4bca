import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIMB_WINDOW_MS, type UpsPayload, upsMonitor, upsThresholds } from '../../src/collectors/ups.js';
import { fixtureHost, makeCollectorContext } from '../helpers/collector-context.js';
import { defaultConfig } from '../helpers/config.js';
import { type FakeServer, type NisBehaviour, type NutBehaviour, startFakeNis, startFakeNut } from './ups-servers.js';

/**
 * ups_monitor against fake daemons that answer well and badly. Every bad case must end with
 * `ups_available: false`, every figure null, and a reason saying what went wrong — never a hang
 * (the test timeout would catch one) and never an unbounded buffer (the reason says "cut off").
 */
const fakes: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const STATUS = (status: string, flag: string, load: number, charge = 100) => `APC      : 001,036,0857
UPSNAME  : rack
MODEL    : Smart-UPS 1500
STATUS   : ${status}
LINEV    : 123.0 Volts
LOADPCT  : ${load.toFixed(1)} Percent
BCHARGE  : ${charge.toFixed(1)} Percent
TIMELEFT : 16.8 Minutes
STATFLAG : ${flag}
NOMPOWER : 900 Watts
END APC  : 2026-01-01 10:00:01 +0000`;

function upsContext(ups: Record<string, unknown>) {
  const t = makeCollectorContext<Record<string, unknown>>(fixtureHost('debian12-vm-2c'), { name: 'ups_monitor' });
  t.ctx.config = defaultConfig({ ups: { timeout_ms: 300, ...ups } });
  return t;
}
const collect = (ctx: ReturnType<typeof upsContext>['ctx']) => upsMonitor.collect(ctx as never) as Promise<UpsPayload>;

async function nis(behaviour: () => NisBehaviour) {
  const f = await startFakeNis(behaviour);
  fakes.push(f);
  return { fake: f, ...upsContext({ driver: 'apcupsd', nis_host: '127.0.0.1', nis_port: f.port }) };
}
async function nut(behaviour: () => NutBehaviour, extra: Record<string, unknown> = {}) {
  const f = await startFakeNut('testups', behaviour);
  fakes.push(f);
  return { fake: f, ...upsContext({ driver: 'nut', nut_host: '127.0.0.1', nut_port: f.port, nut_ups: 'testups', ...extra }) };
}

function expectUnavailable(p: UpsPayload, reason: RegExp) {
  expect(p).toMatchObject({ available: false, ups_available: false, on_battery: false, low_battery: false, power_climbing: false });
  for (const k of ['ups_load_pct', 'ups_realpower_w', 'input_voltage', 'battery_charge_pct', 'battery_runtime_m'] as const) expect(p[k], k).toBeNull();
  expect(p.reason).toMatch(reason);
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ups_monitor over apcupsd NIS (fake server)', () => {
  it('sends one framed `status` and builds the SPEC payload from the records', async () => {
    const { fake, ctx } = await nis(() => ({ kind: 'ok', status: () => STATUS('ONLINE', '0x05000008', 37) }));
    const p = await collect(ctx);
    expect(fake.received).toEqual(['status']);
    expect(p).toMatchObject({
      ups_available: true,
      available: true,
      driver: 'apcupsd',
      source: `127.0.0.1:${fake.port}`,
      ups_load_pct: 37,
      ups_realpower_w: 333,
      realpower_source: 'load_x_nominal',
      input_voltage: 123,
      battery_charge_pct: 100,
      battery_runtime_m: 16.8,
      battery_runtime_s: 1008,
      ups_status: 'ONLINE',
      on_battery: false,
      low_battery: false,
      power_climbing: false,
      ups_model: 'Smart-UPS 1500',
      reason: null,
    });
  });

  it('follows the UPS onto battery and low battery', async () => {
    let status = STATUS('ONLINE', '0x05000008', 37);
    const { ctx } = await nis(() => ({ kind: 'ok', status: () => status }));
    expect((await collect(ctx)).on_battery).toBe(false);
    status = STATUS('ONBATT', '0x05060010', 40, 71);
    expect(await collect(ctx)).toMatchObject({ on_battery: true, low_battery: false, battery_charge_pct: 71, ups_status: 'ONBATT' });
    status = STATUS('SHUTTING DOWN', '0x05060250', 40, 9);
    expect(await collect(ctx)).toMatchObject({ on_battery: true, low_battery: true, ups_status: 'ONBATT LOWBATT SHUTDOWN', ups_status_raw: 'SHUTTING DOWN' });
  });

  it('power_climbing: three distinct rising readings, repeats ignored, a fall or a long hold ends it', async () => {
    let load = 30;
    const { ctx, clock } = await nis(() => ({ kind: 'ok', status: () => STATUS('ONLINE', '0x05000008', load) }));
    const seen: boolean[] = [];
    for (const l of [30, 30, 40, 40, 50, 50, 45, 50, 60]) {
      load = l;
      clock.advance(2000);
      seen.push((await collect(ctx)).power_climbing);
    }
    expect(seen).toEqual([false, false, false, false, true, true, false, false, true]);
    clock.advance(CLIMB_WINDOW_MS + 1);
    expect((await collect(ctx)).power_climbing).toBe(false);
  });

  it('reports COMMLOST as unavailable: apcupsd answered but its figures are stale', async () => {
    const { ctx } = await nis(() => ({ kind: 'ok', status: () => STATUS('COMMLOST', '0x05000108', 37) }));
    const p = await collect(ctx);
    expectUnavailable(p, /lost contact with the UPS/);
    expect(p.ups_status).toBe('ONLINE COMMLOST');
  });

  // Size-cap cases get a long deadline so that the cap, not the clock, is what ends them.
  it.each<{ name: string; behaviour: NisBehaviour; reason: RegExp; timeoutMs?: number }>([
    { name: 'silent server', behaviour: { kind: 'silent' }, reason: /no complete reply within 300 ms/ },
    { name: 'one byte every 40 ms', behaviour: { kind: 'trickle', status: STATUS('ONLINE', '0x8', 1), everyMs: 40 }, reason: /no complete reply within 300 ms/ },
    { name: 'closed mid-message', behaviour: { kind: 'close-mid-message', status: STATUS('ONLINE', '0x8', 1) }, reason: /closed by the server in the middle of the record/ },
    { name: 'endless records', behaviour: { kind: 'endless-records' }, reason: /reply larger than 65536 bytes, cut off/, timeoutMs: 20_000 },
    { name: 'bogus length', behaviour: { kind: 'bogus-length', length: 0xffff }, reason: /record length 65535 is not plausible/ },
    { name: 'an HTTP server', behaviour: { kind: 'garbage', bytes: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') }, reason: /record length 18516 is not plausible/ },
    { name: 'well-framed nonsense', behaviour: { kind: 'garbage', bytes: Buffer.from([0, 5, 104, 101, 108, 108, 111, 0, 0]) }, reason: /not an apcupsd status reply/ },
  ])('$name → unavailable with a reason', async ({ behaviour, reason, timeoutMs }) => {
    const { ctx } = await nis(() => behaviour);
    if (timeoutMs) ctx.config = defaultConfig({ ups: { ...ctx.config.ups, timeout_ms: timeoutMs } });
    expectUnavailable(await collect(ctx), reason);
  });

  it('nothing listening → unavailable, connection refused', async () => {
    const { ctx } = upsContext({ driver: 'apcupsd', nis_host: '127.0.0.1', nis_port: await closedPort() });
    const p = await collect(ctx);
    expectUnavailable(p, /connection refused/);
    expect(p.driver).toBe('apcupsd');
  });

  it('the scheduler abort ends a pending conversation', async () => {
    const { ctx } = await nis(() => ({ kind: 'silent' }));
    ctx.config = defaultConfig({ ups: { ...ctx.config.ups, timeout_ms: 60_000 } });
    const abort = new AbortController();
    ctx.signal = abort.signal;
    const pending = collect(ctx);
    setTimeout(() => abort.abort(new Error('timed out after 5s')), 100);
    expectUnavailable(await pending, /aborted \(timed out after 5s\)/);
  });
});

const DUMMY_VARS = { 'ups.status': 'OL', 'ups.load': '37', 'ups.realpower.nominal': '900', 'battery.charge': '100', 'battery.runtime': '1008', 'input.voltage': '123.0', 'device.model': 'Dummy UPS' };

describe('ups_monitor over NUT upsd (fake server)', () => {
  it('asks LIST VAR without logging in, and gives the same payload as apcupsd', async () => {
    const { fake, ctx } = await nut(() => ({ kind: 'ok', vars: () => DUMMY_VARS }));
    const p = await collect(ctx);
    expect(fake.received).toEqual(['LIST VAR testups']);
    expect(p).toMatchObject({
      ups_available: true,
      driver: 'nut',
      source: `testups@127.0.0.1:${fake.port}`,
      ups_load_pct: 37,
      ups_realpower_w: 333,
      input_voltage: 123,
      battery_charge_pct: 100,
      battery_runtime_m: 16.8,
      ups_status: 'ONLINE',
      ups_status_raw: 'OL',
      on_battery: false,
      low_battery: false,
      ups_model: 'Dummy UPS',
    });
  });

  it('sends USERNAME and a quoted PASSWORD when configured', async () => {
    const { fake, ctx } = await nut(() => ({ kind: 'ok', vars: () => DUMMY_VARS }), { username: 'monuser', password: 'pass "word"' });
    expect((await collect(ctx)).ups_available).toBe(true);
    expect(fake.received).toEqual(['USERNAME monuser', 'PASSWORD "pass \\"word\\""', 'LIST VAR testups']);
  });

  it('OB LB → on battery and low battery', async () => {
    const { ctx } = await nut(() => ({ kind: 'ok', vars: () => ({ ...DUMMY_VARS, 'ups.status': 'OB DISCHRG LB', 'battery.charge': '12' }) }));
    expect(await collect(ctx)).toMatchObject({ on_battery: true, low_battery: true, ups_status: 'ONBATT DISCHARGING LOWBATT', battery_charge_pct: 12 });
  });

  it.each<{ name: string; behaviour: NutBehaviour; reason: RegExp; timeoutMs?: number }>([
    { name: 'unknown UPS', behaviour: { kind: 'err', code: 'UNKNOWN-UPS' }, reason: /ERR UNKNOWN-UPS: upsd does not know this UPS name/ },
    { name: 'stale driver data', behaviour: { kind: 'err', code: 'DATA-STALE' }, reason: /ERR DATA-STALE/ },
    { name: 'driver gone', behaviour: { kind: 'err', code: 'DRIVER-NOT-CONNECTED' }, reason: /ERR DRIVER-NOT-CONNECTED/ },
    { name: 'silent server', behaviour: { kind: 'silent' }, reason: /no complete reply within 300 ms/ },
    { name: 'closed mid-message', behaviour: { kind: 'close-mid-message' }, reason: /closed by the server in the middle of the reply line/ },
    { name: 'endless line', behaviour: { kind: 'endless-line' }, reason: /reply line longer than 2048 bytes, cut off/, timeoutMs: 20_000 },
    { name: 'endless list', behaviour: { kind: 'endless-list' }, reason: /cut off/, timeoutMs: 20_000 },
    { name: 'garbage', behaviour: { kind: 'garbage', text: 'SSH-2.0-OpenSSH_9.2\r\n' }, reason: /expected "BEGIN LIST VAR testups"/ },
    { name: 'no ups.status', behaviour: { kind: 'ok', vars: () => ({ 'ups.load': '5' }) }, reason: /has no ups.status/ },
  ])('$name → unavailable with a reason', async ({ behaviour, reason, timeoutMs }) => {
    const { ctx } = await nut(() => behaviour);
    if (timeoutMs) ctx.config = defaultConfig({ ups: { ...ctx.config.ups, timeout_ms: timeoutMs } });
    expectUnavailable(await collect(ctx), reason);
  });

  it('refuses a UPS name that would smuggle a second command, and explains upsc-style names', async () => {
    const { ctx, fake } = await nut(() => ({ kind: 'ok', vars: () => DUMMY_VARS }), { nut_ups: 'testups\nFSD testups' });
    expectUnavailable(await collect(ctx), /"testups\\nFSD testups" is not a UPS name/);
    ctx.config = defaultConfig({ ups: { ...ctx.config.ups, nut_ups: 'testups@localhost' } });
    expectUnavailable(await collect(ctx), /the host goes in ups.nut_host/);
    expect(fake.connections).toBe(0);
  });
});

describe('upsThresholds', () => {
  it('follows the ups: config', () => {
    const ups = defaultConfig({ ups: { load_warn: 60, load_critical: 80, battery_warn: 40, battery_critical: 20, runtime_warn_m: 12 } }).ups;
    expect(upsThresholds(ups)).toEqual([
      expect.objectContaining({ metric: 'ups_load_pct', direction: 'above', warn: 60, critical: 80 }),
      expect.objectContaining({ metric: 'battery_charge_pct', direction: 'below', warn: 40, critical: 20 }),
      expect.objectContaining({ metric: 'battery_runtime_s', direction: 'below', warn: 720, critical: 360 }),
    ]);
  });

  it('the declared defaults are the config defaults', () => {
    expect(upsMonitor.thresholds).toEqual(upsThresholds(defaultConfig().ups));
    for (const t of upsMonitor.thresholds!) expect(upsMonitor.metrics.map((m) => m.name)).toContain(t.metric);
  });
});
