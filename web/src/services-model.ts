/**
 * Services, idle analysis and recommendations as the dashboard shows them: sorting the service
 * rows, the cell texts, the idle summary lines. Pure (reads service_monitor's payload, shapes in
 * src/shared/protocol-services.ts); tested in test/web/services-model.test.ts.
 */
import type { IdleSummary, Recommendation, ServiceRow } from '../../src/shared/protocol-services.js';
import { DASH, fmtDuration, fmtMb, fmtMbps, fmtMinutes, fmtNum, fmtPct, fmtW } from './format.js';
import { type Payload, objs } from './read.js';

export type ServiceSortKey = 'cpu' | 'rss' | 'name';

const VALUE: Record<ServiceSortKey, (s: ServiceRow) => number | string | null> = {
  cpu: (s) => s.cpu_pct,
  rss: (s) => s.rss_mb,
  name: (s) => s.name.toLowerCase(),
};

/** Sort service rows; unknown values (null CPU on first sight) go last whichever the order. */
export function sortServices(rows: readonly ServiceRow[], key: ServiceSortKey, desc: boolean): ServiceRow[] {
  const v = VALUE[key];
  return [...rows].sort((a, b) => {
    const x = v(a);
    const y = v(b);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) {
      const lt = typeof x === 'number' && typeof y === 'number' ? x < y : String(x).localeCompare(String(y)) < 0;
      return (lt ? -1 : 1) * (desc ? -1 : 1);
    }
    return a.name.localeCompare(b.name);
  });
}

/** The rows of a service_monitor payload (objects with a name only). */
export function servicesOf(d: Payload | null): ServiceRow[] {
  return objs(d, 'services').filter((s) => typeof s.name === 'string') as unknown as ServiceRow[];
}

export function recommendationsOf(d: Payload | null): Recommendation[] {
  return objs(d, 'recommendations').filter((r) => typeof r.text === 'string') as unknown as Recommendation[];
}

export function idleOf(d: Payload | null): IdleSummary | null {
  const i = d?.idle;
  return i !== null && typeof i === 'object' && !Array.isArray(i) ? (i as IdleSummary) : null;
}

