import type { Payload } from '../core/collector.js';
import type { Config } from '../core/config/schema.js';
import { arr, num, str } from '../headroom/inputs.js';
import type { IdleSummary, Recommendation, ServiceRow } from '../shared/protocol-services.js';
import { parseDurationS, round } from '../shared/units.js';
import type { ModelIdle } from './models.js';

/**
 * Recommendations as data (pure): each names its culprit and the numbers it rests on, so the
 * dashboard, `headroom doctor` and scripts can all show or act on them. Thresholds are the
 * alert rules' (`alerts.*`), so an alert and its recommendation agree.
 */

/** A burner must keep burning this many consecutive samples before it is called a busy loop. */
export const BUSY_LOOP_SAMPLES = 3;
/** Package power must stay above the idle-power rule this long into an idle stretch. */
export const IDLE_POWER_MIN_S = 60;
/** A browser group this close to the earlyoom line (share of browser_warn_pct) is mentioned. */
export const BROWSER_NEAR = 0.8;
/** Disk swap below this is noise. */
const SWAP_MIN_GB = 0.1;

export interface BurnStreak {
  samples: number;
  seconds: number;
}

export interface RecommendInput {
  config: Config;
  /** The services, plus hot processes in no service (kind `process`) for the busy-loop check. */
  services: readonly ServiceRow[];
  burning: ReadonlyMap<string, BurnStreak>;
  idle: IdleSummary;
  models: readonly ModelIdle[];
  /** The service the LLM server's processes belong to (for the model recommendation). */
  modelService: string | null;
  ram: Payload | undefined;
  packageW: number | null;
}

const SEVERITY_RANK = { CRITICAL: 0, WARN: 1, INFO: 2 } as const;

export function recommend(input: RecommendInput): Recommendation[] {
  const out = [
    ...idleModels(input),
    ...busyLoops(input),
    ...leaks(input),
    ...idlePower(input),
    ...swapWhileFree(input),
    ...browsers(input),
  ];
  return out.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.id.localeCompare(b.id));
}

function idleModels({ config, models, modelService }: RecommendInput): Recommendation[] {
  const limit = parseDurationS(config.idle.model_idle) ?? 900;
  return models
    .filter((m) => m.idle_s >= limit)
    .map((m) => {
      const vram = m.vram_gb ?? 0;
      const keep = m.expires_in_s === null ? 'its keep_alive is forever' : `it unloads in ${fmtDuration(m.expires_in_s)}`;
      return {
        id: `llm_model_idle:${m.name}`,
        kind: 'llm_model_idle' as const,
        severity: vram >= 1 ? ('WARN' as const) : ('INFO' as const),
        service: modelService,
        text:
          `Model ${m.name} has been loaded ${fmtDuration(m.resident_s)} with no generation for ${fmtDuration(m.idle_s)}, ` +
          `holding ${vram.toFixed(1)} GB VRAM (${keep}): unload it (\`ollama stop ${m.name}\`) or lower keep_alive ` +
          '(OLLAMA_KEEP_ALIVE, or "keep_alive" in the request).',
        evidence: {
          model: m.name,
          vram_gb: round(vram, 2),
          idle_min: round(m.idle_s / 60, 1),
          resident_min: round(m.resident_s / 60, 1),
          expires_in_s: m.expires_in_s,
          idle_basis: m.basis,
          rule_idle_min: round(limit / 60, 1),
        },
      };
    });
}

function busyLoops({ config, services, burning, idle }: RecommendInput): Recommendation[] {
  const rule = config.alerts.idle_service_cpu_pct;
  return services.flatMap((s) => {
    const streak = burning.get(s.name);
    const cpu = s.idle_burn_cpu_pct;
    if (!streak || streak.samples < BUSY_LOOP_SAMPLES || cpu === null || cpu <= rule.warn) return [];
    const top = s.top_process;
    const loose = s.kind === 'process';
    const who = loose
      ? `Process ${top?.name ?? s.name} (pid ${top?.pid ?? '?'}, in no service)`
      : `${s.name}${top ? ` (pid ${top.pid} ${top.name}${s.process_count > 1 ? ` at ${top.cpu_pct ?? 0}%` : ''})` : ''}`;
    return [
      {
        id: `busy_loop:${s.name}`,
        kind: 'busy_loop' as const,
        severity: cpu >= rule.critical ? ('CRITICAL' as const) : ('WARN' as const),
        service: loose ? null : s.name,
        text:
          `${who} has used ${cpu}% CPU for ${fmtDuration(streak.seconds)} while the rest of the machine is idle ` +
          `(rest ${idle.rest_cpu_pct ?? '?'}% CPU, no storage I/O): a busy-loop suspect — idle-CPU rule ${rule.warn}%.` +
          (s.power_w !== null ? ` It costs about ${s.power_w} W.` : ''),
        evidence: {
          cpu_pct: cpu,
          for_s: round(streak.seconds, 0),
          samples: streak.samples,
          rest_cpu_pct: idle.rest_cpu_pct,
          read_mbps: s.read_mbps,
          write_mbps: s.write_mbps,
          pid: top?.pid ?? null,
          process: top?.name ?? null,
          power_w: s.power_w,
          rule_warn_pct: rule.warn,
          rule_critical_pct: rule.critical,
        },
      },
    ];
  });
}

