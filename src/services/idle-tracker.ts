import { round } from '../shared/units.js';
import { isIdleState, type MachineState } from './idle.js';

/**
 * Time and energy while idle (SPEC §4): the current idle stretch, idle time today, energy used
 * while idle — watts integrated over time with the trapezoid rule — and which services consumed
 * it. Fed one tick at a time by service_monitor; the only state is this object's.
 *
 * - An interval counts when the machine was idle at both of its ends. Intervals longer than
 *   MAX_GAP_MS (a suspended laptop, a stalled process) are not integrated: nobody knows what
 *   happened in them.
 * - Energy needs watts at both ends from the same source; when the source changes (RAPL
 *   disappears, the laptop goes on battery) the interval is counted with the newer reading.
 *   `energy_covered_s` says how much of the idle time had a reading at all.
 * - "Today" is the local calendar day of the wall clock; the counters restart at midnight.
 */
export const MAX_GAP_MS = 60_000;
const TOP_CONSUMERS = 10;

export type PowerSourceName = 'rapl' | 'battery' | 'ups';

export interface PowerReading {
  watts: number | null;
  source: PowerSourceName | null;
  /** What the watts are, for people: "RAPL package", "battery discharge", "UPS load". */
  label: string | null;
  /** Why there is no reading. */
  reason: string | null;
}

export interface IdleTick {
  mono: number;
  wall: number;
  state: MachineState;
  burners: readonly string[];
  power: PowerReading;
  services: ReadonlyArray<{ name: string; power_w: number | null; cpu_pct: number | null }>;
}

export interface IdleConsumer {
  name: string;
  /** Energy attributed to the service while the machine was idle today (its power share). */
  energy_wh: number | null;
  /** CPU seconds it used while the machine was idle today. */
  cpu_s: number;
  /** Its average CPU (% of one CPU) over today's idle time. */
  avg_cpu_pct: number;
  /** Among the burners right now. */
  burning: boolean;
}

export interface IdleSummary {
  state: MachineState;
  idle: boolean;
  burners: string[];
  /** Start of the current idle stretch (ISO), null when not idle. */
  since: string | null;
  stretch_s: number;
  stretch_energy_wh: number | null;
  today_s: number;
  energy_today_wh: number | null;
  energy_covered_s: number;
  burn_today_s: number;
  burn_energy_today_wh: number | null;
  power_w: number | null;
  power_source: PowerSourceName | null;
  power_source_label: string | null;
  power_reason: string | null;
  last_stretch: { since: string; until: string; duration_s: number; energy_wh: number | null } | null;
  /** The local day "today" refers to (YYYY-MM-DD). */
  day: string;
  /** When tracking began: idle time before it is not known. */
  tracked_since: string;
  consumers: IdleConsumer[];
}

interface Prev {
  mono: number;
  state: MachineState;
  watts: number | null;
  source: PowerSourceName | null;
  services: Map<string, { power_w: number | null; cpu_pct: number | null }>;
}

interface Stretch {
  since: number;
  s: number;
  wh: number;
  covered: boolean;
}

export class IdleTracker {
  private prev: Prev | null = null;
  private day = '';
  private today = { s: 0, wh: 0, covered: 0, burn_s: 0, burn_wh: 0 };
  private perService = new Map<string, { wh: number; covered: boolean; cpu_s: number }>();
  private stretch: Stretch | null = null;
  private lastStretch: IdleSummary['last_stretch'] = null;
  private trackedSince: number | null = null;

  step(t: IdleTick): IdleSummary {
    this.trackedSince ??= t.wall;
    const day = localDay(t.wall);
    if (day !== this.day) {
      this.day = day;
      this.today = { s: 0, wh: 0, covered: 0, burn_s: 0, burn_wh: 0 };
      this.perService.clear();
    }
    const idle = isIdleState(t.state);
    const p = this.prev;
    if (p && isIdleState(p.state) && idle) this.integrate(p, t);
    if (idle && !(p && isIdleState(p.state))) this.stretch = { since: t.wall, s: 0, wh: 0, covered: false };
    if (!idle && this.stretch) {
      const s = this.stretch;
      this.lastStretch = { since: iso(s.since), until: iso(t.wall), duration_s: round(s.s, 1)!, energy_wh: s.covered ? round(s.wh, 4) : null };
      this.stretch = null;
    }
    this.prev = {
      mono: t.mono,
      state: t.state,
      watts: t.power.watts,
      source: t.power.source,
      services: new Map(t.services.map((s) => [s.name, { power_w: s.power_w, cpu_pct: s.cpu_pct }])),
    };
    return this.summary(t, idle);
  }

