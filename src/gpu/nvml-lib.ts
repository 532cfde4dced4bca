import { NAME_BUFFER_SIZE, NVML_SUCCESS, nvmlReturnName, PROCESS_INFO_V1, PROCESS_INFO_V2, VERSION_BUFFER_SIZE } from './nvml-abi.js';

/**
 * libnvidia-ml.so.1 loaded in-process with koffi (FFI): no nvidia-smi, no subprocess.
 *
 * Every entry point is declared with `void *` pointer arguments and given a Buffer laid out as
 * nvml-abi.ts says; the device handle (an opaque `nvmlDevice_t`) travels as the BigInt koffi
 * returns for pointers. Where NVML has versioned entry points the newest headroom knows is bound
 * first and older ones are the fallback, so drivers from R450 on work: `nvmlInit_v2` →
 * `nvmlInit`, `nvmlDeviceGetMemoryInfo_v2` → `nvmlDeviceGetMemoryInfo`, the `_v3` process lists
 * (nvmlProcessInfo_t, 24 bytes) → `_v2` (same struct) → the unversioned one
 * (nvmlProcessInfo_v1_t, 16 bytes).
 *
 * The library is found the way the dynamic linker finds it (ld.so.cache, LD_LIBRARY_PATH),
 * then in the directories drivers and container runtimes put it. Never the CUDA toolkit's
 * `stubs/libnvidia-ml.so`: that stub only answers errors.
 */

// biome-ignore lint/suspicious/noExplicitAny: koffi's function objects take and return any
type NativeFn = ((...args: any[]) => any) & { async: (...args: any[]) => void };

export const NVML_SONAME = 'libnvidia-ml.so.1';

export const NVML_SEARCH_PATHS: readonly string[] = [
  NVML_SONAME,
  '/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1',
  '/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1',
  '/usr/lib/powerpc64le-linux-gnu/libnvidia-ml.so.1',
  '/usr/lib64/libnvidia-ml.so.1',
  '/usr/lib/libnvidia-ml.so.1',
  // NVIDIA container images (the toolkit mounts the host driver here).
  '/usr/local/nvidia/lib64/libnvidia-ml.so.1',
  // WSL2: the Windows driver's Linux libraries.
  '/usr/lib/wsl/lib/libnvidia-ml.so.1',
  // NixOS.
  '/run/opengl-driver/lib/libnvidia-ml.so.1',
];

/** A bound entry point: the name actually found and the call. */
export interface Bound {
  name: string;
  call: NativeFn;
}

export interface ProcessListFn extends Bound {
  /** Bytes per element of the infos array this entry point writes. */
  stride: number;
}

/** The NVML entry points headroom uses; optional ones are null when this driver lacks them. */
export interface NvmlApi {
  init: Bound;
  shutdown: Bound;
  errorString: Bound | null;
  driverVersion: Bound | null;
  nvmlVersion: Bound | null;
  deviceCount: Bound;
  handleByIndex: Bound;
  name: Bound | null;
  uuid: Bound | null;
  pciInfo: Bound | null;
  utilization: Bound | null;
  memoryV2: Bound | null;
  memory: Bound | null;
  temperature: Bound | null;
  powerUsage: Bound | null;
  powerLimit: Bound | null;
  fanSpeed: Bound | null;
  clock: Bound | null;
  computeProcesses: ProcessListFn | null;
  graphicsProcesses: ProcessListFn | null;
}

/** Why NVML could not be used: a sentence for `reason`, and the NVML code when it has one. */
export class NvmlUnavailable extends Error {
  constructor(
    message: string,
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'NvmlUnavailable';
  }
}

interface KoffiLib {
  func(name: string, result: string, args: string[]): NativeFn;
}
interface KoffiModule {
  load(path: string): KoffiLib;
}

async function importKoffi(): Promise<KoffiModule> {
  try {
    const mod = (await import('koffi')) as unknown as { default?: KoffiModule } & KoffiModule;
    return mod.default ?? mod;
  } catch (err) {
    throw new NvmlUnavailable(`the FFI module koffi cannot be loaded on this platform: ${(err as Error).message}`);
  }
}

/** Load the first library that opens: the explicit path alone, or the search list. */
export async function loadNvmlLibrary(explicit: string | null): Promise<{ lib: KoffiLib; path: string }> {
  const koffi = await importKoffi();
  const candidates = explicit ? [explicit] : NVML_SEARCH_PATHS;
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return { lib: koffi.load(path), path };
    } catch (err) {
      failures.push(`${path}: ${(err as Error).message.replace(/^Failed to load shared library: /, '')}`);
    }
  }
  if (explicit) throw new NvmlUnavailable(`cannot load the NVML library ${failures[0]}`);
  throw new NvmlUnavailable(
    `${NVML_SONAME} not found (no NVIDIA driver installed, or it is outside the linker's path); ` +
      'set collectors.gpu_monitor.nvml_library or HEADROOM_NVML_LIB to its path',
  );
}

function bindFirst(lib: KoffiLib, names: string[], result: string, args: string[]): Bound | null {
  for (const name of names) {
    try {
      return { name, call: lib.func(name, result, args) };
    } catch {
      // This driver predates (or dropped) this entry point: try the next, older one.
    }
  }
  return null;
}

function bindProcessList(lib: KoffiLib, base: string): ProcessListFn | null {
  const args = ['void *', 'void *', 'void *'];
  const v2 = bindFirst(lib, [`${base}_v3`, `${base}_v2`], 'int', args);
  if (v2) return { ...v2, stride: PROCESS_INFO_V2.size };
  const v1 = bindFirst(lib, [base], 'int', args);
  return v1 ? { ...v1, stride: PROCESS_INFO_V1.size } : null;
}

