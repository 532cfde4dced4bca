/**
 * What the 40 px strip shows, computed from the state (pure; tested in test/web/strip.test.ts):
 * the state badge, the compact figures with their conditional annotations (SPEC §7), the
 * document title and the favicon colour.
 */
import { fmtMbps, fmtPct, fmtW } from './format.js';
import { arr, bool, num, objs, type Payload, str, unavailableReason } from './read.js';
import { ageS, isRunning, isStale, payloadOf, type State } from './state.js';

export type Tone = 'ok' | 'muted' | 'green' | 'amber' | 'red';
export type BadgeState = 'GO' | 'EASE_IN' | 'HOLD' | 'STALE' | 'NONE';

export interface Annotation {
  text: string;
  tone: Tone;
  title: string;
}

export interface Figure {
  key: string;
  label: string;
  value: string;
  tone: Tone;
  title: string;
  hidden: boolean;
  stale: boolean;
  annotations: Annotation[];
}

export interface Badge {
  state: BadgeState;
  text: string;
  reason: string;
  /** favicon file suffix */
  icon: 'GO' | 'EASE_IN' | 'HOLD' | 'unknown';
}

const STATES = new Set(['GO', 'EASE_IN', 'HOLD']);

export function badgeOf(state: State): Badge {
  const hp = payloadOf(state, 'headroom');
  if (!hp) {
    const running = isRunning(state, 'headroom');
    const reason = state.link === 'offline' && state.lastContact === null
      ? 'the headroom server is not answering'
      : running || state.plugins === null
        ? 'waiting for the headroom signal…'
        : 'no headroom signal: the headroom collector is not running on this server';
    return { state: 'NONE', text: 'N/A', reason, icon: 'unknown' };
  }
  const why = unavailableReason(hp);
  const s = str(hp, 'state');
  if (why !== null || s === null || !STATES.has(s))
    return { state: 'NONE', text: 'N/A', reason: `no headroom signal: ${why ?? 'the payload has no state'}`, icon: 'unknown' };
  const reason = str(hp, 'reason') ?? '';
  if (isStale(state, 'headroom')) {
    const age = Math.round(ageS(state, 'headroom') ?? 0);
    const link = state.link === 'offline' ? ' — the server is not answering' : '';
    return { state: 'STALE', text: 'STALE', reason: `last known ${s} ${age} s ago (${reason})${link}`, icon: 'unknown' };
  }
  return { state: s as BadgeState, text: s, reason, icon: s as Badge['icon'] };
}

/** The document title: the state first, so a pinned or narrow tab still shows it. */
export function titleOf(state: State, badge: Badge): string {
  const host = state.system?.hostname && state.system.hostname !== 'unknown' ? ` · ${state.system.hostname}` : '';
  return `${badge.text}${host} — headroom`;
}

/** Warn / critical levels for a resource: the headroom breakdown's when given, else the config defaults. */
function levels(state: State, key: 'ram' | 'cpu' | 'gpu_vram'): { warn: number; crit: number } {
  const defaults = { ram: [70, 85], cpu: [80, 95], gpu_vram: [75, 90] }[key];
  const hp = payloadOf(state, 'headroom');
  return {
    warn: num(hp, `breakdown.${key}.warn`) ?? defaults[0]!,
    crit: num(hp, `breakdown.${key}.threshold`) ?? defaults[1]!,
  };
}

function toneFor(v: number | null, l: { warn: number; crit: number }): Tone {
  if (v === null) return 'muted';
  return v >= l.crit ? 'red' : v >= l.warn ? 'amber' : 'ok';
}

function base(state: State, key: string, label: string, plugin: string): Figure & { p: Payload | null } {
  const p = payloadOf(state, plugin);
  const why = p ? unavailableReason(p) : isRunning(state, plugin) ? 'waiting for data' : `${plugin} is not running`;
  return {
    key,
    label,
    value: '—',
    tone: 'muted',
    title: why ? `${label}: not available (${why})` : '',
    hidden: false,
    stale: p !== null && isStale(state, plugin),
    annotations: [],
    p: why ? null : p,
  };
}

function ramFigure(state: State): Figure {
  const f = base(state, 'ram', 'RAM', 'ram_monitor');
  if (!f.p) return f;
  const pct = num(f.p, 'ram_pct');
  f.value = fmtPct(pct);
  f.tone = toneFor(pct, levels(state, 'ram'));
  f.title = `RAM ${num(f.p, 'ram_used_gb') ?? '—'} of ${num(f.p, 'ram_total_gb') ?? '—'} GB used (total − MemAvailable)`;
  const diskV = num(f.p, 'swap.disk.velocity_mbps');
  const diskUsed = num(f.p, 'swap.disk.used_gb');
  if (diskV !== null && diskV > 0 && (diskUsed ?? 0) > 0)
    f.annotations.push({ text: `SWAP ▲ ${fmtMbps(diskV)}`, tone: 'red', title: 'disk swap is active: the machine is paging to disk' });
  const zramV = num(f.p, 'swap.zram.velocity_mbps');
  if (zramV !== null && zramV >= 1)
    f.annotations.push({ text: 'zram ▲', tone: 'amber', title: `zram swap growing at ${fmtMbps(zramV)} (compressed RAM pressure)` });
  if (bool(f.p, 'earlyoom_browser_warn') === true) {
    const browsers = objs(f.p, 'top_processes').filter((g) => str(g, 'browser') !== null);
    const tabs = browsers.reduce((n, g) => n + (num(g, 'renderer_count') ?? 0), 0);
    const names = browsers.map((g) => str(g, 'label') ?? str(g, 'name')).filter(Boolean).join(', ');
    f.annotations.push({
      text: tabs > 0 ? `TABS ⚠ ${tabs}` : 'TABS ⚠',
      tone: 'amber',
      title: `browser memory is above the earlyoom warning share${names ? ` (${names})` : ''}: close tabs before the next job`,
    });
  }
  return f;
}

