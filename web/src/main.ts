/**
 * The dashboard entry: builds the page once, wires the store to the views and the effects
 * (live link, storage, ticks). No framework: every view creates its elements once and updates
 * them in place, which keeps the bundle small and the layout still while figures change.
 */
// Stylesheets in cascade order (bundled into one file).
import './styles/theme.css';
import './styles/strip.css';
import './styles/layout.css';
import './styles/widgets.css';
import './styles/headroom.css';
import './styles/cpu.css';
import './styles/charts.css';
import './styles/tables.css';
import './styles/panels.css';
import './styles/narrow.css';
import { ChartHub } from './charts.js';
import { h, setAttr, setText, toggleClass } from './dom.js';
import { fmtDuration } from './format.js';
import { startLive } from './live.js';
import { refreshPalette } from './palette.js';
import { forgetRoutes } from './routes.js';
import { cpuPanel } from './panels/cpu.js';
import { disksPanel } from './panels/disks.js';
import { eventsPanel } from './panels/events.js';
import { gpuPanel } from './panels/gpu.js';
import { headroomPanel } from './panels/headroom.js';
import { llmPanel } from './panels/llm.js';
import { memoryPanel } from './panels/memory.js';
import { networkPanel } from './panels/network.js';
import { powerPanel } from './panels/power.js';
import { processesPanel } from './panels/processes.js';
import { idlePanel, servicesPanel } from './panels/services.js';
import { settingsDialog } from './panels/settings.js';
import { upsPanel } from './panels/ups.js';
import { num } from './read.js';
import { RANGES, type RangeKey, type State, type Theme, initialState } from './state.js';
import { loadSetting, saveSetting } from './storage.js';
import { createStore } from './store.js';
import { createStrip } from './strip.js';

const savedRange = loadSetting('range');
const savedTheme = loadSetting('theme');
const store = createStore(
  initialState(Date.now(), {
    ...(RANGES.includes(savedRange as RangeKey) ? { range: savedRange as RangeKey } : {}),
    ...(savedTheme === 'light' || savedTheme === 'dark' ? { theme: savedTheme as Theme } : {}),
  }),
);
const charts = new ChartHub(store);

// ---------------------------------------------------------------------------------------------
// Layout: strip, toolbar, panel grid.

const strip = createStrip();
const rangeButtons = RANGES.map((r) => {
  const b = h('button.range', { type: 'button', 'data-range': r, 'aria-pressed': 'false' }, r);
  b.addEventListener('click', () => store.dispatch({ type: 'range', range: r }));
  return b;
});
const notice = h('span.notice', { role: 'status', 'aria-live': 'polite' });
const sysinfo = h('span.sysinfo');
const themeBtn = h('button.icon', { type: 'button', title: 'switch light / dark theme', 'aria-label': 'switch light or dark theme' }, '◐');
themeBtn.addEventListener('click', () => store.dispatch({ type: 'theme', theme: store.get().theme === 'dark' ? 'light' : 'dark' }));
const settingsBtn = h('button', { type: 'button', id: 'open-settings' }, 'settings');
const toolbar = h(
  'nav.toolbar',
  { 'aria-label': 'dashboard controls' },
  h('div.ranges', { role: 'group', 'aria-label': 'chart time range' }, ...rangeButtons),
  notice,
  sysinfo,
  themeBtn,
  settingsBtn,
);

const headroom = headroomPanel();
const events = eventsPanel(store);
const views = [
  headroom,
  cpuPanel(charts),
  memoryPanel(charts),
  gpuPanel(charts),
  disksPanel(charts),
  networkPanel(charts),
  powerPanel(charts),
  upsPanel(charts),
  llmPanel(charts),
  servicesPanel(),
  idlePanel(),
  processesPanel(),
  events,
];

const live = startLive(store, {
  onRecovered: () => {
    forgetRoutes();
    charts.reloadAll();
    void events.reload();
  },
});
const settings = settingsDialog(store, {
  onToken: () => {
    live.reconnectNow();
    charts.reloadAll();
    void events.reload();
  },
  onConfigured: () => {},
});
settingsBtn.addEventListener('click', () => settings.open());

const grid = h('main.grid', { id: 'main' }, ...views.map((v) => v.root));
const app = document.getElementById('app')!;
app.append(strip.root, toolbar, grid, settings.root);

// ---------------------------------------------------------------------------------------------
// Rendering: the strip (title, favicon) at once, even in a background tab where animation
// frames do not run; the panels once per frame.

let stripQueued = false;
let panelsQueued = false;
let authPrompted = false;

function renderToolbar(state: State): void {
  for (const b of rangeButtons) setAttr(b, 'aria-pressed', String(b.dataset.range === state.range));
  const text =
    state.auth === 'required'
      ? 'this server requires an API token — enter it in settings'
      : state.link === 'polling'
        ? 'live link lost — polling /api every 2 s'
        : state.link === 'offline'
          ? `server not answering${state.lastContact !== null ? ` for ${fmtDuration((state.now - state.lastContact) / 1000)}` : ''} — retrying; figures are stale`
          : '';
  setText(notice, text);
  setAttr(notice, 'title', text || null);
  setAttr(notice, 'data-tone', state.auth === 'required' || state.link === 'offline' ? 'red' : state.link === 'polling' ? 'amber' : null);
  const sys = state.system;
  const host = state.payloads.host?.data;
  const up = num(host, 'uptime_s');
  setText(sysinfo, sys ? [sys.os, sys.kernel, sys.arch, up !== null ? `up ${fmtDuration(up)}` : null].filter(Boolean).join(' · ') : '');
}

function renderPanels(): void {
  panelsQueued = false;
  const state = store.get();
  renderToolbar(state);
  for (const v of views) {
    try {
      v.render(state);
    } catch (err) {
      console.error('headroom: panel failed to render', err);
    }
  }
  settings.render(state);
}

store.subscribe((state, action, prev) => {
  if (action.type === 'theme') {
    document.documentElement.dataset.theme = state.theme;
    saveSetting('theme', state.theme);
    refreshPalette();
    charts.restyle();
  }
  if (action.type === 'range') saveSetting('range', state.range);
  if (state.auth === 'required' && prev.auth !== 'required' && !authPrompted) {
    authPrompted = true;
    settings.open(true);
  }
  if (!stripQueued) {
    stripQueued = true;
    queueMicrotask(() => {
      stripQueued = false;
      strip.render(store.get());
    });
  }
  if (!panelsQueued) {
    panelsQueued = true;
    requestAnimationFrame(renderPanels);
  }
});

document.documentElement.dataset.theme = store.get().theme;
strip.render(store.get());
renderPanels();
void events.reload();
// Ages and staleness move with time even when no data arrives.
window.setInterval(() => store.dispatch({ type: 'tick', now: Date.now() }), 1000);
toggleClass(document.body, 'ready', true);
