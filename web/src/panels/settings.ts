/**
 * Settings (a modal dialog): theme, the API token when the server requires one, collection
 * interval and on/off through `POST /api/configure`, collectors on/off, and what headroom itself
 * costs (self_monitor). Configure needs an admin-scope token when tokens are configured.
 */
import type { StatusResponse } from '../../../src/shared/protocol.js';
import { AuthError, getToken, postJson, setToken } from '../api.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { fmtBytes, fmtDuration, fmtMb, fmtPct } from '../format.js';
import { num } from '../read.js';
import type { State, Theme } from '../state.js';
import type { Store } from '../store.js';

export interface SettingsHooks {
  onToken(): void;
  onConfigured(status: StatusResponse): void;
}

export function settingsDialog(store: Store, hooks: SettingsHooks): { root: HTMLDialogElement; open(focusToken?: boolean): void; render(state: State): void } {
  const msg = h('p.note', { role: 'status' });
  const say = (text: string, tone: 'ok' | 'red' = 'ok') => {
    setText(msg, text);
    setAttr(msg, 'data-tone', tone);
  };
  const failed = (err: unknown) =>
    say(err instanceof AuthError ? 'refused: this needs a token with admin scope' : `failed: ${err instanceof Error ? err.message : String(err)}`, 'red');

  // Theme
  const themeSel = h('select', { id: 'set-theme' }, h('option', { value: 'dark' }, 'dark'), h('option', { value: 'light' }, 'light'));
  themeSel.addEventListener('change', () => store.dispatch({ type: 'theme', theme: themeSel.value as Theme }));

  // Token
  const tokenInput = h('input', { id: 'set-token', type: 'password', autocomplete: 'off', placeholder: 'paste a token from server.tokens' });
  const tokenNote = h('p.note');
  const saveToken = h('button', { type: 'submit' }, 'use token');
  const clearToken = h('button', { type: 'button' }, 'forget');
  const tokenForm = h('form.row', null, tokenInput, saveToken, clearToken);
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(tokenInput.value);
    tokenInput.value = '';
    store.dispatch({ type: 'auth', auth: 'ok' });
    say(getToken() ? 'token saved in this browser' : 'token cleared');
    hooks.onToken();
  });
  clearToken.addEventListener('click', () => {
    setToken(null);
    say('token cleared');
    hooks.onToken();
  });

  // Collection
  const interval = h('input', { id: 'set-interval', type: 'number', min: '1', max: '3600', step: '0.5', inputmode: 'decimal' });
  const applyInterval = h('button', { type: 'submit' }, 'apply to all');
  const intervalForm = h('form.row', null, interval, h('span', null, 's'), applyInterval);
  const enabled = h('input', { id: 'set-enabled', type: 'checkbox' });
  const configure = async (body: Record<string, unknown>, done: string) => {
    try {
      const status = await postJson<StatusResponse>('/api/configure', body);
      store.dispatch({ type: 'status', status });
      hooks.onConfigured(status);
      say(done);
    } catch (err) {
      failed(err);
    }
  };
  intervalForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Number(interval.value);
    if (!Number.isFinite(v) || v < 1) return say('the interval must be 1 s or more', 'red');
    void configure({ interval: v }, `interval set to ${v} s for every periodic collector`);
  });
  let enabledPending = false;
  enabled.addEventListener('change', () => {
    enabledPending = true;
    void configure({ enabled: enabled.checked }, enabled.checked ? 'collection started' : 'collection paused').finally(() => {
      enabledPending = false;
    });
  });

  const collectors = h('ul.collectors');
  // Collectors whose switch the user just flipped: the box shows the wish until the server answers.
  const pending = new Set<string>();
  const facts = h('p.note');

  const root = h(
    'dialog.settings',
    { 'aria-labelledby': 'settings-title' },
    h('form.close', { method: 'dialog' }, h('button', { type: 'submit', 'aria-label': 'close settings' }, '×')),
    h('h2', { id: 'settings-title' }, 'Settings'),
    h('div.field', null, h('label', { for: 'set-theme' }, 'theme'), themeSel),
    h('div.field', null, h('label', { for: 'set-token' }, 'API token'), tokenForm, tokenNote),
    h('div.field', null, h('label', { for: 'set-interval' }, 'collection interval'), intervalForm),
    h('div.field', null, h('label', { for: 'set-enabled' }, 'collecting'), enabled),
    h('h3.sub', null, 'collectors'),
    collectors,
    facts,
    msg,
  );

  const render = (state: State) => {
    if (themeSel.value !== state.theme) themeSel.value = state.theme;
    setText(
      tokenNote,
      state.auth === 'required'
        ? 'this server requires a token: enter one to see its data'
        : getToken()
          ? 'a token is stored in this browser'
          : 'no token (not needed while the server has none configured)',
    );
    setAttr(tokenNote, 'data-tone', state.auth === 'required' ? 'red' : null);
    const st = state.status;
    if (!st) return;
    if (document.activeElement !== interval) interval.value = st.interval === null ? '' : String(st.interval);
    setAttr(interval, 'placeholder', st.interval === null ? 'mixed' : null);
    if (!enabledPending) enabled.checked = st.enabled;
    syncRows(
      collectors,
      st.available_plugins,
      (n) => n,
      (name) => {
        const box = h('input', { type: 'checkbox', id: `col-${name}` });
        box.addEventListener('change', () => {
          pending.add(name);
          void configure({ plugins: { [name]: box.checked } }, `${name} ${box.checked ? 'started' : 'stopped'}`).finally(() => {
            pending.delete(name);
            render(store.get());
          });
        });
        return h('li', null, box, h('label', { for: `col-${name}` }, name), h('span.note'));
      },
      (li, name) => {
        const box = li.querySelector('input') as HTMLInputElement;
        if (!pending.has(name)) box.checked = st.plugins.includes(name);
        const c = st.collectors[name];
        setText(
          li.querySelector('.note')!,
          c ? `${c.interval > 0 ? `every ${c.interval} s` : 'once'} · ${c.last_duration_ms === null ? '—' : `${c.last_duration_ms.toFixed(1)} ms`}${c.errors ? ` · ${c.errors} errors` : ''}` : 'off',
        );
        setAttr(li, 'title', c?.last_error ?? null);
      },
    );
    const self = state.payloads.self_monitor?.data;
    setText(
      facts,
      `server up ${fmtDuration(st.uptime_seconds)} · history ${st.history.state}, ${fmtBytes(st.history.disk_bytes)} on disk` +
        (self ? ` · headroom itself: ${fmtPct(num(self, 'cpu_pct'), 1)} CPU, ${fmtMb(num(self, 'rss_mb'))} RSS` : ''),
    );
  };

  return {
    root,
    open(focusToken = false) {
      if (!root.open) root.showModal();
      if (focusToken) tokenInput.focus();
    },
    render,
  };
}
