/**
 * Processes: the table from `GET /api/processes` (sorted and filtered on the server, which never
 * scans /proc per request), sortable by any column, filterable, and a grouped view (by service,
 * container or executable). Polled every 2 s while the panel is on screen.
 */
import type { ProcessesResponse, ProcessRow } from '../../../src/shared/protocol-processes.js';
import { AuthError, getJson } from '../api.js';
import { h, setAttr, setText, syncRows, toggleClass } from '../dom.js';
import { DASH, fmtCount, fmtDuration, fmtMb, fmtMbps, fmtPct } from '../format.js';
import { panel } from '../panel.js';
import { groupProcesses, type ProcGroup, type SortKey, sortRows } from '../proc-model.js';
import { loadSetting, saveSetting } from '../storage.js';
import { type State, staleAfterS } from '../state.js';
import { row, setCells } from '../widgets.js';

const POLL_MS = 2000;
const SHOWN = 200;
/** The server sorts by these itself (and can then send only the first rows). */
const SERVER_SORT: Partial<Record<SortKey, string>> = { cpu: 'cpu', rss: 'rss', pid: 'pid', name: 'name' };

const COLUMNS: { key: SortKey; label: string; num?: boolean; title?: string }[] = [
  { key: 'pid', label: 'PID', num: true },
  { key: 'user', label: 'user' },
  { key: 'name', label: 'name' },
  { key: 'state', label: 'S', title: 'R running, S sleeping, D disk wait, Z zombie, T stopped, I idle' },
  { key: 'cpu', label: 'CPU', num: true, title: '% of one CPU' },
  { key: 'rss', label: 'RSS', num: true },
  { key: 'threads', label: 'thr', num: true },
  { key: 'io', label: 'I/O r+w', num: true },
  { key: 'unit', label: 'unit / container' },
];
const GROUP_COLUMNS: { key: SortKey; label: string; num?: boolean }[] = [
  { key: 'name', label: 'group' },
  { key: 'threads', label: 'procs', num: true },
  { key: 'cpu', label: 'CPU', num: true },
  { key: 'rss', label: 'RSS', num: true },
  { key: 'io', label: 'I/O r+w', num: true },
];