function pctFigure(state: State, key: string, label: string, plugin: string, path: string, lv?: 'cpu' | 'gpu_vram'): Figure {
  const f = base(state, key, label, plugin);
  if (!f.p) return f;
  const v = num(f.p, path);
  f.value = fmtPct(v);
  f.tone = lv ? toneFor(v, levels(state, lv)) : v === null ? 'muted' : 'ok';
  f.title = `${label} ${fmtPct(v)}`;
  return f;
}

function powerFigure(state: State): Figure {
  const f = base(state, 'pwr', 'PWR', 'power_monitor');
  if (!f.p) return f;
  const pkg = num(f.p, 'package_w');
  const batt = num(f.p, 'battery_power_w');
  const w = pkg ?? batt;
  f.value = fmtW(w);
  f.tone = w === null ? 'muted' : 'ok';
  f.title = pkg !== null ? 'CPU package power (RAPL)' : batt !== null ? 'battery discharge power' : 'no power reading';
  const therm = str(f.p, 'thermal_pressure');
  if (therm === 'serious' || therm === 'critical')
    f.annotations.push({ text: `THERM ${therm === 'critical' ? '✖' : '⚠'}`, tone: therm === 'critical' ? 'red' : 'amber', title: `thermal pressure ${therm}` });
  return f;
}

function upsFigure(state: State): Figure {
  const f = base(state, 'ups', 'UPS', 'ups_monitor');
  const laptopOnBattery = bool(payloadOf(state, 'power_monitor'), 'on_battery') === true;
  const upsOnBattery = f.p !== null && bool(f.p, 'on_battery') === true;
  if (upsOnBattery || laptopOnBattery) {
    const charge = upsOnBattery ? num(f.p, 'battery_charge_pct') : num(payloadOf(state, 'power_monitor'), 'battery_pct');
    return {
      ...f,
      label: '⚡',
      value: 'ON BATTERY',
      tone: 'red',
      title: `${upsOnBattery ? 'UPS' : 'laptop'} on battery${charge !== null ? `, ${fmtPct(charge)} charge` : ''}`,
      stale: upsOnBattery ? f.stale : isStale(state, 'power_monitor'),
    };
  }
  if (!f.p) return f;
  if (bool(f.p, 'ups_available') === false) {
    f.title = `UPS: not available (${str(f.p, 'reason') ?? 'no UPS daemon answering'})`;
    return f;
  }
  const w = num(f.p, 'ups_realpower_w');
  const load = num(f.p, 'ups_load_pct');
  f.value = w !== null ? fmtW(w) : fmtPct(load);
  f.tone = bool(f.p, 'low_battery') ? 'red' : 'ok';
  f.title = `UPS load ${fmtPct(load)}, ${str(f.p, 'ups_status') ?? ''}`;
  if (bool(f.p, 'power_climbing')) f.annotations.push({ text: '▲', tone: 'amber', title: 'UPS load rising three readings in a row' });
  return f;
}

function llmFigure(state: State): Figure {
  const f = base(state, 'llm', 'LLM', 'ollama_monitor');
  const models = f.p ? objs(f.p, 'loaded_models') : [];
  const endpoints = objs(payloadOf(state, 'inference_monitor'), 'endpoints').filter((e) => e.available !== false);
  if (models.length === 0 && endpoints.length === 0) return { ...f, hidden: true };
  const names = models.map((m) => str(m, 'name') ?? '?');
  f.value = models.length === 1 ? names[0]! : models.length > 1 ? `${models.length} models` : `${endpoints.length} server${endpoints.length > 1 ? 's' : ''}`;
  f.tone = 'ok';
  f.title = names.length ? `loaded: ${names.join(', ')}` : 'inference servers answering';
  f.stale = f.p ? isStale(state, 'ollama_monitor') : isStale(state, 'inference_monitor');
  const tok = tokensPerS(state);
  if (tok !== null) f.annotations.push({ text: `${Math.round(tok)} tok/s`, tone: 'amber', title: 'generating now' });
  return f;
}

/** Completion tokens per second while something is generating; null when idle or unknown. */
export function tokensPerS(state: State): number | null {
  let total: number | null = null;
  for (const plugin of ['ollama_tokens', 'inference_monitor']) {
    const p = payloadOf(state, plugin);
    if (!p || p.available === false || isStale(state, plugin)) continue;
    const gen = bool(p, 'generating') === true || arr(p, 'endpoints').some((e) => bool(e, 'generating') === true);
    const v = num(p, 'completion_tokens_per_s');
    if (gen && v !== null) total = (total ?? 0) + v;
  }
  return total;
}

export function figuresOf(state: State): Figure[] {
  return [
    ramFigure(state),
    pctFigure(state, 'cpu', 'CPU', 'cpu_monitor', 'aggregate_pct', 'cpu'),
    pctFigure(state, 'gpu', 'GPU', 'gpu_monitor', 'util_pct'),
    pctFigure(state, 'vram', 'VRAM', 'gpu_monitor', 'vram_pct', 'gpu_vram'),
    powerFigure(state),
    upsFigure(state),
    llmFigure(state),
  ].map(({ p: _p, ...f }: Figure & { p?: Payload | null }) => f);
}
