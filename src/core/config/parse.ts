/**
 * YAML text → a validated, defaulted, post-processed Config, or every problem found in it.
 * Pure apart from reading `env`/`home` (passed in), so `config check`, `/reload` and tests share it.
 */
import { homedir } from 'node:os';
import Value from 'typebox/value';
import {
  type Document,
  isAlias,
  isCollection,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  Scalar,
  visit,
} from 'yaml';
import { semanticProblems } from './checks.js';
import { expandPaths, resolveTokenEnv } from './postprocess.js';
import { type ConfigProblem, type Locator, makeLocator } from './problems.js';
import { type Config, ConfigSchema } from './schema.js';
import { schemaProblems } from './schema-errors.js';
import type { SchemaNode } from './schema-walk.js';

export interface ParseOptions {
  /** Environment for token_env and XDG_DATA_HOME; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for "~"; default os.homedir(). */
  home?: string;
}

export interface ParseResult {
  /** null whenever `problems` is not empty. */
  config: Config | null;
  problems: ConfigProblem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Where an unclosed quote or flow collection began. The parser reports where it noticed (often
 * the end of the file), but the mistake is the opening character: point there, mention both.
 */
function findOpener(doc: Document, offset: number): { start: number; what: string } | undefined {
  let best: { start: number; what: string } | undefined;
  visit(doc, (_key, node) => {
    const range = (node as Node).range;
    if (!range || range[0] >= offset || offset > range[2]) return;
    let what: string | undefined;
    if (isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)) {
      what = 'quoted string';
    } else if (isCollection(node) && node.flow) {
      what = isSeq(node) ? '"[" list' : '"{" mapping';
    }
    if (what && (!best || range[0] > best.start)) best = { start: range[0], what };
  });
  return best;
}

function syntaxProblems(doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seenLines = new Set<number>();
  for (const err of doc.errors) {
    const noticed = lines.linePos(err.pos[0]);
    // The parser's later errors on one line are consequences of the first.
    if (seenLines.has(noticed.line)) continue;
    seenLines.add(noticed.line);
    let at = noticed;
    let message = `YAML syntax error: ${err.message}`;
    const opener = findOpener(doc, err.pos[0]);
    if (opener && lines.linePos(opener.start).line < noticed.line) {
      at = lines.linePos(opener.start);
      message += `; the ${opener.what} that starts here is not closed (noticed at line ${noticed.line}, column ${noticed.col})`;
    }
    problems.push({ file, line: at.line, column: at.col, key: '', message });
  }
  return problems;
}

/** Keys must be plain scalars; toJS would turn a list key into "[ a ]" and warn on stderr. */
function structureProblems(doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problemAt = (offset: number, message: string) => {
    const { line, col } = lines.linePos(offset);
    problems.push({ file, line, column: col, key: '', message });
  };
  visit(doc, {
    Pair(_key, pair) {
      if (!isScalar(pair.key)) problemAt((pair.key as Node | null)?.range?.[0] ?? 0, 'keys must be plain names');
    },
    Alias(_key, alias) {
      if (!alias.resolve(doc)) {
        problemAt(alias.range?.[0] ?? 0, `unknown alias *${alias.source} (define &${alias.source} before using it)`);
      }
    },
  });
  return problems;
}

/**
 * "notifications:" with every line below commented out is null in YAML; treat such an empty
 * section as absent (its defaults apply) rather than as a type error, since that is what the
 * user who commented the lines out meant.
 */
function pruneEmptySections(value: Obj, schema: SchemaNode): void {
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const v = value[key];
    if (v === null && (sub.type === 'object' || sub.type === 'array') && sub.default !== undefined) delete value[key];
    else if (isObj(v)) pruneEmptySections(v, sub);
  }
}

function describeRoot(contents: unknown): string {
  if (Array.isArray(contents)) return 'a list';
  return typeof contents === 'string' ? `the text ${JSON.stringify(contents)}` : `the value ${String(contents)}`;
}

const byPlace = (a: ConfigProblem, b: ConfigProblem) => a.line - b.line || a.column - b.column;

/**
 * Validate config text. `file` is only used to name the place in problems.
 * @example parseConfigText('thresholds:\n  ram: {warn: 90, critical: 85}\n', 'config.yaml')
 *   // → { config: null, problems: [{ line: 2, column: 16, key: 'thresholds.ram.warn', … }] }
 */
export function parseConfigText(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  // After a syntax error the parser's recovery guesses the structure; checking that guess
  // against the schema would report mistakes the user did not make.
  if (doc.errors.length) return { config: null, problems: syntaxProblems(doc, lines, file) };
  const structural = structureProblems(doc, lines, file);
  if (structural.length) return { config: null, problems: structural };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return { config: null, problems: [{ file, line: 1, column: 1, key: '', message: `YAML: ${(err as Error).message}` }] };
  }
  // An empty file, a file of comments, or a lone "~" all mean "no settings": defaults apply.
  if (raw === null || raw === undefined) raw = {};
  if (!isObj(raw)) {
    const start = isAlias(doc.contents) ? 0 : ((doc.contents as Node | null)?.range?.[0] ?? 0);
    const { line, col } = lines.linePos(start);
    const message = `the top level must be a mapping of sections (server:, thresholds:, …), found ${describeRoot(raw)}`;
    return { config: null, problems: [{ file, line, column: col, key: '', message }] };
  }

  pruneEmptySections(raw, ConfigSchema as unknown as SchemaNode);
  const data = Value.Default(ConfigSchema, raw) as Obj;
  const loc: Locator = makeLocator(doc, lines);
  const problems = schemaProblems(data, file, loc);
  // A key with a type error already says what to fix; a second message about it is noise.
  const known = (p: ConfigProblem) => problems.some((q) => q.key === p.key);
  for (const p of semanticProblems(data, file, loc)) if (!known(p)) problems.push(p);
  for (const p of resolveTokenEnv(data, file, loc, env)) if (!known(p)) problems.push(p);
  if (problems.length) return { config: null, problems: dedupe(problems).sort(byPlace) };

  // A deep copy: Value.Default may share default arrays and objects with the schema itself.
  const config = structuredClone(data) as Config;
  expandPaths(config, { env, home });
  return { config, problems: [] };
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
