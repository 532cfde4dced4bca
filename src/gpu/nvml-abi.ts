/**
 * The part of NVML's C ABI headroom uses: return codes, enum values, buffer sizes, and the byte
 * layout of the structs it reads.
 *
 * Source: `nvml.h` of NVML 12.2.140 (NVML_API_VERSION 12, shipped with CUDA 12.2 in NVIDIA's
 * `cuda-nvml-dev` package; the same file is vendored as `gen/nvml/nvml.h` in NVIDIA/go-nvml).
 * The structs are plain C structs with natural alignment; the offsets below are what a C
 * compiler gives on LP64 Linux (x86_64, aarch64, ppc64le — all little-endian, the only
 * platforms NVIDIA ships libnvidia-ml.so.1 for). The fake library in test/fixtures/nvml
 * asserts the same sizes with _Static_assert, so a typo here fails the build of the fake.
 *
 * Structs are read from plain Buffers rather than declared as koffi struct types: one layout
 * table, no type registry shared between library instances, and 64-bit fields always come
 * back as BigInt (normalised by the reader), never sometimes-number-sometimes-BigInt.
 */

/** nvmlReturn_t values (nvml.h, `nvmlReturn_enum`). */
export const NVML_SUCCESS = 0;
export const NVML_ERROR_NOT_SUPPORTED = 3;
export const NVML_ERROR_NO_PERMISSION = 4;
export const NVML_ERROR_INSUFFICIENT_SIZE = 7;
export const NVML_ERROR_DRIVER_NOT_LOADED = 9;
export const NVML_ERROR_FUNCTION_NOT_FOUND = 13;
export const NVML_ERROR_GPU_IS_LOST = 15;

/** Symbolic names of every return code in the 12.2 header, for messages. */
export const NVML_RETURN_NAMES: Readonly<Record<number, string>> = {
  0: 'NVML_SUCCESS',
  1: 'NVML_ERROR_UNINITIALIZED',
  2: 'NVML_ERROR_INVALID_ARGUMENT',
  3: 'NVML_ERROR_NOT_SUPPORTED',
  4: 'NVML_ERROR_NO_PERMISSION',
  5: 'NVML_ERROR_ALREADY_INITIALIZED',
  6: 'NVML_ERROR_NOT_FOUND',
  7: 'NVML_ERROR_INSUFFICIENT_SIZE',
  8: 'NVML_ERROR_INSUFFICIENT_POWER',
  9: 'NVML_ERROR_DRIVER_NOT_LOADED',
  10: 'NVML_ERROR_TIMEOUT',
  11: 'NVML_ERROR_IRQ_ISSUE',
  12: 'NVML_ERROR_LIBRARY_NOT_FOUND',
  13: 'NVML_ERROR_FUNCTION_NOT_FOUND',
  14: 'NVML_ERROR_CORRUPTED_INFOROM',
  15: 'NVML_ERROR_GPU_IS_LOST',
  16: 'NVML_ERROR_RESET_REQUIRED',
  17: 'NVML_ERROR_OPERATING_SYSTEM',
  18: 'NVML_ERROR_LIB_RM_VERSION_MISMATCH',
  19: 'NVML_ERROR_IN_USE',
  20: 'NVML_ERROR_MEMORY',
  21: 'NVML_ERROR_NO_DATA',
  22: 'NVML_ERROR_VGPU_ECC_NOT_SUPPORTED',
  23: 'NVML_ERROR_INSUFFICIENT_RESOURCES',
  24: 'NVML_ERROR_FREQ_NOT_SUPPORTED',
  25: 'NVML_ERROR_ARGUMENT_VERSION_MISMATCH',
  26: 'NVML_ERROR_DEPRECATED',
  27: 'NVML_ERROR_NOT_READY',
  28: 'NVML_ERROR_GPU_NOT_FOUND',
  29: 'NVML_ERROR_INVALID_STATE',
  999: 'NVML_ERROR_UNKNOWN',
};

/** nvmlTemperatureSensors_t: the GPU die. */
export const NVML_TEMPERATURE_GPU = 0;
/** nvmlClockType_t. */
export const NVML_CLOCK_SM = 1;
export const NVML_CLOCK_MEM = 2;

/** Buffer sizes the header guarantees large enough (NVML_DEVICE_NAME_V2_BUFFER_SIZE, …). */
export const NAME_BUFFER_SIZE = 96;
export const UUID_BUFFER_SIZE = 96;
export const VERSION_BUFFER_SIZE = 80;

/** NVML_VALUE_NOT_AVAILABLE (-1) as an `unsigned long long` field holds it. */
export const VALUE_NOT_AVAILABLE_U64 = 0xffff_ffff_ffff_ffffn;
/** gpuInstanceId / computeInstanceId when MIG is off. */
export const NO_INSTANCE_U32 = 0xffff_ffff;

/** nvmlUtilization_t { unsigned int gpu; unsigned int memory; } */
export const UTILIZATION = { size: 8, gpu: 0, memory: 4 } as const;

/** nvmlMemory_t { unsigned long long total, free, used; } — used includes the reserved part. */
export const MEMORY_V1 = { size: 24, total: 0, free: 8, used: 16 } as const;

/**
 * nvmlMemory_v2_t { unsigned int version; unsigned long long total, reserved, free, used; }.
 * `version` must be nvmlMemory_v2 = NVML_STRUCT_VERSION(Memory, 2) = sizeof | 2 << 24.
 */
export const MEMORY_V2 = { size: 40, version: 0, total: 8, reserved: 16, free: 24, used: 32, versionTag: 40 | (2 << 24) } as const;

/**
 * nvmlPciInfo_t { char busIdLegacy[16]; unsigned int domain, bus, device, pciDeviceId,
 * pciSubSystemId; char busId[32]; } — 68 bytes, busId at 36, pciDeviceId = device << 16 | vendor.
 */
export const PCI_INFO = { size: 68, pciDeviceId: 28, busId: 36, busIdSize: 32 } as const;

/** nvmlProcessInfo_v1_t { unsigned int pid; unsigned long long usedGpuMemory; } (old entry points). */
export const PROCESS_INFO_V1 = { size: 16, pid: 0, usedGpuMemory: 8 } as const;

/**
 * nvmlProcessInfo_v2_t = nvmlProcessInfo_t { unsigned int pid; unsigned long long usedGpuMemory;
 * unsigned int gpuInstanceId; unsigned int computeInstanceId; } — taken by the `_v2` and `_v3`
 * process entry points.
 */
export const PROCESS_INFO_V2 = { size: 24, pid: 0, usedGpuMemory: 8, gpuInstanceId: 16, computeInstanceId: 20 } as const;

/** "NVML_ERROR_NOT_SUPPORTED" for a code, or "NVML return code N" for one this header lacks. */
export function nvmlReturnName(code: number): string {
  return NVML_RETURN_NAMES[code] ?? `NVML return code ${code}`;
}
