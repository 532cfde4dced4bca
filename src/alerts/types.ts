/**
 * Alert rules, their per-rule state and the events they produce (SPEC §4 defaults, §5 semantics).
 * Plain data, so the evaluation is a pure function and its state can be inspected in tests and
 * in `/api/status`.
 */

export type Severity = 'INFO' | 'WARN' | 'CRITICAL';
export const SEVERITY_RANK: Record<Severity, number> = { INFO: 0, WARN: 1, CRITICAL: 2 };

export interface AlertRule {
  /** Stable id, e.g. `ram`, `disk`, `power_monitor.package_w`; config overrides name it. */
  id: string;
  /** The collector whose payload feeds it (evaluated when that collector reports). */
  source: string;
  /** What a person calls it: "RAM", "Idle package power". */
  label: string;
  unit: string;
  direction: 'above' | 'below';
  warn: number;
  critical: number;
  /** Re-arm level: the alert fires again only after the value went past this back towards normal. Default `warn`. */
  clear?: number;
  /** Seconds a level must hold before it fires (0 = at once). */
  for_s?: number;
  /** Window of the storm limit; default `alerts.rate_limit_s`. */
  rate_limit_s?: number;
}

/** One reading per rule: the value (null = no data, state kept) and what it is about. */
export interface RuleSample {
  value: number | null;
  /** e.g. the mount point or GPU index the value belongs to. */
  subject?: string;
}

export type Level = 'ok' | 'warn' | 'critical';
export const LEVEL_RANK: Record<Level, number> = { ok: 0, warn: 1, critical: 2 };

export interface RuleState {
  level: Level;
  /** When the value first reached warn / critical without having fired yet (for `for_s`). */
  warn_since: number | null;
  critical_since: number | null;
  /** Firing times within the storm window. */
  fired: number[];
  /** Firings held back by the storm limit since the last one delivered. */
  suppressed: number;
  value: number | null;
}

export type AlertState = Record<string, RuleState>;

export interface AlertEvent {
  /** Epoch ms. */
  ts: number;
  kind: 'alert' | 'state' | 'notify';
  source: string;
  severity: Severity;
  /** The one-line title. */
  message: string;
  data: Record<string, unknown>;
}

/** At most this many firings of one rule per `rate_limit_s` window; more are counted, not sent. */
export const STORM_BURST = 3;
