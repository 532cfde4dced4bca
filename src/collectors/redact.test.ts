import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, REDACTION_RULES } from './redact.js';

const redact = createRedactor({ redact: true, redact_patterns: [] });
const r = (...argv: string[]) => redact(argv);

describe('built-in redaction', () => {
  it.each(REDACTION_RULES.map((rule) => [rule.id, rule.example] as const))('rule %s: its documented example holds', (_id, [input, want]) => {
    // Examples are written as command lines; arguments in them are split on spaces except quoted ones.
    const argv = input.match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''));
    expect(redact(argv)).toBe(want.replace(/"/g, ''));
  });

  it.each([
    // [argv, shown]
    [['mysqld', '--password=hunter2'], 'mysqld --password=***'],
    [['app', '--password', 'hunter2', '--port', '80'], 'app --password *** --port 80'],
    [['app', '--token', 'abc', '--api-key', 'k1', '--apiKey=k2', '--access_token=k3'], 'app --token *** --api-key *** --apiKey=*** --access_token=***'],
    [['app', '--client-secret=s', '--secret-access-key', 'x', '--db.password=p'], 'app --client-secret=*** --secret-access-key *** --db.password=***'],
    // A value with spaces as one argument is hidden whole.
    [['app', '--passphrase', 'correct horse battery staple'], 'app --passphrase ***'],
    // A value that starts with "-" is another flag, not the secret.
    [['app', '--password', '--verbose'], 'app --password --verbose'],
    // Flags that only look related keep their values.
    [['app', '--no-password', 'file.txt', '--password-file=/run/pw', '--keyboard=us', '--monkey=1', '--type=renderer'], 'app --no-password file.txt --password-file=/run/pw --keyboard=us --monkey=1 --type=renderer'],
    [['ffmpeg', '-pass', '1'], 'ffmpeg -pass ***'],
    [['env', 'AWS_SECRET_ACCESS_KEY=abc', 'GITHUB_TOKEN=t', 'DB_PASSWORD=p', 'client_secret=s', 'PASSWORD=x', 'make'], 'env AWS_SECRET_ACCESS_KEY=*** GITHUB_TOKEN=*** DB_PASSWORD=*** client_secret=*** PASSWORD=*** make'],
    // PWD is the working directory; SSH_AUTH_SOCK is a socket path.
    [['env', 'PWD=/home/bob', 'OLDPWD=/tmp', 'SSH_AUTH_SOCK=/run/a', 'KEYBOARD=us', 'make'], 'env PWD=/home/bob OLDPWD=/tmp SSH_AUTH_SOCK=/run/a KEYBOARD=us make'],
    [['docker', 'run', '-e', 'API_TOKEN=abc', 'img'], 'docker run -e API_TOKEN=*** img'],
    [['java', '-Djavax.net.ssl.trustStorePassword=changeit', '-Dfile.encoding=UTF-8', '-jar', 'a.jar'], 'java -Djavax.net.ssl.trustStorePassword=*** -Dfile.encoding=UTF-8 -jar a.jar'],
    [['git', 'clone', 'https://bob:s3cret@example.com/r.git'], 'git clone https://bob:***@example.com/r.git'],
    // A password containing "@" is hidden up to the last "@" of the authority.
    [['psql', 'postgres://app:p@ss@db:5432/x'], 'psql postgres://app:***@db:5432/x'],
    [['redis-cli', '-u', 'redis://:pw@localhost:6379'], 'redis-cli -u redis://:***@localhost:6379'],
    // A token used as the user name; a plain user name stays.
    [['git', 'push', 'https://ghx_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r'], 'git push https://***@github.com/o/r'],
    [['git', 'fetch', 'ssh://git@github.com/o/r'], 'git fetch ssh://git@github.com/o/r'],
    // "@" after the path is not credentials.
    [['curl', 'https://h/p?email=a@b.c'], 'curl https://h/p?email=a@b.c'],
    [['curl', 'https://h/api?user=a&token=abc&x=1', 'https://h/?api_key=k#frag', 'https://s.blob/c?sv=1&sig=XYZ%2F'], 'curl https://h/api?user=a&token=***&x=1 https://h/?api_key=***#frag https://s.blob/c?sv=1&sig=***'],
    [['curl', 'https://h/?key=k&keyboard=us&monkey=1'], 'curl https://h/?key=***&keyboard=us&monkey=1'],
    [['curl', '-H', 'Authorization: Bearer abc.def', '-H', 'Accept: json', 'https://h'], 'curl -H Authorization: *** -H Accept: json https://h'],
    [['curl', '-H', 'X-Api-Key:abc', '-H', 'Cookie: session=1'], 'curl -H X-Api-Key:*** -H Cookie: ***'],
    [['http', 'GET', 'h', 'bearer  eyJhbGc'], 'http GET h bearer  ***'],
    [['deploy', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', 'xoxb-1234567890-abc', 'AKIAIOSFODNN7EXAMPLE', 'sk-proj-abcdefghijklmnopqrstuv'], 'deploy *** *** *** ***'],
    [['app', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'], 'app ***'],
    [['sshpass', '-p', 'hunter2', 'ssh', 'host'], 'sshpass -p *** ssh host'],
    [['/usr/bin/sshpass', '-phunter2', 'ssh', 'host'], '/usr/bin/sshpass -p*** ssh host'],
    [['redis-cli', '-a', 'pw', 'PING'], 'redis-cli -a *** PING'],
    [['mysql', '-uroot', '-phunter2', 'db'], 'mysql -uroot -p*** db'],
    // mysql -p alone prompts; the next argument is the database.
    [['mysql', '-p', 'db'], 'mysql -p db'],
    // -p means port elsewhere.
    [['ssh', '-p', '2222', 'host'], 'ssh -p 2222 host'],
    // Shell strings are looked into word by word, quotes respected.
    [['sh', '-c', 'mysql --password=x && run --token abc --v'], "sh -c mysql --password=*** && run --token *** --v"],
    [['sh', '-c', "run --password 'two words' next"], 'sh -c run --password *** *** next'],
    [['sh', '-c', 'FOO_TOKEN=abc ./run'], 'sh -c FOO_TOKEN=*** ./run'],
    // Nothing to hide: unchanged, spaces inside arguments kept.
    [['/opt/google/chrome/chrome', '--type=renderer', '--lang=en-US'], '/opt/google/chrome/chrome --type=renderer --lang=en-US'],
    [['nginx: worker process'], 'nginx: worker process'],
    [[], ''],
    // Flags without values at the end.
    [['app', '--password'], 'app --password'],
    [['app', '--password='], 'app --password='],
  ])('%j → %s', (argv, want) => {
    expect(redact(argv)).toBe(want);
  });

  it('never leaves the secret anywhere in the output (the fixture node process)', () => {
    const out = r('node', '/tmp/fx/idle.js', '--password=hunter2', '--api-key', 'abc123', 'postgres://app:s3cret@db:5432/x');
    expect(out).toBe('node /tmp/fx/idle.js --password=*** --api-key *** postgres://app:***@db:5432/x');
    for (const secret of ['hunter2', 'abc123', 's3cret']) expect(out).not.toContain(secret);
  });

  it('redact: false shows command lines as they are', () => {
    expect(createRedactor({ redact: false, redact_patterns: ['x'] })(['a', '--password=p'])).toBe('a --password=p');
  });
});

describe('processes.redact_patterns', () => {
  it('a pattern without groups hides the whole match; with groups, only the groups', () => {
    const red = createRedactor({ redact: true, redact_patterns: ['secret-[0-9]+', '--pin (\\d+)', '/LICENSE=(\\w+)/i'] });
    expect(red(['app', 'secret-123', 'x', '--pin 4242', 'license=ABC'])).toBe(`app ${REDACTED} x --pin ${REDACTED} license=${REDACTED}`);
  });

  it('applies after the built-in rules, across argument boundaries of the joined line', () => {
    const red = createRedactor({ redact: true, redact_patterns: ['--db-conn \\S+'] });
    expect(red(['app', '--db-conn', 'host=x', '--password=p'])).toBe(`app ${REDACTED} --password=${REDACTED}`);
  });

  it.each([
    ['(unclosed', /processes\.redact_patterns\[0\] "\(unclosed"/],
    ['a*', /matches the empty string/],
    ['/x/q', /Invalid flags/],
  ])('%s does not compile → an error naming the pattern', (pattern, message) => {
    expect(() => createRedactor({ redact: true, redact_patterns: [pattern] })).toThrow(message);
  });
});
