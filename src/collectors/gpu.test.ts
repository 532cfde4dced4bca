import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Payload } from '../core/collector.js';
import { DEFAULT_ROOTS, type HostRoots } from '../host/hostfs.js';
import { extractMetric } from '../shared/metrics.js';
import { buildFakeNvml, scenarioPath, writeScenario } from '../../test/fixtures/nvml/build.js';
import { fakeNvmlStats } from '../../test/fixtures/nvml/stats.js';
import { fixtureHost, fixtureRoots, makeCollectorContext, type TestContext } from '../../test/helpers/collector-context.js';
import { type GpuPayload, gpuMonitor, NVML_RETRY_MS } from './gpu.js';

/**
 * gpu_monitor with the fake libnvidia-ml.so.1 (0, 1, 2 GPUs, a lost GPU, an init failure)
 * pointed at by `collectors.gpu_monitor.nvml_library`, over fixture hosts: the VM (no DRM
 * GPU), the workstation (two amdgpu cards; its /proc names the NVML pids) and the laptop
 * (Intel iGPU).
 */
const VM = fixtureHost('debian12-vm-2c');
const WORKSTATION = fixtureHost('workstation-zram-nfs');
const LAPTOP = fixtureHost('laptop-battery-browsers');
let lib: string;
interface Setup extends TestContext<Record<string, unknown>> {
  tick(): Promise<GpuPayload>;
}
const contexts: Setup[] = [];

beforeAll(() => {
  lib = buildFakeNvml('current');
});
afterEach(async () => {
  for (const t of contexts.splice(0)) await gpuMonitor.close!(t.ctx as never);
  delete process.env.HEADROOM_NVML_LIB;
});

function setup(roots: HostRoots, scenario: string | null, options: Record<string, unknown> = {}, latest: Record<string, Payload> = {}): Setup {
  if (scenario) process.env.FAKE_NVML_SCENARIO = scenarioPath(scenario);
  const t = makeCollectorContext<Record<string, unknown>>(roots, { name: 'gpu_monitor' });
  t.ctx.options = { nvml_library: lib, ...options };
  t.ctx.latest = (name) => latest[name];
  const tick = (): Promise<GpuPayload> => gpuMonitor.collect(t.ctx as never);
  const ctx = { ...t, tick };
  contexts.push(ctx);
  return ctx;
}

const trees: string[] = [];
afterAll(() => {
  for (const d of trees) rmSync(d, { recursive: true, force: true });
});
function tree(files: Record<string, string>): HostRoots {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-gpu-'));
  trees.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  mkdirSync(join(dir, 'proc'), { recursive: true });
  return fixtureRoots(dir);
}

