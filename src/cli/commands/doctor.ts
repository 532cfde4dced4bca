import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../core/engine.js';
import { killIfStatfsStuck } from '../../host/statfs.js';
import { errorMessage } from '../../shared/errors.js';
import type { IdleResponse, IdleSummary, Recommendation } from '../../shared/protocol-services.js';
import { parseDurationS } from '../../shared/units.js';
import { type RootFlags, rootsFromFlags } from '../roots.js';

/**
 * `headroom doctor`: the recommendations (SPEC §4) in a terminal.
 *   exit 0  nothing at WARN or above
 *   exit 1  at least one WARN or CRITICAL recommendation
 *   exit 3  could not tell (server unreachable, service_monitor off, bad flags)
 * Against a running server (`--url`, default http://127.0.0.1:7700: it has watched the machine
 * for a while, so leaks, idle models and idle power show), or `--local`: collect in-process for
 * `--duration` (default 5 s) — enough for busy loops, browsers and swap; memory growth needs
 * half of `idle.leak_window` and an idle model `idle.model_idle`, which only a server sees.
 */
export const DOCTOR_EXIT = { OK: 0, FOUND: 1, UNKNOWN: 3 } as const;

export interface DoctorFlags extends RootFlags {
  url?: string;
  token?: string;
  local?: boolean;
  json?: boolean;
  config?: string;
  duration?: string;
  minSeverity?: string;
}

interface Io {
  out(s: string): void;
  err(s: string): void;
}

class Unknown extends Error {}

const RANK: Record<string, number> = { INFO: 0, WARN: 1, CRITICAL: 2 };

async function fromServer(flags: DoctorFlags): Promise<IdleResponse> {
  const base = (flags.url ?? process.env.HEADROOM_URL ?? 'http://127.0.0.1:7700').replace(/\/+$/, '');
  const token = flags.token ?? process.env.HEADROOM_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${base}/api/idle`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new Unknown(`cannot reach headroom at ${base}: ${errorMessage((err as { cause?: unknown }).cause ?? err)} (is \`headroom serve\` running? --url, or --local)`);
  }
  const text = await res.text();
  if (!res.ok) throw new Unknown(`headroom answered ${res.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as IdleResponse;
  } catch {
    throw new Unknown(`${base}/api/idle did not answer JSON; is that a headroom server?`);
  }
}

async function fromLocal(flags: DoctorFlags, durationS: number): Promise<IdleResponse> {
  const engine = await Engine.create({ flag: flags.config, roots: rootsFromFlags(flags), historyTuning: {} }).catch((err) => {
    throw new Unknown(errorMessage(err));
  });
  engine.config.history.enabled = false;
  try {
    // One pass a second: rates need two, a busy loop needs three in a row to be called one.
    const passes = Math.max(2, Math.round(durationS) + 1);
    for (let i = 0; i < passes; i++) {
      if (i > 0) await sleep(1000);
      await engine.scheduler.runOnce();
    }
    const entry = engine.cache.get('service_monitor');
    const data = entry?.data;
    if (!entry || data?.available !== true) throw new Unknown(`service_monitor gave nothing: ${String(data?.reason ?? data?.error ?? 'not enabled')}`);
    return { available: true, ts: new Date(entry.ts).toISOString(), idle: data.idle as IdleSummary, recommendations: data.recommendations as Recommendation[] };
  } finally {
    await engine.stop();
    await killIfStatfsStuck(() => {});
  }
}

function idleLine(i: IdleSummary | null): string {
  if (!i) return 'idle: unknown';
  const state =
    i.state === 'idle'
      ? `idle for ${fmtS(i.stretch_s)}`
      : i.state === 'idle_but_burning'
        ? `idle but for ${i.burners.join(', ')} (busy-loop suspects), ${fmtS(i.stretch_s)}`
        : i.state;
  const energy = i.energy_today_wh === null ? (i.power_reason ?? 'no power reading') : `${i.energy_today_wh} Wh while idle (${i.power_source_label})`;
  return `machine: ${state} · today ${fmtS(i.today_s)} idle, ${energy}`;
}

function describe(r: Recommendation): string[] {
  const evidence = Object.entries(r.evidence)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [`${r.severity.padEnd(8)} ${r.kind}${r.service ? ` [${r.service}]` : ''}: ${r.text}`, `         evidence: ${evidence}`];
}

export async function runDoctor(flags: DoctorFlags, io: Io): Promise<number> {
  try {
    const min = (flags.minSeverity ?? 'INFO').toUpperCase();
    if (!(min in RANK)) throw new Unknown(`--min-severity must be INFO, WARN or CRITICAL, got "${flags.minSeverity}"`);
    const durationS = flags.duration === undefined ? 5 : parseDurationS(flags.duration);
    if (durationS === null || durationS > 600) throw new Unknown('--duration takes a duration up to 10m, such as 5s or 1m');
    const res = flags.local ? await fromLocal(flags, durationS) : await fromServer(flags);
    if (!res.available) throw new Unknown(`no recommendations: ${res.reason ?? 'service_monitor unavailable'}`);
    const recs = res.recommendations.filter((r) => RANK[r.severity]! >= RANK[min]!);
    if (flags.json) io.out(JSON.stringify({ ...res, recommendations: recs }, null, 2));
    else {
      io.out(idleLine(res.idle));
      if (recs.length === 0) io.out('No recommendations: nothing wasteful found.');
      for (const r of recs) for (const line of describe(r)) io.out(line);
    }
    return recs.some((r) => RANK[r.severity]! >= RANK.WARN!) ? DOCTOR_EXIT.FOUND : DOCTOR_EXIT.OK;
  } catch (err) {
    io.err(`headroom doctor: ${errorMessage(err)}`);
    return DOCTOR_EXIT.UNKNOWN;
  }
}

function fmtS(s: number): string {
  if (s >= 3600) return `${Math.round((s / 3600) * 10) / 10} h`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}
