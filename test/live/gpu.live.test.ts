/**
 * Live: gpu_monitor against the real libnvidia-ml.so.1 on a machine with an NVIDIA GPU. Skips,
 * saying why, where NVML cannot start (no driver, no GPU: every CI runner without one).
 *
 *  - the shapes and identities agree with nvidia-smi (when installed: it is only a reference
 *    for the test, never used by the collector);
 *  - per-process VRAM: the test allocates GPU memory itself through the CUDA driver API
 *    (libcuda.so.1, loaded with koffi like NVML) and expects its own pid to appear with that
 *    much more memory.
 */
import { execFileSync } from 'node:child_process';
import koffi from 'koffi';
import { afterAll, describe, expect, it } from 'vitest';
import { type GpuPayload, gpuMonitor } from '../../src/collectors/gpu.js';
import { systemClock } from '../../src/core/clock.js';
import { DEFAULT_ROOTS } from '../../src/host/hostfs.js';
import { NvmlSession } from '../../src/gpu/nvml-lib.js';
import { makeCollectorContext } from '../helpers/collector-context.js';

const why: string | null = await NvmlSession.open(null).then(
  (s) => {
    const count = s.deviceCount();
    s.close();
    return count > 0 ? null : 'NVML sees no GPU';
  },
  (err: unknown) => (err as Error).message,
);

