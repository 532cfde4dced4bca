/**
 * DOM building without innerHTML: elements are created once and their text is set through
 * `textContent` (DESIGN rule 12), so nothing from a payload (a process name, a mount point, an
 * event message) is ever parsed as markup.
 */
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/** `h('div.panel.wide', {role: 'region'}, child, 'text')`. Attribute values are set, never parsed. */
export function h<K extends keyof HTMLElementTagNameMap>(
  spec: K | `${K}.${string}` | `${K}#${string}`,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const [tagAndId, ...classes] = spec.split('.');
  const [tag, id] = (tagAndId ?? 'div').split('#');
  const el = document.createElement(tag as K);
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** SVG elements (icons) need their namespace. */
export function svg(tag: string, attrs: Attrs = {}, ...children: Element[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** Set text only when it changed (keeps selection, avoids needless style recalculation). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export function toggleClass(el: Element, cls: string, on: boolean): void {
  if (el.classList.contains(cls) !== on) el.classList.toggle(cls, on);
}

/** Width of a bar as a CSS custom property (CSSOM, allowed under the page's CSP). */
export function setBar(el: HTMLElement, pct: number | null): void {
  const v = pct === null || !Number.isFinite(pct) ? 0 : Math.max(0, Math.min(100, pct));
  const s = `${v.toFixed(2)}%`;
  if (el.style.getPropertyValue('--w') !== s) el.style.setProperty('--w', s);
}

/**
 * Keep a list of child rows in step with data: rows are reused by key (no flicker, focus and
 * scroll kept), created by `make`, updated by `update`, removed when their key is gone.
 */
export function syncRows<T, E extends Element>(
  parent: Element,
  items: readonly T[],
  key: (item: T) => string,
  make: (item: T) => E,
  update: (el: E, item: T) => void,
): void {
  const existing = new Map<string, E>();
  for (const child of Array.from(parent.children)) {
    const k = (child as HTMLElement).dataset.key;
    if (k !== undefined) existing.set(k, child as E);
  }
  let prev: Element | null = null;
  const keep = new Set<string>();
  for (const item of items) {
    const k = key(item);
    keep.add(k);
    let el = existing.get(k);
    if (!el) {
      el = make(item);
      (el as unknown as HTMLElement).dataset.key = k;
    }
    update(el, item);
    const expected: Element | null = prev ? prev.nextElementSibling : parent.firstElementChild;
    if (expected !== el) parent.insertBefore(el, expected);
    prev = el;
  }
  for (const [k, el] of existing) if (!keep.has(k)) el.remove();
}