/** Energy: 0.42 Wh, 12.5 Wh, 1.24 kWh. */
export function fmtWh(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DASH;
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(2)} kWh`;
  return `${fmtNum(v)} Wh`;
}

/** Memory growth: "+12 MB/h", "−3.5 MB/h", "0 MB/h"; without a slope, a dash (reason on hover). */
export function fmtGrowth(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  const s = a >= 10 ? a.toFixed(0) : a.toFixed(1);
  if (Number(s) === 0) return '0 MB/h';
  return `${v < 0 ? '−' : '+'}${s} MB/h`;
}

export type Tone = 'ok' | 'muted' | 'green' | 'amber' | 'red';

export function statusTone(status: string): Tone {
  return status === 'running' ? 'green' : status === 'partial' ? 'amber' : 'muted';
}

/** "active", or how long it has been idle ("idle 3 min"; "never active" when not seen active). */
export function activityText(s: Pick<ServiceRow, 'active' | 'idle_for_s' | 'last_active'>): string {
  if (s.active) return 'active';
  if (s.idle_for_s === null) return DASH;
  return s.last_active === null ? `not active · ${fmtDuration(s.idle_for_s)}` : `idle ${fmtDuration(s.idle_for_s)}`;
}

/** The table's cells, in column order. */
export function serviceCells(s: ServiceRow): string[] {
  return [
    s.name,
    s.status,
    fmtPct(s.cpu_pct),
    fmtMb(s.rss_mb),
    s.vram_mb === 0 ? '0 MB' : fmtMb(s.vram_mb),
    fmtW(s.power_w),
    activityText(s),
    fmtGrowth(s.memory_growth_mb_h),
    s.ports.length ? s.ports.join(', ') : DASH,
  ];
}

export const SERVICE_COLUMNS: { label: string; num?: boolean; sort?: ServiceSortKey; title?: string }[] = [
  { label: 'service', sort: 'name' },
  { label: 'status', title: 'running, partial (a match key found nothing) or stopped; the reason on hover' },
  { label: 'CPU', num: true, sort: 'cpu', title: '% of one CPU' },
  { label: 'RSS', num: true, sort: 'rss' },
  { label: 'VRAM', num: true },
  { label: 'power', num: true, title: 'estimated share: CPU share × CPU watts + GPU share × GPU watts' },
  { label: 'last active', title: 'active now, or idle for how long' },
  { label: 'growth', num: true, title: 'memory growth: least-squares slope of RSS' },
  { label: 'ports' },
];

const STATE_TEXT: Record<string, string> = {
  idle: 'idle',
  idle_but_burning: 'idle but burning',
  busy: 'busy',
  unknown: 'unknown',
};

export function idleStateText(i: IdleSummary | null): string {
  if (!i) return DASH;
  const base = STATE_TEXT[i.state] ?? i.state;
  return i.state === 'idle_but_burning' && i.burners.length ? `${base} (${i.burners.join(', ')})` : base;
}

export function idleStateTone(i: IdleSummary | null): Tone {
  if (!i) return 'muted';
  return i.state === 'idle_but_burning' ? 'amber' : i.state === 'idle' ? 'green' : i.state === 'busy' ? 'ok' : 'muted';
}

/** The current idle stretch: "12 min · 3.4 Wh", or "not idle" (with the last stretch, if any). */
export function stretchText(i: IdleSummary | null): string {
  if (!i) return DASH;
  if (i.idle) return `${fmtDuration(i.stretch_s)}${i.stretch_energy_wh !== null ? ` · ${fmtWh(i.stretch_energy_wh)}` : ''}`;
  if (i.last_stretch) return `not idle · last ${fmtDuration(i.last_stretch.duration_s)}`;
  return 'not idle';
}

/** Energy while idle today and where the watts come from. */
export function idleEnergyText(i: IdleSummary | null): { text: string; title: string | null } {
  if (!i) return { text: DASH, title: null };
  if (i.energy_today_wh === null) return { text: DASH, title: i.power_reason ?? 'no power reading' };
  const covered = i.today_s > 0 && i.energy_covered_s < i.today_s ? ` (${fmtPct((100 * i.energy_covered_s) / i.today_s)} covered)` : '';
  return { text: `${fmtWh(i.energy_today_wh)}${covered}`, title: i.power_source_label ?? i.power_source };
}

export function powerSourceText(i: IdleSummary | null): string {
  if (!i) return DASH;
  if (i.power_w === null) return i.power_reason ? `none: ${i.power_reason}` : 'none';
  return `${fmtW(i.power_w)} · ${i.power_source ?? '?'}`;
}

/** One evidence figure by its name's unit suffix: idle_for_s → "idle for 1 h 30 min". */
function evidenceItem(k: string, v: number | string | boolean): string {
  if (typeof v !== 'number') return `${k.replace(/_/g, ' ')} ${String(v)}`;
  const units: [string, (x: number) => string][] = [
    ['_mb_h', fmtGrowth],
    ['_wh', fmtWh],
    ['_w', fmtW],
    ['_mb', fmtMb],
    ['_gb', (x) => fmtMb(x * 1000)],
    ['_pct', (x) => fmtPct(x)],
    ['_mbps', fmtMbps],
    ['_min', (x) => fmtMinutes(x)],
    ['_s', fmtDuration],
  ];
  for (const [suffix, f] of units) if (k.endsWith(suffix)) return `${k.slice(0, -suffix.length).replace(/_/g, ' ')} ${f(v)}`;
  return `${k.replace(/_/g, ' ')} ${Number.isInteger(v) ? String(v) : fmtNum(v)}`;
}

/** Evidence as "name value" pairs with units, nulls left out. */
export function evidenceText(e: Recommendation['evidence']): string {
  return Object.entries(e)
    .filter((x): x is [string, number | string | boolean] => x[1] !== null)
    .map(([k, v]) => evidenceItem(k, v))
    .join(' · ');
}

/** Consumers while idle: "ollama 3.2 Wh · 12% CPU" (burners marked). */
export function consumerText(c: IdleSummary['consumers'][number]): string {
  const e = c.energy_wh !== null ? `${fmtWh(c.energy_wh)} · ` : '';
  return `${e}${fmtPct(c.avg_cpu_pct)} CPU avg${c.burning ? ' · burning' : ''}`;
}
