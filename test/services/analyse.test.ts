import { describe, expect, it } from 'vitest';
import type { Payload } from '../../src/core/collector.js';
import { type AnalysisState, analyse } from '../../src/services/analyse.js';
import type { PowerReading } from '../../src/services/idle-tracker.js';
import type { ServiceRow } from '../../src/shared/protocol-services.js';
import { defaultConfig } from '../helpers/config.js';
import { serviceRow } from './rows.js';

const NO_POWER: PowerReading = { watts: null, source: null, label: null, reason: 'none' };

function analyser(latest: Record<string, Payload>, config = defaultConfig()) {
  const ctx = { config, latest: (n: string) => latest[n], state: {} as AnalysisState };
  let t = 0;
  return (services: ServiceRow[], loose: ServiceRow[] = []) => {
    t += 2000;
    return analyse(ctx, structuredClone(services), structuredClone(loose), { now: t, wall: Date.UTC(2026, 0, 1) + t, reading: NO_POWER });
  };
}

describe('analyse: activity, idle verdict, burners, growth over the rows of one tick', () => {
  it("headroom's own CPU neither makes the machine busy nor counts as an active service", () => {
    // 2 CPUs at 4 %: 3.5 % of that is headroom itself (7 % of one CPU).
    const run = analyser({ cpu_monitor: { available: true, core_count: 2, aggregate_pct: 4 } });
    const a = run([serviceRow('headroom', { kind: 'headroom', origin: 'auto', cpu_pct: 7 }), serviceRow('web', { cpu_pct: 0.4 })]);
    expect(a.idle).toMatchObject({ state: 'idle', idle: true, rest_cpu_pct: 0.5 });
    expect(a.services[0]!.active).toBe(true); // it is shown as active all the same
  });

  it('a hot process in no service can be the burner; the recommendation names it with no service', () => {
    const run = analyser({ cpu_monitor: { available: true, core_count: 4, aggregate_pct: 26 } });
    const spin = serviceRow('python3[4321]', { kind: 'process', origin: 'auto', cpu_pct: 100, top_process: { pid: 4321, name: 'python3', cpu_pct: 100, rss_mb: 9 } });
    let a = run([serviceRow('web', { cpu_pct: 0.5 })], [spin]);
    for (let i = 0; i < 2; i++) a = run([serviceRow('web', { cpu_pct: 0.5 })], [spin]);
    expect(a.idle).toMatchObject({ state: 'idle_but_burning', burners: ['python3[4321]'] });
    const rec = a.recommendations.find((r) => r.kind === 'busy_loop')!;
    expect(rec).toMatchObject({ id: 'busy_loop:python3[4321]', service: null, evidence: { pid: 4321, cpu_pct: 100, samples: 3, for_s: 4 } });
    expect(rec.text).toMatch(/^Process python3 \(pid 4321, in no service\) has used 100% CPU for 4 s/);
    expect(a.services.map((s) => s.name)).toEqual(['web']); // not listed as a service
  });

  it('idle_for counts from first sight until the service is active; last_active is when it was', () => {
    const run = analyser({ cpu_monitor: { available: true, core_count: 2, aggregate_pct: 1 } });
    run([serviceRow('db', { cpu_pct: 0 })]);
    let a = run([serviceRow('db', { cpu_pct: 0 })]);
    expect(a.services[0]).toMatchObject({ active: false, last_active: null, idle_for_s: 2 });
    a = run([serviceRow('db', { cpu_pct: 0, write_mbps: 2 })]); // storage I/O: active
    expect(a.services[0]).toMatchObject({ active: true, idle_for_s: 0, last_active: new Date(Date.UTC(2026, 0, 1) + 6000).toISOString() });
    expect(a.idle.state).toBe('busy');
    a = run([serviceRow('db', { cpu_pct: 0 })]);
    expect(a.services[0]!.idle_for_s).toBe(2);
  });

  it('stopped services have no growth and no idle figures; by_service lists the running ones', () => {
    const run = analyser({});
    const a = run([serviceRow('gone', { status: 'stopped', pids: [], process_count: 0, cpu_pct: null }), serviceRow('up')]);
    expect(a.services[0]).toMatchObject({ memory_growth_reason: 'not running', idle_for_s: null, active: false });
    expect(Object.keys(a.by_service)).toEqual(['up']);
    expect(a.idle.state).toBe('unknown'); // no cpu_monitor
    expect(a.services[1]!.idle_burn_cpu_pct).toBeNull();
  });
});
