import type { GpuVendor } from '../parsers/sys-drm.js';

/**
 * One GPU as gpu_monitor reports it, whatever the source (NVML, amdgpu or Intel sysfs): the
 * same fields for every vendor, null where the source has no figure, with the reason in
 * `reasons` under the field's name. `vram_pct` is what the headroom engine reads.
 */
export interface GpuProcessEntry {
  pid: number;
  name: string | null;
  user: string | null;
  service: string | null;
  /** MiB of GPU memory the process holds; null when the driver will not say. */
  vram_mb: number | null;
  type: 'compute' | 'graphics' | 'compute+graphics';
  gpu_instance_id: number | null;
  compute_instance_id: number | null;
  reason: string | null;
}

export interface GpuEntry {
  /** Position in `gpus[]` (NVML devices first, in NVML order, then sysfs cards by number). */
  index: number;
  /** False when the device could not be read at all (see `error`). */
  available: boolean;
  error: string | null;
  vendor: GpuVendor;
  /** nvml, amdgpu, i915, xe. */
  source: string;
  /** DRM card (card1) for sysfs GPUs, null for NVML. */
  card: string | null;
  name: string | null;
  uuid: string | null;
  pci_bus_id: string | null;
  /** vendor:device, `10de:2684`. */
  pci_id: string | null;
  util_pct: number | null;
  mem_util_pct: number | null;
  /** Memory a new job cannot have (total − free), GiB. */
  vram_used_gb: number | null;
  vram_total_gb: number | null;
  vram_free_gb: number | null;
  /** Part of vram_used_gb the driver keeps for itself (NVML ≥ R510 only). */
  vram_reserved_gb: number | null;
  vram_pct: number | null;
  /** amdgpu GTT: system RAM mapped for the GPU. */
  gtt_used_gb: number | null;
  gtt_total_gb: number | null;
  temp_c: number | null;
  temp_junction_c: number | null;
  temp_mem_c: number | null;
  power_w: number | null;
  power_limit_w: number | null;
  fan_pct: number | null;
  fan_rpm: number | null;
  clocks: { sm_mhz: number | null; mem_mhz: number | null };
  /** Runtime-suspended: left asleep, not read. */
  asleep: boolean;
  processes: GpuProcessEntry[];
  processes_reason: string | null;
  reasons: Record<string, string>;
}

export function blankGpu(index: number, vendor: GpuVendor, source: string): GpuEntry {
  return {
    index,
    available: true,
    error: null,
    vendor,
    source,
    card: null,
    name: null,
    uuid: null,
    pci_bus_id: null,
    pci_id: null,
    util_pct: null,
    mem_util_pct: null,
    vram_used_gb: null,
    vram_total_gb: null,
    vram_free_gb: null,
    vram_reserved_gb: null,
    vram_pct: null,
    gtt_used_gb: null,
    gtt_total_gb: null,
    temp_c: null,
    temp_junction_c: null,
    temp_mem_c: null,
    power_w: null,
    power_limit_w: null,
    fan_pct: null,
    fan_rpm: null,
    clocks: { sm_mhz: null, mem_mhz: null },
    asleep: false,
    processes: [],
    processes_reason: null,
    reasons: {},
  };
}

/** Fields that are null and have no reason yet get `why`. */
export function explainNulls(gpu: GpuEntry, fields: string[], why: string): void {
  const g = gpu as unknown as Record<string, unknown>;
  for (const f of fields) {
    const [a, b] = f.split('.');
    const v = b === undefined ? g[a!] : (g[a!] as Record<string, unknown>)[b];
    if (v === null && gpu.reasons[f] === undefined) gpu.reasons[f] = why;
  }
}
