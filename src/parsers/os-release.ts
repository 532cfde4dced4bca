/**
 * /etc/os-release (or /usr/lib/os-release) → typed object, following os-release(5): shell-style
 * `KEY=value` lines; values may be unquoted, "double-quoted" (backslash escapes `\" \\ \$ \``
 * and keeps other backslashes) or 'single-quoted' (literal); `#` lines are comments.
 *
 * Rule for bad input: skip the line. A line that is not `KEY=value`, or a value with an
 * unterminated quote, is ignored and parsing goes on — a distro name is not worth failing the
 * host payload, and os-release(5) defines defaults for the keys that matter.
 */
export interface OsRelease {
  /** PRETTY_NAME, defaulting as os-release(5) says: "Linux". */
  pretty_name: string;
  /** NAME, default "Linux". */
  name: string;
  version_id: string | null;
  /** ID, default "linux". */
  id: string;
  /** Every valid assignment, unquoted. */
  fields: Record<string, string>;
}

const ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = ASSIGN_RE.exec(line);
    if (!m) continue;
    const value = unquote(m[2]!);
    if (value !== null) fields[m[1]!] = value;
  }
  return {
    pretty_name: fields.PRETTY_NAME || 'Linux',
    name: fields.NAME || 'Linux',
    version_id: fields.VERSION_ID || null,
    id: fields.ID || 'linux',
    fields,
  };
}

/** Shell-style unquoting of one value; null when a quote is left open. */
function unquote(value: string): string | null {
  const q = value[0];
  if (q === "'") {
    return value.length >= 2 && value.endsWith("'") ? value.slice(1, -1) : null;
  }
  if (q === '"') {
    const inner = value.slice(1);
    let out = '';
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i]!;
      if (c === '\\' && i + 1 < inner.length) {
        const next = inner[i + 1]!;
        // Inside double quotes the shell only treats these four as escapable.
        out += '"\\$`'.includes(next) ? next : c + next;
        i++;
      } else if (c === '"') {
        // Text after the closing quote would be a shell concatenation, which os-release forbids.
        return i === inner.length - 1 ? out : null;
      } else {
        out += c;
      }
    }
    return null;
  }
  // Unquoted: a backslash escapes the next character.
  return value.replace(/\\(.)/g, '$1');
}
