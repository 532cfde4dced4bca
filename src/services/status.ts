import { type Criterion, describeCriterion, type ServiceDef } from './definitions.js';
import type { MatchFacts, Ownership } from './ownership.js';

/**
 * A service's status and the reason a person reads (pure):
 * running = it has processes and every match key found some; partial = it has processes but a
 * key found none (the port is not listening yet, the pidfile is stale); stopped = no process.
 */
export interface StatusInfo {
  status: 'running' | 'partial' | 'stopped';
  status_reason: string | null;
  matched_by: string[];
}

export function serviceStatus(
  def: ServiceDef,
  index: number,
  own: Ownership,
  facts: MatchFacts,
  listeningPorts: ReadonlySet<number>,
): StatusInfo {
  const counts = own.found.get(index) ?? [];
  const matchedBy = def.criteria.filter((_, i) => (counts[i] ?? 0) > 0).map(describeCriterion);
  const missing = def.criteria.filter((_, i) => (counts[i] ?? 0) === 0);
  const owned = own.owned.get(index)?.length ?? 0;
  const reasons = [...def.problems];
  if (owned === 0) {
    const lost = [...(own.lostTo.get(index) ?? [])].map((i) => own.defs[i]!.name);
    if (lost.length) reasons.push(`its processes belong to ${lost.join(', ')} (listed earlier or more specific)`);
    else reasons.push(...missing.map((c) => notFound(c, facts, listeningPorts)));
    return { status: 'stopped', status_reason: reasons.join('; ') || 'no process matches', matched_by: matchedBy };
  }
  // Auto-detected services list alternative ways to be found; one is enough.
  if (def.origin === 'config') reasons.push(...missing.map((c) => notFound(c, facts, listeningPorts)));
  return {
    status: def.origin === 'config' && missing.length > 0 ? 'partial' : 'running',
    status_reason: reasons.length ? reasons.join('; ') : null,
    matched_by: matchedBy,
  };
}

function notFound(c: Criterion, facts: MatchFacts, listening: ReadonlySet<number>): string {
  switch (c.kind) {
    case 'port':
      return listening.has(c.value)
        ? `port ${c.value} is listening but its process is not visible to headroom (another user's without root, or another PID namespace)`
        : `nothing listens on TCP port ${c.value}`;
    case 'pidfile': {
      const f = facts.pidfiles.get(c.value);
      return f?.reason ?? `pid ${f?.pid} from ${c.value} is not running`;
    }
    default:
      return `${describeCriterion(c)} found no process`;
  }
}
