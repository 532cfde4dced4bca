/**
 * Rules the schema cannot express: relations between keys (warn below critical, cert with key,
 * one source per token), names of free-form entries, durations and URLs that must parse.
 * The data may still hold type errors here (every problem is reported in one pass, not one
 * round per kind), so every read is guarded instead of trusting the Config type.
 */
import { parseDurationS } from '../../shared/units.js';
import { type ConfigProblem, formatKey, type Locator } from './problems.js';
import { ConfigSchema } from './schema.js';
import { isDurationSchema, type SchemaNode, type Segment } from './schema-walk.js';

type Add = (segments: Segment[], message: string, atKey?: boolean) => void;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Visit every value with its path. */
function walk(value: unknown, segments: Segment[], visit: (v: unknown, s: Segment[]) => void): void {
  visit(value, segments);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...segments, i], visit);
  }
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) walk(v, [...segments, k], visit);
}

/** Visit every value alongside the schema node it must satisfy. */
function walkWithSchema(
  node: SchemaNode,
  value: unknown,
  segments: Segment[],
  visit: (n: SchemaNode, v: unknown, s: Segment[]) => void,
): void {
  visit(node, value, segments);
  if (Array.isArray(value) && node.items) {
    const items = node.items;
    for (const [i, item] of value.entries()) walkWithSchema(items, item, [...segments, i], visit);
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub =
        node.properties?.[k] ??
        Object.entries(node.patternProperties ?? {}).find(([p]) => new RegExp(p).test(k))?.[1];
      if (sub) walkWithSchema(sub, v, [...segments, k], visit);
    }
  }
}

const NAME_RULES: Record<string, string> = {
  '^[a-z][a-z0-9_]*$': 'lowercase letters, digits and "_", starting with a letter',
  '^[A-Za-z0-9_.-]+$': 'letters, digits, "_", "." and "-"',
};

const URL_KEYS = new Set(['url', 'base_url', 'metrics_url', 'endpoint']);

function checkLevels(data: unknown, add: Add): void {
  walk(data, [], (v, segs) => {
    // Alert rules carry a direction and are checked by checkAlertRules.
    if (!isObj(v) || (segs[0] === 'alerts' && segs[1] === 'rules')) return;
    const warn = num(v.warn);
    const critical = num(v.critical);
    if (warn !== undefined && critical !== undefined && warn > critical) {
      add([...segs, 'warn'], `${formatKey(segs)}: warn (${warn}) must not be above critical (${critical})`);
    }
  });
}

function checkUps(data: Obj, add: Add): void {
  const ups = data.ups;
  if (!isObj(ups)) return;
  const [lw, lc] = [num(ups.load_warn), num(ups.load_critical)];
  if (lw !== undefined && lc !== undefined && lw > lc) {
    add(['ups', 'load_warn'], `ups: load_warn (${lw}) must not be above load_critical (${lc})`);
  }
  // Battery levels count down: warn is reached first, so it must be the higher charge.
  const [bw, bc] = [num(ups.battery_warn), num(ups.battery_critical)];
  if (bw !== undefined && bc !== undefined && bc > bw) {
    add(['ups', 'battery_critical'], `ups: battery_critical (${bc}) must not be above battery_warn (${bw})`);
  }
}

function checkInference(data: Obj, add: Add): void {
  // Endpoint names label their series in history and /metrics: two alike would merge.
  if (!Array.isArray(data.inference)) return;
  const seen = new Set<string>();
  data.inference.forEach((e, i) => {
    const name = isObj(e) ? str(e.name) : '';
    if (name && seen.has(name)) add(['inference', i, 'name'], `inference[${i}].name: "${name}" is already the name of another endpoint`);
    seen.add(name);
  });
}

function checkServer(data: Obj, add: Add): void {
  const server = data.server;
  if (!isObj(server)) return;
  if (Array.isArray(server.tokens)) {
    server.tokens.forEach((t, i) => {
      if (!isObj(t)) return;
      const at: Segment[] = ['server', 'tokens', i];
      const sources = [str(t.token), str(t.token_env)].filter((s) => s !== '').length;
      if (sources === 0) add(at, `server.tokens[${i}]: set one of "token" or "token_env"`);
      if (sources === 2) add(at, `server.tokens[${i}]: set only one of "token" or "token_env", not both`);
      const envName = str(t.token_env);
      if (envName && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) {
        add([...at, 'token_env'], `server.tokens[${i}].token_env: "${envName}" is not an environment variable name`);
      }
    });
  }
  const tls = server.tls;
  if (isObj(tls) && (str(tls.cert) === '') !== (str(tls.key) === '')) {
    const missing = str(tls.cert) === '' ? 'cert' : 'key';
    add(['server', 'tls', missing === 'cert' ? 'key' : 'cert'], `server.tls: set both "cert" and "key" for HTTPS, or neither ("${missing}" is empty)`);
  }
}

