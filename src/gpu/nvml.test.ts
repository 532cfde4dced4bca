import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeNvml, scenarioPath, writeScenario } from '../../test/fixtures/nvml/build.js';
import { fakeNvmlStats } from '../../test/fixtures/nvml/stats.js';
import { readNvmlDevice } from './nvml-device.js';
import { NvmlSession, NvmlUnavailable } from './nvml-lib.js';

/**
 * The FFI layer against the fake libnvidia-ml.so.1 (test/fixtures/nvml/fake-nvml.c), loaded
 * through the same koffi code path as the real library. Values are the scenario files'.
 */
let lib: string;
let legacy: string;
const open: NvmlSession[] = [];

beforeAll(() => {
  lib = buildFakeNvml('current');
  legacy = buildFakeNvml('legacy');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function session(scenario: string, path = lib): Promise<NvmlSession> {
  process.env.FAKE_NVML_SCENARIO = scenario;
  const s = await NvmlSession.open(path);
  open.push(s);
  return s;
}

const GiB = 2 ** 30;

describe('NVML through koffi (fake library)', () => {
  it('one GPU: every field, with the newest entry points bound', async () => {
    const s = await session(scenarioPath('one-gpu'));
    expect(s.driverVersion).toBe('550.54.14');
    expect(s.library).toBe(lib);
    expect([s.api.init.name, s.api.deviceCount.name, s.api.handleByIndex.name, s.api.memoryV2?.name, s.api.pciInfo?.name]).toEqual([
      'nvmlInit_v2',
      'nvmlDeviceGetCount_v2',
      'nvmlDeviceGetHandleByIndex_v2',
      'nvmlDeviceGetMemoryInfo_v2',
      'nvmlDeviceGetPciInfo_v3',
    ]);
    expect(s.api.computeProcesses).toMatchObject({ name: 'nvmlDeviceGetComputeRunningProcesses_v3', stride: 24 });
    expect(s.deviceCount()).toBe(1);
    const total = 25757220864;
    const used = 10334765056;
    const reserved = 402653184;
    expect(readNvmlDevice(s.api, 0)).toEqual({
      index: 0,
      error: null,
      name: 'NVIDIA GeForce RTX 4090',
      uuid: 'GPU-5c3b1f7e-2a4d-4b0e-9c61-0d7f3a9e8b21',
      pci_bus_id: '0000:01:00.0',
      pci_id: '10de:2684',
      util_gpu_pct: 37,
      util_mem_pct: 12,
      mem_total_bytes: total,
      mem_free_bytes: total - used - reserved,
      mem_used_bytes: used + reserved,
      mem_reserved_bytes: reserved,
      temp_c: 54,
      power_w: 215.34,
      power_limit_w: 450,
      fan_pct: 41,
      sm_mhz: 2520,
      mem_mhz: 10501,
      processes: [
        { pid: 1350, used_bytes: 8 * GiB, type: 'compute', gpu_instance_id: null, compute_instance_id: null },
        { pid: 1903, used_bytes: 256 * 2 ** 20, type: 'graphics', gpu_instance_id: null, compute_instance_id: null },
      ],
      reasons: {},
    });
  });

  it('NOT_SUPPORTED fields are null with the NVML error; a process in both lists counts once; NA memory is null', async () => {
    const s = await session(scenarioPath('two-gpus'));
    expect(s.deviceCount()).toBe(2);
    const a6000 = readNvmlDevice(s.api, 0);
    expect(a6000.processes).toEqual([
      { pid: 301442, used_bytes: 40 * GiB, type: 'compute', gpu_instance_id: null, compute_instance_id: null },
      { pid: 602344, used_bytes: 768 * 2 ** 20, type: 'compute+graphics', gpu_instance_id: null, compute_instance_id: null },
    ]);
    const t4 = readNvmlDevice(s.api, 1);
    expect(t4).toMatchObject({ name: 'Tesla T4', temp_c: 38, power_w: 27.45, power_limit_w: null, fan_pct: null, sm_mhz: null, mem_mhz: null });
    expect(t4.reasons).toEqual({
      power_limit_w: 'nvmlDeviceGetEnforcedPowerLimit: NVML_ERROR_NOT_SUPPORTED (Not Supported)',
      fan_pct: 'nvmlDeviceGetFanSpeed: NVML_ERROR_NOT_SUPPORTED (Not Supported)',
      'clocks.sm_mhz': 'nvmlDeviceGetClockInfo: NVML_ERROR_NOT_SUPPORTED (Not Supported)',
      'clocks.mem_mhz': 'nvmlDeviceGetClockInfo: NVML_ERROR_NOT_SUPPORTED (Not Supported)',
    });
    expect(t4.processes).toEqual([{ pid: 4242424, used_bytes: null, type: 'compute', gpu_instance_id: 1, compute_instance_id: 0 }]);
  });

  it('a GPU that fell off the bus gives an entry with the error; the other is read', async () => {
    const s = await session(scenarioPath('lost-gpu'));
    expect(s.deviceCount()).toBe(2);
    expect(readNvmlDevice(s.api, 0)).toMatchObject({ name: 'NVIDIA L4', error: null, fan_pct: null, temp_c: 44 });
    expect(readNvmlDevice(s.api, 1)).toMatchObject({ error: 'nvmlDeviceGetHandleByIndex_v2(1) failed: NVML_ERROR_GPU_IS_LOST (GPU is lost)', name: null, processes: null });
  });

  it('no GPU: a count of 0', async () => {
    expect((await session(scenarioPath('zero-gpus'))).deviceCount()).toBe(0);
  });

  it('init failure: NvmlUnavailable with the NVML error string and code', async () => {
    process.env.FAKE_NVML_SCENARIO = scenarioPath('init-fails');
    const err = await NvmlSession.open(lib).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NvmlUnavailable);
    expect(err).toMatchObject({ code: 9, message: 'nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (Driver Not Loaded)' });
  });

  it('an old driver without the _v2/_v3 entry points: the fallbacks give the same figures', async () => {
    const s = await session(scenarioPath('one-gpu'), legacy);
    expect([s.api.init.name, s.api.deviceCount.name, s.api.memoryV2, s.api.memory?.name, s.api.pciInfo]).toEqual(['nvmlInit', 'nvmlDeviceGetCount', null, 'nvmlDeviceGetMemoryInfo', null]);
    expect(s.api.computeProcesses).toMatchObject({ name: 'nvmlDeviceGetComputeRunningProcesses', stride: 16 });
    const d = readNvmlDevice(s.api, 0);
    expect(d).toMatchObject({ mem_used_bytes: 10737418240, mem_reserved_bytes: null, pci_bus_id: null, util_gpu_pct: 37 });
    expect(d.reasons).toEqual({ pci_bus_id: 'not in this NVML version' });
    expect(d.processes?.map((p) => [p.pid, p.used_bytes])).toEqual([
      [1350, 8 * GiB],
      [1903, 256 * 2 ** 20],
    ]);
  });

  it('a process list longer than the first buffer: NVML_ERROR_INSUFFICIENT_SIZE, then all of it', async () => {
    const procs = Array.from({ length: 45 }, (_, i) => `compute ${1000 + i} ${(i + 1) * 2 ** 20}`).join('\n');
    const s = await session(writeScenario('many', `device\nname Big\nmemory 1073741824 0 0\n${procs}\n`));
    const d = readNvmlDevice(s.api, 0);
    expect(d.processes).toHaveLength(45);
    expect(d.processes![0]).toMatchObject({ pid: 1044, used_bytes: 45 * 2 ** 20 });
    expect(new Set(d.processes!.map((p) => p.pid)).size).toBe(45);
  });

  it('init and shutdown pair up: one reference per session', async () => {
    const before = fakeNvmlStats(lib);
    const a = await session(scenarioPath('one-gpu'));
    const b = await session(scenarioPath('one-gpu'));
    expect(fakeNvmlStats(lib).live).toBe(before.live + 2);
    a.close();
    a.close();
    b.close();
    const after = fakeNvmlStats(lib);
    expect(after.live).toBe(before.live);
    expect(after.inits - before.inits).toBe(2);
    expect(after.shutdowns - before.shutdowns).toBe(2);
  });

  it('a missing library, and a library that is not NVML', async () => {
    await expect(NvmlSession.open('/nonexistent/libnvidia-ml.so.1')).rejects.toThrow(/^cannot load the NVML library \/nonexistent\/libnvidia-ml\.so\.1: .*No such file/);
    await expect(NvmlSession.open('libc.so.6')).rejects.toThrow('the library has no nvmlInit_v2 or nvmlInit: not an NVML library');
  });
});
