import type { AlertEvent } from '../types.js';
import { type Channel, titleOf } from './channel.js';
import { runOnce } from './exec.js';

/**
 * Desktop toasts through `notify-send` (libnotify), CRITICAL only (SPEC §5): the strip and the
 * favicon are the at-a-glance signal; a toast is for what must interrupt.
 */
export function desktopChannel(host: () => string, program = 'notify-send'): Channel {
  return {
    name: 'desktop',
    minSeverity: 'CRITICAL',
    timeoutMs: 5000,
    deliver: (ev: AlertEvent, signal) =>
      runOnce(program, ['--urgency=critical', '--app-name=headroom', titleOf(ev, host()), ev.message], null, 5000, signal),
  };
}
