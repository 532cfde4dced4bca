import { checkNutError, isNutListEnd, parseNutListVar, quoteNutWord } from '../parsers/nut.js';
import { withTcp } from './tcp.js';

/**
 * NUT's upsd (TCP 3493, docs/net-protocol.txt): optional USERNAME / PASSWORD, then
 * `LIST VAR <ups>`, read to `END LIST VAR <ups>`. Read access needs no login on a stock upsd;
 * the credentials are sent when configured for servers that are set up to require them.
 */

/** upsd's lines are a few hundred bytes (values are capped at 256); longer is not upsd. */
export const NUT_MAX_LINE = 2048;
/** More variables than any driver publishes (a big online UPS has ~150). */
const NUT_MAX_VARS = 2000;

export interface NutQuery {
  host: string;
  port: number;
  ups: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** UPS names are single words in ups.conf; anything else could smuggle a second command. */
const UPS_NAME_RE = /^[A-Za-z0-9_.-]+$/;

export function queryNut(q: NutQuery): Promise<Record<string, string>> {
  const label = `NUT upsd at ${q.host}:${q.port}`;
  if (!UPS_NAME_RE.test(q.ups)) {
    const hint = q.ups.includes('@') ? ' (write only the name; the host goes in ups.nut_host)' : '';
    return Promise.reject(new Error(`${label}: ${JSON.stringify(q.ups)} is not a UPS name${hint}`));
  }
  for (const v of [q.username, q.password]) {
    if (v && /[\r\n]/.test(v)) return Promise.reject(new Error(`${label}: username/password must be one line`));
  }
  return withTcp({ ...q, label }, async (s) => {
    const command = async (line: string) => {
      s.write(`${line}\n`);
      const reply = await s.readLine(NUT_MAX_LINE);
      checkNutError(reply, label);
      if (!reply.startsWith('OK')) throw new Error(`${label}: expected OK, got ${JSON.stringify(reply.slice(0, 80))}`);
    };
    if (q.username) await command(`USERNAME ${quoteNutWord(q.username)}`);
    if (q.password) await command(`PASSWORD ${quoteNutWord(q.password)}`);
    s.write(`LIST VAR ${q.ups}\n`);
    const lines = [await s.readLine(NUT_MAX_LINE)];
    checkNutError(lines[0]!, label);
    // Read to the END line; a wrong first line is reported by the parser with its text.
    if (lines[0]!.startsWith('BEGIN LIST VAR')) {
      while (!isNutListEnd(lines.at(-1)!, q.ups)) {
        if (lines.length > NUT_MAX_VARS) throw new Error(`${label}: more than ${NUT_MAX_VARS} lines without END LIST VAR, cut off`);
        lines.push(await s.readLine(NUT_MAX_LINE));
      }
    }
    return parseNutListVar(lines, q.ups, label);
  });
}
