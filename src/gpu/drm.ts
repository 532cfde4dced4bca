import { join } from 'node:path';
import type { RateTracker } from '../core/rates.js';
import type { HostFs } from '../host/hostfs.js';
import { readHwmonDir } from '../host/hwmon.js';
import { type AdaptiveReads, readFileSet } from '../host/sysfs-files.js';
import { type HwmonChip, sensorsOf } from '../parsers/sys-hwmon.js';
import { AMDGPU_FILES, type DrmDevice, parseAmdgpuFigures, parseDrmDeviceUevent, parsePciIdFile, vendorOf } from '../parsers/sys-drm.js';
import { parseUint } from '../parsers/numbers.js';
import { bytesToGb, clampPct, round } from '../shared/units.js';
import { blankGpu, explainNulls, type GpuEntry } from './gpu-entry.js';

/**
 * GPUs seen through DRM sysfs, /sys/class/drm/card<N>/device/:
 *  - AMD (amdgpu): busy %, VRAM and GTT use, and the card's hwmon (edge/junction/mem
 *    temperatures, power, power cap, fan, shader and memory clocks);
 *  - Intel (i915, xe): presence, the actual GPU clock, and hwmon figures where a discrete card
 *    has them; no busy % or VRAM use (the drivers expose neither in sysfs);
 *  - NVIDIA cards are only counted: NVML reads them (and, if NVML is missing, the reason says
 *    that an NVIDIA GPU is present).
 * Other DRM devices (virtio-gpu, simpledrm, bochs, ast) are not GPUs worth reporting.
 */
export interface DrmScan {
  gpus: GpuEntry[];
  /** PCI slots of NVIDIA cards seen here (NVML's business). */
  nvidia: string[];
  /** card → why it was not reported. */
  skipped: string[];
}

const CARD_RE = /^card\d+$/;
const ALL_FIELDS = ['util_pct', 'mem_util_pct', 'vram_used_gb', 'vram_total_gb', 'vram_pct', 'temp_c', 'power_w', 'power_limit_w', 'fan_pct', 'clocks.sm_mhz', 'clocks.mem_mhz'];

async function deviceOf(fs: HostFs, devDir: string): Promise<DrmDevice> {
  const set = await readFileSet(fs, devDir, ['uevent', 'vendor', 'device']);
  let dev: DrmDevice = { driver: null, vendor_id: null, device_id: null, pci_slot: null };
  if (set.files.uevent !== undefined) {
    try {
      dev = parseDrmDeviceUevent(set.files.uevent, join(devDir, 'uevent'));
    } catch {
      // A garbled uevent: fall back to the vendor/device files below.
    }
  }
  return {
    ...dev,
    vendor_id: dev.vendor_id ?? parsePciIdFile(set.files.vendor),
    device_id: dev.device_id ?? parsePciIdFile(set.files.device),
  };
}