function checkNotifications(data: Obj, add: Add): void {
  const n = data.notifications;
  // Switched on with nothing to run would drop every event silently.
  if (isObj(n) && n.opswire === true && str(n.opswire_script) === '') {
    add(['notifications', 'opswire'], 'notifications.opswire: is true but notifications.opswire_script is empty');
  }
}

// Built-in alert rule ids a config rule may replace without naming a metric (src/alerts/rules.ts).
const BUILTIN_RULES = ['ram', 'cpu', 'gpu_vram', 'disk', 'idle_power', 'thermal', 'idle_service_cpu', 'memory_growth'];

function checkAlertRules(data: Obj, add: Add): void {
  const a = data.alerts;
  if (!isObj(a) || !Array.isArray(a.rules)) return;
  const seen = new Set<string>();
  for (const [i, r] of a.rules.entries()) {
    if (!isObj(r)) continue;
    const id = str(r.id);
    if (seen.has(id)) add(['alerts', 'rules', i, 'id'], `alerts.rules[${i}].id: "${id}" is used twice`);
    seen.add(id);
    if (str(r.metric) === '' && !BUILTIN_RULES.includes(id) && !id.includes('.'))
      add(['alerts', 'rules', i], `alerts.rules[${i}]: "${id}" is not a built-in rule (${BUILTIN_RULES.join(', ')}); give it a metric: <collector>.<path>`);
    const warn = num(r.warn);
    const crit = num(r.critical);
    if (warn === undefined || crit === undefined) continue;
    const below = r.direction === 'below';
    if (below ? crit > warn : crit < warn)
      add(['alerts', 'rules', i, 'critical'], `alerts.rules[${i}].critical: ${crit} must be ${below ? 'at or below' : 'at or above'} warn ${warn} for direction ${below ? 'below' : 'above'}`);
    const clear = num(r.clear);
    if (clear !== undefined && (below ? clear < warn : clear > warn))
      add(['alerts', 'rules', i, 'clear'], `alerts.rules[${i}].clear: ${clear} must be on the normal side of warn ${warn} (the level at which the alert re-arms)`);
  }
}

function checkBySchema(data: unknown, add: Add): void {
  walkWithSchema(ConfigSchema as unknown as SchemaNode, data, [], (node, value, segs) => {
    const key = formatKey(segs);
    if (isDurationSchema(node) && typeof value === 'string' && parseDurationS(value) === null) {
      add(segs, `${key}: "${value}" is not a duration; use a number with ms, s, m, h, d or w, e.g. "90s" or "24h"`);
    }
    // Records (drills, plugins, collectors) accept any key the schema does not reject; check names.
    if (isObj(value) && node.patternProperties && node.additionalProperties === undefined) {
      const patterns = Object.keys(node.patternProperties);
      for (const k of Object.keys(value)) {
        if (patterns.some((p) => new RegExp(p).test(k))) continue;
        const rule = patterns.map((p) => NAME_RULES[p] ?? `/${p}/`).join(' or ');
        add([...segs, k], `${key}: "${k}" is not a valid name (use ${rule})`, true);
      }
    }
    const last = segs.at(-1);
    if (typeof last === 'string' && URL_KEYS.has(last) && typeof value === 'string' && value !== '') {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        ok = false;
      }
      if (!ok) add(segs, `${key}: expected an http:// or https:// URL, got ${JSON.stringify(value)}`);
    }
  });
}

/** Every relation and format rule, on defaulted (not yet type-checked) data. */
export function semanticProblems(data: Obj, file: string, loc: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add: Add = (segments, message, atKey = false) => {
    const { line, column } = loc.at(segments, atKey);
    problems.push({ file, line, column, key: formatKey(segments), message });
  };
  checkLevels(data, add);
  checkUps(data, add);
  checkInference(data, add);
  checkServer(data, add);
  checkNotifications(data, add);
  checkAlertRules(data, add);
  checkBySchema(data, add);
  return problems;
}