  private integrate(p: Prev, t: IdleTick): void {
    const dtMs = t.mono - p.mono;
    if (!(dtMs > 0) || dtMs > MAX_GAP_MS) return;
    const dt = dtMs / 1000;
    const burn = t.state === 'idle_but_burning';
    this.today.s += dt;
    if (burn) this.today.burn_s += dt;
    this.stretch!.s += dt;
    const wh = energyWh(p.watts, p.source, t.power.watts, t.power.source, dt);
    if (wh !== null) {
      this.today.wh += wh;
      this.today.covered += dt;
      if (burn) this.today.burn_wh += wh;
      this.stretch!.wh += wh;
      this.stretch!.covered = true;
    }
    for (const s of t.services) {
      const before = p.services.get(s.name);
      if (!before) continue;
      const acc = this.perService.get(s.name) ?? { wh: 0, covered: false, cpu_s: 0 };
      this.perService.set(s.name, acc);
      const e = energyWh(before.power_w, 'rapl', s.power_w, 'rapl', dt);
      if (e !== null) {
        acc.wh += e;
        acc.covered = true;
      }
      if (before.cpu_pct !== null && s.cpu_pct !== null) acc.cpu_s += ((before.cpu_pct + s.cpu_pct) / 200) * dt;
    }
  }

  /** Energy a service used while the machine was idle today; null without power readings. */
  serviceEnergyWh(name: string): number | null {
    const a = this.perService.get(name);
    return a?.covered ? round(a.wh, 4) : null;
  }

  private summary(t: IdleTick, idle: boolean): IdleSummary {
    const covered = this.today.covered > 0;
    const burners = new Set(t.burners);
    const consumers = [...this.perService.entries()]
      .filter(([, a]) => a.cpu_s > 0 || a.wh > 0)
      .map(([name, a]) => ({
        name,
        energy_wh: a.covered ? round(a.wh, 4) : null,
        cpu_s: round(a.cpu_s, 1)!,
        avg_cpu_pct: this.today.s > 0 ? round((a.cpu_s / this.today.s) * 100, 1)! : 0,
        burning: burners.has(name),
      }))
      .sort((a, b) => (b.energy_wh ?? 0) - (a.energy_wh ?? 0) || b.cpu_s - a.cpu_s || a.name.localeCompare(b.name))
      .slice(0, TOP_CONSUMERS);
    const s = this.stretch;
    return {
      state: t.state,
      idle,
      burners: [...t.burners],
      since: s ? iso(s.since) : null,
      stretch_s: s ? round(s.s, 1)! : 0,
      stretch_energy_wh: s?.covered ? round(s.wh, 4) : null,
      today_s: round(this.today.s, 1)!,
      energy_today_wh: covered ? round(this.today.wh, 4) : null,
      energy_covered_s: round(this.today.covered, 1)!,
      burn_today_s: round(this.today.burn_s, 1)!,
      burn_energy_today_wh: covered ? round(this.today.burn_wh, 4) : null,
      power_w: t.power.watts === null ? null : round(t.power.watts, 2),
      power_source: t.power.source,
      power_source_label: t.power.label,
      power_reason: t.power.reason,
      last_stretch: this.lastStretch,
      day: this.day,
      tracked_since: iso(this.trackedSince!),
      consumers,
    };
  }
}

/** Trapezoid over one interval when both ends come from one source; the newer reading alone otherwise. */
export function energyWh(
  w0: number | null,
  src0: PowerSourceName | null,
  w1: number | null,
  src1: PowerSourceName | null,
  dtS: number,
): number | null {
  if (w1 === null) return null;
  if (w0 === null || src0 !== src1) return (w1 * dtS) / 3600;
  return (((w0 + w1) / 2) * dtS) / 3600;
}

export function localDay(wallMs: number): string {
  const d = new Date(wallMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
