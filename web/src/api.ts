/**
 * HTTP to the serving origin only (relative URLs), with the bearer token when the user gave one.
 * A 401 is reported as AuthError so the page can ask for a token instead of showing an error.
 */
import { loadSetting, saveSetting } from './storage.js';

export class AuthError extends Error {
  constructor(readonly status: number) {
    super(status === 401 ? 'an API token is required' : 'the API token lacks the scope for this');
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = loadSetting('token');

export function getToken(): string | null {
  return token;
}

export function setToken(t: string | null): void {
  token = t && t.trim() !== '' ? t.trim() : null;
  saveSetting('token', token);
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...extra };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

async function handle<T>(res: Response): Promise<T> {
  if (res.status === 401 || res.status === 403) {
    // 403 also comes from the Host/Origin guard; only token problems are AuthErrors.
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    if (res.status === 401 || body?.code === 'HEADROOM_ERR_FORBIDDEN') throw new AuthError(res.status);
    throw new HttpError(res.status, body?.message ?? `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    throw new HttpError(res.status, body?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

/** GET a JSON route; `timeoutMs` so a hung server turns into an error, not a stuck poll. */
export async function getJson<T>(path: string, timeoutMs = 5000): Promise<T> {
  const res = await fetch(path, { headers: headers(), cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
  return handle<T>(res);
}

export async function postJson<T>(path: string, body: unknown, timeoutMs = 5000): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return handle<T>(res);
}

/** The WebSocket URL of this origin; the token goes in the query (browsers cannot set headers). */
export function wsUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${proto}//${location.host}/ws${q}`;
}