describe('gpu_monitor with NVML (fake library)', () => {
  it('no GPU at all: available false with the reasons of both sources', async () => {
    const p = await setup(VM, 'zero-gpus').tick();
    expect(p.available).toBe(false);
    expect(p.reason).toBe(`no GPU: NVML sees no NVIDIA GPU; no AMD or Intel GPU in ${VM.sysRoot}/class/drm`);
    expect(p).toMatchObject({ gpu_count: 0, gpus: [], util_pct: null, vram_pct: null });
    expect(p.nvml).toMatchObject({ available: true, device_count: 0, driver_version: '550.54.14', library: lib });
  });

  it('one GPU: the flat fields mirror gpus[0]; processes named from /proc with user and service', async () => {
    const p = await setup(WORKSTATION, 'one-gpu').tick();
    expect(p.available).toBe(true);
    const g = p.gpus[0]!;
    // 10 GiB not free (9856 MiB used + 384 MiB reserved) of 24564 MiB.
    expect(g).toMatchObject({
      index: 0,
      vendor: 'nvidia',
      source: 'nvml',
      name: 'NVIDIA GeForce RTX 4090',
      uuid: 'GPU-5c3b1f7e-2a4d-4b0e-9c61-0d7f3a9e8b21',
      pci_bus_id: '0000:01:00.0',
      util_pct: 37,
      mem_util_pct: 12,
      vram_used_gb: 10,
      vram_total_gb: 23.99,
      vram_reserved_gb: 0.38,
      vram_pct: 41.7,
      temp_c: 54,
      power_w: 215.3,
      power_limit_w: 450,
      fan_pct: 41,
      clocks: { sm_mhz: 2520, mem_mhz: 10501 },
      reasons: {},
    });
    expect((10 * 2 ** 30) / 25757220864).toBeCloseTo(0.41687, 5);
    expect({ util_pct: p.util_pct, vram_used_gb: p.vram_used_gb, vram_total_gb: p.vram_total_gb, vram_pct: p.vram_pct, temp_c: p.temp_c, power_w: p.power_w }).toEqual({
      util_pct: g.util_pct,
      vram_used_gb: g.vram_used_gb,
      vram_total_gb: g.vram_total_gb,
      vram_pct: g.vram_pct,
      temp_c: g.temp_c,
      power_w: g.power_w,
    });
    expect(g.processes).toEqual([
      { pid: 1350, name: 'ollama', user: 'ollama', service: 'ollama.service', vram_mb: 8192, type: 'compute', gpu_instance_id: null, compute_instance_id: null, reason: null },
      { pid: 1903, name: 'gnome-shell', user: 'dana', service: 'org.gnome.Shell@wayland.service', vram_mb: 256, type: 'graphics', gpu_instance_id: null, compute_instance_id: null, reason: null },
    ]);
  });

  it('two GPUs beside two AMD cards: NVIDIA first, then AMD by memory; NOT_SUPPORTED fields explained', async () => {
    const p = await setup(WORKSTATION, 'two-gpus').tick();
    expect(p.gpus.map((g) => [g.index, g.vendor, g.name])).toEqual([
      [0, 'nvidia', 'NVIDIA RTX A6000'],
      [1, 'nvidia', 'Tesla T4'],
      [2, 'amd', 'AMD GPU [1002:744c]'],
      [3, 'amd', 'AMD GPU [1002:164e]'],
    ]);
    expect(p.gpu_count).toBe(4);
    const [a6000, t4] = p.gpus;
    expect(a6000!.processes.map((x) => [x.pid, x.name, x.service, x.vram_mb, x.type])).toEqual([
      [301442, 'vllm', 'vllm.service', 40960, 'compute'],
      [602344, 'python3', 'jupyter-lab.service', 768, 'compute+graphics'],
    ]);
    expect(t4).toMatchObject({ fan_pct: null, power_limit_w: null, clocks: { sm_mhz: null, mem_mhz: null }, vram_pct: 1.7 });
    expect(t4!.reasons.fan_pct).toBe('nvmlDeviceGetFanSpeed: NVML_ERROR_NOT_SUPPORTED (Not Supported)');
    expect(t4!.processes).toEqual([
      expect.objectContaining({ pid: 4242424, name: null, vram_mb: null, gpu_instance_id: 1, compute_instance_id: 0, reason: expect.stringMatching(/not in this \/proc/) }),
    ]);
  });

  it('a lost GPU is listed unavailable with its error; the rest reports', async () => {
    const p = await setup(VM, 'lost-gpu').tick();
    expect(p.available).toBe(true);
    expect(p.gpus.map((g) => [g.available, g.error])).toEqual([
      [true, null],
      [false, 'nvmlDeviceGetHandleByIndex_v2(1) failed: NVML_ERROR_GPU_IS_LOST (GPU is lost)'],
    ]);
    expect(p.vram_pct).toBe(p.gpus[0]!.vram_pct);
  });

  it('init failure: the NVML error string; on the workstation the AMD cards still report', async () => {
    const vm = await setup(VM, 'init-fails').tick();
    expect(vm.available).toBe(false);
    expect(vm.reason).toMatch(/^no GPU: nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED \(Driver Not Loaded\);/);
    const ws = await setup(WORKSTATION, 'init-fails').tick();
    expect(ws.available).toBe(true);
    expect(ws.nvml).toMatchObject({ available: false, reason: 'nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (Driver Not Loaded)' });
    expect(ws.gpus.map((g) => g.vendor)).toEqual(['amd', 'amd']);
  });

  it('init once per collector, shut down on close; a failed start is retried after NVML_RETRY_MS', async () => {
    const before = fakeNvmlStats(lib);
    const t = setup(VM, 'init-fails');
    expect((await t.tick()).nvml.available).toBe(false);
    process.env.FAKE_NVML_SCENARIO = scenarioPath('one-gpu');
    t.clock.advance(NVML_RETRY_MS / 2);
    expect((await t.tick()).nvml.available).toBe(false);
    t.clock.advance(NVML_RETRY_MS / 2);
    for (let i = 0; i < 3; i++) {
      expect((await t.tick()).gpu_count).toBe(1);
      t.clock.advance(2000);
    }
    const open = fakeNvmlStats(lib);
    expect(open.inits - before.inits).toBe(2);
    expect(open.live - before.live).toBe(1);
    await gpuMonitor.close!(t.ctx as never);
    expect(fakeNvmlStats(lib).live).toBe(before.live);
  });

  it('closed while nvmlInit still runs: the late session is given straight back', async () => {
    const before = fakeNvmlStats(lib);
    const t = setup(VM, 'one-gpu');
    const pending = t.tick();
    // Wait until nvmlInit has been handed to its worker thread, then stop the collector.
    while (!t.ctx.state.opening) await new Promise((r) => setImmediate(r));
    await gpuMonitor.close!(t.ctx as never);
    const p = await pending;
    const after = fakeNvmlStats(lib);
    expect(after.inits - before.inits).toBe(1);
    expect(after.shutdowns - before.shutdowns).toBe(1);
    expect(after.live).toBe(before.live);
    expect(p.gpu_count).toBe(0);
  });

  it('service_monitor names the service that owns a pid', async () => {
    const latest = { service_monitor: { available: true, services: [{ name: 'llm-server', pids: [1350, 1351] }] } };
    const p = await setup(WORKSTATION, 'one-gpu', {}, latest).tick();
    expect(p.gpus[0]!.processes.map((x) => [x.pid, x.service])).toEqual([
      [1350, 'llm-server'],
      [1903, 'org.gnome.Shell@wayland.service'],
    ]);
  });
});

