import type { AlertEvent, Severity } from '../types.js';
import { type Channel, PermanentError, titleOf } from './channel.js';

export interface WebhookConfig {
  url: string;
  format: 'json' | 'ntfy' | 'slack';
  min_severity?: Severity;
  timeout_ms?: number;
  headers?: Record<string, string>;
}

const NTFY_PRIORITY: Record<Severity, string> = { INFO: '3', WARN: '4', CRITICAL: '5' };
const NTFY_TAG: Record<Severity, string> = { INFO: 'information_source', WARN: 'warning', CRITICAL: 'rotating_light' };
// HTTP header values must be Latin-1; ntfy reads Title from a header.
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/** The request a webhook gets, per format: plain JSON, ntfy (text body + headers), Slack-compatible. */
export function webhookRequest(w: WebhookConfig, ev: AlertEvent, host: string): { headers: Record<string, string>; body: string } {
  const title = titleOf(ev, host);
  switch (w.format) {
    case 'ntfy':
      return {
        headers: { 'content-type': 'text/plain; charset=utf-8', title: ascii(title), priority: NTFY_PRIORITY[ev.severity], tags: NTFY_TAG[ev.severity] },
        body: ev.message,
      };
    case 'slack':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `*${title}*\n${ev.message}` }) };
    default:
      return {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...ev, host, time: new Date(ev.ts).toISOString() }),
      };
  }
}

/** The name shown in /api/status: scheme and host only, never the path (ntfy topics and Slack URLs are secrets). */
export function webhookName(url: string): string {
  try {
    const u = new URL(url);
    return `webhook:${u.host}`;
  } catch {
    return 'webhook:(bad url)';
  }
}

export function webhookChannel(w: WebhookConfig, host: () => string): Channel {
  const timeoutMs = w.timeout_ms ?? 5000;
  return {
    name: webhookName(w.url),
    minSeverity: w.min_severity ?? 'WARN',
    timeoutMs,
    async deliver(ev, signal) {
      const { headers, body } = webhookRequest(w, ev, host());
      const res = await fetch(w.url, {
        method: 'POST',
        headers: { ...headers, ...(w.headers ?? {}) },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        redirect: 'error',
      });
      // Drain so the connection can be reused; the body is not needed.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      const msg = `HTTP ${res.status} from ${webhookName(w.url)}`;
      // 4xx other than 408/429 means the request is wrong: retrying sends the same wrong request.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentError(msg);
      throw new Error(msg);
    },
  };
}
