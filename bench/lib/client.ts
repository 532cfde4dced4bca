/**
 * The polling client of the overhead benches, run as its own process so that its CPU is counted
 * apart from the monitor's. One keep-alive HTTP connection fetches each URL once a second; with
 * `--ws URL` it also holds one WebSocket open and reads every message. On SIGTERM it prints one
 * JSON line of counts and exits.
 *
 *   node --import tsx bench/lib/client.ts [--ws ws://127.0.0.1:7700/ws] URL...
 */
import { Agent, get } from 'node:http';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const urls: string[] = [];
let wsUrl: string | null = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--ws') wsUrl = args[++i] ?? null;
  else urls.push(args[i]!);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const counts = { requests: 0, ok: 0, failed: 0, bytes: 0, ws_messages: 0, ws_bytes: 0, ws_errors: 0 };

function fetchOnce(url: string): void {
  counts.requests++;
  const req = get(url, { agent }, (res) => {
    res.on('data', (chunk: Buffer) => {
      counts.bytes += chunk.length;
    });
    res.on('end', () => {
      if (res.statusCode === 200) counts.ok++;
      else counts.failed++;
    });
  });
  req.on('error', () => counts.failed++);
}

if (wsUrl) {
  const ws = new WebSocket(wsUrl);
  ws.on('message', (data: Buffer) => {
    counts.ws_messages++;
    counts.ws_bytes += data.length;
  });
  ws.on('error', () => counts.ws_errors++);
}

const timer = setInterval(() => {
  for (const u of urls) fetchOnce(u);
}, 1000);
for (const u of urls) fetchOnce(u);

process.on('SIGTERM', () => {
  clearInterval(timer);
  process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
});
