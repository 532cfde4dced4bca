import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../shared/errors.js';
import { type AnyCollector, validateDefinition } from './collector.js';

export interface PluginProblem {
  file: string;
  message: string;
}

export interface PluginLoadResult {
  collectors: AnyCollector[];
  problems: PluginProblem[];
}

const IMPORT_TIMEOUT_MS = 5000;

/**
 * Load user collectors from `plugin_dirs`: every `.js`/`.mjs` file not starting with `_`,
 * exporting a collector definition as `default` (or as `collector`). Each reload passes a new
 * `generation`, appended as a query string, so Node imports the file afresh and edited code
 * takes effect (ESM keeps old module versions in memory; each is small).
 *
 * A broken plugin never breaks the rest: its problem is reported with its file, and it is left out.
 */
export async function loadPlugins(
  dirs: string[],
  generation: number,
  reserved: Set<string>,
): Promise<PluginLoadResult> {
  const collectors: AnyCollector[] = [];
  const problems: PluginProblem[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch {
      continue; // an absent plugin directory is the normal case
    }
    for (const entry of entries) {
      if (entry.startsWith('_')) continue;
      const ext = extname(entry);
      if (ext !== '.js' && ext !== '.mjs') continue;
      const file = join(dir, entry);
      try {
        const def = await importWithTimeout(file, generation);
        const issues = validateDefinition(def);
        if (issues.length > 0) throw new Error(`not a collector definition: ${issues.join('; ')}`);
        const name = (def as AnyCollector).name;
        if (reserved.has(name)) throw new Error(`name "${name}" is taken by a built-in collector`);
        const other = seen.get(name);
        if (other) throw new Error(`name "${name}" is already used by ${other}`);
        seen.set(name, file);
        collectors.push(normalise(def as AnyCollector));
      } catch (err) {
        problems.push({ file, message: errorMessage(err) });
      }
    }
  }
  return { collectors, problems };
}

async function importWithTimeout(file: string, generation: number): Promise<unknown> {
  const url = `${pathToFileURL(file).href}?v=${generation}`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`import took over ${IMPORT_TIMEOUT_MS} ms`)), IMPORT_TIMEOUT_MS);
  });
  try {
    const mod = (await Promise.race([import(url), timeout])) as Record<string, unknown>;
    return mod.default ?? mod.collector;
  } finally {
    clearTimeout(timer);
  }
}

/** User plugins may omit the declarations the built-ins always have. */
function normalise(def: AnyCollector): AnyCollector {
  return { ...def, description: def.description ?? '', metrics: def.metrics ?? [] };
}