function nvidiaSmi(args: string[]): string[][] | null {
  try {
    const out = execFileSync('nvidia-smi', [...args, '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 20_000 });
    return out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(',').map((c) => c.trim()));
  } catch {
    return null;
  }
}

const MiB = 2 ** 20;
const { ctx } = makeCollectorContext<Record<string, unknown>>(DEFAULT_ROOTS, { name: 'gpu_monitor', clock: systemClock });
const tick = (): Promise<GpuPayload> => gpuMonitor.collect(ctx as never);
afterAll(async () => {
  await gpuMonitor.close!(ctx as never);
});

describe.skipIf(why !== null)(`real NVML${why ? ` (skipped: ${why})` : ''}`, () => {
  it('every NVIDIA GPU, with the identities and figures nvidia-smi shows', async (t) => {
    const p = await tick();
    const nv = p.gpus.filter((g) => g.vendor === 'nvidia');
    expect(p.available).toBe(true);
    expect(p.nvml.available).toBe(true);
    expect(p.nvml.driver_version).toMatch(/^\d+\.\d+/);
    expect(nv.length).toBe(p.nvml.device_count);
    for (const g of nv) {
      expect(g.available, g.error ?? '').toBe(true);
      expect(g.uuid).toMatch(/^(GPU|MIG)-/);
      expect(g.vram_total_gb).toBeGreaterThan(0);
      expect(g.vram_pct).toBeGreaterThanOrEqual(0);
      expect(g.vram_pct).toBeLessThanOrEqual(100);
      expect(g.pci_bus_id).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
      // Every null field says why.
      for (const f of ['util_pct', 'temp_c', 'power_w', 'fan_pct'] as const) if (g[f] === null) expect(g.reasons[f], f).toBeTruthy();
    }
    expect(p.vram_pct).toBe(nv[0]!.vram_pct);

    const smi = nvidiaSmi(['--query-gpu=uuid,name,memory.total,memory.used,memory.free,temperature.gpu,pci.bus_id']);
    if (!smi) t.skip('nvidia-smi not installed: identities checked against NVML only');
    for (const [uuid, name, total, , free, temp, bus] of smi!) {
      const g = nv.find((x) => x.uuid === uuid);
      expect(g, `GPU ${uuid} from nvidia-smi`).toBeDefined();
      expect(g!.name).toBe(name);
      expect(g!.pci_bus_id).toBe(bus!.toLowerCase().replace(/^0000([0-9a-f]{4}:)/, '$1'));
      expect(Math.abs(g!.vram_total_gb! * 1024 - Number(total))).toBeLessThan(16);
      // Memory moves between the two reads: within 256 MiB.
      expect(Math.abs((g!.vram_total_gb! - g!.vram_used_gb!) * 1024 - Number(free))).toBeLessThan(256);
      if (g!.temp_c !== null) expect(Math.abs(g!.temp_c - Number(temp))).toBeLessThanOrEqual(5);
    }
  });

  it('per-process VRAM: 1 GiB allocated here through CUDA shows up under this pid', async (t) => {
    let cuda: ReturnType<typeof koffi.load>;
    try {
      cuda = koffi.load('libcuda.so.1');
    } catch (err) {
      t.skip(`libcuda.so.1 cannot be loaded: ${(err as Error).message}`);
      return;
    }
    const P = 'void *';
    const cuInit = cuda.func('cuInit', 'int', ['uint']);
    const cuDeviceGet = cuda.func('cuDeviceGet', 'int', [P, 'int']);
    const cuDeviceGetPCIBusId = cuda.func('cuDeviceGetPCIBusId', 'int', [P, 'int', 'int']);
    const cuCtxCreate = cuda.func('cuCtxCreate_v2', 'int', [P, 'uint', 'int']);
    const cuCtxDestroy = cuda.func('cuCtxDestroy_v2', 'int', [P]);
    const cuMemAlloc = cuda.func('cuMemAlloc_v2', 'int', [P, 'size_t']);
    const cuMemFree = cuda.func('cuMemFree_v2', 'int', ['uint64']);
    expect(cuInit(0)).toBe(0);
    const dev = Buffer.alloc(4);
    expect(cuDeviceGet(dev, 0)).toBe(0);
    const busBuf = Buffer.alloc(64);
    expect(cuDeviceGetPCIBusId(busBuf, 64, dev.readInt32LE(0))).toBe(0);
    const bus = busBuf.toString('utf8', 0, busBuf.indexOf(0)).toLowerCase();
    const ctxBuf = Buffer.alloc(8);
    expect(cuCtxCreate(ctxBuf, 0, dev.readInt32LE(0))).toBe(0);
    const cuCtx = ctxBuf.readBigUInt64LE(0);
    const ptr = Buffer.alloc(8);
    try {
      const mine = async () => {
        const p = await tick();
        const g = p.gpus.find((x) => x.vendor === 'nvidia' && x.pci_bus_id !== null && bus.endsWith(x.pci_bus_id.slice(-7)));
        return { g, proc: g?.processes.find((x) => x.pid === process.pid) };
      };
      const base = await mine();
      expect(base.g, `the CUDA device ${bus} among NVML's GPUs`).toBeDefined();
      if (!base.proc) {
        t.skip(`pid ${process.pid} not in NVML's list (a PID namespace: NVML reports host pids); processes: ${JSON.stringify(base.g!.processes)}`);
        return;
      }
      expect(cuMemAlloc(ptr, 1024 * MiB)).toBe(0);
      const after = await mine();
      expect(after.proc).toBeDefined();
      // The allocation itself, in 2 MiB pages; the context was already there.
      expect(after.proc!.vram_mb! - base.proc.vram_mb!).toBeGreaterThanOrEqual(1024);
      expect(after.proc!.vram_mb! - base.proc.vram_mb!).toBeLessThanOrEqual(1024 + 64);
      expect(after.proc).toMatchObject({ type: expect.stringMatching(/compute/), reason: null });
      expect(after.proc!.name).toBeTruthy();
      expect(after.proc!.user).toBeTruthy();
      const apps = nvidiaSmi(['--query-compute-apps=pid,used_memory']);
      const row = apps?.find(([pid]) => Number(pid) === process.pid);
      if (row) expect(Math.abs(Number(row[1]) - after.proc!.vram_mb!)).toBeLessThanOrEqual(64);
    } finally {
      if (ptr.readBigUInt64LE(0) !== 0n) cuMemFree(ptr.readBigUInt64LE(0));
      cuCtxDestroy(cuCtx);
    }
  });

  it('reads again on later ticks without starting NVML again', async () => {
    const a = await tick();
    const b = await tick();
    expect(b.nvml.library).toBe(a.nvml.library);
    expect(b.gpus.map((g) => g.uuid)).toEqual(a.gpus.map((g) => g.uuid));
  });
});
