import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import { formatProblem } from './problems.js';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigText(text, 'c.yaml', { env, home: '/home/u' });

/** [line, column, key, a fragment of the message] for each expected problem, in order. */
type Expect = [number, number, string, string];

const MALFORMED: { name: string; yaml: string; want: Expect[] }[] = [
  {
    name: 'YAML syntax: unclosed quote points at the opening quote and says where it was noticed',
    yaml: 'server:\n  host: "127.0.0.1\n  port: 7700\n',
    want: [[2, 9, '', 'Missing closing "quote; the quoted string that starts here is not closed (noticed at line 4, column 1)']],
  },
  {
    name: 'YAML syntax: unclosed flow mapping',
    yaml: 'thresholds:\n  ram: { warn: 70, critical: 85\n  cpu: { warn: 80 }\n',
    want: [[2, 8, '', 'the "{" mapping that starts here is not closed (noticed at line 3, column 3)']],
  },
  { name: 'YAML syntax: bad indentation', yaml: 'server:\n  host: a\n port: 1\n', want: [[3, 1, '', 'YAML syntax error']] },
  { name: 'YAML syntax: tab indentation', yaml: 'server:\n\thost: a\n', want: [[2, 1, '', 'Tabs are not allowed']] },
  { name: 'YAML: duplicate key', yaml: 'server:\n  port: 1\n  port: 2\n', want: [[3, 3, '', 'Map keys must be unique']] },
  { name: 'YAML: unknown alias', yaml: 'server:\n  host: *addr\n', want: [[2, 9, '', 'unknown alias *addr']] },
  {
    name: 'wrong type: string for a percentage',
    yaml: 'thresholds:\n  ram:\n    warn: high\n',
    want: [[3, 11, 'thresholds.ram.warn', 'thresholds.ram.warn: expected a number between 0 and 100, got "high"']],
  },
  {
    name: 'out of range',
    yaml: 'server:\n  port: 70000\n',
    want: [[2, 9, 'server.port', 'server.port: expected an integer between 0 and 65535, got 70000']],
  },
  {
    name: 'wrong type: a mapping where a list goes',
    yaml: 'plugin_dirs:\n  a: 1\n',
    want: [[2, 3, 'plugin_dirs', 'plugin_dirs: expected a list of strings, got a mapping']],
  },
  {
    name: 'union: one message, not one per branch',
    yaml: 'drill_cost:\n  projected_breach: MAYBE\n',
    want: [[2, 21, 'drill_cost.projected_breach', 'expected one of "HOLD", "EASE_IN", got "MAYBE"']],
  },
  {
    name: 'unknown key at the top level, with a suggestion',
    yaml: 'sever:\n  port: 1\n',
    want: [[1, 1, 'sever', 'unknown key "sever" at the top level (did you mean "server"?)']],
  },
  {
    name: 'unknown key nested, pointing at the key',
    yaml: 'thresholds:\n  ramm: { warn: 60 }\n',
    want: [[2, 3, 'thresholds.ramm', 'unknown key "ramm" in thresholds (did you mean "ram"?)']],
  },
  {
    name: 'a right key in the wrong section',
    yaml: 'ram: { warn: 60, critical: 80 }\n',
    want: [[1, 1, 'ram', 'unknown key "ram" at the top level (did you mean "thresholds.ram"?)']],
  },
  {
    name: 'unknown key with no close match lists the known ones',
    yaml: 'earlyoom:\n  zzz: 1\n',
    want: [[2, 3, 'earlyoom.zzz', 'known keys: browser_warn_pct, ram_pressure_floor']],
  },
  {
    name: 'unknown key inside a list item',
    yaml: 'fleet:\n  peers:\n    - name: a\n      url: "http://a:7700"\n      tokn: xyz\n',
    want: [[5, 7, 'fleet.peers[0].tokn', 'unknown key "tokn" in fleet.peers[0] (did you mean "token"?)']],
  },
  {
    name: 'warn above critical',
    yaml: 'thresholds:\n  ram: { warn: 90, critical: 85 }\n',
    want: [[2, 16, 'thresholds.ram.warn', 'thresholds.ram: warn (90) must not be above critical (85)']],
  },
  {
    name: 'warn above a default critical',
    yaml: 'thresholds:\n  cpu:\n    warn: 99\n',
    want: [[3, 11, 'thresholds.cpu.warn', 'thresholds.cpu: warn (99) must not be above critical (95)']],
  },
  {
    name: 'UPS load levels',
    yaml: 'ups:\n  load_warn: 90\n  load_critical: 80\n',
    want: [[2, 14, 'ups.load_warn', 'ups: load_warn (90) must not be above load_critical (80)']],
  },
  {
    name: 'bad duration',
    yaml: 'history:\n  retention:\n    raw: 3 days\n',
    want: [[3, 10, 'history.retention.raw', 'expected a duration such as "90s"']],
  },
  {
    name: 'token without value',
    yaml: 'server:\n  tokens:\n    - name: ci\n      scope: read\n',
    want: [[3, 7, 'server.tokens[0]', 'server.tokens[0]: set one of "token" or "token_env"']],
  },
  {
    name: 'token with both sources',
    yaml: 'server:\n  tokens:\n    - token: "0123456789abcdef"\n      token_env: T\n',
    want: [[3, 7, 'server.tokens[0]', 'set only one of "token" or "token_env", not both']],
  },
  {
    name: 'short token is not echoed',
    yaml: 'server:\n  tokens:\n    - token: hunter2\n',
    want: [[3, 14, 'server.tokens[0].token', 'expected a string of at least 16 characters, got a string of 7 characters']],
  },
  {
    name: 'token_env naming an unset variable',
    yaml: 'server:\n  tokens:\n    - token_env: HEADROOM_NOPE\n',
    want: [[3, 18, 'server.tokens[0].token_env', 'environment variable HEADROOM_NOPE is not set']],
  },
  {
    name: 'TLS cert without key',
    yaml: 'server:\n  tls:\n    cert: /etc/c.pem\n',
    want: [[3, 11, 'server.tls.cert', 'set both "cert" and "key" for HTTPS, or neither ("key" is empty)']],
  },
  {
    name: 'invalid record key',
    yaml: 'drills:\n  big job: { ram_delta_gb: 4 }\n',
    want: [[2, 3, 'drills.big job', 'drills: "big job" is not a valid name']],
  },
  {
    name: 'missing required key in a list item',
    yaml: 'services:\n  - name: api\n',
    want: [[2, 5, 'services[0]', 'services[0]: missing required key "match"']],
  },
  {
    name: 'URL without a scheme',
    yaml: 'ollama:\n  base_url: localhost:11434\n',
    want: [[2, 13, 'ollama.base_url', 'expected an http:// or https:// URL, got "localhost:11434"']],
  },
  {
    name: 'inference in the old endpoints: form',
    yaml: 'inference:\n  endpoints: []\n',
    want: [[2, 3, 'inference', 'inference: expected a list of mappings, got a mapping']],
  },
  {
    name: 'inference endpoint URL without a scheme',
    yaml: 'inference:\n  - name: v\n    url: localhost:8000\n',
    want: [[3, 10, 'inference[0].url', 'expected an http:// or https:// URL, got "localhost:8000"']],
  },
  {
    name: 'two inference endpoints with one name',
    yaml: 'inference:\n  - { name: v, url: "http://a:1" }\n  - { name: v, url: "http://b:1" }\n',
    want: [[3, 13, 'inference[1].name', 'inference[1].name: "v" is already the name of another endpoint']],
  },
  {
    name: 'opswire on without a script',
    yaml: 'notifications:\n  opswire: true\n',
    want: [[2, 12, 'notifications.opswire', 'notifications.opswire: is true but notifications.opswire_script is empty']],
  },
  {
    name: 'alert rule: critical on the wrong side of warn',
    yaml: 'alerts:\n  rules:\n    - { id: ram, warn: 80, critical: 70 }\n',
    want: [[3, 38, 'alerts.rules[0].critical', 'alerts.rules[0].critical: 70 must be at or above warn 80 for direction above']],
  },
  {
    name: 'alert rule: a new id needs a metric',
    yaml: 'alerts:\n  rules:\n    - id: my-rule\n      warn: 1\n      critical: 2\n',
    want: [[3, 7, 'alerts.rules[0]', 'alerts.rules[0]: "my-rule" is not a built-in rule']],
  },
  {
    name: 'alert rule: clear beyond warn (direction below)',
    yaml: 'alerts:\n  rules:\n    - { id: b, metric: power_monitor.battery_pct, direction: below, warn: 30, critical: 15, clear: 20 }\n',
    want: [[3, 100, 'alerts.rules[0].clear', 'alerts.rules[0].clear: 20 must be on the normal side of warn 30']],
  },
  {
    name: 'an ambiguous misplaced key gets no guess',
    yaml: 'enabled: true\n',
    want: [[1, 1, 'enabled', 'unknown key "enabled" at the top level; known keys: server, history,']],
  },
  {
    name: 'non-mapping root: a list',
    yaml: '- server\n- history\n',
    want: [[1, 1, '', 'the top level must be a mapping of sections (server:, thresholds:, …), found a list']],
  },
  { name: 'non-mapping root: text', yaml: '\n\nhello\n', want: [[3, 1, '', 'found the text "hello"']] },
];

