import { type CollectorContext, defineCollector, type Payload } from '../core/collector.js';
import { nvidiaAllAsleep, scanDrm } from '../gpu/drm.js';
import { AdaptiveReads } from '../host/sysfs-files.js';
import type { GpuEntry } from '../gpu/gpu-entry.js';
import { PidDescriber, servicePids } from '../gpu/gpu-processes.js';
import { readNvmlDevice } from '../gpu/nvml-device.js';
import { NvmlSession, NvmlUnavailable } from '../gpu/nvml-lib.js';
import { type MetricSpec, metric } from '../shared/metrics.js';
import { gpuFromNvml } from './gpu-nvml.js';

/**
 * gpu_monitor: every GPU, NVIDIA through NVML (in-process FFI, src/gpu/nvml-*.ts) and AMD /
 * Intel through DRM sysfs (src/gpu/drm.ts). The flat fields of SPEC §2.2 mirror `gpus[0]`.
 *
 * NVML is initialised once per collector instance and shut down on stop or reload (`close`).
 * When it cannot start (no library, no driver, init error) the reason is kept and a new start
 * is tried every NVML_RETRY_MS: a driver installed or loaded later is picked up without a
 * restart. Options (config `collectors.gpu_monitor`):
 *   nvml: false              never load NVML
 *   nvml_library: <path>     load this file instead of searching (env HEADROOM_NVML_LIB too)
 *   wake_suspended: true     start NVML even while every NVIDIA GPU is runtime-suspended
 */
export interface GpuNvmlInfo {
  available: boolean;
  library: string | null;
  driver_version: string | null;
  nvml_version: string | null;
  device_count: number | null;
  reason: string | null;
}

export interface GpuPayload extends Payload {
  available: boolean;
  reason?: string;
  util_pct: number | null;
  vram_used_gb: number | null;
  vram_total_gb: number | null;
  vram_pct: number | null;
  temp_c: number | null;
  power_w: number | null;
  gpu_count: number;
  gpus: GpuEntry[];
  nvml: GpuNvmlInfo;
  drm: { nvidia_cards: string[]; skipped: string[] };
}

interface GpuState {
  reads?: AdaptiveReads;
  session?: NvmlSession | null;
  opening?: Promise<void> | null;
  nvmlError?: string | null;
  retryAtMs?: number;
  closed?: boolean;
  describer?: PidDescriber;
}

export const NVML_RETRY_MS = 60_000;

const spec = metric;
const gpuMetric = (name: string, field: string, unit: MetricSpec['unit'], help: string, precision?: number) =>
  spec(name, `gpus[gpu].${field}`, unit, 'gauge', help, precision);
const metrics: MetricSpec[] = [
  spec('gpu_count', 'gpu_count', 'count', 'gauge', 'GPUs reported (NVML and sysfs)'),
  spec('util_pct', 'util_pct', 'percent', 'gauge', 'first GPU: busy %', 0),
  spec('vram_used_gb', 'vram_used_gb', 'gigabytes', 'gauge', 'first GPU: memory in use (total − free)', 2),
  spec('vram_total_gb', 'vram_total_gb', 'gigabytes', 'gauge', 'first GPU: memory size', 2),
  spec('vram_pct', 'vram_pct', 'percent', 'gauge', 'first GPU: memory in use, % of its size', 1),
  spec('temp_c', 'temp_c', 'celsius', 'gauge', 'first GPU: temperature', 0),
  spec('power_w', 'power_w', 'watts', 'gauge', 'first GPU: power draw', 1),
  gpuMetric('gpu_util_pct', 'util_pct', 'percent', 'busy % of one GPU', 0),
  gpuMetric('gpu_mem_util_pct', 'mem_util_pct', 'percent', 'memory controller busy % of one GPU', 0),
  gpuMetric('gpu_vram_used_gb', 'vram_used_gb', 'gigabytes', 'memory in use on one GPU (total − free)', 2),
  gpuMetric('gpu_vram_total_gb', 'vram_total_gb', 'gigabytes', 'memory size of one GPU', 2),
  gpuMetric('gpu_vram_pct', 'vram_pct', 'percent', 'memory in use on one GPU, % of its size', 1),
  gpuMetric('gpu_gtt_used_gb', 'gtt_used_gb', 'gigabytes', 'system RAM mapped for one AMD GPU (GTT) in use', 2),
  gpuMetric('gpu_temp_c', 'temp_c', 'celsius', 'temperature of one GPU', 0),
  gpuMetric('gpu_power_w', 'power_w', 'watts', 'power draw of one GPU', 1),
  gpuMetric('gpu_power_limit_w', 'power_limit_w', 'watts', 'enforced power limit of one GPU', 0),
  gpuMetric('gpu_fan_pct', 'fan_pct', 'percent', 'fan speed of one GPU, % of its maximum', 0),
  gpuMetric('gpu_sm_clock_mhz', 'clocks.sm_mhz', 'megahertz', 'shader (SM) clock of one GPU', 0),
  gpuMetric('gpu_mem_clock_mhz', 'clocks.mem_mhz', 'megahertz', 'memory clock of one GPU', 0),
];

