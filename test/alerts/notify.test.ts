/**
 * Notification channels against real receivers on this machine: a shell script (args + stdin),
 * an HTTP endpoint on 127.0.0.1 (json, ntfy and Slack formats; down, then back up), and a
 * `notify-send` stand-in on PATH. Delivery is checked by what the receiver recorded.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { desktopChannel } from '../../src/alerts/notify/desktop.js';
import { Dispatcher } from '../../src/alerts/notify/dispatcher.js';
import { scriptChannel } from '../../src/alerts/notify/script.js';
import { webhookChannel } from '../../src/alerts/notify/webhook.js';
import type { AlertEvent } from '../../src/alerts/types.js';
import { until } from '../helpers/server.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-notify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = () => 'testbox';
const ev = (severity: AlertEvent['severity'], message: string): AlertEvent => ({
  ts: 1_700_000_000_000,
  kind: 'alert',
  source: 'ram_monitor',
  severity,
  message,
  data: { rule: 'ram', value: 91 },
});
const fast = { retryDelaysMs: [50, 100, 200, 400, 800] };

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('script channel (execFile, no shell)', () => {
  it('gets severity, title and body as arguments and the event JSON on stdin, once', async () => {
    const log = join(dir, 'script.log');
    const p = script('recv.sh', `printf '%s|%s|%s\\n' "$1" "$2" "$3" >> ${log}; cat >> ${log}`);
    const d = new Dispatcher(fast);
    d.setChannels([scriptChannel(p, 'WARN', host)]);
    d.send(ev('CRITICAL', 'RAM above critical: 91% (≥ 85%); $(touch /tmp/pwned) `id`'));
    d.send(ev('INFO', 'below the filter'));
    await d.idle();
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    // The message arrives verbatim: nothing in it was run by a shell.
    expect(lines[0]).toBe('CRITICAL|headroom testbox: CRITICAL|RAM above critical: 91% (≥ 85%); $(touch /tmp/pwned) `id`');
    const json = JSON.parse(lines[1]!);
    expect(json).toMatchObject({ severity: 'CRITICAL', source: 'ram_monitor', host: 'testbox', data: { rule: 'ram' } });
    expect(json.time).toBe('2023-11-14T22:13:20.000Z');
    expect(d.status().script).toMatchObject({ sent: 1, dropped: 0, queued: 0 });
    d.close();
  });

  it('a failing script is retried with backoff and delivered once when it recovers', async () => {
    const flag = join(dir, 'ok-now');
    const log = join(dir, 'retry.log');
    const p = script('flaky.sh', `[ -f ${flag} ] || { echo "receiver down" >&2; exit 1; }\necho "$3" >> ${log}`);
    const d = new Dispatcher(fast);
    d.setChannels([scriptChannel(p, 'INFO', host)]);
    d.send(ev('WARN', 'first'));
    await until(() => d.status().script!.failed_attempts >= 2, 'two failed attempts');
    expect(d.status().script).toMatchObject({ retrying: true, last_error: expect.stringMatching(/exited with code 1: receiver down/) });
    writeFileSync(flag, '');
    await d.idle();
    d.send(ev('WARN', 'second'));
    await d.idle();
    expect(readFileSync(log, 'utf8')).toBe('first\nsecond\n');
    expect(d.status().script).toMatchObject({ sent: 2, retrying: false });
    d.close();
  });

  it('a script that hangs is killed at its time limit and counted as a failure', async () => {
    const p = script('hang.sh', 'sleep 30');
    const d = new Dispatcher({ retryDelaysMs: [] });
    d.setChannels([scriptChannel(p, 'INFO', host, 200)]);
    const t0 = Date.now();
    d.send(ev('WARN', 'x'));
    await d.idle();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(d.status().script).toMatchObject({ sent: 0, dropped: 1, last_error: expect.stringMatching(/timed out/) });
    d.close();
  });

  it('a missing script is a permanent error: logged, not retried', async () => {
    const logs: string[] = [];
    const d = new Dispatcher({ ...fast, log: (_l, m) => logs.push(m) });
    d.setChannels([scriptChannel(join(dir, 'nope.sh'), 'INFO', host)]);
    d.send(ev('WARN', 'x'));
    await d.idle();
    expect(d.status().script).toMatchObject({ failed_attempts: 1, dropped: 1 });
    expect(logs.join('\n')).toMatch(/nope\.sh: not found/);
    d.close();
  });
});

describe('webhook channel (real HTTP receiver on 127.0.0.1)', () => {
  let server: Server | null = null;
  let port = 0;
  const got: { headers: IncomingMessage['headers']; body: string; path: string }[] = [];
  let status = 200;

  async function listen(p = 0): Promise<void> {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        got.push({ headers: req.headers, body, path: req.url ?? '' });
        res.statusCode = status;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server!.listen(p, '127.0.0.1', () => r()));
    port = (server!.address() as AddressInfo).port;
  }
  async function stop(): Promise<void> {
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server!.close(() => r()));
    server = null;
  }
  afterEach(async () => {
    await stop();
    got.length = 0;
    status = 200;
  });

  it('json: the event as JSON with host and time, plus configured headers', async () => {
    await listen();
    const d = new Dispatcher(fast);
    d.setChannels([webhookChannel({ url: `http://127.0.0.1:${port}/hook`, format: 'json', headers: { authorization: 'Bearer s3cret' } }, host)]);
    d.send(ev('CRITICAL', 'HOLD: Disk swap active'));
    d.send(ev('INFO', 'not sent: default min_severity is WARN'));
    await d.idle();
    expect(got).toHaveLength(1);
    expect(got[0]!.headers['content-type']).toBe('application/json');
    expect(got[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(JSON.parse(got[0]!.body)).toMatchObject({ severity: 'CRITICAL', message: 'HOLD: Disk swap active', host: 'testbox' });
    // The status key names the host only: webhook paths are secrets.
    expect(Object.keys(d.status())).toEqual([`webhook:127.0.0.1:${port}`]);
    d.close();
  });

  it('ntfy: text body with Title, Priority and Tags headers', async () => {
    await listen();
    const d = new Dispatcher(fast);
    d.setChannels([webhookChannel({ url: `http://127.0.0.1:${port}/mytopic`, format: 'ntfy', min_severity: 'INFO' }, host)]);
    d.send(ev('CRITICAL', 'HOLD: UPS on battery — 12 min left'));
    await d.idle();
    expect(got[0]!.path).toBe('/mytopic');
    expect(got[0]!.body).toBe('HOLD: UPS on battery — 12 min left');
    expect(got[0]!.headers).toMatchObject({ title: 'headroom testbox: CRITICAL', priority: '5', tags: 'rotating_light' });
    d.close();
  });

  it('slack: {text} JSON', async () => {
    await listen();
    const d = new Dispatcher(fast);
    d.setChannels([webhookChannel({ url: `http://127.0.0.1:${port}/services/x`, format: 'slack' }, host)]);
    d.send(ev('WARN', 'EASE_IN: zram swap growing'));
    await d.idle();
    expect(JSON.parse(got[0]!.body)).toEqual({ text: '*headroom testbox: WARN*\nEASE_IN: zram swap growing' });
    d.close();
  });

  it('receiver down, then back on the same port: delivered once after it recovers, nothing lost or doubled', async () => {
    await listen();
    const p = port;
    await stop();
    const d = new Dispatcher(fast);
    d.setChannels([webhookChannel({ url: `http://127.0.0.1:${p}/hook`, format: 'json', timeout_ms: 500 }, host)]);
    d.send(ev('CRITICAL', 'one'));
    d.send(ev('WARN', 'two'));
    await until(() => d.status()[`webhook:127.0.0.1:${p}`]!.failed_attempts >= 2, 'failed attempts while down');
    expect(got).toHaveLength(0);
    await listen(p);
    await d.idle();
    expect(got.map((g) => JSON.parse(g.body).message)).toEqual(['one', 'two']);
    expect(d.status()[`webhook:127.0.0.1:${p}`]).toMatchObject({ sent: 2, dropped: 0, retrying: false });
    d.close();
  });

  it('5xx is retried; 4xx is not (the same request would fail again)', async () => {
    await listen();
    status = 503;
    const d = new Dispatcher(fast);
    d.setChannels([webhookChannel({ url: `http://127.0.0.1:${port}/h`, format: 'json' }, host)]);
    d.send(ev('WARN', 'x'));
    await until(() => got.length >= 2, 'a retry after 503');
    status = 200;
    await d.idle();
    expect(got.length).toBeGreaterThanOrEqual(3); // two or more 503s, then the 200
    expect(d.status()[`webhook:127.0.0.1:${port}`]).toMatchObject({ sent: 1 });
    got.length = 0;
    status = 404;
    d.send(ev('WARN', 'y'));
    await d.idle();
    expect(got).toHaveLength(1);
    expect(d.status()[`webhook:127.0.0.1:${port}`]).toMatchObject({ dropped: 1, last_error: `HTTP 404 from webhook:127.0.0.1:${port}` });
    d.close();
  });
});

describe('desktop channel (notify-send on PATH)', () => {
  it('sends CRITICAL only, urgency critical, with title and body', async () => {
    const log = join(dir, 'notify-send.log');
    const fake = script('notify-send', `for a in "$@"; do printf '[%s]' "$a" >> ${log}; done; echo >> ${log}`);
    const d = new Dispatcher(fast);
    d.setChannels([desktopChannel(host, fake)]);
    d.send(ev('WARN', 'not for the desktop'));
    d.send(ev('CRITICAL', 'HOLD: Disk swap active'));
    await d.idle();
    expect(readFileSync(log, 'utf8')).toBe('[--urgency=critical][--app-name=headroom][headroom testbox: CRITICAL][HOLD: Disk swap active]\n');
    d.close();
  });

  it('without notify-send installed: a clear permanent error, nothing else breaks', async () => {
    const d = new Dispatcher(fast);
    d.setChannels([desktopChannel(host, join(dir, 'no-such-notify-send'))]);
    d.send(ev('CRITICAL', 'x'));
    await d.idle();
    expect(d.status().desktop).toMatchObject({ dropped: 1, last_error: expect.stringMatching(/not found/) });
    expect(existsSync(join(dir, 'no-such-notify-send'))).toBe(false);
    d.close();
  });
});
