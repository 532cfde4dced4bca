import Type, { type Static } from 'typebox';

/**
 * The headroom signal (SPEC §3) as `/api`, `/api/headroom`, `/ws` and `headroom check --json`
 * carry it. Every cause has a stable machine `code` next to its human `text`; scripts match
 * codes, people read texts.
 */

export const HeadroomState = Type.Union([Type.Literal('GO'), Type.Literal('EASE_IN'), Type.Literal('HOLD')]);
export type HeadroomState = Static<typeof HeadroomState>;

export const Cause = Type.Object({
  code: Type.String({ description: 'stable machine code, e.g. disk_swap_active' }),
  text: Type.String({ description: 'what a person reads' }),
  level: Type.Union([Type.Literal('HOLD'), Type.Literal('EASE_IN')]),
  source: Type.String({ description: 'the collector whose figure raised it' }),
  value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  threshold: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
});
export type Cause = Static<typeof Cause>;

export const Projection = Type.Object({
  current: Type.Number({ description: '% in use now' }),
  delta: Type.Number({ description: '% the next job is expected to add' }),
  projected: Type.Number({ description: 'current + delta' }),
  warn: Type.Number(),
  threshold: Type.Number({ description: 'the critical level the projection is measured against' }),
  headroom: Type.Number({ description: 'threshold − projected; negative = the next job would breach' }),
  note: Type.Optional(Type.String()),
});
export type Projection = Static<typeof Projection>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const DrillInfo = Type.Object({
  name: Nullable(Type.String()),
  ram_delta_pct: Type.Number(),
  cpu_spike_pct: Type.Number(),
  gpu_vram_delta_pct: Type.Number(),
  ram_delta_gb: Nullable(Type.Number()),
  gpu_vram_delta_gb: Nullable(Type.Number()),
  gpu: Nullable(Type.Integer({ description: 'GPU index the drill targets; null = the most loaded GPU' })),
  model: Nullable(Type.String({ description: 'LLM the job loads; no VRAM cost when already resident' })),
});
export type DrillInfo = Static<typeof DrillInfo>;

export const HeadroomPayload = Type.Object(
  {
    available: Type.Literal(true),
    state: HeadroomState,
    state_level: Type.Integer({ description: '0 GO, 1 EASE_IN, 2 HOLD (for charts and alert rules)' }),
    reason: Type.String({ description: 'the first cause, or "All systems nominal"' }),
    reason_code: Type.String(),
    overrides: Type.Array(Type.String(), { description: 'texts of every other active cause' }),
    causes: Type.Array(Cause, { description: 'every active cause, HOLD ones first' }),
    cause_count: Type.Integer(),
    headroom: Type.Object({
      ram: Nullable(Type.Number()),
      cpu: Nullable(Type.Number()),
      gpu_vram: Nullable(Type.Number()),
    }),
    breakdown: Type.Object({
      ram: Nullable(Projection),
      cpu: Nullable(Projection),
      gpu_vram: Nullable(Projection),
    }),
    drill: DrillInfo,
    missing_inputs: Type.Array(Type.String(), { description: 'collectors whose causes were skipped' }),
    missing_reasons: Type.Record(Type.String(), Type.String()),
    ease_in_pct: Type.Number({ description: 'drill_cost.headroom_ease_in_pct in force' }),
    projected_breach: Type.Union([Type.Literal('HOLD'), Type.Literal('EASE_IN')]),
    available_drills: Type.Array(Type.String()),
  },
  { $id: 'Headroom' },
);
export type HeadroomPayload = Static<typeof HeadroomPayload>;

/** A drill asked for by a request or `headroom check`: numbers already parsed. */
export interface DrillRequest {
  drill?: string;
  ram_delta_pct?: number;
  cpu_spike_pct?: number;
  gpu_vram_delta_pct?: number;
  ram_delta_gb?: number;
  gpu_vram_delta_gb?: number;
  gpu?: number;
}

// The server does not coerce query strings (a typo must not become 0), so numbers arrive as text.
const NumText = (what: string) =>
  Type.Optional(Type.String({ pattern: '^\\d{1,7}(\\.\\d{1,4})?$', description: `${what}, a non-negative number` }));

export const HeadroomQuery = Type.Object(
  {
    drill: Type.Optional(Type.String({ maxLength: 128, description: 'a profile name from `drills:` in the config' })),
    ram_delta_pct: NumText('RAM the job adds, % of total'),
    cpu_spike_pct: NumText('CPU the job adds, %'),
    gpu_vram_delta_pct: NumText('VRAM the job adds, % of the GPU'),
    ram_delta_gb: NumText('RAM the job adds, GB'),
    gpu_vram_delta_gb: NumText('VRAM the job adds, GB'),
    gpu: Type.Optional(Type.String({ pattern: '^\\d{1,4}$', description: 'GPU index the job runs on' })),
  },
  { additionalProperties: false },
);
export type HeadroomQuery = Static<typeof HeadroomQuery>;

/** The wire query → a DrillRequest (numbers). */
export function drillRequestOf(q: HeadroomQuery): DrillRequest {
  const out: DrillRequest = {};
  if (q.drill !== undefined) out.drill = q.drill;
  for (const k of ['ram_delta_pct', 'cpu_spike_pct', 'gpu_vram_delta_pct', 'ram_delta_gb', 'gpu_vram_delta_gb', 'gpu'] as const)
    if (q[k] !== undefined) out[k] = Number(q[k]);
  return out;
}

/** Order of goodness, for `wait --until`: a state is "at least" another when its rank is <=. */
export const STATE_RANK: Record<HeadroomState, number> = { GO: 0, EASE_IN: 1, HOLD: 2 };
