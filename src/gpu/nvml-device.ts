import {
  MEMORY_V1,
  MEMORY_V2,
  NAME_BUFFER_SIZE,
  NO_INSTANCE_U32,
  NVML_CLOCK_MEM,
  NVML_CLOCK_SM,
  NVML_ERROR_INSUFFICIENT_SIZE,
  NVML_SUCCESS,
  NVML_TEMPERATURE_GPU,
  PCI_INFO,
  PROCESS_INFO_V2,
  UTILIZATION,
  UUID_BUFFER_SIZE,
  VALUE_NOT_AVAILABLE_U64,
} from './nvml-abi.js';
import { type Bound, cString, type NvmlApi, nvmlErrorText, type ProcessListFn } from './nvml-lib.js';

/**
 * One NVIDIA GPU read through NVML, field by field. Each call that fails — most often
 * NVML_ERROR_NOT_SUPPORTED (GeForce cards without fan control, laptops without power readings,
 * MIG instances without utilisation) or NVML_ERROR_NO_PERMISSION — leaves its fields null and
 * records why in `reasons`; the other fields are still read. A handle that cannot be had at all
 * (NVML_ERROR_GPU_IS_LOST: the GPU fell off the bus) gives an entry with only `error` set.
 */
export interface NvmlProcess {
  pid: number;
  /** Bytes; null when NVML reports NVML_VALUE_NOT_AVAILABLE (no permission, WDDM). */
  used_bytes: number | null;
  type: 'compute' | 'graphics' | 'compute+graphics';
  /** MIG GPU / compute instance, null without MIG. */
  gpu_instance_id: number | null;
  compute_instance_id: number | null;
}

export interface NvmlDeviceReading {
  index: number;
  error: string | null;
  name: string | null;
  uuid: string | null;
  pci_bus_id: string | null;
  /** `10de:2684`. */
  pci_id: string | null;
  util_gpu_pct: number | null;
  util_mem_pct: number | null;
  mem_total_bytes: number | null;
  mem_free_bytes: number | null;
  /** total − free: everything a new job cannot have, the driver's reserve included. */
  mem_used_bytes: number | null;
  mem_reserved_bytes: number | null;
  temp_c: number | null;
  power_w: number | null;
  power_limit_w: number | null;
  fan_pct: number | null;
  sm_mhz: number | null;
  mem_mhz: number | null;
  processes: NvmlProcess[] | null;
  /** Field → why it is null (the NVML error of the call that should have filled it). */
  reasons: Record<string, string>;
}

/** Above this, a u64 byte count is not a believable amount of GPU memory (it is garbage). */
const MAX_BELIEVABLE_BYTES = 2 ** 53;

function u64(buf: Buffer, offset: number): number | null {
  const v = buf.readBigUInt64LE(offset);
  if (v === VALUE_NOT_AVAILABLE_U64 || v > BigInt(MAX_BELIEVABLE_BYTES)) return null;
  return Number(v);
}

function emptyReading(index: number): NvmlDeviceReading {
  return {
    index,
    error: null,
    name: null,
    uuid: null,
    pci_bus_id: null,
    pci_id: null,
    util_gpu_pct: null,
    util_mem_pct: null,
    mem_total_bytes: null,
    mem_free_bytes: null,
    mem_used_bytes: null,
    mem_reserved_bytes: null,
    temp_c: null,
    power_w: null,
    power_limit_w: null,
    fan_pct: null,
    sm_mhz: null,
    mem_mhz: null,
    processes: null,
    reasons: {},
  };
}

