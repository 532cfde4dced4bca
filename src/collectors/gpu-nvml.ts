import { blankGpu, type GpuEntry } from '../gpu/gpu-entry.js';
import type { NvmlDeviceReading } from '../gpu/nvml-device.js';
import { BYTES_PER_MB, bytesToGb, clampPct, round } from '../shared/units.js';

/** NVML's reading of one device → the vendor-neutral GpuEntry (units: GiB, MiB, W, °C, MHz). */
export function gpuFromNvml(r: NvmlDeviceReading): GpuEntry {
  const g = blankGpu(r.index, 'nvidia', 'nvml');
  if (r.error) {
    g.available = false;
    g.error = r.error;
    g.processes_reason = r.error;
    return g;
  }
  g.name = r.name;
  g.uuid = r.uuid;
  g.pci_bus_id = r.pci_bus_id;
  g.pci_id = r.pci_id;
  g.util_pct = r.util_gpu_pct;
  g.mem_util_pct = r.util_mem_pct;
  const gb = (b: number | null) => (b === null ? null : round(bytesToGb(b), 2));
  g.vram_total_gb = gb(r.mem_total_bytes);
  g.vram_used_gb = gb(r.mem_used_bytes);
  g.vram_free_gb = gb(r.mem_free_bytes);
  g.vram_reserved_gb = gb(r.mem_reserved_bytes);
  g.vram_pct = r.mem_total_bytes && r.mem_used_bytes !== null ? round(clampPct((r.mem_used_bytes / r.mem_total_bytes) * 100), 1) : null;
  g.temp_c = r.temp_c;
  g.power_w = round(r.power_w, 1);
  g.power_limit_w = round(r.power_limit_w, 1);
  g.fan_pct = r.fan_pct;
  g.clocks = { sm_mhz: r.sm_mhz, mem_mhz: r.mem_mhz };
  g.processes = (r.processes ?? []).map((p) => ({
    pid: p.pid,
    name: null,
    user: null,
    service: null,
    vram_mb: p.used_bytes === null ? null : round(p.used_bytes / BYTES_PER_MB, 1),
    type: p.type,
    gpu_instance_id: p.gpu_instance_id,
    compute_instance_id: p.compute_instance_id,
    reason: p.used_bytes === null ? 'NVML does not report this process’s memory (NVML_VALUE_NOT_AVAILABLE)' : null,
  }));
  g.processes_reason = r.reasons.processes ?? null;
  g.reasons = { ...r.reasons };
  delete g.reasons.processes;
  return g;
}
