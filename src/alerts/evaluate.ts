import {
  type AlertEvent,
  type AlertRule,
  type AlertState,
  LEVEL_RANK,
  type Level,
  type RuleSample,
  type RuleState,
  STORM_BURST,
} from './types.js';

const fresh = (): RuleState => ({ level: 'ok', warn_since: null, critical_since: null, fired: [], suppressed: 0, value: null });
const fmt = (v: number) => String(Math.round(v * 10) / 10);

/**
 * Edge-triggered alerts with hysteresis (SPEC §5), pure: rules, this tick's samples, the state
 * from the previous tick and the time in; the next state and the events to send out.
 *
 * - A rule fires once when its value crosses warn, once more when it crosses critical, and
 *   nothing while it stays there. It re-arms only when the value goes back past `clear`
 *   (default: the warn level), which also sends an INFO "resolved" event.
 * - `for_s`: a level must hold that long before it fires.
 * - Storms: at most STORM_BURST firings per rule within `rate_limit_s`; the rest are counted
 *   and the next delivered event says how many were held back. An escalation warn → critical
 *   is always sent.
 * - A null value (source missing) keeps the rule's state and sends nothing.
 *
 * @example evaluateAlerts([ramRule], { ram: { value: 91 } }, {}, Date.now()).events[0].severity // 'CRITICAL'
 */
export function evaluateAlerts(
  rules: readonly AlertRule[],
  samples: Readonly<Record<string, RuleSample | undefined>>,
  prevState: Readonly<AlertState>,
  now: number,
  defaultRateLimitS = 300,
): { state: AlertState; events: AlertEvent[] } {
  const state: AlertState = {};
  const events: AlertEvent[] = [];
  for (const rule of rules) {
    const prev = prevState[rule.id] ?? fresh();
    const sample = samples[rule.id];
    if (!sample || sample.value === null || !Number.isFinite(sample.value)) {
      state[rule.id] = prev;
      continue;
    }
    const { next, event } = step(rule, prev, sample, now, defaultRateLimitS);
    state[rule.id] = next;
    if (event) events.push(event);
  }
  return { state, events };
}

function step(rule: AlertRule, prev: RuleState, s: RuleSample, now: number, defaultRateLimitS: number): { next: RuleState; event: AlertEvent | null } {
  const v = s.value as number;
  const beyond = (x: number, level: number) => (rule.direction === 'above' ? x >= level : x <= level);
  const clear = rule.clear ?? rule.warn;
  const atCrit = beyond(v, rule.critical);
  const atWarn = beyond(v, rule.warn);
  // Past the re-arm level back towards normal: strictly below `clear` (above) / above it (below).
  const cleared = rule.direction === 'above' ? v < clear : v > clear;

  const next: RuleState = {
    ...prev,
    value: v,
    warn_since: atWarn ? (prev.warn_since ?? now) : null,
    critical_since: atCrit ? (prev.critical_since ?? now) : null,
    fired: prev.fired.filter((t) => now - t < (rule.rate_limit_s ?? defaultRateLimitS) * 1000),
  };

  if (prev.level !== 'ok' && cleared) {
    next.level = 'ok';
    return { next, event: makeEvent(rule, 'INFO', `${rule.label} back to ${fmt(v)}${rule.unit} (${rule.direction === 'above' ? 'below' : 'above'} ${fmt(clear)}${rule.unit})`, v, s, now, 'ok', 0) };
  }

  const held = (since: number | null) => since !== null && now - since >= (rule.for_s ?? 0) * 1000;
  let target: Level = prev.level;
  if (atCrit && held(next.critical_since)) target = 'critical';
  else if (atWarn && held(next.warn_since) && prev.level === 'ok') target = 'warn';
  if (LEVEL_RANK[target] <= LEVEL_RANK[prev.level]) return { next, event: null };

  next.level = target;
  const escalation = prev.level !== 'ok';
  if (!escalation && next.fired.length >= STORM_BURST) {
    next.suppressed = prev.suppressed + 1;
    return { next, event: null };
  }
  next.fired = [...next.fired, now];
  const suppressed = prev.suppressed;
  next.suppressed = 0;
  const severity = target === 'critical' ? 'CRITICAL' : 'WARN';
  const limit = target === 'critical' ? rule.critical : rule.warn;
  const about = s.subject ? ` ${s.subject}` : '';
  const text = `${rule.label}${about} ${rule.direction === 'above' ? 'above' : 'below'} ${target === 'critical' ? 'critical' : 'warn'}: ${fmt(v)}${rule.unit} (${rule.direction === 'above' ? '≥' : '≤'} ${fmt(limit)}${rule.unit})`;
  return { next, event: makeEvent(rule, severity, text, v, s, now, target, suppressed) };
}

function makeEvent(rule: AlertRule, severity: AlertEvent['severity'], message: string, value: number, s: RuleSample, now: number, level: Level, suppressed: number): AlertEvent {
  return {
    ts: now,
    kind: 'alert',
    source: rule.source,
    severity,
    message: suppressed > 0 ? `${message} — ${suppressed} similar alert(s) held back by the rate limit` : message,
    data: {
      rule: rule.id,
      level,
      value,
      warn: rule.warn,
      critical: rule.critical,
      clear: rule.clear ?? rule.warn,
      direction: rule.direction,
      ...(s.subject ? { subject: s.subject } : {}),
      ...(suppressed > 0 ? { suppressed } : {}),
    },
  };
}