describe('parseConfigText: malformed files', () => {
  it.each(MALFORMED)('$name', ({ yaml, want }) => {
    const { config, problems } = parse(yaml);
    expect(config).toBeNull();
    expect(problems.map((p) => [p.line, p.column, p.key])).toEqual(want.map(([l, c, k]) => [l, c, k]));
    problems.forEach((p, i) => {
      expect(p.file).toBe('c.yaml');
      expect(p.message).toContain(want[i]![3]);
    });
  });

  it('reports every problem of a file in one pass, in file order', () => {
    const yaml = [
      'server:',
      '  port: x', // 2
      'history:',
      '  retention: { raw: nope, minute: nope, hour: nope }', // 4
      'thresholds:',
      '  ram: { warn: a, critical: b }', // 6
      '  cpu: { warn: c, critical: d }', // 7
      'drill_cost: { projected_breach: X }', // 8
      'sever: 1', // 9
    ].join('\n');
    const { problems } = parse(yaml);
    // More than TypeBox's default cap of 8 errors: nothing may be dropped.
    expect(problems.map((p) => p.line)).toEqual([2, 4, 4, 4, 6, 6, 7, 7, 8, 9]);
    expect(problems.map(formatProblem)[0]).toBe('c.yaml:2:9: server.port: expected an integer between 0 and 65535, got "x"');
  });
});

