import type { Config } from '../core/config/schema.js';

/**
 * What a service is, before any process is looked at: the configured ones (`services:` in
 * config, SPEC §4) and the well-known ones found with no config (Ollama, vLLM, llama.cpp
 * server, the local inference endpoints of `inference:`, headroom itself). Containers
 * and systemd services are found per tick from the process table (ownership.ts).
 */

export type ServiceKind =
  | 'configured'
  | 'headroom'
  | 'ollama'
  | 'vllm'
  | 'llamacpp'
  | 'inference'
  | 'container'
  | 'systemd'
  /** A hot process in no service (only in the idle analysis, never in the services list). */
  | 'process';

/** One way a service recognises its processes. */
export type Criterion =
  | { kind: 'process'; value: string }
  | { kind: 'cmdline'; value: string; re: RegExp }
  | { kind: 'port'; value: number }
  | { kind: 'unit'; value: string }
  | { kind: 'cgroup'; value: string }
  | { kind: 'container'; value: string }
  | { kind: 'pidfile'; value: string }
  /** Auto-detection: executable names (argv[0] base name or comm). */
  | { kind: 'exe'; value: string[] }
  | { kind: 'pid'; value: number };

export interface ServiceDef {
  name: string;
  origin: 'config' | 'auto';
  kind: ServiceKind;
  criteria: Criterion[];
  /** The service counts as idle below this CPU % (of one CPU). */
  idleCpuPct: number;
  /** Config mistakes found while building (a bad regular expression): the service reports them. */
  problems: string[];
  /** false: owns the matched processes only, not their descendants (headroom itself). */
  descendants?: boolean;
}

/** Human text of a criterion, for `matched_by` and status reasons. */
export function describeCriterion(c: Criterion): string {
  switch (c.kind) {
    case 'exe':
      return `exe ${c.value.join('|')}`;
    case 'cmdline':
      return `cmdline /${c.value}/`;
    default:
      return `${c.kind} ${c.value}`;
  }
}

/** The configured services, in config order (earlier ones win a process both match). */
export function configuredServices(config: Config): ServiceDef[] {
  return config.services.map((s) => {
    const problems: string[] = [];
    const criteria: Criterion[] = [];
    const m = s.match;
    if (m.process !== undefined) criteria.push({ kind: 'process', value: m.process });
    if (m.cmdline !== undefined) {
      try {
        criteria.push({ kind: 'cmdline', value: m.cmdline, re: new RegExp(m.cmdline) });
      } catch (err) {
        problems.push(`match.cmdline: ${(err as Error).message}`);
      }
    }
    if (m.port !== undefined) criteria.push({ kind: 'port', value: m.port });
    if (m.unit !== undefined) criteria.push({ kind: 'unit', value: m.unit });
    if (m.cgroup !== undefined) criteria.push({ kind: 'cgroup', value: m.cgroup });
    if (m.container !== undefined) criteria.push({ kind: 'container', value: m.container });
    if (m.pidfile !== undefined) criteria.push({ kind: 'pidfile', value: m.pidfile });
    if (criteria.length === 0 && problems.length === 0) problems.push('match has no keys: it matches nothing');
    return {
      name: s.name,
      origin: 'config' as const,
      kind: 'configured' as const,
      criteria,
      idleCpuPct: s.idle?.cpu_pct ?? config.idle.cpu_pct,
      problems,
    };
  });
}

// `vllm serve …`, `python -m vllm.entrypoints.openai.api_server …`
const VLLM_RE = /(?:^|[\s/])vllm(?:\s+serve\b|\.entrypoints\.)/;
// llama-cpp-python's server module
const LLAMA_CPP_PY_RE = /(?:^|\s)-m\s+llama_cpp\.server\b/;

/**
 * Well-known services, found with no config. `selfPid` is headroom's own pid when the process
 * table is the live one (a fixture tree's pids mean nothing to us).
 */
export function knownServices(config: Config, selfPid: number | null): ServiceDef[] {
  const idle = config.idle.cpu_pct;
  const def = (name: string, kind: ServiceKind, criteria: Criterion[]): ServiceDef => ({
    name,
    origin: 'auto',
    kind,
    criteria,
    idleCpuPct: idle,
    problems: [],
  });
  const out: ServiceDef[] = [];
  if (selfPid !== null) out.push({ ...def('headroom', 'headroom', [{ kind: 'pid', value: selfPid }]), descendants: false });
  // Named endpoints first: the user's name for a server beats the generic one.
  for (const e of config.inference) {
    const port = localPort(e.url);
    if (port !== null) out.push(def(e.name, e.kind === 'vllm' || e.kind === 'llamacpp' ? e.kind : 'inference', [{ kind: 'port', value: port }]));
  }
  const ollama: Criterion[] = [{ kind: 'exe', value: ['ollama'] }];
  const ollamaPort = localPort(config.ollama.base_url);
  if (ollamaPort !== null) ollama.push({ kind: 'port', value: ollamaPort });
  out.push(def('ollama', 'ollama', ollama));
  out.push(def('vllm', 'vllm', [{ kind: 'cmdline', value: VLLM_RE.source, re: VLLM_RE }]));
  out.push(
    def('llama.cpp', 'llamacpp', [
      { kind: 'exe', value: ['llama-server', 'llama-cpp-server'] },
      { kind: 'cmdline', value: LLAMA_CPP_PY_RE.source, re: LLAMA_CPP_PY_RE },
    ]),
  );
  const taken = new Set(config.services.map((s) => s.name));
  return out.filter((d) => !taken.has(d.name));
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', '[::]', '']);

/** The port of a URL on this machine (its scheme's default when absent), else null. */
export function localPort(url: string): number | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!LOCAL_HOSTS.has(u.hostname)) return null;
  if (u.port) return Number(u.port);
  return u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : null;
}
