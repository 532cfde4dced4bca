/**
 * The fixed 40 px strip: state badge (reason on hover and keyboard focus), the compact figures,
 * and the link state on the right. It also owns the favicon and the document title, so a pinned
 * tab shows the state.
 */
import { h, setAttr, setText, toggleClass } from './dom.js';
import type { State } from './state.js';
import { type Badge, badgeOf, type Figure, figuresOf, titleOf } from './strip-model.js';

const LINK_TEXT: Record<State['link'], string> = {
  connecting: 'connecting…',
  live: 'live',
  polling: 'polling',
  offline: 'offline',
};

export function createStrip(): { root: HTMLElement; render(state: State): void } {
  const badgeText = h('span.badge-text');
  const reason = h('span.badge-reason', { role: 'tooltip', id: 'badge-reason' });
  const badge = h(
    'button.badge',
    { type: 'button', 'aria-describedby': 'badge-reason', 'data-state': 'NONE', id: 'state-badge' },
    h('span.dot', { 'aria-hidden': 'true' }),
    badgeText,
  );
  const figures = h('div.figures');
  const host = h('span.host');
  const link = h('span.link', { 'data-link': 'connecting', role: 'status' });
  const root = h(
    'header.strip',
    { role: 'banner' },
    h('div.badge-wrap', null, badge, reason),
    figures,
    h('div.strip-right', null, host, link),
  );
  const cells = new Map<string, { el: HTMLElement; value: HTMLElement; label: HTMLElement; notes: HTMLElement }>();
  let lastIcon = '';

  const renderFigure = (f: Figure) => {
    let cell = cells.get(f.key);
    if (!cell) {
      const label = h('span.fig-label');
      const value = h('span.fig-value');
      const notes = h('span.fig-notes');
      const el = h('span.fig', { 'data-key': f.key, tabindex: '0' }, label, value, notes);
      figures.append(el);
      cell = { el, value, label, notes };
      cells.set(f.key, cell);
    }
    setText(cell.label, f.label);
    setText(cell.value, f.value);
    setAttr(cell.el, 'data-tone', f.tone);
    setAttr(cell.el, 'title', f.stale ? `${f.title} — stale: no fresh sample` : f.title);
    setAttr(cell.el, 'aria-label', `${f.label} ${f.value}${f.annotations.map((a) => `, ${a.text}`).join('')}${f.stale ? ', stale' : ''}`);
    toggleClass(cell.el, 'stale', f.stale);
    toggleClass(cell.el, 'hidden', f.hidden);
    // Annotations: reuse spans by position; they are few (0–3).
    const spans = Array.from(cell.notes.children) as HTMLElement[];
    f.annotations.forEach((a, i) => {
      let s = spans[i];
      if (!s) {
        s = h('span.note');
        cell.notes.append(s);
      }
      setText(s, a.text);
      setAttr(s, 'data-tone', a.tone);
      setAttr(s, 'title', a.title);
    });
    for (const s of spans.slice(f.annotations.length)) s.remove();
  };

  const renderBadge = (b: Badge, state: State) => {
    setText(badgeText, b.text === 'EASE_IN' ? 'EASE_IN' : b.text);
    setAttr(badge, 'data-state', b.state);
    setText(reason, b.reason);
    setAttr(badge, 'aria-label', `state ${b.text}: ${b.reason}`);
    const title = titleOf(state, b);
    if (document.title !== title) document.title = title;
    if (b.icon !== lastIcon) {
      lastIcon = b.icon;
      const icon = document.getElementById('favicon') as HTMLLinkElement | null;
      // A fresh <link> element: some browsers only notice a favicon change on insertion.
      const next = h('link', { rel: 'icon', id: 'favicon', type: 'image/svg+xml', href: `/favicon-${b.icon}.svg`, 'data-state': b.icon });
      if (icon) icon.replaceWith(next);
      else document.head.append(next);
    }
  };

  return {
    root,
    render(state) {
      renderBadge(badgeOf(state), state);
      for (const f of figuresOf(state)) renderFigure(f);
      setText(host, state.system?.hostname ?? '');
      setAttr(link, 'data-link', state.link);
      setText(link, LINK_TEXT[state.link]);
      setAttr(
        link,
        'title',
        state.link === 'polling'
          ? 'the live WebSocket link is down; reading /api every 2 s while it reconnects'
          : state.link === 'offline'
            ? 'the server is not answering; retrying'
            : 'live WebSocket link',
      );
    },
  };
}
