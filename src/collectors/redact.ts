/**
 * Secrets in command lines (SPEC §9): passwords, tokens and keys that programs were given as
 * arguments are replaced by `***` before a command line leaves the collector — in the API, the
 * WebSocket, history snapshots and logs alike.
 *
 * Redaction works on the argument vector, not on a joined string, so an argument that itself
 * contains spaces (`--password` `my secret phrase`) is hidden whole, and a shell string
 * (`sh -c "…--token abc…"`) is looked into word by word. Over-redaction is preferred to a leak:
 * `--sort-key=name` loses its value, which is a small price.
 *
 * The rules are listed in {@link REDACTION_RULES} (documentation and tests read that list);
 * `processes.redact_patterns` adds regular expressions applied to the joined result.
 */

export const REDACTED = '***';

export interface RedactionRule {
  id: string;
  description: string;
  /** An input and what it becomes. */
  example: [string, string];
}

/** The built-in rules, in the order they apply. */
export const REDACTION_RULES: readonly RedactionRule[] = [
  {
    id: 'secret-flag',
    description:
      'a flag whose last name part is password, passwd, passphrase, pass, pwd, secret, token, key, apikey, credential(s) or auth (camelCase, - _ . split): its value after "=", or the next argument when the flag stands alone (--no-… excluded; a next argument starting with "-" is left alone)',
    example: ['mysqld --db-password=hunter2 --api-key abc', 'mysqld --db-password=*** --api-key ***'],
  },
  {
    id: 'java-property',
    description: 'a -Dname=value property whose last name part is a secret word (as secret-flag)',
    example: ['java -Djavax.net.ssl.keyStorePassword=changeit', 'java -Djavax.net.ssl.keyStorePassword=***'],
  },
  {
    id: 'env-assignment',
    description:
      'NAME=value where the last _-separated part of NAME is KEY, TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE, PASS, APIKEY, AUTH or CREDENTIAL(S), any case (PWD is a directory, not a secret)',
    example: ['env AWS_SECRET_ACCESS_KEY=abc GITHUB_TOKEN=x make', 'env AWS_SECRET_ACCESS_KEY=*** GITHUB_TOKEN=*** make'],
  },
  {
    id: 'program-flag',
    description: 'password flags of a few programs whose short flags are known: sshpass -p, redis-cli -a, mysql/mariadb/mysqldump/mysqladmin -pVALUE',
    example: ['sshpass -p hunter2 ssh host', 'sshpass -p *** ssh host'],
  },
  {
    id: 'url-credentials',
    description: 'the password in scheme://user:password@host (up to the last "@" of the authority), or a whole token-like user name (20+ characters, e.g. https://<token>@github.com)',
    example: ['git clone https://bob:s3cret@example.com/r.git', 'git clone https://bob:***@example.com/r.git'],
  },
  {
    id: 'query-param',
    description: 'URL query parameters named like secret-flag, plus sig and signature (Azure SAS, AWS presigned URLs)',
    example: ['curl https://h/api?user=a&token=abc&x=1', 'curl https://h/api?user=a&token=***&x=1'],
  },
  {
    id: 'auth-header',
    description: 'the value of an Authorization, Proxy-Authorization, Cookie, X-Api-Key, X-Auth-Token or Private-Token header, and any "Bearer <token>"',
    example: ['curl -H "Authorization: Basic dXNlcjpwYXNz" h', 'curl -H "Authorization: ***" h'],
  },
  {
    id: 'token-shape',
    description: 'well-known token formats anywhere: GitHub (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_), GitLab (glpat-), Slack (xox?-), AWS key ids (AKIA…, ASIA…), sk-… API keys, JSON Web Tokens',
    example: ['deploy ghp_0123456789abcdefghijABCDEFGHIJ012345', 'deploy ***'],
  },
];

const SECRET_WORDS = new Set([
  'password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'token', 'key', 'apikey',
  'credential', 'credentials', 'auth',
]);
// PWD and OLDPWD hold directories; everything else mirrors SECRET_WORDS.
const ENV_WORDS = new Set([...SECRET_WORDS].filter((w) => w !== 'pwd'));
const QUERY_WORDS = new Set([...SECRET_WORDS, 'sig', 'signature']);