function leaks({ config, services }: RecommendInput): Recommendation[] {
  const rule = config.alerts.memory_growth_mb_h;
  const windowS = parseDurationS(config.idle.leak_window) ?? 3600;
  return services.flatMap((s) => {
    const g = s.memory_growth_mb_h;
    if (g === null || g < rule.warn) return [];
    return [
      {
        id: `memory_growth:${s.name}`,
        kind: 'memory_growth' as const,
        severity: g >= rule.critical ? ('CRITICAL' as const) : ('WARN' as const),
        service: s.name,
        text:
          `${s.name}'s memory grows ${Math.round(g)} MB/h (least-squares over ${fmtDuration(windowS)}, r² ${s.memory_growth_r2 ?? '?'}; ` +
          `RSS now ${Math.round(s.rss_mb)} MB), above the leak rule of ${rule.warn} MB/h: look for a leak, or restart it to reclaim the memory.`,
        evidence: {
          memory_growth_mb_h: round(g, 1),
          r2: s.memory_growth_r2,
          window_s: windowS,
          rss_mb: s.rss_mb,
          pid: s.main_pid,
          rule_warn_mb_h: rule.warn,
          rule_critical_mb_h: rule.critical,
        },
      },
    ];
  });
}

function idlePower({ config, idle, packageW }: RecommendInput): Recommendation[] {
  const rule = config.alerts.idle_power_w;
  if (!idle.idle || packageW === null || packageW <= rule.warn || idle.stretch_s < IDLE_POWER_MIN_S) return [];
  const top = idle.consumers.filter((c) => (c.energy_wh ?? 0) > 0 || c.cpu_s > 0).slice(0, 3);
  const named = top.length ? `; while idle today the most went to ${top.map((c) => `${c.name} (${c.energy_wh ?? 0} Wh, ${c.avg_cpu_pct}% CPU)`).join(', ')}` : '';
  return [
    {
      id: 'idle_power:package',
      kind: 'idle_power' as const,
      severity: packageW >= rule.critical ? ('CRITICAL' as const) : ('WARN' as const),
      service: top[0]?.name ?? null,
      text: `The CPU package draws ${round(packageW, 1)} W after ${fmtDuration(idle.stretch_s)} idle, above the idle-power rule of ${rule.warn} W${named}.`,
      evidence: {
        package_w: round(packageW, 2),
        idle_for_s: idle.stretch_s,
        stretch_energy_wh: idle.stretch_energy_wh,
        top_consumer: top[0]?.name ?? null,
        top_consumer_wh: top[0]?.energy_wh ?? null,
        rule_warn_w: rule.warn,
        rule_critical_w: rule.critical,
      },
    },
  ];
}

function swapWhileFree({ config, ram }: RecommendInput): Recommendation[] {
  if (!ram || ram.available === false) return [];
  const used = num(ram, 'swap.disk.used_gb');
  const free = num(ram, 'ram_free_gb');
  const pct = num(ram, 'ram_pct');
  if (used === null || free === null || pct === null) return [];
  if (used < SWAP_MIN_GB || free < 2 * used || pct >= config.thresholds.ram.warn) return [];
  return [
    {
      id: 'disk_swap_ram_free:swap',
      kind: 'disk_swap_ram_free' as const,
      severity: 'INFO' as const,
      service: null,
      text:
        `${used} GB sits in disk swap while ${free} GB of RAM is free (RAM ${pct}%): whatever was swapped out is slow to come back. ` +
        '`sudo swapoff -a && sudo swapon -a` reads it back into RAM; a lower vm.swappiness keeps it there.',
      evidence: { swap_disk_used_gb: used, ram_free_gb: free, ram_pct: pct, rule_ram_warn_pct: config.thresholds.ram.warn },
    },
  ];
}

function browsers({ config, ram }: RecommendInput): Recommendation[] {
  if (!ram || ram.available === false) return [];
  const totalMb = (num(ram, 'ram_total_gb') ?? 0) * 1024;
  if (totalMb <= 0) return [];
  const line = config.earlyoom.browser_warn_pct;
  return arr(ram, 'top_processes').flatMap((g) => {
    if (typeof g.browser !== 'string') return [];
    const rss = num(g, 'rss_mb') ?? 0;
    const pct = (rss / totalMb) * 100;
    if (pct < line * BROWSER_NEAR) return [];
    const label = str(g, 'label') ?? g.browser;
    const tabs = num(g, 'renderer_count');
    return [
      {
        id: `browser_earlyoom:${g.browser}`,
        kind: 'browser_earlyoom' as const,
        severity: pct >= line ? ('WARN' as const) : ('INFO' as const),
        service: null,
        text:
          `${label} holds ${(rss / 1024).toFixed(1)} GB (${round(pct, 1)}% of RAM${tabs ? `, ~${tabs} tabs` : ''}); ` +
          `earlyoom picks it first above ${line}%: close or discard tabs before the next big job.`,
        evidence: { browser: label, rss_mb: round(rss, 0), pct_of_ram: round(pct, 1), tabs, earlyoom_line_pct: line },
      },
    ];
  });
}

export function fmtDuration(s: number): string {
  if (s >= 7200) return `${round(s / 3600, 1)} h`;
  if (s >= 120) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}
