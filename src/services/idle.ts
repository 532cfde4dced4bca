/**
 * Idle analysis (SPEC §4), pure apart from the tracker's own state.
 *
 * The machine is **idle** when aggregate CPU is below `idle.cpu_pct` and no service is active
 * (a service is active when its CPU is above its idle threshold or it does storage I/O).
 *
 * One refinement, because finding it is the point of the analysis: a service that burns CPU
 * without any I/O while everything else is idle — a busy loop, a stuck poller — does not end
 * idleness. Its CPU is taken out of the aggregate and the machine is **idle_but_burning**: the
 * burners are named, and the time and energy of that state are counted as idle (they are the
 * waste), with their own subtotals (`burn_*`) so the strict figure is `today_s − burn_today_s`.
 */

export type MachineState = 'idle' | 'idle_but_burning' | 'busy' | 'unknown';

/** Storage I/O below this (read + write) does not make a service active: a log line is not work. */
export const IO_ACTIVE_MBPS = 0.05;

export interface ServiceActivity {
  name: string;
  /** % of one CPU; null on first sight. */
  cpu_pct: number | null;
  /** read + write MB/s; null when unknown (not our process to read). */
  io_mbps: number | null;
  idle_cpu_pct: number;
}

export interface ActivityVerdict {
  cpu_active: boolean;
  io_active: boolean;
  active: boolean;
}

export function activityOf(s: ServiceActivity): ActivityVerdict {
  const cpu = s.cpu_pct !== null && s.cpu_pct > s.idle_cpu_pct;
  const io = s.io_mbps !== null && s.io_mbps >= IO_ACTIVE_MBPS;
  return { cpu_active: cpu, io_active: io, active: cpu || io };
}

export interface MachineVerdict {
  state: MachineState;
  /** Services burning CPU while the rest is idle (state idle_but_burning), by name. */
  burners: string[];
  /** Aggregate CPU % without the burners' share (= aggregate when there are none). */
  rest_cpu_pct: number | null;
}

/**
 * @example
 *   // 2 CPUs at 52 %, of which a busy loop takes 99 % of one: the rest is at 2.5 % → idle_but_burning
 *   machineState(52, 2, 5, [{ name: 'spin', cpu_pct: 99, io_mbps: 0, idle_cpu_pct: 5 }]).burners // ['spin']
 */
export function machineState(
  aggregatePct: number | null,
  cores: number | null,
  idleCpuPct: number,
  services: readonly ServiceActivity[],
): MachineVerdict {
  if (aggregatePct === null) return { state: 'unknown', burners: [], rest_cpu_pct: null };
  const verdicts = services.map((s) => ({ s, v: activityOf(s) }));
  const active = verdicts.filter((x) => x.v.active);
  if (active.length === 0) {
    return { state: aggregatePct < idleCpuPct ? 'idle' : 'busy', burners: [], rest_cpu_pct: aggregatePct };
  }
  // Every active service is CPU-only: is the rest of the machine idle without them?
  if (cores !== null && cores > 0 && active.every((x) => x.v.cpu_active && !x.v.io_active)) {
    const burn = active.reduce((sum, x) => sum + (x.s.cpu_pct ?? 0) / cores, 0);
    const rest = Math.max(0, aggregatePct - burn);
    if (rest < idleCpuPct) return { state: 'idle_but_burning', burners: active.map((x) => x.s.name), rest_cpu_pct: rest };
    return { state: 'busy', burners: [], rest_cpu_pct: rest };
  }
  return { state: 'busy', burners: [], rest_cpu_pct: aggregatePct };
}

export const isIdleState = (s: MachineState): boolean => s === 'idle' || s === 'idle_but_burning';
