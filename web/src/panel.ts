/**
 * The frame every panel shares: a titled section with a status chip, a body, and a "not
 * available" line that replaces the body when the source is missing (never fake data). A panel's
 * data older than its staleness limit is dimmed and labelled "stale", never shown as current.
 */
import { h, setAttr, setText, toggleClass } from './dom.js';
import { fmtDuration } from './format.js';
import { type Payload, unavailableReason } from './read.js';
import { ageS, isRunning, isStale, payloadOf, type State } from './state.js';

export interface Panel {
  root: HTMLElement;
  body: HTMLElement;
  /** Right side of the header: a short summary (model, totals). */
  meta: HTMLElement;
  /** Left of the status chip: controls (selectors, toggles). */
  tools: HTMLElement;
}

export function panel(id: string, title: string, size: 'normal' | 'wide' | 'full' = 'normal'): Panel {
  const meta = h('span.meta');
  const tools = h('span.tools');
  const chip = h('span.chip.status', { 'aria-live': 'polite' });
  const body = h('div.body');
  const na = h('p.na', { role: 'status' });
  const root = h(
    `section.panel.size-${size}`,
    { id: `panel-${id}`, 'aria-labelledby': `panel-${id}-title` },
    h('header', null, h('h2', { id: `panel-${id}-title` }, title), meta, tools, chip),
    body,
    na,
  );
  return { root, body, meta, tools };
}

/**
 * Show the panel's source state and return its payload when there is data to draw (stale data
 * is still returned: it is drawn dimmed, with its age in the chip). Null: the body is hidden and
 * the reason shown instead.
 */
export function sourceOf(p: Panel, state: State, plugin: string, label = plugin): Payload | null {
  const payload = payloadOf(state, plugin);
  const chip = p.root.querySelector('.chip.status') as HTMLElement;
  const na = p.root.querySelector('.na') as HTMLElement;
  let reason: string | null = null;
  if (!isRunning(state, plugin))
    reason =
      state.plugins === null
        ? 'waiting for the server…'
        : `not available: ${label} is not running on this server (not installed in this version, or switched off in settings)`;
  else if (!payload) reason = 'waiting for the first sample…';
  else {
    const why = unavailableReason(payload);
    if (why !== null) reason = `not available: ${why}`;
  }
  toggleClass(p.root, 'is-na', reason !== null);
  setText(na, reason ?? '');
  if (reason !== null) {
    setText(chip, payload?.error ? 'error' : 'n/a');
    setAttr(chip, 'data-tone', payload?.error ? 'red' : 'muted');
    toggleClass(p.root, 'is-stale', false);
    return null;
  }
  const stale = isStale(state, plugin);
  toggleClass(p.root, 'is-stale', stale);
  const age = ageS(state, plugin);
  setText(chip, stale ? `stale · ${fmtDuration(age)} old` : 'live');
  setAttr(chip, 'data-tone', stale ? 'amber' : 'ok');
  setAttr(chip, 'title', age === null ? null : `last sample ${fmtDuration(age)} ago`);
  return payload;
}
