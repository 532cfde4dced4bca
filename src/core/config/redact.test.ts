import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import { REDACTED, redactConfig, redactUrl } from './redact.js';

const SECRET = 's3cret-s3cret-s3cret';

const yaml = `
server:
  tokens:
    - { name: a, token: "${SECRET}", scope: admin }
    - { name: b, token_env: HR_TOKEN }
ups:
  username: monuser
  password: "${SECRET}"
fleet:
  peers:
    - { name: p, url: "http://user:${SECRET}@peer:7700", token: "${SECRET}" }
    - { name: q, url: "http://q:7700" }
export:
  otlp:
    endpoint: "https://otlp.example/v1/metrics?api_key=${SECRET}&region=eu"
    headers: { Authorization: "Bearer ${SECRET}" }
notifications:
  webhooks:
    - url: "https://hooks.slack.com/services/T000/B000/${SECRET}"
      format: slack
collectors:
  my_plugin:
    interval: 5
    api_key: "${SECRET}"
    nested: { password: "${SECRET}", label: keep }
`;

describe('redactConfig', () => {
  const { config, problems } = parseConfigText(yaml, 'c.yaml', { env: { HR_TOKEN: SECRET }, home: '/h' });

  it('leaves no secret anywhere in the output', () => {
    expect(problems).toEqual([]);
    expect(JSON.stringify(config)).toContain(SECRET); // the real config keeps them
    expect(JSON.stringify(redactConfig(config!))).not.toContain(SECRET);
  });

  it('replaces each secret by *** and keeps what is not secret', () => {
    const r = redactConfig(config!);
    expect(r.server.tokens).toEqual([
      { name: 'a', token: REDACTED, scope: 'admin' },
      { name: 'b', token: REDACTED, token_env: 'HR_TOKEN', scope: 'read' },
    ]);
    expect([r.ups.username, r.ups.password]).toEqual(['monuser', REDACTED]);
    expect(r.fleet.peers).toEqual([
      { name: 'p', url: 'http://***:***@peer:7700/', token: REDACTED },
      { name: 'q', url: 'http://q:7700' },
    ]);
    expect(r.export.otlp.endpoint).toBe('https://otlp.example/v1/metrics?api_key=***&region=eu');
    expect(r.export.otlp.headers).toEqual({ Authorization: REDACTED });
    expect(r.notifications.webhooks[0]!.url).toBe('https://hooks.slack.com/***');
    expect(r.collectors.my_plugin).toEqual({ interval: 5, api_key: REDACTED, nested: { password: REDACTED, label: 'keep' } });
  });

  it('does not touch the config it is given, and keeps empty secrets empty', () => {
    const before = JSON.stringify(config);
    redactConfig(config!);
    expect(JSON.stringify(config)).toBe(before);
    const defaults = parseConfigText('', 'c.yaml', { env: {}, home: '/h' }).config!;
    expect(redactConfig(defaults).ups.password).toBe('');
  });
});

describe('redactUrl', () => {
  it.each([
    ['http://localhost:11434', 'http://localhost:11434'],
    ['http://h/p?region=eu', 'http://h/p?region=eu'],
    ['not a url', 'not a url'],
    ['https://u@h/p?token=abc&x=1#f', 'https://***@h/p?token=***&x=1#f'],
  ])('%s', (input, want) => expect(redactUrl(input)).toBe(want));
});
