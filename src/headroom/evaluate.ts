import type { Config } from '../core/config/schema.js';
import { type Cause, type DrillInfo, type HeadroomPayload, type Projection, STATE_RANK } from '../shared/protocol-headroom.js';
import { collectCauses, EASE_IN_RULES, HOLD_RULES } from './causes.js';
import { resolveDrill } from './drills.js';
import { arr, HEADROOM_INPUTS, num, type Payloads, pickGpu, str, unusable } from './inputs.js';

const NOMINAL = 'All systems nominal';
const r1 = (v: number) => Math.round(v * 10) / 10;

type Resource = 'ram' | 'cpu' | 'gpu_vram';
const LABEL: Record<Resource, string> = { ram: 'RAM', cpu: 'CPU', gpu_vram: 'VRAM' };

/**
 * SPEC §3 in one pure function: the latest payloads and the config in, the signal out.
 *
 * 1. hard HOLD causes, 2. EASE_IN floors, 3. the projection `critical − (current + delta)` per
 * resource (negative → HOLD, or EASE_IN with `drill_cost.projected_breach: EASE_IN`; below
 * `headroom_ease_in_pct` → EASE_IN), 4. GO. `reason` is the first cause, `overrides` the rest.
 * A collector that is not running or unavailable contributes no cause and is listed in
 * `missing_inputs` with its reason.
 *
 * @example evaluateHeadroom({ ram_monitor, cpu_monitor }, config).state // 'GO'
 */
export function evaluateHeadroom(payloads: Payloads, config: Config, drill: DrillInfo = resolveDrill(config)): HeadroomPayload {
  const usable: Record<string, Payloads[string]> = {};
  const missing: Record<string, string> = {};
  for (const name of HEADROOM_INPUTS) {
    const why = unusable(name, payloads[name]);
    if (why === null) usable[name] = payloads[name];
    else missing[name] = why;
  }

  const hold = collectCauses(HOLD_RULES, usable, config);
  const ease = collectCauses(EASE_IN_RULES, usable, config);
  const breakdown = project(usable, config, drill);
  const critical = new Set(hold.map((c) => c.code));
  const dc = config.drill_cost;
  for (const key of ['ram', 'cpu', 'gpu_vram'] as const) {
    const b = breakdown[key];
    // Already at critical: that HOLD says it; a projected breach on top would only repeat it.
    if (!b || critical.has(`${key}_critical`)) continue;
    const delta = `${r1(b.current)}% + ${r1(b.delta)}% → ${r1(b.projected)}%`;
    if (b.headroom < 0) {
      const text = `${LABEL[key]} would breach: ${delta}, critical ${b.threshold}%${drill.name ? ` (drill ${drill.name})` : ''}`;
      const cause: Cause = { code: `${key}_projected_breach`, text, level: dc.projected_breach, source: 'headroom', value: b.projected, threshold: b.threshold };
      (dc.projected_breach === 'HOLD' ? hold : ease).push(cause);
    } else if (b.headroom < dc.headroom_ease_in_pct) {
      const text = `${LABEL[key]} headroom ${r1(b.headroom)}% after the next job (${delta}, critical ${b.threshold}%)`;
      ease.push({ code: `${key}_headroom_low`, text, level: 'EASE_IN', source: 'headroom', value: b.headroom, threshold: dc.headroom_ease_in_pct });
    }
  }

  const causes = [...hold, ...ease];
  const first = causes[0];
  const state = hold.length > 0 ? 'HOLD' : ease.length > 0 ? 'EASE_IN' : 'GO';
  return {
    available: true,
    state,
    state_level: STATE_RANK[state],
    reason: first?.text ?? NOMINAL,
    reason_code: first?.code ?? 'all_nominal',
    overrides: causes.slice(1).map((c) => c.text),
    causes,
    cause_count: causes.length,
    headroom: {
      ram: breakdown.ram?.headroom ?? null,
      cpu: breakdown.cpu?.headroom ?? null,
      gpu_vram: breakdown.gpu_vram?.headroom ?? null,
    },
    breakdown,
    drill,
    missing_inputs: Object.keys(missing),
    missing_reasons: missing,
    ease_in_pct: dc.headroom_ease_in_pct,
    projected_breach: dc.projected_breach,
    available_drills: Object.keys(config.drills).sort(),
  };
}

function projection(current: number, delta: number, warn: number, threshold: number, note?: string): Projection {
  const projected = r1(current + delta);
  return {
    current: r1(current),
    delta: r1(delta),
    projected,
    warn,
    threshold,
    headroom: r1(threshold - projected),
    ...(note ? { note } : {}),
  };
}

/** The absolute `*_gb` delta as % of the total when both are known, else the percentage. */
function deltaPct(gb: number | null, totalGb: number | null, pct: number): number {
  return gb !== null && totalGb !== null && totalGb > 0 ? (gb / totalGb) * 100 : pct;
}

function project(p: Payloads, c: Config, drill: DrillInfo): HeadroomPayload['breakdown'] {
  const t = c.thresholds;
  const ramPct = num(p.ram_monitor, 'ram_pct');
  const cpuPct = num(p.cpu_monitor, 'aggregate_pct');
  const ram =
    ramPct === null
      ? null
      : projection(ramPct, deltaPct(drill.ram_delta_gb, num(p.ram_monitor, 'ram_total_gb'), drill.ram_delta_pct), t.ram.warn, t.ram.critical);
  const cpu = cpuPct === null ? null : projection(cpuPct, drill.cpu_spike_pct, t.cpu.warn, t.cpu.critical);

  const gpu = pickGpu(p.gpu_monitor, drill.gpu);
  let vram: Projection | null = null;
  if (gpu) {
    const resident = drill.model ? residentModel(p, drill.model) : null;
    const delta = resident ? 0 : deltaPct(drill.gpu_vram_delta_gb, gpu.vram_total_gb, drill.gpu_vram_delta_pct);
    const note = resident
      ? `${drill.model} is already resident (${r1(resident)} GB): no new VRAM`
      : `GPU ${gpu.index}${gpu.name ? ` ${gpu.name}` : ''}`;
    vram = projection(gpu.vram_pct, delta, t.gpu_vram.warn, t.gpu_vram.critical, note);
  }
  return { ram, cpu, gpu_vram: vram };
}

/** VRAM (GB) held by the named model when Ollama reports it loaded, else null. */
function residentModel(p: Payloads, model: string): number | null {
  for (const m of arr(p.ollama_monitor, 'loaded_models'))
    if (str(m, 'name') === model || str(m, 'name') === `${model}:latest`) return num(m, 'size_vram_gb') ?? 0;
  return null;
}
