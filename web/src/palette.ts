/**
 * Colours for canvas drawing (uPlot), read from the CSS custom properties of the current theme
 * so the stylesheet stays the one place colours are defined. Cached; `refreshPalette()` after a
 * theme change, then charts redraw.
 */
const cache = new Map<string, string>();

export function refreshPalette(): void {
  cache.clear();
}

/** `color('c1')` → the value of `--c1`; with alpha, an rgba() of it (hex colours only). */
export function color(name: string, alpha = 1): string {
  const key = `${name}|${alpha}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const raw = getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || '#888888';
  const value = alpha === 1 ? raw : withAlpha(raw, alpha);
  cache.set(key, value);
  return value;
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = Number.parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