export function readNvmlDevice(api: NvmlApi, index: number): NvmlDeviceReading {
  const r = emptyReading(index);
  const handleBuf = Buffer.alloc(8);
  const hrc = api.handleByIndex.call(index, handleBuf) as number;
  if (hrc !== NVML_SUCCESS) {
    r.error = `${api.handleByIndex.name}(${index}) failed: ${nvmlErrorText(api, hrc)}`;
    return r;
  }
  const handle = handleBuf.readBigUInt64LE(0);

  /** Call fn(handle, ...args, out); on failure mark `fields` null with the reason. */
  const call = (fn: Bound | null, fields: string[], size: number, ...args: unknown[]): Buffer | null => {
    if (!fn) {
      for (const f of fields) r.reasons[f] = 'not in this NVML version';
      return null;
    }
    const out = Buffer.alloc(size);
    const rc = fn.call(handle, ...args, out) as number;
    if (rc === NVML_SUCCESS) return out;
    const why = `${fn.name}: ${nvmlErrorText(api, rc)}`;
    for (const f of fields) r.reasons[f] = why;
    return null;
  };
  const text = (fn: Bound | null, field: 'name' | 'uuid', size: number): string | null => {
    if (!fn) {
      r.reasons[field] = 'not in this NVML version';
      return null;
    }
    const buf = Buffer.alloc(size);
    const rc = fn.call(handle, buf, size) as number;
    if (rc !== NVML_SUCCESS) {
      r.reasons[field] = `${fn.name}: ${nvmlErrorText(api, rc)}`;
      return null;
    }
    return cString(buf) || null;
  };

  r.name = text(api.name, 'name', NAME_BUFFER_SIZE);
  r.uuid = text(api.uuid, 'uuid', UUID_BUFFER_SIZE);

  const pci = call(api.pciInfo, ['pci_bus_id'], PCI_INFO.size);
  if (pci) {
    // NVML writes an 8-digit domain (00000000:01:00.0); sysfs and lspci use 4 (0000:01:00.0).
    const bus = cString(pci, PCI_INFO.busId, PCI_INFO.busIdSize).toLowerCase();
    r.pci_bus_id = bus.replace(/^0000([0-9a-f]{4}:)/, '$1') || null;
    const id = pci.readUInt32LE(PCI_INFO.pciDeviceId);
    r.pci_id = `${(id & 0xffff).toString(16).padStart(4, '0')}:${(id >>> 16).toString(16).padStart(4, '0')}`;
  }

  const util = call(api.utilization, ['util_pct', 'mem_util_pct'], UTILIZATION.size);
  if (util) {
    r.util_gpu_pct = util.readUInt32LE(UTILIZATION.gpu);
    r.util_mem_pct = util.readUInt32LE(UTILIZATION.memory);
  }

  readMemory(api, handle, r);

  const temp = call(api.temperature, ['temp_c'], 4, NVML_TEMPERATURE_GPU);
  if (temp) r.temp_c = temp.readUInt32LE(0);
  const power = call(api.powerUsage, ['power_w'], 4);
  if (power) r.power_w = power.readUInt32LE(0) / 1000;
  const limit = call(api.powerLimit, ['power_limit_w'], 4);
  if (limit) r.power_limit_w = limit.readUInt32LE(0) / 1000;
  const fan = call(api.fanSpeed, ['fan_pct'], 4);
  if (fan) r.fan_pct = fan.readUInt32LE(0);
  const sm = call(api.clock, ['clocks.sm_mhz'], 4, NVML_CLOCK_SM);
  if (sm) r.sm_mhz = sm.readUInt32LE(0);
  const mem = call(api.clock, ['clocks.mem_mhz'], 4, NVML_CLOCK_MEM);
  if (mem) r.mem_mhz = mem.readUInt32LE(0);

  readProcesses(api, handle, r);
  return r;
}

/** nvmlMemory_v2_t where the driver has it (it splits out the reserve), else nvmlMemory_t. */
function readMemory(api: NvmlApi, handle: bigint, r: NvmlDeviceReading): void {
  const fields = ['vram_used_gb', 'vram_total_gb', 'vram_pct'];
  let why = 'not in this NVML version';
  if (api.memoryV2) {
    const buf = Buffer.alloc(MEMORY_V2.size);
    buf.writeUInt32LE(MEMORY_V2.versionTag, MEMORY_V2.version);
    const rc = api.memoryV2.call(handle, buf) as number;
    if (rc === NVML_SUCCESS) {
      setMemory(r, u64(buf, MEMORY_V2.total), u64(buf, MEMORY_V2.free), u64(buf, MEMORY_V2.reserved));
      return;
    }
    why = `${api.memoryV2.name}: ${nvmlErrorText(api, rc)}`;
  }
  if (api.memory) {
    const buf = Buffer.alloc(MEMORY_V1.size);
    const rc = api.memory.call(handle, buf) as number;
    if (rc === NVML_SUCCESS) {
      setMemory(r, u64(buf, MEMORY_V1.total), u64(buf, MEMORY_V1.free), null);
      return;
    }
    why = `${api.memory.name}: ${nvmlErrorText(api, rc)}`;
  }
  for (const f of fields) r.reasons[f] = why;
}

