import type { Config } from '../core/config/schema.js';
import { ErrorCodes, HeadroomError } from '../shared/errors.js';
import type { DrillInfo, DrillRequest } from '../shared/protocol-headroom.js';

/** The ad-hoc fields a request (or `headroom check`) may set; each overrides the profile's. */
const AD_HOC = ['ram_delta_pct', 'cpu_spike_pct', 'gpu_vram_delta_pct', 'ram_delta_gb', 'gpu_vram_delta_gb', 'gpu'] as const;

/**
 * The cost of the next job: `drill_cost` defaults, then the named profile from `drills:`, then
 * the ad-hoc fields of the request, each layer overriding the one before field by field. An
 * absolute `*_gb` delta wins over the percentage of the same layer (it is converted against the
 * machine's total when the projection runs). An unknown name throws a 400 naming the known ones.
 *
 * @example resolveDrill(config, { drill: 'llm-14b' }) // → { name: 'llm-14b', ram_delta_gb: 4, … }
 */
export function resolveDrill(config: Config, query: DrillRequest = {}): DrillInfo {
  const d = config.drill_cost;
  const out: DrillInfo = {
    name: null,
    ram_delta_pct: d.ram_delta_pct,
    cpu_spike_pct: d.cpu_spike_pct,
    gpu_vram_delta_pct: d.gpu_vram_delta_pct,
    ram_delta_gb: null,
    gpu_vram_delta_gb: null,
    gpu: null,
    model: null,
  };
  if (query.drill !== undefined && query.drill !== '') {
    const profile = config.drills[query.drill];
    if (!profile) {
      const known = Object.keys(config.drills).sort();
      throw new HeadroomError(
        ErrorCodes.BAD_REQUEST,
        `unknown drill "${query.drill}"; ${known.length ? `known drills: ${known.join(', ')}` : 'no drills are configured (add them under `drills:` in the config)'}`,
        { file: 'drill' },
      );
    }
    out.name = query.drill;
    layer(out, profile);
  }
  const adHoc: Partial<Record<(typeof AD_HOC)[number], number>> = {};
  for (const k of AD_HOC) if (query[k] !== undefined) adHoc[k] = query[k];
  layer(out, adHoc);
  return out;
}

type Layer = Partial<Omit<DrillInfo, 'name'>>;

function layer(out: DrillInfo, l: Layer): void {
  // A percentage set in a later layer replaces an absolute figure from an earlier one, and back.
  if (l.ram_delta_pct !== undefined) {
    out.ram_delta_pct = l.ram_delta_pct;
    out.ram_delta_gb = null;
  }
  if (l.ram_delta_gb !== undefined && l.ram_delta_gb !== null) out.ram_delta_gb = l.ram_delta_gb;
  if (l.gpu_vram_delta_pct !== undefined) {
    out.gpu_vram_delta_pct = l.gpu_vram_delta_pct;
    out.gpu_vram_delta_gb = null;
  }
  if (l.gpu_vram_delta_gb !== undefined && l.gpu_vram_delta_gb !== null) out.gpu_vram_delta_gb = l.gpu_vram_delta_gb;
  if (l.cpu_spike_pct !== undefined) out.cpu_spike_pct = l.cpu_spike_pct;
  if (l.gpu !== undefined && l.gpu !== null) out.gpu = l.gpu;
  if (l.model !== undefined && l.model !== null) out.model = l.model;
}

/** True when a request asks for anything but the plain default projection. */
export function isDrillQuery(q: DrillRequest): boolean {
  return (q.drill !== undefined && q.drill !== '') || AD_HOC.some((k) => q[k] !== undefined);
}
