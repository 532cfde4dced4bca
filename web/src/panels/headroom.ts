/**
 * The headroom panel: the answer in words, one margin bar per resource with its formula line,
 * every active cause, and a drill selector when the server has named drill profiles
 * (`GET /api/headroom` → `available_drills`; a drill's projection from `?drill=NAME`).
 */
import { getJson } from '../api.js';
import { h, setAttr, setBar, setText, syncRows, toggleClass } from '../dom.js';
import { type Bar, barsOf, type Cause, causesOf } from '../headroom-model.js';
import { panel } from '../panel.js';
import { hasRoute } from '../routes.js';
import { type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { badgeOf } from '../strip-model.js';

const DRILL_POLL_MS = 2000;

export function headroomPanel(): { root: HTMLElement; render(state: State): void } {
  const p = panel('headroom', 'Headroom', 'normal');
  const stateWord = h('span.hr-state');
  const reason = h('span.hr-reason');
  const answer = h('div.hr-answer', { role: 'status' }, stateWord, reason);
  const bars = h('div.hr-bars');
  const causes = h('ul.hr-causes', { 'aria-label': 'active causes' });
  const drillNote = h('p.hr-drill-note');
  const select = h('select.drill', { 'aria-label': 'drill profile' }, h('option', { value: '' }, 'default drill cost'));
  const drillWrap = h('label.drill-wrap.hidden', null, 'drill ', select);
  p.tools.append(drillWrap);
  p.body.append(answer, bars, drillNote, causes);

  let drill = '';
  let drillPayload: Payload | null = null;
  let drillTimer: number | undefined;
  let lastState: State | null = null;
  let drillsChecked = false;

  const renderBar = (el: HTMLElement, b: Bar) => {
    setText(el.querySelector('.hb-label')!, b.label);
    setText(el.querySelector('.hb-value')!, b.available ? b.value : 'n/a');
    setText(el.querySelector('.hb-formula')!, b.available ? b.formula : `not available: ${b.reason}`);
    setAttr(el, 'data-tone', b.tone);
    setAttr(el, 'aria-label', b.available ? `${b.label} headroom ${b.value}; ${b.formula}` : `${b.label}: not available, ${b.reason}`);
    setBar(el.querySelector('.hb-fill') as HTMLElement, b.width);
  };
  const makeBar = () =>
    h(
      'div.hbar',
      { role: 'group' },
      h('span.hb-label'),
      h('span.hb-track', null, h('span.hb-fill')),
      h('span.hb-value'),
      h('span.hb-formula'),
    );
  const makeCause = () => h('li', null, h('span.cause-level'), h('span.cause-text'));
  const renderCause = (el: HTMLElement, c: Cause) => {
    setText(el.querySelector('.cause-level')!, c.level === 'EASE_IN' ? 'EASE_IN' : c.level);
    setAttr(el, 'data-level', c.level);
    setText(el.querySelector('.cause-text')!, c.text);
  };

  const pollDrill = async () => {
    window.clearTimeout(drillTimer);
    if (!drill) return;
    const name = drill;
    try {
      const res = await getJson<Payload>(`/api/headroom?drill=${encodeURIComponent(name)}`);
      if (drill === name) drillPayload = res;
    } catch (err) {
      if (drill === name) drillPayload = { available: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (lastState) render(lastState);
    if (drill === name) drillTimer = window.setTimeout(() => void pollDrill(), DRILL_POLL_MS);
  };

  select.addEventListener('change', () => {
    drill = select.value;
    drillPayload = null;
    if (lastState) render(lastState);
    void pollDrill();
  });

  /** Drill names, once the server answers; absent route or field = no selector. */
  const checkDrills = async () => {
    drillsChecked = true;
    if (!(await hasRoute('/api/headroom'))) {
      drillsChecked = false; // asked again on a later render (the server may be restarting)
      return;
    }
    try {
      const res = await getJson<Payload>('/api/headroom');
      const names = Array.isArray(res.available_drills) ? res.available_drills.filter((x): x is string => typeof x === 'string') : [];
      if (names.length === 0) return;
      for (const n of names) select.append(h('option', { value: n }, n));
      toggleClass(drillWrap, 'hidden', false);
    } catch {
      // No /api/headroom on this server yet: no drill selector.
    }
  };

  const render = (state: State) => {
    lastState = state;
    if (!drillsChecked && state.plugins?.includes('headroom')) void checkDrills();
    const badge = badgeOf(state);
    const live = state.payloads.headroom?.data ?? null;
    const hp = drill ? drillPayload : live;
    const shown = drill ? (str(hp, 'state') ?? '…') : badge.text;
    setText(stateWord, shown);
    setAttr(answer, 'data-state', drill ? (str(hp, 'state') ?? 'NONE') : badge.state);
    setText(
      reason,
      drill
        ? hp?.available === false
          ? `drill ${drill}: ${str(hp, 'reason') ?? 'not available'}`
          : (str(hp, 'reason') ?? 'asking the server…')
        : badge.reason,
    );
    setText(drillNote, drill ? `projection with drill profile "${drill}"` : '');
    const chip = p.root.querySelector('.chip.status') as HTMLElement;
    setText(chip, badge.state === 'STALE' ? 'stale' : badge.state === 'NONE' ? 'n/a' : 'live');
    setAttr(chip, 'data-tone', badge.state === 'STALE' ? 'amber' : badge.state === 'NONE' ? 'muted' : 'ok');
    toggleClass(p.root, 'is-stale', !drill && badge.state === 'STALE');
    syncRows(bars, hp && hp.available !== false ? barsOf(hp) : [], (b) => b.key, makeBar, renderBar);
    const list = hp && hp.available !== false ? causesOf(hp) : [];
    // One cause is the reason already shown above; the list is for when there are several.
    syncRows(causes, list.length > 1 ? list : [], (c) => `${c.level}|${c.code}|${c.text}`, makeCause, renderCause);
    setText(p.meta, hp && hp.available !== false && list.length === 0 ? 'no active causes' : '');
  };
  return { root: p.root, render };
}