describe('parseConfigText: valid files', () => {
  const VALID: { name: string; yaml: string; check: (c: NonNullable<ReturnType<typeof parse>['config']>) => void }[] = [
    { name: 'empty file', yaml: '', check: (c) => expect(c.server.port).toBe(7700) },
    { name: 'only comments', yaml: '# nothing here\n\n# at all\n', check: (c) => expect(c.thresholds.ram.critical).toBe(85) },
    { name: 'a lone null document', yaml: '~\n', check: (c) => expect(c.history.ring_size).toBe(1800) },
    {
      name: 'a section with every line commented out',
      yaml: 'notifications:\n  # desktop: true\nserver:\n  tokens:\n',
      check: (c) => {
        expect(c.notifications.desktop).toBe(false);
        expect(c.server.tokens).toEqual([]);
      },
    },
    {
      name: 'partial section keeps the other defaults',
      yaml: 'thresholds:\n  ram: { warn: 60, critical: 80 }\n',
      check: (c) => expect([c.thresholds.ram, c.thresholds.cpu]).toEqual([{ warn: 60, critical: 80 }, { warn: 80, critical: 95 }]),
    },
    {
      name: 'unknown plugin names are not an error (plugins load later)',
      yaml: 'plugins:\n  my_plugin: true\n  gpu_monitor: false\n',
      check: (c) => expect(c.plugins).toEqual({ my_plugin: true, gpu_monitor: false }),
    },
    {
      name: 'anchors and aliases',
      yaml: 'ups:\n  nis_host: &ups "10.0.0.2"\n  nut_host: *ups\n',
      check: (c) => expect(c.ups.nut_host).toBe('10.0.0.2'),
    },
    {
      name: 'durations as numbers and strings',
      yaml: 'idle:\n  leak_window: 7200\nexport:\n  otlp:\n    interval: 90s\n',
      check: (c) => expect([c.idle.leak_window, c.export.otlp.interval]).toEqual([7200, '90s']),
    },
  ];
  it.each(VALID)('$name', ({ yaml, check }) => {
    const { config, problems } = parse(yaml);
    expect(problems).toEqual([]);
    check(config!);
  });
});