export const gpuMonitor = defineCollector<GpuPayload, GpuState>({
  name: 'gpu_monitor',
  description: 'GPUs: NVIDIA through NVML (FFI, per-process VRAM), AMD and Intel through DRM sysfs',
  interval: 2,
  // The first tick may wait for nvmlInit, which takes seconds on multi-GPU machines.
  timeout: 10,
  metrics,
  async collect(ctx) {
    const now = ctx.clock.monotonicMs();
    ctx.state.reads ??= new AdaptiveReads();
    const drm = await scanDrm(ctx.fs, ctx.rates, now, ctx.state.reads);
    const nvml = await nvmlGpus(ctx);
    // NVIDIA first (NVML order), then sysfs cards with the most VRAM first: the flat fields
    // mirror gpus[0], which should be the discrete card, not a small integrated one.
    const sysfs = [...drm.gpus].sort((a, b) => (b.vram_total_gb ?? -1) - (a.vram_total_gb ?? -1));
    const gpus = [...nvml.gpus, ...sysfs].map((g, index) => ({ ...g, index }));
    await nameProcesses(ctx, gpus, now);
    const first = gpus[0];
    const base = {
      util_pct: first?.util_pct ?? null,
      vram_used_gb: first?.vram_used_gb ?? null,
      vram_total_gb: first?.vram_total_gb ?? null,
      vram_pct: first?.vram_pct ?? null,
      temp_c: first?.temp_c ?? null,
      power_w: first?.power_w ?? null,
      gpu_count: gpus.length,
      gpus,
      nvml: nvml.info,
      drm: { nvidia_cards: drm.nvidia, skipped: drm.skipped },
    };
    if (gpus.length > 0) return { available: true, ...base };
    const nvidiaHint = drm.nvidia.length ? `; NVIDIA GPU present (${drm.nvidia.join(', ')}) but NVML cannot read it` : '';
    return {
      available: false,
      reason: `no GPU: ${nvml.info.reason ?? 'no devices'}${nvidiaHint}; no AMD or Intel GPU in ${ctx.fs.sys('class/drm')}`,
      ...base,
    };
  },
  close(ctx) {
    ctx.state.closed = true;
    ctx.state.session?.close();
    ctx.state.session = null;
  },
});

function libraryOption(ctx: CollectorContext<GpuState>): string | null {
  const opt = ctx.options.nvml_library;
  if (typeof opt === 'string' && opt !== '') return opt;
  const env = process.env.HEADROOM_NVML_LIB;
  return env ? env : null;
}

