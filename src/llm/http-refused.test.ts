import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError, httpGet, REFUSED_RECHECK_MS } from './http.js';

let server: Server | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A free loopback port: bound, then closed, so nothing listens there. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('httpGet and a server that refuses connections', () => {
  it('answers "refused" from memory until REFUSED_RECHECK_MS has passed, then asks again', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/api/ps`;
    const opts = { timeoutMs: 2000, maxBytes: 1024 };
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    await expect(httpGet(url, opts)).rejects.toThrow(/connection refused \(nothing listening\)/);

    // The server comes up; within the recheck window the last refusal still stands.
    server = createServer((_req, res) => res.end('{"models":[]}'));
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    now += REFUSED_RECHECK_MS - 1;
    const cached = await httpGet(url, opts).catch((e: unknown) => e);
    expect(cached).toBeInstanceOf(HttpError);
    expect((cached as Error).message).toBe(`${url}: connection refused (nothing listening)`);

    now += 1;
    await expect(httpGet(url, opts)).resolves.toEqual({ status: 200, text: '{"models":[]}' });
  });
});
