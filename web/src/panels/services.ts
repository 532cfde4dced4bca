/**
 * Services (service_monitor): a table of the services it tracks — status (reason on hover), CPU,
 * RSS, VRAM, power share, last active, memory growth, ports — sortable by CPU, RSS or name; and
 * the idle analysis beside it: machine state and idle stretch, idle time and energy today (with
 * where the watts come from), consumers while idle, and the recommendations with their evidence.
 * Both read the pushed service_monitor payload (the same object `GET /api/services` returns).
 */
import type { ServiceRow } from '../../../src/shared/protocol-services.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { DASH, fmtDuration, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import {
  consumerText,
  evidenceText,
  idleEnergyText,
  idleOf,
  idleStateText,
  idleStateTone,
  powerSourceText,
  recommendationsOf,
  SERVICE_COLUMNS,
  type ServiceSortKey,
  serviceCells,
  servicesOf,
  sortServices,
  statusTone,
  stretchText,
} from '../services-model.js';
import { loadSetting, saveSetting } from '../storage.js';
import type { State } from '../state.js';
import { kvList, row, setCells, sub } from '../widgets.js';

const SORTS: ServiceSortKey[] = ['cpu', 'rss', 'name'];

export function servicesPanel(): { root: HTMLElement; render(state: State): void } {
  const p = panel('services', 'Services', 'wide');
  const saved = loadSetting('svc.sort') as ServiceSortKey | null;
  let sort: ServiceSortKey = saved && SORTS.includes(saved) ? saved : 'cpu';
  let desc = loadSetting('svc.desc') !== 'false';
  let lastState: State | null = null;

  const heads = SERVICE_COLUMNS.map((c) => {
    const content = c.sort ? h('button.sort', { type: 'button', title: c.title ? `${c.title} · sort` : 'sort' }, c.label) : c.label;
    const th = h(c.num ? 'th.num' : 'th', { scope: 'col', title: c.sort ? null : (c.title ?? null) }, content);
    if (c.sort && content instanceof HTMLElement) {
      const key = c.sort;
      content.addEventListener('click', () => {
        if (sort === key) desc = !desc;
        else {
          sort = key;
          desc = key !== 'name';
        }
        saveSetting('svc.sort', sort);
        saveSetting('svc.desc', String(desc));
        if (lastState) draw(lastState);
      });
    }
    return { th, key: c.sort };
  });
  const tbody = h('tbody');
  const info = h('p.note', { role: 'status' });
  p.body.append(
    info,
    h('div.table-wrap', null, h('table.services', null, h('caption.sr-only', null, 'services'), h('thead', null, h('tr', null, ...heads.map((x) => x.th))), tbody)),
  );

  const draw = (state: State) => {
    for (const x of heads) setAttr(x.th, 'aria-sort', x.key && x.key === sort ? (desc ? 'descending' : 'ascending') : null);
    const d = sourceOf(p, state, 'service_monitor');
    if (!d) return;
    const list = servicesOf(d);
    const running = list.filter((s) => s.status === 'running').length;
    setText(p.meta, `${list.length} service${list.length === 1 ? '' : 's'} · ${running} running`);
    setText(info, list.length ? '' : 'no services found (configure them under services: in the config)');
    syncRows(
      tbody,
      sortServices(list, sort, desc),
      (s) => s.name,
      () => row(['text', 'text', 'num', 'num', 'num', 'num', 'text', 'num', 'text']),
      (tr, s: ServiceRow) => {
        setCells(tr, serviceCells(s));
        const [, status, , , , power, active, growth] = Array.from(tr.cells);
        setAttr(tr, 'title', `${s.kind} · ${s.process_count} process${s.process_count === 1 ? '' : 'es'}${s.matched_by.length ? ` · ${s.matched_by.join(', ')}` : ''}`);
        if (status) {
          setAttr(status, 'data-tone', statusTone(s.status));
          setAttr(status, 'title', s.status_reason ?? s.status);
        }
        if (power) setAttr(power, 'title', s.power.source ? `${fmtPct(s.power.cpu_share_pct)} of CPU time · from ${s.power.source}` : null);
        if (active) setAttr(active, 'title', s.last_active ? `last active ${s.last_active}` : 'not seen active since tracking began');
        if (growth) setAttr(growth, 'title', s.memory_growth_reason ?? (s.memory_growth_r2 !== null ? `r² ${s.memory_growth_r2.toFixed(2)}` : null));
      },
    );
  };

  return {
    root: p.root,
    render(state) {
      lastState = state;
      draw(state);
    },
  };
}

export function idlePanel(): { root: HTMLElement; render(state: State): void } {
  const p = panel('idle', 'Idle & recommendations');
  const kv = kvList([
    ['state', 'machine'],
    ['stretch', 'idle stretch'],
    ['today', 'idle today'],
    ['energy', 'energy idle today'],
    ['power', 'power now'],
  ]);
  const consumers = h('ul.consumers');
  const recs = h('ul.recs');
  p.body.append(kv.root, sub('consumers while idle'), consumers, sub('recommendations'), recs);
  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'service_monitor');
      if (!d) return;
      const i = idleOf(d);
      kv.set('state', idleStateText(i), idleStateTone(i), i?.rest_cpu_pct != null ? `rest of the machine ${fmtPct(i.rest_cpu_pct)} CPU` : undefined);
      kv.set('stretch', stretchText(i), 'ok', i?.since ? `since ${i.since}` : undefined);
      kv.set('today', i ? fmtDuration(i.today_s) : DASH, 'ok', i ? `burning ${fmtDuration(i.burn_today_s)} of it · tracked since ${i.tracked_since}` : undefined);
      const e = idleEnergyText(i);
      kv.set('energy', e.text, i?.energy_today_wh === null ? 'muted' : 'ok', e.title ?? undefined);
      kv.set('power', powerSourceText(i), i?.power_w === null ? 'muted' : 'ok', i?.power_source_label ?? i?.power_reason ?? undefined);

      const list = i?.consumers ?? [];
      syncRows(
        consumers,
        list.length ? list : [null],
        (c) => c?.name ?? '-',
        () => h('li', null, h('span.c-name'), ' ', h('span.c-fig')),
        (li, c) => {
          const [name, fig] = Array.from(li.children);
          if (name) setText(name, c ? c.name : 'none');
          if (fig) setText(fig, c ? consumerText(c) : '');
        },
      );

      const rs = recommendationsOf(d);
      setText(p.meta, rs.length ? `${rs.length} recommendation${rs.length === 1 ? '' : 's'}` : '');
      syncRows(
        recs,
        rs.length ? rs : [null],
        (r) => r?.id ?? '-',
        () => h('li', null, h('span.sev'), ' ', h('span.rec-text'), h('span.evidence')),
        (li, r) => {
          const [sev, text, ev] = Array.from(li.children);
          if (sev) {
            setText(sev, r ? r.severity : '');
            setAttr(sev, 'data-sev', r ? r.severity : null);
            setAttr(sev, 'hidden', r ? null : '');
          }
          if (text) setText(text, r ? r.text : 'none');
          if (ev) setText(ev, r ? evidenceText(r.evidence) : '');
        },
      );
    },
  };
}
