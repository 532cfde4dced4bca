import { ParseError } from './parse-error.js';

/**
 * NUT's network protocol (upsd, TCP 3493), the reply side: lines of words, a word either bare
 * or double-quoted with `\"` and `\\` escapes.
 *
 *   BEGIN LIST VAR myups
 *   VAR myups ups.status "OB LB"
 *   VAR myups device.model "Back-UPS \"XS\" 1500G"
 *   END LIST VAR myups
 *
 * or one `ERR <CODE>` line instead. Rule for bad input: the reply is a short list that must be
 * complete to be trusted, so a line that is neither a VAR of the asked UPS nor the END line, an
 * unterminated quote, or a missing BEGIN throws a ParseError naming the source and line.
 */

/** What upsd's ERR codes mean, in words a user can act on (docs/net-protocol.txt). */
const NUT_ERRORS: Record<string, string> = {
  'ACCESS-DENIED': 'access denied (check ups.username / ups.password and upsd.users)',
  'UNKNOWN-UPS': 'upsd does not know this UPS name (check ups.nut_ups; `upsc -l` lists them)',
  'DATA-STALE': "upsd's data for this UPS is stale (the driver lost the UPS)",
  'DRIVER-NOT-CONNECTED': 'the UPS driver is not running or not connected to upsd',
  'USERNAME-REQUIRED': 'upsd requires a username',
  'PASSWORD-REQUIRED': 'upsd requires a password',
  'INVALID-USERNAME': 'upsd refused the username',
  'INVALID-PASSWORD': 'upsd refused the password',
  'ALREADY-SET-USERNAME': 'username already sent on this connection',
  'ALREADY-SET-PASSWORD': 'password already sent on this connection',
  'UNKNOWN-COMMAND': 'upsd did not understand the command',
  'INVALID-ARGUMENT': 'upsd refused the argument',
  'FEATURE-NOT-SUPPORTED': 'upsd does not support this feature',
  'FEATURE-NOT-CONFIGURED': 'the feature is not configured in upsd',
};

/** An `ERR` reply from upsd: the server answered, but refused. */
export class NutError extends Error {
  readonly nutCode: string;
  constructor(code: string, source: string) {
    super(`${source}: ERR ${code}: ${NUT_ERRORS[code] ?? 'error from upsd'}`);
    this.name = 'NutError';
    this.nutCode = code;
  }
}

/** Split one reply line into words; null when a quote is not closed. */
export function splitNutWords(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i++]!;
        if (c === '"') {
          closed = true;
          break;
        }
        word += c === '\\' && i < line.length ? line[i++]! : c;
      }
      if (!closed) return null;
    } else {
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') word += line[i++]!;
    }
    words.push(word);
  }
  return words;
}

/** Quote an argument for a command line (passwords may hold spaces or quotes). */
export function quoteNutWord(word: string): string {
  return /^[^\s"\\]+$/.test(word) ? word : `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Throws NutError when the line is an `ERR` reply. */
export function checkNutError(line: string, source: string): void {
  const words = splitNutWords(line);
  if (words?.[0] === 'ERR') throw new NutError(words[1] ?? 'UNKNOWN', source);
}

/** True for the line that ends a `LIST VAR <ups>` reply. */
export function isNutListEnd(line: string, ups: string): boolean {
  const w = splitNutWords(line);
  return w !== null && w.length === 4 && w[0] === 'END' && w[1] === 'LIST' && w[2] === 'VAR' && w[3] === ups;
}

/** The complete reply to `LIST VAR <ups>` (every line up to and including END) → variable → value. */
export function parseNutListVar(lines: string[], ups: string, source = 'upsd'): Record<string, string> {
  const vars: Record<string, string> = {};
  if (lines.length === 0) throw new ParseError(source, 1, 'empty reply');
  checkNutError(lines[0]!, source);
  let ended = false;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const w = splitNutWords(line);
    if (w === null) throw new ParseError(source, i + 1, 'unterminated quoted value');
    if (i === 0) {
      if (w.join(' ') !== `BEGIN LIST VAR ${ups}`) throw new ParseError(source, 1, `expected "BEGIN LIST VAR ${ups}", got ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    if (ended) throw new ParseError(source, i + 1, 'text after END LIST VAR');
    if (isNutListEnd(line, ups)) {
      ended = true;
      return;
    }
    if (w.length !== 4 || w[0] !== 'VAR' || w[1] !== ups) {
      throw new ParseError(source, i + 1, `expected "VAR ${ups} <name> \\"<value>\\"", got ${JSON.stringify(line.slice(0, 80))}`);
    }
    vars[w[2]!] = w[3]!;
  });
  if (!ended) throw new ParseError(source, lines.length, `reply ended without "END LIST VAR ${ups}"`);
  return vars;
}
