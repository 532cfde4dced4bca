import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { type Config, ConfigSchema } from '../core/config/schema.js';
import {
  allowedHostnames,
  bearerOf,
  checkToken,
  crossSiteReason,
  exposureProblem,
  hostnameOf,
  isHostAllowed,
  isLoopback,
  isOriginAllowed,
  resolveTokens,
  scopeSatisfies,
} from './security.js';

const cfg = (over: Record<string, unknown> = {}): Config => Value.Default(ConfigSchema, { server: over }) as Config;

describe('Host allow-list', () => {
  it.each([
    ['127.0.0.1:7700', true],
    ['localhost:7700', true],
    ['[::1]:7700', true],
    ['app.localhost', true],
    ['LOCALHOST', true],
    ['evil.example:7700', false],
    ['127.0.0.1.nip.io', false],
    ['', false],
    ['bad host', false],
    [undefined, false],
  ])('%s → %s on a loopback bind', (host, ok) => {
    expect(isHostAllowed(host, allowedHostnames(cfg(), '127.0.0.1'))).toBe(ok);
  });

  it('adds configured names, and the bind address when specific', () => {
    const allowed = allowedHostnames(cfg({ allowed_hosts: ['Monitor.Lan'] }), '192.0.2.10');
    expect(isHostAllowed('monitor.lan:7700', allowed)).toBe(true);
    expect(isHostAllowed('192.0.2.10:7700', allowed)).toBe(true);
    expect(isHostAllowed('evil.example', allowed)).toBe(false);
  });

  it('parses host headers', () => {
    expect(hostnameOf('[::1]:80')).toBe('::1');
    expect(hostnameOf('a.b:99999')).toBeNull();
    expect(isLoopback('127.3.4.5')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });
});

describe('Origin and cross-site rules', () => {
  it('accepts only our own origin or configured ones', () => {
    expect(isOriginAllowed('http://127.0.0.1:7700', '127.0.0.1:7700', false, cfg())).toBe(true);
    expect(isOriginAllowed('https://127.0.0.1:7700', '127.0.0.1:7700', false, cfg())).toBe(false);
    expect(isOriginAllowed('http://localhost:3000', '127.0.0.1:7700', false, cfg())).toBe(false);
    expect(
      isOriginAllowed('http://grafana.lan', '127.0.0.1:7700', false, cfg({ allowed_origins: ['http://grafana.lan'] })),
    ).toBe(true);
  });

  it.each([
    [undefined, undefined, null],
    ['none', undefined, null],
    ['same-origin', 'http://127.0.0.1:7700', null],
    ['cross-site', undefined, /cross-site/],
    ['same-site', 'http://localhost:3000', /same-site/],
    [undefined, 'http://evil.example', /Origin http:\/\/evil.example/],
    [undefined, 'null', /Origin null/],
  ])('Sec-Fetch-Site %s, Origin %s', (site, origin, expected) => {
    const why = crossSiteReason(site, origin, '127.0.0.1:7700', false, cfg());
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });
});

describe('tokens', () => {
  const config = cfg({
    tokens: [
      { name: 'viewer', token: 'read-token-0123456789', scope: 'read' },
      { token: 'admin-token-0123456789', scope: 'admin' },
    ],
  });
  const tokens = resolveTokens(config);

  it('finds the matching token and its scope', () => {
    expect(checkToken('read-token-0123456789', tokens)?.scope).toBe('read');
    expect(checkToken('admin-token-0123456789', tokens)?.name).toBe('token 2');
    expect(checkToken('read-token-012345678', tokens)).toBeNull();
    expect(checkToken('', tokens)).toBeNull();
  });

  it('admin implies read, read does not give admin', () => {
    expect(scopeSatisfies('admin', 'read')).toBe(true);
    expect(scopeSatisfies('read', 'admin')).toBe(false);
  });

  it('parses bearer headers', () => {
    expect(bearerOf('Bearer abc')).toBe('abc');
    expect(bearerOf('bearer  abc ')).toBe('abc');
    expect(bearerOf('Basic abc')).toBeNull();
    expect(bearerOf('Bearer a b')).toBeNull();
  });

  it('refuses a non-loopback bind without a token unless told to', () => {
    expect(exposureProblem('127.0.0.1', cfg(), false)).toBeNull();
    expect(exposureProblem('0.0.0.0', cfg(), false)).toMatch(/without an API token/);
    expect(exposureProblem('0.0.0.0', cfg(), true)).toBeNull();
    expect(exposureProblem('0.0.0.0', config, false)).toBeNull();
  });
});