/** Lower-cased name parts: camelCase, `-`, `_` and `.` all separate. */
function nameParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .split(/[-_.]+/)
    .filter(Boolean);
}

function isSecretName(name: string, words: Set<string>): boolean {
  const parts = nameParts(name);
  if (parts[0] === 'no' && parts.length > 1) return false;
  const last = parts[parts.length - 1];
  return last !== undefined && words.has(last);
}

const FLAG_INLINE_RE = /^(-{1,2}([A-Za-z][\w.-]*))=(.+)$/s;
const FLAG_BARE_RE = /^-{1,2}([A-Za-z][\w.-]*)$/;
const JAVA_PROP_RE = /^(-D([\w.-]+))=(.+)$/s;
const ENV_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s;
const QUOTES = new Set(["'", '"']);

const PROGRAM_FLAGS: Record<string, { flags: string[]; attached: boolean; separate: boolean }> = {
  sshpass: { flags: ['-p'], attached: true, separate: true },
  'redis-cli': { flags: ['-a'], attached: false, separate: true },
  ...Object.fromEntries(
    ['mysql', 'mariadb', 'mysqldump', 'mysqladmin', 'mysqlshow', 'mysqlimport', 'mysqlcheck'].map((p) => [
      p,
      // `-p` alone makes mysql prompt, so only the attached form carries a password.
      { flags: ['-p'], attached: true, separate: false },
    ]),
  ),
};

/**
 * Word-level rules over one argument vector. Shell strings (`sh -c "…"`) are split into words
 * so flags inside them are seen too; separators are kept so each argument is rebuilt exactly.
 */
function redactWords(argv: string[]): string[] {
  const program = (argv[0] ?? '').split(/\s/)[0]!.split('/').pop() ?? '';
  const pf = PROGRAM_FLAGS[program];
  const args = argv.map((a) => a.split(/(\s+)/));
  // Set by a bare secret flag: the argument index it was in, so the value can be told apart
  // as a whole next argument (hidden whole, spaces and all) or a word in the same shell string.
  let pendingFrom: number | null = null;
  let quoteOpen: string | null = null;
  for (let ai = 0; ai < args.length; ai++) {
    const parts = args[ai]!;
    for (let wi = 0; wi < parts.length; wi += 2) {
      const w = parts[wi]!;
      if (w === '') continue;
      if (quoteOpen !== null) {
        if (w.endsWith(quoteOpen)) quoteOpen = null;
        parts[wi] = REDACTED;
        continue;
      }
      if (pendingFrom !== null) {
        const from = pendingFrom;
        pendingFrom = null;
        if (!w.startsWith('-')) {
          if (from < ai) {
            args[ai] = [REDACTED];
            break;
          }
          const q = w[0]!;
          if (QUOTES.has(q) && !(w.length > 1 && w.endsWith(q))) quoteOpen = q;
          parts[wi] = REDACTED;
          continue;
        }
      }
      const r = redactWord(w, pf);
      parts[wi] = r.word;
      if (r.valueFollows) pendingFrom = ai;
    }
  }
  return args.map((parts) => parts.join(''));
}

function redactWord(w: string, pf: (typeof PROGRAM_FLAGS)[string] | undefined): { word: string; valueFollows: boolean } {
  const keep = { word: w, valueFollows: false };
  if (pf) {
    for (const f of pf.flags) {
      if (w === f && pf.separate) return { word: w, valueFollows: true };
      if (pf.attached && w.startsWith(f) && w.length > f.length && !w.startsWith('--')) {
        return { word: f + REDACTED, valueFollows: false };
      }
    }
  }
  const java = JAVA_PROP_RE.exec(w);
  if (java) return isSecretName(java[2]!, SECRET_WORDS) ? { word: `${java[1]}=${REDACTED}`, valueFollows: false } : keep;
  const inline = FLAG_INLINE_RE.exec(w);
  if (inline) return isSecretName(inline[2]!, SECRET_WORDS) ? { word: `${inline[1]}=${REDACTED}`, valueFollows: false } : keep;
  const bare = FLAG_BARE_RE.exec(w);
  if (bare) return { word: w, valueFollows: isSecretName(bare[1]!, SECRET_WORDS) };
  const env = ENV_RE.exec(w);
  if (env && isSecretName(env[1]!, ENV_WORDS)) return { word: `${env[1]}=${REDACTED}`, valueFollows: false };
  return keep;
}

