/**
 * Events and alerts: the stored log (`GET /api/events`) followed by the events pushed on the
 * WebSocket (`{plugin:"events"}`), newest first, filterable by severity.
 */
import type { EventsResponse, HistoryEvent } from '../../../src/shared/protocol-history.js';
import { getJson } from '../api.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { fmtDateTime } from '../format.js';
import { panel } from '../panel.js';
import type { State } from '../state.js';
import type { Store } from '../store.js';
import { row, setCells } from '../widgets.js';

const RANK: Record<string, number> = { INFO: 0, WARN: 1, CRITICAL: 2 };
const SHOWN = 100;

export function eventsPanel(store: Store): { root: HTMLElement; render(state: State): void; reload(): Promise<void> } {
  const p = panel('events', 'Events & alerts', 'full');
  const sev = h(
    'select',
    { 'aria-label': 'minimum severity' },
    h('option', { value: 'INFO' }, 'all'),
    h('option', { value: 'WARN' }, 'warn and critical'),
    h('option', { value: 'CRITICAL' }, 'critical only'),
  );
  p.tools.append(sev);
  const note = h('p.note', { role: 'status' });
  const tbody = h('tbody');
  p.body.append(
    note,
    h(
      'div.table-wrap.tall',
      null,
      h(
        'table.events',
        null,
        h('caption.sr-only', null, 'events, newest first'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'time'), h('th', { scope: 'col' }, 'severity'), h('th', { scope: 'col' }, 'source'), h('th', { scope: 'col' }, 'message'))),
        tbody,
      ),
    ),
  );
  let lastEvents: readonly HistoryEvent[] | null = null;
  let loadError: string | null = null;
  sev.addEventListener('change', () => {
    lastEvents = null;
    render(store.get());
  });

  const reload = async () => {
    try {
      const res = await getJson<EventsResponse>('/api/events?limit=200');
      loadError = null;
      store.dispatch({ type: 'events', events: res.events });
    } catch (err) {
      loadError = err instanceof Error ? err.message : String(err);
    }
    render(store.get());
  };

  const render = (state: State) => {
    const chip = p.root.querySelector('.chip.status') as HTMLElement;
    setText(chip, loadError ? 'error' : `${state.events.length}`);
    setAttr(chip, 'data-tone', loadError ? 'red' : 'muted');
    if (state.events === lastEvents) return;
    lastEvents = state.events;
    const min = RANK[sev.value] ?? 0;
    const list = state.events.filter((e) => (RANK[e.severity ?? 'INFO'] ?? 0) >= min).slice(0, SHOWN);
    setText(
      note,
      loadError ? `event log unavailable: ${loadError}` : list.length === 0 ? 'no events in the last 24 h at this severity' : '',
    );
    syncRows(
      tbody,
      list,
      (e) => `${e.ts}|${e.kind}|${e.source ?? ''}|${e.message}`,
      () => {
        const tr = row(['text', 'text', 'text', 'text']);
        tr.cells[1]!.append(h('span.sev'));
        return tr;
      },
      (tr, e) => {
        setText(tr.cells[0]!, fmtDateTime(e.ts));
        const s = tr.cells[1]!.firstElementChild as HTMLElement;
        setText(s, e.severity ?? e.kind);
        setAttr(s, 'data-sev', e.severity ?? 'INFO');
        setCells(tr, [fmtDateTime(e.ts)]);
        setText(tr.cells[2]!, e.source ?? e.kind);
        setText(tr.cells[3]!, e.message);
      },
    );
  };
  return { root: p.root, render, reload };
}
