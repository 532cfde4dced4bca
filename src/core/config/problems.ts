/**
 * Config problems and where they are. A problem names the file, the 1-based line and column a
 * user's editor jumps to, the dotted key and what to fix (DESIGN rule 10). Positions come from
 * the YAML document, so a problem found in the defaulted JS value is mapped back to the node the
 * user wrote, or to the nearest ancestor they wrote when the key came from a default.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Segment } from './schema-walk.js';

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted key path such as "thresholds.ram.warn" or "server.tokens[0].token"; '' for syntax. */
  key: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** "thresholds.ram.warn", "server.tokens[0].token"; the top level is "" . */
export function formatKey(segments: readonly Segment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Parse a JSON pointer ("/server/tokens/0") into segments, numbers where the data is a list. */
export function pointerSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const segs: Segment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: Segment = Array.isArray(cur) && /^\d+$/.test(key) ? Number(key) : key;
    segs.push(seg);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return segs;
}

/** How a value looks in a message; secrets are described, never echoed. */
export function describeGot(value: unknown, secret = false): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (typeof value === 'string') {
    if (secret) return `a string of ${value.length} characters`;
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export function isSecretKey(key: string): boolean {
  return /(^|_)(token|password|passwd|secret|api_?key|credentials?)$/i.test(key);
}

export interface Locator {
  /** Position of the value at `segments` (or of its key with `atKey`), else the nearest ancestor. */
  at(segments: readonly Segment[], atKey?: boolean): { line: number; column: number; found: boolean };
}

/** Resolves key paths to positions in one parsed YAML document. */
export function makeLocator(doc: Document, lines: LineCounter): Locator {
  const pos = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  return {
    at(segments, atKey = false) {
      let node = deref(doc.contents);
      let best = (node as Node | null)?.range?.[0] ?? 0;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const last = i === segments.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
          const keyStart = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
          if (!pair || keyStart === undefined) return { ...pos(best), found: false };
          if (last && atKey) return { ...pos(keyStart), found: true };
          node = deref(pair.value);
          const valueStart = (node as Node | null)?.range?.[0];
          // An empty value ("warn:") has no range of its own: point at its key.
          best = valueStart ?? keyStart;
          if (valueStart === undefined && last) return { ...pos(keyStart), found: true };
        } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
          node = deref(node.items[seg]);
          best = (node as Node | null)?.range?.[0] ?? best;
        } else {
          return { ...pos(best), found: false };
        }
      }
      return { ...pos(best), found: true };
    },
  };
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest known name to a typo, if close enough to be a plausible slip. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exactCase = known.find((k) => k.toLowerCase() === lower);
  if (exactCase) return exactCase;
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(key.length, 3) / 3));
  return bestDist <= allowed ? best : undefined;
}