export function processesPanel(): { root: HTMLElement; render(state: State): void } {
  const p = panel('processes', 'Processes', 'full');
  let sort: SortKey = (loadSetting('proc.sort') as SortKey | null) ?? 'cpu';
  let desc = loadSetting('proc.desc') !== 'false';
  let grouped = loadSetting('proc.grouped') === 'true';
  let filter = '';
  let last: ProcessesResponse | null = null;
  let visible = false;
  let timer: number | undefined;

  const filterInput = h('input.filter', { type: 'search', placeholder: 'filter: name, pid, user, unit, command…', 'aria-label': 'filter processes' });
  const viewBtn = h('button.toggle', { type: 'button', 'aria-pressed': String(grouped) }, 'grouped');
  p.tools.append(filterInput, viewBtn);
  const info = h('p.note', { role: 'status' });
  const thead = h('thead');
  const tbody = h('tbody');
  const tableEl = h('table.procs', null, h('caption.sr-only', null, 'process table'), thead, tbody);
  p.body.append(info, h('div.table-wrap.tall', null, tableEl));

  const renderHead = () => {
    const cols = grouped ? GROUP_COLUMNS : COLUMNS;
    thead.replaceChildren(
      h(
        'tr',
        null,
        ...cols.map((c) => {
          const btn = h('button.sort', { type: 'button', title: 'sort' }, c.label);
          btn.addEventListener('click', () => {
            if (sort === c.key) desc = !desc;
            else {
              sort = c.key;
              desc = !(c.key === 'name' || c.key === 'user' || c.key === 'pid' || c.key === 'unit' || c.key === 'state');
            }
            saveSetting('proc.sort', sort);
            saveSetting('proc.desc', String(desc));
            renderHead();
            void refresh();
          });
          return h(c.num ? 'th.num' : 'th', { scope: 'col', 'aria-sort': sort === c.key ? (desc ? 'descending' : 'ascending') : null }, btn);
        }),
      ),
    );
  };

  const renderRows = () => {
    if (!last) return;
    if (!last.available) {
      setText(info, `not available: ${last.reason ?? 'no process table'}`);
      tbody.replaceChildren();
      return;
    }
    const rows = last.processes;
    if (grouped) {
      const groups = groupProcesses(rows, sort, desc).slice(0, SHOWN);
      setText(info, `${groups.length} groups of ${fmtCount(last.matched)} processes${filter ? ` matching "${filter}"` : ''}`);
      syncRows(tbody, groups, (g) => `g:${g.key}`, () => row(['text', 'num', 'num', 'num', 'num']), (tr, g: ProcGroup) => {
        setCells(tr, [g.key, fmtCount(g.count), fmtPct(g.cpu_pct), fmtMb(g.rss_mb), fmtMbps(g.io_mbps)]);
        setAttr(tr, 'title', `${g.kind}: ${g.key}`);
      });
      return;
    }
    const shown = sortRows(rows, sort, desc).slice(0, SHOWN);
    setText(
      info,
      `${fmtCount(shown.length)} of ${fmtCount(last.matched)}${filter ? ` matching "${filter}"` : ''} · ${fmtCount(last.total)} processes` +
        (last.counts ? ` · ${last.counts.running} running · ${fmtCount(last.counts.threads)} threads` : ''),
    );
    syncRows(tbody, shown, (r) => `p:${r.pid}`, () => row(['num', 'text', 'text', 'text', 'num', 'num', 'num', 'num', 'text']), (tr, r: ProcessRow) => {
      const io = r.read_mbps === null && r.write_mbps === null ? null : (r.read_mbps ?? 0) + (r.write_mbps ?? 0);
      setCells(tr, [
        String(r.pid),
        r.user ?? String(r.uid ?? DASH),
        r.name,
        r.state,
        fmtPct(r.cpu_pct),
        fmtMb(r.rss_mb),
        String(r.threads),
        fmtMbps(io),
        r.container_id ? `ctr ${r.container_id.slice(0, 12)}` : (r.unit ?? ''),
      ]);
      setAttr(tr, 'title', r.cmdline || `[${r.name}]`);
      setAttr(tr, 'data-state', r.state);
    });
  };

  const refresh = async () => {
    window.clearTimeout(timer);
    const q = new URLSearchParams();
    const server = !grouped && SERVER_SORT[sort];
    if (server) {
      q.set('sort', server);
      q.set('order', desc ? 'desc' : 'asc');
      q.set('limit', String(SHOWN));
    } else q.set('limit', '100000');
    if (filter) q.set('filter', filter);
    try {
      last = await getJson<ProcessesResponse>(`/api/processes?${q.toString()}`);
      toggleClass(p.root, 'is-stale', false);
      renderRows();
    } catch (err) {
      toggleClass(p.root, 'is-stale', true);
      setText(info, err instanceof AuthError ? 'an API token is needed (settings)' : `process table unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (visible && document.visibilityState === 'visible') timer = window.setTimeout(() => void refresh(), POLL_MS);
  };

  let debounce: number | undefined;
  filterInput.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      filter = filterInput.value.trim().slice(0, 200);
      void refresh();
    }, 250);
  });
  viewBtn.addEventListener('click', () => {
    grouped = !grouped;
    saveSetting('proc.grouped', String(grouped));
    setAttr(viewBtn, 'aria-pressed', String(grouped));
    tbody.replaceChildren();
    renderHead();
    void refresh();
  });
  // Poll only while the table is on screen and the tab is visible.
  new IntersectionObserver((entries) => {
    const now = entries.some((e) => e.isIntersecting);
    if (now && !visible) {
      visible = true;
      void refresh();
    } else if (!now) {
      visible = false;
      window.clearTimeout(timer);
    }
  }).observe(p.root);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && visible) void refresh();
  });
  renderHead();

  return {
    root: p.root,
    render(state) {
      // The table's own age (it is fetched, not pushed): stale when process_monitor stopped.
      const chip = p.root.querySelector('.chip.status') as HTMLElement;
      if (!last?.ts) return;
      const age = (state.now + state.clockOffset - Date.parse(last.ts)) / 1000;
      // Fetched every POLL_MS, so the table may be that much older than a pushed sample.
      const stale = age > staleAfterS(state, 'process_monitor') + POLL_MS / 1000;
      toggleClass(p.root, 'is-stale', stale);
      setText(chip, stale ? `stale · ${fmtDuration(age)} old` : 'live');
      setAttr(chip, 'data-tone', stale ? 'amber' : 'ok');
    },
  };
}
