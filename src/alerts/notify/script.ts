import { homedir } from 'node:os';
import type { Severity } from '../types.js';
import { type Channel, titleOf } from './channel.js';
import { runOnce } from './exec.js';

/**
 * The script channel (`notifications.opswire_script`): the event as JSON on stdin and
 * `severity title body` as arguments, run with execFile — no shell, so nothing in a message can
 * become a command.
 */
export function scriptChannel(path: string, minSeverity: Severity, host: () => string, timeoutMs = 10_000): Channel {
  const file = path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
  return {
    name: 'script',
    minSeverity,
    timeoutMs,
    deliver: (ev, signal) =>
      runOnce(file, [ev.severity, titleOf(ev, host()), ev.message], `${JSON.stringify({ ...ev, host: host(), time: new Date(ev.ts).toISOString() })}\n`, timeoutMs, signal),
  };
}