describe('gpu_monitor on this machine’s /proc', () => {
  it('a pid NVML reports is named from the live /proc: this test process, its user', async () => {
    const scenario = writeScenario('self', `device\nname Fake\nmemory 1073741824 0 0\ncompute ${process.pid} 536870912\n`);
    process.env.FAKE_NVML_SCENARIO = scenario;
    const t = setup(DEFAULT_ROOTS, null);
    const p = await t.tick();
    const name = /^Name:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    expect(p.gpus[0]!.processes).toEqual([expect.objectContaining({ pid: process.pid, name, user: userInfo().username, vram_mb: 512, reason: null })]);
  });
});

describe('gpu_monitor options and absent NVML', () => {
  it('nvml: false, a missing explicit library, a wrong option type', async () => {
    expect((await setup(VM, null, { nvml: false }).tick()).nvml.reason).toBe('NVML switched off (collectors.gpu_monitor.nvml: false)');
    expect((await setup(VM, null, { nvml_library: '/nonexistent/libnvidia-ml.so.1' }).tick()).reason).toMatch(
      /^no GPU: cannot load the NVML library \/nonexistent\/libnvidia-ml\.so\.1: /,
    );
    expect((await setup(VM, null, { nvml_library: 42 }).tick()).nvml.reason).toBe('collectors.gpu_monitor.nvml_library must be a path (a string)');
  });

  it('HEADROOM_NVML_LIB points at the library when the config does not', async () => {
    process.env.HEADROOM_NVML_LIB = lib;
    process.env.FAKE_NVML_SCENARIO = scenarioPath('one-gpu');
    const t = makeCollectorContext<Record<string, unknown>>(VM, { name: 'gpu_monitor' });
    contexts.push({ ...t, tick: () => gpuMonitor.collect(t.ctx as never) });
    const p = await gpuMonitor.collect(t.ctx as never);
    expect(p.nvml.library).toBe(lib);
    expect(p.gpu_count).toBe(1);
  });

  it('an NVIDIA card in DRM that NVML cannot read is named in the reason', async () => {
    const roots = tree({ 'sys/class/drm/card0/device/uevent': 'DRIVER=nvidia\nPCI_ID=10DE:2684\nPCI_SLOT_NAME=0000:01:00.0\n' });
    const p = await setup(roots, null, { nvml_library: '/nonexistent/libnvidia-ml.so.1' }).tick();
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/; NVIDIA GPU present \(0000:01:00\.0\) but NVML cannot read it;/);
    expect(p.drm.nvidia_cards).toEqual(['0000:01:00.0']);
  });

  it('every NVIDIA GPU runtime-suspended: NVML is not started (it would wake them) unless wake_suspended', async () => {
    const roots = tree({
      'sys/bus/pci/devices/0000:01:00.0/vendor': '0x10de\n',
      'sys/bus/pci/devices/0000:01:00.0/class': '0x030200\n',
      'sys/bus/pci/devices/0000:01:00.0/power/runtime_status': 'suspended\n',
      'sys/bus/pci/devices/0000:00:1f.3/vendor': '0x8086\n',
      'sys/bus/pci/devices/0000:00:1f.3/class': '0x040380\n',
    });
    const before = fakeNvmlStats(lib).inits;
    const asleep = await setup(roots, 'one-gpu').tick();
    expect(asleep.nvml.reason).toMatch(/^every NVIDIA GPU is runtime-suspended/);
    expect(fakeNvmlStats(lib).inits).toBe(before);
    const woken = await setup(roots, 'one-gpu', { wake_suspended: true }).tick();
    expect(woken.gpu_count).toBe(1);
  });
});