function setMemory(r: NvmlDeviceReading, total: number | null, free: number | null, reserved: number | null): void {
  r.mem_total_bytes = total;
  r.mem_free_bytes = free;
  r.mem_reserved_bytes = reserved;
  r.mem_used_bytes = total !== null && free !== null && free <= total ? total - free : null;
}

/** Compute and graphics process lists merged by pid (a process using both is listed in both). */
function readProcesses(api: NvmlApi, handle: bigint, r: NvmlDeviceReading): void {
  const byPid = new Map<number, NvmlProcess>();
  const errors: string[] = [];
  let anyList = false;
  for (const [fn, type] of [
    [api.computeProcesses, 'compute'],
    [api.graphicsProcesses, 'graphics'],
  ] as const) {
    if (!fn) continue;
    const got = processList(api, fn, handle);
    if (typeof got === 'string') {
      errors.push(got);
      continue;
    }
    anyList = true;
    for (const p of got) {
      const seen = byPid.get(p.pid);
      if (!seen) {
        byPid.set(p.pid, { ...p, type });
        continue;
      }
      // NVML gives a compute+graphics process its whole usage in both lists: not a sum.
      seen.type = 'compute+graphics';
      if (p.used_bytes !== null) seen.used_bytes = Math.max(seen.used_bytes ?? 0, p.used_bytes);
    }
  }
  if (!api.computeProcesses && !api.graphicsProcesses) errors.push('not in this NVML version');
  if (errors.length) r.reasons.processes = errors.join('; ');
  r.processes = anyList ? [...byPid.values()].sort((a, b) => (b.used_bytes ?? -1) - (a.used_bytes ?? -1) || a.pid - b.pid) : null;
}

/**
 * One process list. NVML wants the array size in *infoCount and answers
 * NVML_ERROR_INSUFFICIENT_SIZE with the size it needs; processes can start between two calls,
 * so a few retries with room to spare.
 */
function processList(api: NvmlApi, fn: ProcessListFn, handle: bigint): Array<Omit<NvmlProcess, 'type'>> | string {
  let capacity = 32;
  for (let attempt = 0; attempt < 4; attempt++) {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(capacity);
    const infos = Buffer.alloc(capacity * fn.stride);
    const rc = fn.call(handle, count, infos) as number;
    const n = count.readUInt32LE(0);
    if (rc === NVML_ERROR_INSUFFICIENT_SIZE) {
      capacity = Math.max(n, capacity) * 2;
      continue;
    }
    if (rc !== NVML_SUCCESS) return `${fn.name}: ${nvmlErrorText(api, rc)}`;
    const out: Array<Omit<NvmlProcess, 'type'>> = [];
    for (let i = 0; i < Math.min(n, capacity); i++) {
      const at = i * fn.stride;
      const wide = fn.stride >= PROCESS_INFO_V2.size;
      const gi = wide ? infos.readUInt32LE(at + PROCESS_INFO_V2.gpuInstanceId) : NO_INSTANCE_U32;
      const ci = wide ? infos.readUInt32LE(at + PROCESS_INFO_V2.computeInstanceId) : NO_INSTANCE_U32;
      out.push({
        pid: infos.readUInt32LE(at + PROCESS_INFO_V2.pid),
        used_bytes: u64(infos, at + PROCESS_INFO_V2.usedGpuMemory),
        gpu_instance_id: gi === NO_INSTANCE_U32 ? null : gi,
        compute_instance_id: ci === NO_INSTANCE_U32 ? null : ci,
      });
    }
    return out;
  }
  return `${fn.name}: the process list kept growing between calls`;
}
