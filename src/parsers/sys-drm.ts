import { parseUint } from './numbers.js';
import { parseUevent } from './sys-uevent.js';

/**
 * The PCI device behind a DRM card, /sys/class/drm/card<N>/device/, and the amdgpu attributes
 * read from it (Documentation/gpu/amdgpu/driver-misc.rst, thermal.rst).
 *
 *   uevent                DRIVER=amdgpu, PCI_ID=1002:744C, PCI_SLOT_NAME=0000:03:00.0
 *   vendor, device        0x1002, 0x744c (used when uevent is unreadable)
 *   gpu_busy_percent      % of time the GPU was busy (amdgpu)
 *   mem_busy_percent      % of time the VRAM controller was busy (amdgpu, dGPUs)
 *   mem_info_vram_total   bytes of VRAM; mem_info_vram_used bytes in use
 *   mem_info_vis_vram_*   the CPU-visible part of VRAM
 *   mem_info_gtt_*        GTT: system RAM mapped for the GPU
 *
 * Rules for bad input: uevent structure errors throw (parseUevent); a PCI id or figure that is
 * not a number reads as null, so one garbled attribute costs that figure only.
 */
export type GpuVendor = 'nvidia' | 'amd' | 'intel';

export interface DrmDevice {
  driver: string | null;
  /** Lower-case hex, 4 digits: `1002`. */
  vendor_id: string | null;
  device_id: string | null;
  pci_slot: string | null;
}

const VENDORS: Record<string, GpuVendor> = { '10de': 'nvidia', '1002': 'amd', '8086': 'intel' };
const HEX4_RE = /^(?:0x)?([0-9a-fA-F]{4})$/;

export function vendorOf(vendorId: string | null): GpuVendor | null {
  return vendorId === null ? null : (VENDORS[vendorId] ?? null);
}

/** `0x1002` (a sysfs `vendor`/`device` file) → `1002`, or null. */
export function parsePciIdFile(text: string | undefined): string | null {
  if (text === undefined) return null;
  return HEX4_RE.exec(text.trim())?.[1]?.toLowerCase() ?? null;
}

export function parseDrmDeviceUevent(text: string, file = 'device/uevent'): DrmDevice {
  const env = parseUevent(text, file);
  const ids = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(env.get('PCI_ID')?.trim() ?? '');
  return {
    driver: env.get('DRIVER') ?? null,
    vendor_id: ids ? ids[1]!.toLowerCase() : null,
    device_id: ids ? ids[2]!.toLowerCase() : null,
    pci_slot: env.get('PCI_SLOT_NAME') ?? null,
  };
}

export interface AmdgpuFigures {
  busy_pct: number | null;
  mem_busy_pct: number | null;
  vram_total_bytes: number | null;
  vram_used_bytes: number | null;
  vis_vram_total_bytes: number | null;
  vis_vram_used_bytes: number | null;
  gtt_total_bytes: number | null;
  gtt_used_bytes: number | null;
}

/** The amdgpu attribute files an AMD card is read through (relative to card<N>/device/). */
export const AMDGPU_FILES = [
  'gpu_busy_percent',
  'mem_busy_percent',
  'mem_info_vram_total',
  'mem_info_vram_used',
  'mem_info_vis_vram_total',
  'mem_info_vis_vram_used',
  'mem_info_gtt_total',
  'mem_info_gtt_used',
] as const;

export function parseAmdgpuFigures(files: Partial<Record<(typeof AMDGPU_FILES)[number], string>>): AmdgpuFigures {
  const n = (f: string | undefined): number | null => (f === undefined ? null : parseUint(f.trim()));
  const pct = (f: string | undefined): number | null => {
    const v = n(f);
    return v === null || v > 100 ? null : v;
  };
  return {
    busy_pct: pct(files.gpu_busy_percent),
    mem_busy_pct: pct(files.mem_busy_percent),
    vram_total_bytes: n(files.mem_info_vram_total),
    vram_used_bytes: n(files.mem_info_vram_used),
    vis_vram_total_bytes: n(files.mem_info_vis_vram_total),
    vis_vram_used_bytes: n(files.mem_info_vis_vram_used),
    gtt_total_bytes: n(files.mem_info_gtt_total),
    gtt_used_bytes: n(files.mem_info_gtt_used),
  };
}