export function bindNvml(lib: KoffiLib): NvmlApi {
  const P = 'void *';
  const required = (names: string[], args: string[]): Bound => {
    const b = bindFirst(lib, names, 'int', args);
    if (!b) throw new NvmlUnavailable(`the library has no ${names.join(' or ')}: not an NVML library`);
    return b;
  };
  return {
    init: required(['nvmlInit_v2', 'nvmlInit'], []),
    shutdown: required(['nvmlShutdown'], []),
    errorString: bindFirst(lib, ['nvmlErrorString'], 'const char *', ['int']),
    driverVersion: bindFirst(lib, ['nvmlSystemGetDriverVersion'], 'int', [P, 'uint']),
    nvmlVersion: bindFirst(lib, ['nvmlSystemGetNVMLVersion'], 'int', [P, 'uint']),
    deviceCount: required(['nvmlDeviceGetCount_v2', 'nvmlDeviceGetCount'], [P]),
    handleByIndex: required(['nvmlDeviceGetHandleByIndex_v2', 'nvmlDeviceGetHandleByIndex'], ['uint', P]),
    name: bindFirst(lib, ['nvmlDeviceGetName'], 'int', [P, P, 'uint']),
    uuid: bindFirst(lib, ['nvmlDeviceGetUUID'], 'int', [P, P, 'uint']),
    pciInfo: bindFirst(lib, ['nvmlDeviceGetPciInfo_v3', 'nvmlDeviceGetPciInfo_v2'], 'int', [P, P]),
    utilization: bindFirst(lib, ['nvmlDeviceGetUtilizationRates'], 'int', [P, P]),
    memoryV2: bindFirst(lib, ['nvmlDeviceGetMemoryInfo_v2'], 'int', [P, P]),
    memory: bindFirst(lib, ['nvmlDeviceGetMemoryInfo'], 'int', [P, P]),
    temperature: bindFirst(lib, ['nvmlDeviceGetTemperature'], 'int', [P, 'int', P]),
    powerUsage: bindFirst(lib, ['nvmlDeviceGetPowerUsage'], 'int', [P, P]),
    powerLimit: bindFirst(lib, ['nvmlDeviceGetEnforcedPowerLimit', 'nvmlDeviceGetPowerManagementLimit'], 'int', [P, P]),
    fanSpeed: bindFirst(lib, ['nvmlDeviceGetFanSpeed'], 'int', [P, P]),
    clock: bindFirst(lib, ['nvmlDeviceGetClockInfo'], 'int', [P, 'int', P]),
    computeProcesses: bindProcessList(lib, 'nvmlDeviceGetComputeRunningProcesses'),
    graphicsProcesses: bindProcessList(lib, 'nvmlDeviceGetGraphicsRunningProcesses'),
  };
}

/** "NVML_ERROR_NOT_SUPPORTED (Not Supported)": the symbolic name and NVML's own sentence. */
export function nvmlErrorText(api: Pick<NvmlApi, 'errorString'>, code: number): string {
  let text: string | null = null;
  try {
    const s = api.errorString?.call(code);
    text = typeof s === 'string' && s.length > 0 ? s : null;
  } catch {
    text = null;
  }
  const name = nvmlReturnName(code);
  return text && text !== name ? `${name} (${text})` : name;
}

/** A NUL-terminated string out of a char buffer. */
export function cString(buf: Buffer, offset = 0, size = buf.length - offset): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 || end > offset + size ? offset + size : end).trim();
}

/**
 * An initialised NVML: init once (on a worker thread — nvmlInit can take seconds while the
 * driver brings GPUs up), shutdown once on close. NVML reference-counts init/shutdown, so a
 * reload that opens a new session before the old one closes is safe.
 */
export class NvmlSession {
  private closed = false;

  private constructor(
    readonly api: NvmlApi,
    readonly library: string,
    readonly driverVersion: string | null,
    readonly nvmlVersion: string | null,
  ) {}

  static async open(explicitLibrary: string | null): Promise<NvmlSession> {
    const { lib, path } = await loadNvmlLibrary(explicitLibrary);
    const api = bindNvml(lib);
    const rc = await new Promise<number>((resolve, reject) => {
      api.init.call.async((err: unknown, code: number) => (err ? reject(err) : resolve(code)));
    });
    if (rc !== NVML_SUCCESS) throw new NvmlUnavailable(`${api.init.name} failed: ${nvmlErrorText(api, rc)}`, rc);
    const version = (fn: Bound | null): string | null => {
      if (!fn) return null;
      const buf = Buffer.alloc(Math.max(VERSION_BUFFER_SIZE, NAME_BUFFER_SIZE));
      return fn.call(buf, buf.length) === NVML_SUCCESS ? cString(buf) || null : null;
    };
    return new NvmlSession(api, path, version(api.driverVersion), version(api.nvmlVersion));
  }

  /** Number of GPUs NVML sees; throws NvmlUnavailable with the NVML error otherwise. */
  deviceCount(): number {
    const out = Buffer.alloc(4);
    const rc = this.api.deviceCount.call(out) as number;
    if (rc !== NVML_SUCCESS) throw new NvmlUnavailable(`${this.api.deviceCount.name} failed: ${nvmlErrorText(this.api, rc)}`, rc);
    return out.readUInt32LE(0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.api.shutdown.call();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
