/**
 * A config safe to print or serve: secrets become "***" (SPEC §9 "secrets redacted in every
 * output"). Known secret keys are listed; free-form places (collectors.<name>) are redacted by key
 * name, and any URL anywhere loses its user:password part, since a URL is where a secret hides
 * most often without a telling key name.
 */
import { isSecretKey } from './problems.js';
import type { Config } from './schema.js';

export const REDACTED = '***';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const SECRET_QUERY = /^(token|access_token|auth|key|api_?key|secret|password|passwd|sig|signature)$/i;

/** Strip credentials from a URL: userinfo, and query values whose names say they are secrets. */
export function redactUrl(value: string, opts: { path?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.host) return value;
  const user = url.username || url.password ? `${REDACTED}${url.password ? `:${REDACTED}` : ''}@` : '';
  // Capability URLs (Slack, ntfy, Discord webhooks) carry their secret in the path itself.
  if (opts.path && (url.pathname !== '/' || url.search)) return `${url.protocol}//${user}${url.host}/${REDACTED}`;
  const secretParam = [...url.searchParams.keys()].some((k) => SECRET_QUERY.test(k));
  if (!user && !secretParam) return value; // nothing to hide: keep the user's spelling
  const params = [...url.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_QUERY.test(k) ? REDACTED : encodeURIComponent(v)}`)
    .join('&');
  return `${url.protocol}//${user}${url.host}${url.pathname}${params ? `?${params}` : ''}${url.hash}`;
}

function redactUrlsDeep(value: unknown): unknown {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map(redactUrlsDeep);
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUrlsDeep(v)]));
  return value;
}

function redactByKey(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactByKey);
  if (!isObj(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && typeof v === 'string' && v !== '' ? REDACTED : redactByKey(v)]),
  );
}

/**
 * Deep copy of `config` with every secret replaced by "***"; empty secrets stay empty so a
 * reader still sees that none is set.
 * @example redactConfig(config).server.tokens[0].token // "***"
 */
export function redactConfig(config: Config): Config {
  const out = redactUrlsDeep(structuredClone(config)) as Config;
  out.server.tokens = out.server.tokens.map((t) => (t.token ? { ...t, token: REDACTED } : t));
  if (out.ups.password) out.ups.password = REDACTED;
  out.fleet.peers = out.fleet.peers.map((p) => (p.token ? { ...p, token: REDACTED } : p));
  out.export.otlp.headers = Object.fromEntries(Object.keys(out.export.otlp.headers).map((k) => [k, REDACTED]));
  out.notifications.webhooks = out.notifications.webhooks.map((w) => ({
    ...w,
    url: redactUrl(w.url, { path: true }),
    ...(w.headers ? { headers: Object.fromEntries(Object.keys(w.headers).map((k) => [k, REDACTED])) } : {}),
  }));
  out.collectors = redactByKey(out.collectors) as Config['collectors'];
  return out;
}