// Rules over the text of each argument (after the word rules).
const URL_AUTH_RE = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/?#]*)@/g;
const QUERY_RE = /([?&;])([^=&;\s#?]+)=([^&;\s#]+)/g;
const HEADER_RE = /\b(authorization|proxy-authorization|cookie|x-api-key|x-auth-token|private-token)(\s*:\s*)(\S.*)$/gim;
const BEARER_RE = /\b(bearer\s+)([A-Za-z0-9._~+/=-]+)/gi;
const TOKEN_SHAPES_RE = new RegExp(
  [
    '\\bgh[pousr]_[A-Za-z0-9]{30,}',
    '\\bgithub_pat_[A-Za-z0-9_]{20,}',
    '\\bglpat-[A-Za-z0-9_-]{20,}',
    '\\bxox[abposr]-[A-Za-z0-9-]{10,}',
    '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b',
    '\\bsk-[A-Za-z0-9_-]{20,}',
    '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}',
  ].join('|'),
  'g',
);
const TOKEN_LIKE_USER_RE = /^[A-Za-z0-9_.-]{20,}$/;

function redactText(s: string): string {
  return s
    .replace(URL_AUTH_RE, (m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      if (colon >= 0) return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
      return TOKEN_LIKE_USER_RE.test(userinfo) ? `${scheme}${REDACTED}@` : m;
    })
    .replace(QUERY_RE, (m, sep: string, name: string) =>
      isSecretName(decodeSafe(name), QUERY_WORDS) ? `${sep}${name}=${REDACTED}` : m,
    )
    .replace(HEADER_RE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(BEARER_RE, (_m, b: string) => `${b}${REDACTED}`)
    .replace(TOKEN_SHAPES_RE, REDACTED);
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** argv → the command line as shown: arguments joined by spaces, secrets replaced. */
export type Redactor = (argv: string[]) => string;

/**
 * Build the redactor for `processes.redact` / `processes.redact_patterns`. Extra patterns are
 * JavaScript regular expressions, either plain (`secret-[0-9]+`, compiled with `g`) or written
 * `/…/flags` (`/token:\s*\S+/i`). A pattern with capture groups hides only what the groups
 * matched (`--pin (\d+)` keeps `--pin`); one without hides the whole match.
 * A pattern that does not compile throws, naming it: showing the secrets it was meant to hide
 * would be worse than showing no process table.
 */
export function createRedactor(options: { redact: boolean; redact_patterns: readonly string[] }): Redactor {
  const extra = options.redact_patterns.map(compileExtra);
  return (argv) => {
    if (!options.redact) return argv.join(' ');
    let text = redactWords(argv).map(redactText).join(' ');
    for (const re of extra) text = applyExtra(text, re);
    return text;
  };
}

function compileExtra(pattern: string, i: number): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  const [source, flags] = m ? [m[1]!, m[2]!] : [pattern, ''];
  try {
    const re = new RegExp(source, `${flags.replace(/[gd]/g, '')}gd`);
    if (re.test('')) throw new Error('it matches the empty string');
    return re;
  } catch (err) {
    throw new Error(`processes.redact_patterns[${i}] "${pattern}": ${(err as Error).message}`);
  }
}

function applyExtra(text: string, re: RegExp): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (const m of text.matchAll(re)) {
    const spans = m.indices!.length > 1 ? m.indices!.slice(1).filter((s) => s !== undefined) : [m.indices![0]!];
    for (const [start, end] of spans as Array<[number, number]>) {
      if (start < last || end === start) continue;
      out += text.slice(last, start) + REDACTED;
      last = end;
    }
  }
  return out + text.slice(last);
}
