/**
 * Services and idle analysis (service_monitor, a later issue): shown generically — name, status,
 * CPU, RSS, idle time — and recommendations as text, or "not available" while the server has no
 * such collector.
 */
import { h, setText, syncRows } from '../dom.js';
import { DASH, fmtDuration, fmtMb, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { arr, num, obj, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { row, setCells, sub, table } from '../widgets.js';

function servicesOf(d: Payload): Payload[] {
  const raw = d.services;
  if (Array.isArray(raw)) return raw.filter((x): x is Payload => x !== null && typeof x === 'object');
  const o = obj(d, 'services');
  return o ? Object.entries(o).map(([name, v]) => ({ name, ...(v as Payload) })) : [];
}

export function servicesPanel(): { root: HTMLElement; render(state: State): void } {
  const p = panel('services', 'Services & idle');
  const t = table([{ label: 'service' }, { label: 'status' }, { label: 'CPU', num: true }, { label: 'RSS', num: true }, { label: 'idle for', num: true }], 'services');
  const recs = h('ul.recs');
  p.body.append(t.root, sub('recommendations'), recs);
  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'service_monitor');
      if (!d) return;
      const list = servicesOf(d);
      setText(p.meta, `${list.length} service${list.length === 1 ? '' : 's'}`);
      syncRows(
        t.tbody,
        list,
        (s) => str(s, 'name') ?? '?',
        () => row(['text', 'text', 'num', 'num', 'num']),
        (tr, s) =>
          setCells(tr, [
            str(s, 'name') ?? '?',
            str(s, 'status') ?? DASH,
            fmtPct(num(s, 'cpu_pct')),
            fmtMb(num(s, 'rss_mb')),
            fmtDuration(num(s, 'idle_for_s') ?? num(s, 'idle_s')),
          ]),
      );
      const texts = arr(d, 'recommendations')
        .map((r) => (typeof r === 'string' ? r : (str(r, 'text') ?? str(r, 'message'))))
        .filter((x): x is string => !!x);
      syncRows(recs, texts.length ? texts : ['none'], (x) => x, () => h('li'), (li, x) => setText(li, x));
    },
  };
}
