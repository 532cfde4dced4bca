/**
 * Reading the config schema as data: find the sub-schema at a key path, say in words what it
 * expects, list every key path. The schema stays the one source of truth; messages, semantic
 * checks and the "example documents every key" test all read it through these helpers instead
 * of repeating key names.
 */

/** A JSON-schema node as TypeBox emits it (plain objects), typed loosely on purpose. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
}

export type Segment = string | number;

/** The schema a value at `segments` must satisfy, or undefined when the path leaves the schema. */
export function schemaAt(root: SchemaNode, segments: readonly Segment[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const seg of segments) {
    if (!node) return undefined;
    node = childSchema(node, seg);
  }
  return node;
}

export function childSchema(node: SchemaNode, seg: Segment): SchemaNode | undefined {
  if (node.type === 'array') return node.items;
  const key = String(seg);
  const prop = node.properties?.[key];
  if (prop) return prop;
  for (const [pattern, sub] of Object.entries(node.patternProperties ?? {})) {
    if (new RegExp(pattern).test(key)) return sub;
  }
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

/** "90s" | number: the schema.ts Duration helper, recognised by shape. */
export function isDurationSchema(node: SchemaNode): boolean {
  const branches = node.anyOf ?? [];
  return (
    branches.length === 2 &&
    branches.some((b) => b.type === 'string' && b.pattern?.includes('ms|s|m|h|d|w') === true) &&
    branches.some((b) => b.type === 'number')
  );
}

function range(kind: string, node: SchemaNode): string {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin } = node;
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  if (xmin !== undefined) return `${kind} greater than ${xmin}`;
  if (min !== undefined) return min === 0 ? `a non-negative ${kind.replace(/^an? /, '')}` : `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

/** What a schema accepts, in words a user reads in an error: "a number between 0 and 100". */
export function describeExpected(node: SchemaNode): string {
  if (isDurationSchema(node)) return 'a duration such as "90s", "10m", "24h" or "30d" (or a number of seconds)';
  if (node.anyOf) {
    if (node.anyOf.every((b) => b.const !== undefined)) {
      return `one of ${node.anyOf.map((b) => JSON.stringify(b.const)).join(', ')}`;
    }
    return node.anyOf.map(describeExpected).join(' or ');
  }
  if (node.const !== undefined) return JSON.stringify(node.const);
  switch (node.type) {
    case 'integer':
      return range('an integer', node);
    case 'number':
      return range('a number', node);
    case 'boolean':
      return 'true or false';
    case 'string':
      if (node.minLength !== undefined) return `a string of at least ${node.minLength} characters`;
      if (node.pattern !== undefined) return `a string matching /${node.pattern}/`;
      return 'a string';
    case 'array': {
      const item = node.items?.type;
      return item === 'string' ? 'a list of strings' : item === 'object' ? 'a list of mappings' : 'a list';
    }
    case 'object':
      return 'a mapping (key: value lines)';
    default:
      return 'a valid value';
  }
}

/** One entry per key the schema defines; `[]` marks list items, `*` a free-form name. */
export interface KeyPath {
  path: string;
  /** True when the key sits under a list or a free-form map, so it has no fixed place. */
  variable: boolean;
  schema: SchemaNode;
}

export function keyPaths(root: SchemaNode): KeyPath[] {
  const out: KeyPath[] = [];
  const visit = (node: SchemaNode, prefix: string, variable: boolean): void => {
    if (node.type === 'array') {
      if (node.items) visit(node.items, `${prefix}[]`, true);
      return;
    }
    for (const [key, sub] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, variable, schema: sub });
      visit(sub, path, variable);
    }
    for (const sub of Object.values(node.patternProperties ?? {})) visit(sub, `${prefix}.*`, true);
  };
  visit(root, '', false);
  return out;
}
