import type { Config } from '../../core/config/schema.js';
import type { Channel } from './channel.js';
import { desktopChannel } from './desktop.js';
import { scriptChannel } from './script.js';
import { webhookChannel } from './webhook.js';

/** The channels `notifications:` asks for: desktop and script only when switched on. */
export function channelsFromConfig(config: Config, host: () => string): Channel[] {
  const n = config.notifications;
  const out: Channel[] = [];
  if (n.desktop) out.push(desktopChannel(host));
  if (n.opswire_script && n.opswire) out.push(scriptChannel(n.opswire_script, n.opswire_severity, host));
  for (const w of n.webhooks) out.push(webhookChannel(w, host));
  // Names are the status keys: two webhooks to one host get #2, #3.
  const seen = new Map<string, number>();
  for (const ch of out) {
    const k = (seen.get(ch.name) ?? 0) + 1;
    seen.set(ch.name, k);
    if (k > 1) ch.name = `${ch.name}#${k}`;
  }
  return out;
}
