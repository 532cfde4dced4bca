import { describe, expect, it } from 'vitest';
import { builtinCollectors } from '../../src/collectors/index.js';
import { inferenceMonitor } from '../../src/collectors/inference.js';
import { ollamaMonitor } from '../../src/collectors/ollama.js';
import { ollamaTokens } from '../../src/collectors/ollama-tokens.js';
import { upsMonitor } from '../../src/collectors/ups.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { Bus } from '../../src/core/bus.js';
import { LatestCache } from '../../src/core/latest.js';
import { ManualClock } from '../../src/core/clock.js';
import { readFile } from 'node:fs/promises';
import { extractMetric, metricPathLabels, parseMetricPath } from '../../src/shared/metrics.js';
import { defaultConfig, OFFLINE_PEERS } from '../helpers/config.js';
import { OverridableFs, fixtureHost } from '../helpers/collector-context.js';

/**
 * DESIGN rule 6: one declaration feeds history, Prometheus, OTLP and OpenAPI, so the registry is
 * checked as a whole: names, units matching their suffix, labels, and that every declaration
 * finds a number in a real payload.
 */
const SNAKE = /^[a-z][a-z0-9_]*$/;
const SUFFIX_UNIT: [RegExp, string][] = [
  [/_pct$/, 'percent'],
  [/_mhz$/, 'megahertz'],
  [/_per_s$/, 'per_second'],
  [/_mbps$/, 'megabytes_per_second'],
  [/_gb$/, 'gigabytes'],
  [/_mb$/, 'megabytes'],
  [/_bytes$/, 'bytes'],
  [/_w$/, 'watts'],
  [/_c$/, 'celsius'],
  [/_s$/, 'seconds'],
];

function allMetricsBut(collector: string, numbers: string[]): string[] {
  const c = builtinCollectors.find((x) => x.name === collector)!;
  return c.metrics.filter((m) => !numbers.includes(m.name)).map((m) => `${collector}.${m.name}`);
}

describe('collector registry', () => {
  it('has unique snake_case collector names, each with a description and a sane interval', () => {
    const names = builtinCollectors.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of builtinCollectors) {
      expect(c.name).toMatch(SNAKE);
      expect(c.description.length, c.name).toBeGreaterThan(5);
      expect(c.interval, c.name).toBeGreaterThanOrEqual(0);
    }
  });

  for (const c of builtinCollectors) {
    describe(c.name, () => {
      it('declares metrics with unique snake_case names, valid paths, help, and units matching the suffix', () => {
        const names = c.metrics.map((m) => m.name);
        expect(new Set(names).size, 'duplicate metric names').toBe(names.length);
        for (const m of c.metrics) {
          expect(m.name, m.name).toMatch(SNAKE);
          expect(() => parseMetricPath(m.path), m.name).not.toThrow();
          expect(m.help.length, `${m.name} help`).toBeGreaterThan(5);
          const rule = SUFFIX_UNIT.find(([re]) => re.test(m.name));
          if (rule) expect(m.unit, `${m.name} has suffix for ${rule[1]}`).toBe(rule[1]);
          // A counter of percentages makes no sense; rates are gauges.
          if (m.kind === 'counter') expect(['percent', 'per_second', 'megabytes_per_second']).not.toContain(m.unit);
          for (const label of metricPathLabels(m.path)) expect(label).toMatch(SNAKE);
        }
      });
    });
  }

  it('every declared metric finds a number in payloads collected from the fixture host', async () => {
    const clock = new ManualClock();
    const cache = new LatestCache();
    const fs = new OverridableFs(fixtureHost('debian12-vm-2c'));
    // NVML off: a real NVIDIA GPU on the test machine must not fill in the VM's GPU metrics.
    const config = defaultConfig({ collectors: { gpu_monitor: { nvml: false } }, ...OFFLINE_PEERS });
    const scheduler = new Scheduler({
      fs,
      clock,
      cache,
      bus: new Bus(),
      config,
      log: () => {},
    });
    await scheduler.replaceAll(builtinCollectors, config);
    await scheduler.runOnce();
    // The fixture holds a second /proc/stat captured 1 s later, so rates are real.
    fs.overrides.set(fs.proc('stat'), await readFile(`${fs.proc('stat')}.next`, 'utf8'));
    clock.advance(1000);
    const second = await scheduler.runOnce();
    // Metrics the fixture machine cannot have (stated, not hidden).
    const absentOnFixture = new Set([
      'cpu_monitor.core_throttle_count',
      'cpu_monitor.package_throttle_count',
      // zram0 exists but is not an active swap device (its mm_stat is all zeros): no ratio.
      'ram_monitor.swap_zram_compression_ratio',
      // No GPU on the fixture machine: no VRAM projection.
      'headroom.gpu_vram_headroom_pct',
      // A 2-CPU VM: no RAPL, battery, thermal zone, hwmon chip or fan, and no GPU (NVML off
      // above). Only on_battery (false: no battery) and gpu_count (0) are numbers. Both
      // collectors' metrics are checked on the laptop and workstation hosts and the fake NVML
      // instead (src/collectors/power.test.ts, src/collectors/gpu.test.ts).
      ...allMetricsBut('power_monitor', ['on_battery']),
      ...allMetricsBut('gpu_monitor', ['gpu_count']),
      // Network peers, not files: nothing answers on the fixture run (OFFLINE_PEERS). These
      // declarations are checked against real daemons and fake servers in test/peers and
      // test/fakes instead; only the flags that are false rather than null appear here.
      ...upsMonitor.metrics.map((m) => `ups_monitor.${m.name}`).filter((k) => !/\.(ups_available|on_battery|low_battery|power_climbing)$/.test(k)),
      ...ollamaMonitor.metrics.map((m) => `ollama_monitor.${m.name}`),
      ...ollamaTokens.metrics.map((m) => `ollama_tokens.${m.name}`),
      ...inferenceMonitor.metrics.map((m) => `inference_monitor.${m.name}`),
      // The fixture VM runs no service: no systemd unit, container or LLM server, and headroom's
      // own pid means nothing in a fixture tree (the workstation golden shows every figure). With
      // no power_monitor or ups_monitor there is no power reading either.
      ...['cpu_pct', 'rss_mb', 'threads', 'fds', 'read_mbps', 'write_mbps', 'vram_mb', 'power_w', 'idle_for_s', 'processes'].map(
        (m) => `service_monitor.service_${m}`,
      ),
      'service_monitor.power_reading_w',
    ]);
    for (const c of builtinCollectors) {
      for (const m of c.metrics) {
        const key = `${c.name}.${m.name}`;
        const found = extractMetric(second.get(c.name), m.path);
        if (absentOnFixture.has(key)) expect(found, key).toEqual([]);
        else expect(found.length, `${key} (${m.path}) found no number`).toBeGreaterThan(0);
      }
    }
  });
});
