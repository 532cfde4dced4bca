/**
 * Small building blocks the panels share: labelled figures, meters and key/value lists. Each is
 * created once and updated in place; every figure has a fixed-width slot so that changing values
 * do not move anything around.
 */
import { h, setAttr, setBar, setText } from './dom.js';

export type Tone = 'ok' | 'muted' | 'green' | 'amber' | 'red';

/** A big figure with a small label above it. */
export function stat(label: string): { root: HTMLElement; set(value: string, tone?: Tone, title?: string): void } {
  const value = h('span.stat-value');
  const root = h('div.stat', null, h('span.stat-label', null, label), value);
  return {
    root,
    set(v, tone = 'ok', title) {
      setText(value, v);
      setAttr(root, 'data-tone', tone);
      setAttr(root, 'title', title ?? null);
    },
  };
}

/** A horizontal meter: label, bar, figure. */
export function meter(label = ''): {
  root: HTMLElement;
  set(pct: number | null, text: string, tone?: Tone, labelText?: string, title?: string): void;
} {
  const l = h('span.m-label', null, label);
  const fill = h('span.m-fill');
  const v = h('span.m-value');
  const root = h('div.meter', null, l, h('span.m-track', null, fill), v);
  return {
    root,
    set(pct, text, tone = 'ok', labelText, title) {
      setBar(fill, pct);
      setText(v, text);
      if (labelText !== undefined) setText(l, labelText);
      setAttr(root, 'data-tone', tone);
      setAttr(root, 'title', title ?? null);
    },
  };
}

/** Tone by warn / critical levels. */
export function toneOf(v: number | null, warn: number, crit: number): Tone {
  if (v === null) return 'muted';
  return v >= crit ? 'red' : v >= warn ? 'amber' : 'ok';
}

/** A compact definition list; `set(key, text)` updates one entry. */
export function kvList(keys: [string, string][]): {
  root: HTMLElement;
  set(key: string, text: string, tone?: Tone, title?: string): void;
} {
  const values = new Map<string, HTMLElement>();
  const root = h('dl.kv');
  for (const [key, label] of keys) {
    const dd = h('dd');
    values.set(key, dd);
    root.append(h('div', null, h('dt', null, label), dd));
  }
  return {
    root,
    set(key, text, tone = 'ok', title) {
      const dd = values.get(key);
      if (!dd) return;
      setText(dd, text);
      setAttr(dd, 'data-tone', tone);
      // Long values are cut with an ellipsis: the whole text is on hover.
      setAttr(dd, 'title', title ?? (text.length > 18 ? text : null));
    },
  };
}

/** A section heading inside a panel body. */
export function sub(text: string): HTMLElement {
  return h('h3.sub', null, text);
}

/** A table whose body is kept in step with rows by key. */
export function table(columns: { label: string; num?: boolean; title?: string }[], caption?: string): {
  root: HTMLElement;
  tbody: HTMLTableSectionElement;
} {
  const tbody = h('tbody');
  const root = h(
    'div.table-wrap',
    null,
    h(
      'table',
      null,
      caption ? h('caption.sr-only', null, caption) : null,
      h('thead', null, h('tr', null, ...columns.map((c) => h(c.num ? 'th.num' : 'th', { scope: 'col', title: c.title ?? null }, c.label)))),
      tbody,
    ),
  );
  return { root, tbody };
}

/** Make a `<tr>` with `n` cells (numeric ones right-aligned). */
export function row(cells: ('num' | 'text')[]): HTMLTableRowElement {
  return h('tr', null, ...cells.map((c) => h(c === 'num' ? 'td.num' : 'td')));
}

/** Set the cells of a row made by `row()`. */
export function setCells(tr: HTMLTableRowElement, texts: string[]): void {
  texts.forEach((t, i) => {
    const td = tr.cells[i];
    if (td) setText(td, t);
  });
}
