/**
 * Alerts through the whole engine: collector ticks → rules and headroom transitions → events
 * stored, pushed on the WebSocket, served by /api/events and POSTed to a real webhook receiver —
 * once per crossing, never once per tick.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headroomCollector } from '../../src/collectors/headroom.js';
import type { AnyCollector } from '../../src/core/collector.js';
import { startServer, type TestServer, testConfig, until, WsProbe } from '../helpers/server.js';

let receiver: Server;
let port = 0;
const posted: { severity: string; message: string; data: { rule: string } }[] = [];
let ramPct = 40;

const fakeRam: AnyCollector = {
  name: 'ram_monitor',
  description: 'RAM figures the test sets',
  interval: 3600,
  metrics: [],
  collect: async () => ({ available: true, ram_total_gb: 16, ram_pct: ramPct, swap: null, top_processes: [] }),
};
const headroom: AnyCollector = { ...headroomCollector, interval: 3600 };

let srv: TestServer;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      posted.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  port = (receiver.address() as AddressInfo).port;
  srv = await startServer({
    collectors: [fakeRam, headroom],
    config: testConfig((c) => {
      c.history.enabled = false;
      c.notifications.webhooks = [{ url: `http://127.0.0.1:${port}/hook`, format: 'json', min_severity: 'INFO' }];
    }),
  });
});
afterAll(async () => {
  await srv?.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

async function tick(pct: number): Promise<void> {
  ramPct = pct;
  await srv.engine.scheduler.runOnce();
}

describe('alerts end to end', () => {
  it('one POST per crossing, events in /api/events and on the WebSocket', async () => {
    const ws = await WsProbe.open(srv.wsUrl());
    // ram: warn 70, critical 85; headroom: HOLD when 85 − (pct + 8) < 0, i.e. pct > 77.
    for (const pct of [40, 72, 72, 72, 90, 90, 88, 75, 60, 60, 72]) await tick(pct);
    await until(() => srv.engine.notifier.status()[`webhook:127.0.0.1:${port}`]?.queued === 0 && posted.length >= 7, 'deliveries', 10_000);
    await srv.engine.notifier.idle();

    const ram = posted.filter((e) => e.data.rule === 'ram').map((e) => e.severity);
    expect(ram).toEqual(['WARN', 'CRITICAL', 'INFO', 'WARN']);
    const states = posted.filter((e) => e.data.rule.startsWith('headroom.')).map((e) => `${e.severity} ${e.data.rule}`);
    // 40 and 72 are GO (72 + 8 = 80 leaves exactly the 5 % floor); 90 HOLD (at critical), 88 still
    // HOLD, 75 EASE_IN (75 + 8 = 83 leaves 2 %), 60 GO, 72 GO.
    expect(states).toEqual(['CRITICAL headroom.hold', 'INFO headroom.eased', 'INFO headroom.go']);
    expect(posted).toHaveLength(ram.length + states.length);

    const res = await fetch(`${srv.base}/api/events?severity=WARN&limit=50`);
    const body = (await res.json()) as { events: { severity: string; message: string }[] };
    expect(body.events.map((e) => e.severity).sort()).toEqual(['CRITICAL', 'CRITICAL', 'WARN', 'WARN']);
    expect(body.events[0]!.message).toMatch(/^RAM above warn: 72%/); // newest first

    await until(() => ws.messages.filter((m) => m.plugin === 'events').length >= posted.length, 'events on the WebSocket');
    const pushed = ws.messages.filter((m) => m.plugin === 'events').map((m) => m.data.message);
    expect(pushed).toEqual(posted.map((p) => p.message));
    ws.ws.close();
  });

  it('/api/status shows the notifier lane and every rule with its level', async () => {
    const res = await fetch(`${srv.base}/api/status`);
    const st = (await res.json()) as { notifications: Record<string, { sent: number }>; alerts: { id: string; level: string }[] };
    expect(st.notifications[`webhook:127.0.0.1:${port}`]!.sent).toBe(posted.length);
    expect(st.alerts.find((r) => r.id === 'ram')).toMatchObject({ level: 'warn' });
  });
});
