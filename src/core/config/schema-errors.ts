/**
 * TypeBox validation errors → config problems a user can act on. TypeBox reports what failed
 * inside the validator (a union yields one error per branch plus one for the union; an unknown
 * key yields a "schema is false" and an "additionalProperties" error); the user needs one line
 * per mistake saying what was expected and what was found, at the place they wrote it.
 */
import { Settings } from 'typebox/system';
import Value from 'typebox/value';
import {
  type ConfigProblem,
  closestName,
  describeGot,
  formatKey,
  isSecretKey,
  type Locator,
  pointerSegments,
} from './problems.js';
import { ConfigSchema } from './schema.js';
import { describeExpected, keyPaths, type SchemaNode, type Segment, schemaAt } from './schema-walk.js';

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
}

const ROOT = ConfigSchema as unknown as SchemaNode;

function valueAt(data: unknown, segments: readonly Segment[]): unknown {
  let cur = data;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

const within = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

function unknownKeyMessage(parent: Segment[], key: string): string {
  const where = parent.length ? `in ${formatKey(parent)}` : 'at the top level';
  const known = Object.keys(schemaAt(ROOT, parent)?.properties ?? {});
  const near = closestName(key, known);
  if (near) return `unknown key "${key}" ${where} (did you mean "${near}"?)`;
  // A right key in the wrong section ("ram:" at the top level) is a common slip.
  // Only when the name is unambiguous: "enabled" exists in several sections.
  const elsewhere = keyPaths(ROOT).filter((k) => !k.variable && k.path.split('.').at(-1) === key);
  if (elsewhere.length === 1) return `unknown key "${key}" ${where} (did you mean "${elsewhere[0]!.path}"?)`;
  return known.length && known.length <= 30
    ? `unknown key "${key}" ${where}; known keys: ${known.join(', ')}`
    : `unknown key "${key}" ${where}`;
}

/**
 * TypeBox stops at `maxErrors` (8 by default, a process-wide setting); `config check` must list
 * every problem, so lift the cap for this one synchronous call and put it back.
 */
function allErrors(data: unknown): SchemaError[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: 10_000 });
  try {
    return [...Value.Errors(ConfigSchema, data)] as unknown as SchemaError[];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/** Validate the defaulted data against ConfigSchema; one problem per mistake. */
export function schemaProblems(data: unknown, file: string, loc: Locator): ConfigProblem[] {
  const errors = allErrors(data);
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const reported = new Set<string>();
  const problems: ConfigProblem[] = [];
  const add = (segments: Segment[], message: string, atKey = false) => {
    const { line, column } = loc.at(segments, atKey);
    problems.push({ file, line, column, key: formatKey(segments), message });
  };

  for (const e of errors) {
    // The unknown key is reported once, from the parent's additionalProperties error.
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) continue;
    const segments = pointerSegments(e.instancePath, data);
    if (e.keyword === 'additionalProperties') {
      for (const key of (e.params.additionalProperties as string[] | undefined) ?? []) {
        add([...segments, key], unknownKeyMessage(segments, key), true);
      }
      continue;
    }
    if (e.keyword === 'required') {
      const label = formatKey(segments) || 'the top level';
      for (const key of (e.params.requiredProperties as string[] | undefined) ?? []) {
        add(segments, `${label}: missing required key "${key}"`);
      }
      continue;
    }
    // Branch errors of a failed union are noise: the union is described once, below.
    if (e.schemaPath.includes('/anyOf/') && unions.some((u) => within(e.instancePath, u))) continue;
    if (reported.has(e.instancePath)) continue;
    reported.add(e.instancePath);
    const schema = schemaAt(ROOT, segments);
    const last = segments.at(-1);
    const got = describeGot(valueAt(data, segments), typeof last === 'string' && isSecretKey(last));
    const expected = schema ? describeExpected(schema) : 'a valid value';
    add(segments, `${formatKey(segments) || 'the top level'}: expected ${expected}, got ${got}`);
  }
  return problems;
}