export async function scanDrm(fs: HostFs, rates: RateTracker, nowMs: number, reads: AdaptiveReads): Promise<DrmScan> {
  const root = fs.sys('class/drm');
  const cards = (await fs.list(root)).filter((n) => CARD_RE.test(n)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const out: DrmScan = { gpus: [], nvidia: [], skipped: [] };
  for (const card of cards) {
    const devDir = join(root, card, 'device');
    const dev = await deviceOf(fs, devDir);
    const vendor = vendorOf(dev.vendor_id);
    if (vendor === 'nvidia') {
      out.nvidia.push(dev.pci_slot ?? card);
      continue;
    }
    if (vendor === null || (dev.driver !== null && !['amdgpu', 'radeon', 'i915', 'xe'].includes(dev.driver))) {
      out.skipped.push(`${card}: ${dev.driver ?? 'unknown driver'} (${dev.vendor_id ?? '?'}:${dev.device_id ?? '?'}) is not a GPU headroom reads`);
      continue;
    }
    const gpu = blankGpu(0, vendor, dev.driver ?? (vendor === 'amd' ? 'amdgpu' : 'i915'));
    gpu.card = card;
    gpu.pci_bus_id = dev.pci_slot;
    gpu.pci_id = dev.vendor_id && dev.device_id ? `${dev.vendor_id}:${dev.device_id}` : null;
    const named = await fs.tryRead(join(devDir, 'product_name'));
    gpu.name = named?.trim() || `${vendor === 'amd' ? 'AMD' : 'Intel'} GPU [${gpu.pci_id ?? card}]`;
    gpu.uuid = (await fs.tryRead(join(devDir, 'unique_id')))?.trim() || null;
    const status = await fs.tryRead(join(devDir, 'power/runtime_status'));
    if (status?.trim() === 'suspended') {
      gpu.asleep = true;
      explainNulls(gpu, ALL_FIELDS, 'GPU runtime-suspended (asleep): not woken to read it');
    } else if (vendor === 'amd') {
      await readAmd(fs, devDir, gpu, reads);
    } else {
      await readIntel(fs, join(root, card), devDir, gpu, rates, nowMs, reads);
    }
    gpu.processes_reason = 'per-process GPU memory is read for NVIDIA GPUs only (NVML)';
    out.gpus.push(gpu);
  }
  return out;
}

async function cardHwmon(fs: HostFs, devDir: string, reads: AdaptiveReads, card: string): Promise<{ device: string; chip: HwmonChip } | null> {
  for (const h of await fs.list(join(devDir, 'hwmon'))) {
    const chip = await readHwmonDir(fs, join(devDir, 'hwmon', h), reads, `${card}/${h}`);
    if (chip && chip !== 'asleep') return { device: h, chip };
  }
  return null;
}

async function readAmd(fs: HostFs, devDir: string, gpu: GpuEntry, reads: AdaptiveReads): Promise<void> {
  // amdgpu answers busy % from its SMU firmware: usually fast, slow on some cards (adaptive).
  const set = await reads.read(fs, gpu.card!, devDir, AMDGPU_FILES);
  const f = parseAmdgpuFigures(set.files);
  gpu.util_pct = f.busy_pct;
  gpu.mem_util_pct = f.mem_busy_pct;
  if (f.vram_total_bytes && f.vram_used_bytes !== null) {
    gpu.vram_total_gb = round(bytesToGb(f.vram_total_bytes), 2);
    gpu.vram_used_gb = round(bytesToGb(f.vram_used_bytes), 2);
    gpu.vram_free_gb = round(bytesToGb(Math.max(0, f.vram_total_bytes - f.vram_used_bytes)), 2);
    gpu.vram_pct = round(clampPct((f.vram_used_bytes / f.vram_total_bytes) * 100), 1);
  }
  if (f.gtt_total_bytes !== null) gpu.gtt_total_gb = round(bytesToGb(f.gtt_total_bytes), 2);
  if (f.gtt_used_bytes !== null) gpu.gtt_used_gb = round(bytesToGb(f.gtt_used_bytes), 2);
  for (const [file, code] of Object.entries(set.errors)) gpu.reasons[file] = `${file}: ${code}`;
  const hw = await cardHwmon(fs, devDir, reads, gpu.card!);
  if (hw) applyHwmon(gpu, hw.chip);
  explainNulls(gpu, ALL_FIELDS, hw ? 'not reported by amdgpu on this card' : 'not reported by amdgpu (no hwmon for this card)');
}

async function readIntel(
  fs: HostFs,
  cardDir: string,
  devDir: string,
  gpu: GpuEntry,
  rates: RateTracker,
  nowMs: number,
  reads: AdaptiveReads,
): Promise<void> {
  // i915 puts its clocks on the card; xe per tile and GT under the device.
  const act = (await fs.tryRead(join(cardDir, 'gt_act_freq_mhz'))) ?? (await fs.tryRead(join(devDir, 'tile0/gt0/freq0/act_freq')));
  gpu.clocks.sm_mhz = act === null ? null : parseUint(act.trim());
  const hw = await cardHwmon(fs, devDir, reads, gpu.card!);
  if (hw) {
    applyHwmon(gpu, hw.chip);
    // Discrete Intel cards report energy, not power: the rate of the counter is the power.
    const energy = sensorsOf(hw.chip, 'energy')[0];
    if (gpu.power_w === null && energy?.input != null) {
      gpu.power_w = round(rates.rate(`drm.${gpu.card}.energy`, energy.input, nowMs), 2);
      if (gpu.power_w === null) gpu.reasons.power_w = 'first sample: power is the rate of the energy counter';
    }
  }
  explainNulls(gpu, ['util_pct', 'mem_util_pct', 'vram_used_gb', 'vram_total_gb', 'vram_pct'], `${gpu.source} exposes no busy % or memory use in sysfs`);
  explainNulls(gpu, ALL_FIELDS, `not reported by ${gpu.source} on this GPU`);
}

/** Temperatures, power, fan and clocks from a GPU's hwmon chip (amdgpu labels them). */
function applyHwmon(gpu: GpuEntry, chip: HwmonChip): void {
  const temps = sensorsOf(chip, 'temp');
  const byLabel = (label: string) => temps.find((t) => t.label === label)?.input ?? null;
  gpu.temp_c = byLabel('edge') ?? temps.find((t) => t.input !== null)?.input ?? null;
  gpu.temp_junction_c = byLabel('junction');
  gpu.temp_mem_c = byLabel('mem');
  const power = sensorsOf(chip, 'power').find((p) => p.average !== null || p.input !== null);
  if (power) gpu.power_w = round(power.average ?? power.input, 2);
  const cap = sensorsOf(chip, 'power').find((p) => p.cap !== null || p.max !== null);
  if (cap) gpu.power_limit_w = round(cap.cap ?? cap.max, 1);
  const fan = sensorsOf(chip, 'fan')[0];
  const pwm = sensorsOf(chip, 'pwm')[0];
  gpu.fan_rpm = fan?.input ?? null;
  if (pwm?.input != null) gpu.fan_pct = round((pwm.input / 255) * 100, 1);
  else if (fan?.input != null && fan.max) gpu.fan_pct = round(clampPct((fan.input / fan.max) * 100), 1);
  const freqs = sensorsOf(chip, 'freq');
  const freq = (label: string, index: number) => (freqs.find((s) => s.label === label) ?? freqs.find((s) => s.index === index))?.input ?? null;
  if (gpu.clocks.sm_mhz === null) gpu.clocks.sm_mhz = round(freq('sclk', 1), 0);
  gpu.clocks.mem_mhz = round(freq('mclk', 2), 0);
}

/**
 * True when the PCI bus has NVIDIA display controllers and every one of them is
 * runtime-suspended (a hybrid laptop's dGPU asleep): starting NVML would wake them.
 */
export async function nvidiaAllAsleep(fs: HostFs): Promise<boolean> {
  const root = fs.sys('bus/pci/devices');
  let seen = 0;
  for (const slot of await fs.list(root)) {
    const dir = join(root, slot);
    if (parsePciIdFile((await fs.tryRead(join(dir, 'vendor'))) ?? undefined) !== '10de') continue;
    const set = await readFileSet(fs, dir, ['class', 'power/runtime_status']);
    if (!set.files.class?.trim().startsWith('0x03')) continue;
    seen += 1;
    if (set.files['power/runtime_status']?.trim() !== 'suspended') return false;
  }
  return seen > 0;
}