/** The open NVML session, opening (or retrying) it when due; null with the reason otherwise. */
async function session(ctx: CollectorContext<GpuState>): Promise<{ session: NvmlSession | null; reason: string | null }> {
  const st = ctx.state;
  if (st.closed) return { session: null, reason: 'collector stopped' };
  if (ctx.options.nvml === false) return { session: null, reason: 'NVML switched off (collectors.gpu_monitor.nvml: false)' };
  if (ctx.options.nvml_library !== undefined && typeof ctx.options.nvml_library !== 'string') {
    return { session: null, reason: 'collectors.gpu_monitor.nvml_library must be a path (a string)' };
  }
  if (st.session && !st.session.isClosed) return { session: st.session, reason: null };
  const now = ctx.clock.monotonicMs();
  if (!st.opening && st.retryAtMs !== undefined && now < st.retryAtMs) return { session: null, reason: st.nvmlError ?? null };
  if (!st.opening) {
    if (ctx.options.wake_suspended !== true && (await nvidiaAllAsleep(ctx.fs))) {
      st.retryAtMs = now + NVML_RETRY_MS;
      st.nvmlError = 'every NVIDIA GPU is runtime-suspended (power saving): NVML not started, so as not to wake it (collectors.gpu_monitor.wake_suspended: true to start it anyway)';
      return { session: null, reason: st.nvmlError };
    }
    st.opening = NvmlSession.open(libraryOption(ctx)).then(
      (s) => {
        // Closed (stop, reload) while nvmlInit was running: give the reference straight back.
        if (st.closed) s.close();
        else st.session = s;
        st.nvmlError = null;
      },
      (err: unknown) => {
        st.nvmlError = err instanceof NvmlUnavailable ? err.message : `NVML failed to start: ${(err as Error).message}`;
        st.retryAtMs = ctx.clock.monotonicMs() + NVML_RETRY_MS;
      },
    );
    st.opening.finally(() => {
      st.opening = null;
    });
  }
  await st.opening;
  return st.session ? { session: st.session, reason: null } : { session: null, reason: st.nvmlError ?? null };
}

async function nvmlGpus(ctx: CollectorContext<GpuState>): Promise<{ gpus: GpuEntry[]; info: GpuNvmlInfo }> {
  const { session: s, reason } = await session(ctx);
  const info: GpuNvmlInfo = { available: false, library: null, driver_version: null, nvml_version: null, device_count: null, reason };
  if (!s) return { gpus: [], info };
  Object.assign(info, { library: s.library, driver_version: s.driverVersion, nvml_version: s.nvmlVersion });
  let count: number;
  try {
    count = s.deviceCount();
  } catch (err) {
    // The driver went away under us (unloaded, GPU reset): start over at the next retry.
    s.close();
    ctx.state.session = null;
    ctx.state.nvmlError = (err as Error).message;
    ctx.state.retryAtMs = ctx.clock.monotonicMs() + NVML_RETRY_MS;
    return { gpus: [], info: { ...info, reason: (err as Error).message } };
  }
  info.available = true;
  info.device_count = count;
  if (count === 0) info.reason = 'NVML sees no NVIDIA GPU';
  const gpus: GpuEntry[] = [];
  for (let i = 0; i < count; i++) gpus.push(gpuFromNvml(readNvmlDevice(s.api, i)));
  return { gpus, info };
}

/** Process names, users and services for the pids NVML listed. */
async function nameProcesses(ctx: CollectorContext<GpuState>, gpus: GpuEntry[], nowMs: number): Promise<void> {
  const pids = gpus.flatMap((g) => g.processes.map((p) => p.pid));
  if (pids.length === 0) return;
  ctx.state.describer ??= new PidDescriber(ctx.fs);
  const who = await ctx.state.describer.describe(pids, nowMs, servicePids(ctx.latest('service_monitor')));
  for (const g of gpus) {
    for (const p of g.processes) {
      const id = who.get(p.pid);
      if (!id) continue;
      p.name = id.name;
      p.user = id.user;
      p.service = id.service;
      p.reason = id.reason;
    }
  }
}