describe('gpu_monitor over DRM sysfs', () => {
  it('workstation: the RX 7900 XTX first (more VRAM), then the iGPU (HOST.md figures)', async () => {
    const p = await setup(WORKSTATION, null, { nvml: false }).tick();
    expect(p).toMatchObject({ available: true, util_pct: 37, vram_used_gb: 9, vram_total_gb: 23.98, vram_pct: 37.5, temp_c: 52, power_w: 138, gpu_count: 2 });
    expect(p.gpus[0]).toMatchObject({
      card: 'card1',
      vendor: 'amd',
      source: 'amdgpu',
      pci_bus_id: '0000:03:00.0',
      pci_id: '1002:744c',
      mem_util_pct: 12,
      vram_free_gb: 14.98,
      gtt_used_gb: 0.19,
      gtt_total_gb: 31.36,
      temp_junction_c: 61,
      temp_mem_c: 58,
      power_limit_w: 355,
      fan_pct: 34.9,
      fan_rpm: 1150,
      clocks: { sm_mhz: 2413, mem_mhz: 1249 },
      reasons: {},
    });
    expect(p.gpus[1]).toMatchObject({ card: 'card0', util_pct: 2, mem_util_pct: null, vram_pct: 21.1, temp_c: 45, power_w: null, clocks: { sm_mhz: 600, mem_mhz: null } });
    expect(p.gpus[1]!.reasons.power_w).toBe('not reported by amdgpu on this card');
    expect(p.gpus[0]!.processes_reason).toMatch(/NVIDIA GPUs only/);
  });

  it('laptop: the Intel iGPU is reported present with its clock; memory figures null with the reason', async () => {
    const p = await setup(LAPTOP, null, { nvml: false }).tick();
    expect(p.available).toBe(true);
    expect(p.gpus).toHaveLength(1);
    expect(p.gpus[0]).toMatchObject({ vendor: 'intel', source: 'i915', card: 'card1', name: 'Intel GPU [8086:9a49]', clocks: { sm_mhz: 350, mem_mhz: null }, vram_pct: null });
    expect(p.gpus[0]!.reasons.vram_pct).toBe('i915 exposes no busy % or memory use in sysfs');
    expect(p.vram_pct).toBeNull();
  });

  it('a runtime-suspended AMD GPU is left asleep; a virtio-gpu is skipped with the reason', async () => {
    const d = 'sys/class/drm/card1/device';
    const roots = tree({
      [`${d}/uevent`]: 'DRIVER=amdgpu\nPCI_ID=1002:73DF\nPCI_SLOT_NAME=0000:03:00.0\n',
      [`${d}/power/runtime_status`]: 'suspended\n',
      [`${d}/gpu_busy_percent`]: '99\n',
      'sys/class/drm/card0/device/uevent': 'DRIVER=virtio-pci\nPCI_ID=1AF4:1050\nPCI_SLOT_NAME=0000:00:02.0\n',
    });
    const p = await setup(roots, null, { nvml: false }).tick();
    expect(p.gpus).toHaveLength(1);
    expect(p.gpus[0]).toMatchObject({ asleep: true, util_pct: null });
    expect(p.gpus[0]!.reasons.util_pct).toBe('GPU runtime-suspended (asleep): not woken to read it');
    expect(p.drm.skipped).toEqual(['card0: virtio-pci (1af4:1050) is not a GPU headroom reads']);
  });

  it('an Intel discrete card reports power from its energy counter (a rate, null on the first sample)', async () => {
    const d = 'sys/class/drm/card0/device';
    const roots = tree({
      [`${d}/uevent`]: 'DRIVER=xe\nPCI_ID=8086:E20B\nPCI_SLOT_NAME=0000:03:00.0\n',
      [`${d}/tile0/gt0/freq0/act_freq`]: '2850\n',
      [`${d}/hwmon/hwmon4/name`]: 'xe\n',
      [`${d}/hwmon/hwmon4/energy1_input`]: '1000000000\n',
      [`${d}/hwmon/hwmon4/power1_max`]: '190000000\n',
    });
    const t = setup(roots, null, { nvml: false });
    const first = await t.tick();
    expect(first.gpus[0]).toMatchObject({ source: 'xe', power_w: null, power_limit_w: 190, clocks: { sm_mhz: 2850, mem_mhz: null } });
    t.fs.overrides.set(`${roots.sysRoot}/class/drm/card0/device/hwmon/hwmon4/energy1_input`, '1150000000\n');
    t.clock.advance(2000);
    expect((await t.tick()).gpus[0]!.power_w).toBe(75);
  });
});

describe('declarations', () => {
  it('every declared metric finds a number with two NVIDIA GPUs beside the workstation AMD cards', async () => {
    const p = await setup(WORKSTATION, 'two-gpus').tick();
    for (const m of gpuMonitor.metrics) expect(extractMetric(p, m.path).length, `${m.name} (${m.path})`).toBeGreaterThan(0);
    // The headroom engine reads these two paths: keep them.
    expect(extractMetric(p, 'vram_pct')).toEqual([{ labels: {}, value: 86.5 }]);
    expect(extractMetric(p, 'gpus[gpu].vram_pct').map((s) => s.value)).toEqual([86.5, 1.7, 37.5, 21.1]);
  });
});