describe('parseConfigText: post-processing', () => {
  it('expands ~ and derives the history path from XDG_DATA_HOME', () => {
    const yaml = 'plugin_dirs: ["~/p", "/abs"]\nnotifications:\n  opswire_script: ~/ops/n.sh\nserver:\n  tls: { cert: ~/c.pem, key: ~/k.pem }\n';
    const { config } = parse(yaml, { XDG_DATA_HOME: '/data' });
    expect(config!.plugin_dirs).toEqual(['/home/u/p', '/abs']);
    expect(config!.notifications.opswire_script).toBe('/home/u/ops/n.sh');
    expect(config!.server.tls).toEqual({ cert: '/home/u/c.pem', key: '/home/u/k.pem' });
    expect(config!.history.path).toBe('/data/headroom/history.db');
  });

  it('falls back to ~/.local/share, and ignores a relative XDG_DATA_HOME', () => {
    expect(parse('', {}).config!.history.path).toBe('/home/u/.local/share/headroom/history.db');
    expect(parse('', { XDG_DATA_HOME: 'rel' }).config!.history.path).toBe('/home/u/.local/share/headroom/history.db');
    expect(parse('history: { path: ~/h.db }\n').config!.history.path).toBe('/home/u/h.db');
  });

  it('resolves token_env to the token value', () => {
    const yaml = 'server:\n  tokens:\n    - { name: ci, token_env: CI_TOKEN, scope: admin }\n';
    const { config } = parse(yaml, { CI_TOKEN: 'abcdefghijklmnopqrstuvwxyz' });
    expect(config!.server.tokens[0]).toMatchObject({ token: 'abcdefghijklmnopqrstuvwxyz', token_env: 'CI_TOKEN', scope: 'admin' });
  });

  it('rejects a token_env whose value is too short', () => {
    const yaml = 'server:\n  tokens:\n    - token_env: CI_TOKEN\n';
    const { problems } = parse(yaml, { CI_TOKEN: 'short' });
    expect(problems.map(formatProblem)).toEqual([
      'c.yaml:3:18: server.tokens[0].token_env: environment variable CI_TOKEN holds 5 characters; a token needs at least 16',
    ]);
  });

  it('never shares defaults between results', () => {
    const a = parse('').config!;
    a.plugin_dirs.push('/x');
    a.server.allowed_hosts.push('h');
    const b = parse('').config!;
    expect(b.plugin_dirs).toEqual(['/home/u/.config/headroom/plugins']);
    expect(b.server.allowed_hosts).toEqual([]);
  });
});
