import type { ServiceRow } from '../../src/shared/protocol-services.js';

/** A service row as service_monitor builds it, quiet and running, with `patch` applied. */
export function serviceRow(name: string, patch: Partial<ServiceRow> = {}): ServiceRow {
  return {
    name,
    origin: 'config',
    kind: 'configured',
    status: 'running',
    status_reason: null,
    matched_by: [],
    pids: [100],
    process_count: 1,
    main_pid: 100,
    top_process: { pid: 100, name, cpu_pct: 0, rss_mb: 10 },
    cpu_pct: 0,
    rss_mb: 10,
    threads: 1,
    fds: 5,
    read_mbps: 0,
    write_mbps: 0,
    ports: [],
    vram_mb: null,
    power_w: null,
    power: { cpu_share_pct: null, cpu_w: null, gpu_w: null, source: null },
    active: false,
    idle_cpu_threshold_pct: 5,
    last_active: null,
    idle_for_s: 0,
    idle_burn_cpu_pct: 0,
    memory_growth_mb_h: null,
    memory_growth_r2: null,
    memory_growth_reason: null,
    idle_energy_today_wh: null,
    unit: null,
    container_id: null,
    ...patch,
  };
}
