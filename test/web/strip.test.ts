import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Action, initialState, reduce, type State } from '../../web/src/state.js';
import { badgeOf, figuresOf, titleOf, tokensPerS } from '../../web/src/strip-model.js';
import { projectRoot } from '../helpers/server.js';

const T0 = 1_800_000_000_000;
const golden = (host: string) => JSON.parse(readFileSync(join(projectRoot, 'test/golden', `${host}.json`), 'utf8')) as Record<string, Record<string, unknown>>;

function stateWith(payloads: Record<string, Record<string, unknown>>, plugins = Object.keys(payloads), now = T0): State {
  const actions: Action[] = [{ type: 'hello', plugins }];
  for (const [plugin, data] of Object.entries(payloads)) actions.push({ type: 'sample', plugin, data, ts: T0 });
  actions.push({ type: 'tick', now });
  return actions.reduce(reduce, initialState(T0));
}
const fig = (s: State, key: string) => figuresOf(s).find((f) => f.key === key)!;
const hr = (state: string, reason: string) => ({ available: true, state, reason, overrides: [], causes: [] });

describe('strip badge, title and favicon', () => {
  it.each([
    ['GO', 'All systems nominal'],
    ['EASE_IN', 'zram swap growing'],
    ['HOLD', 'UPS on battery'],
  ])('%s from the headroom payload, with its reason', (state, reason) => {
    const s = stateWith({ headroom: hr(state, reason), host: { hostname: 'dana-ws' } });
    const b = badgeOf(s);
    expect(b).toEqual({ state, text: state, reason, icon: state });
    expect(titleOf(s, b)).toBe(`${state} · dana-ws — headroom`);
  });

  it('no headroom collector: N/A and a grey favicon, never a guessed state', () => {
    const s = stateWith({ ram_monitor: { ram_pct: 5 } });
    expect(badgeOf(s)).toMatchObject({ state: 'NONE', text: 'N/A', icon: 'unknown' });
    expect(badgeOf(s).reason).toMatch(/not running/);
    expect(badgeOf(stateWith({ headroom: { available: false, reason: 'inputs missing' } }))).toMatchObject({ state: 'NONE', reason: expect.stringContaining('inputs missing') });
    expect(badgeOf(stateWith({ headroom: { available: true, state: 'MAYBE' } })).state).toBe('NONE');
  });

  it('an old state is shown as STALE with its age, not as current', () => {
    const s = stateWith({ headroom: hr('GO', 'All systems nominal') }, ['headroom'], T0 + 60_000);
    const b = badgeOf({ ...s, link: 'offline' });
    expect(b).toMatchObject({ state: 'STALE', text: 'STALE', icon: 'unknown' });
    expect(b.reason).toMatch(/last known GO 60 s ago.*not answering/);
  });
});

describe('strip figures and annotations (SPEC §7)', () => {
  it('workstation fixture: RAM in red territory, zram growing, disk swap in use but not moving', () => {
    const g = golden('workstation-zram-nfs');
    const s = stateWith({ ram_monitor: g.ram_monitor!, cpu_monitor: g.cpu_monitor! });
    const ram = fig(s, 'ram');
    expect(ram.value).toBe('85%');
    expect(ram.tone).toBe('amber'); // 84.9 < 85 critical, ≥ 70 warn
    expect(ram.annotations.map((a) => [a.text, a.tone])).toEqual([['zram ▲', 'amber']]);
    expect(fig(s, 'cpu').value).toBe('34%');
  });

  it('disk swap moving: SWAP ▲ with its rate in red', () => {
    const g = golden('workstation-zram-nfs');
    const ram = structuredClone(g.ram_monitor!) as { swap: { disk: { velocity_mbps: number } } };
    ram.swap.disk.velocity_mbps = 340;
    const f = fig(stateWith({ ram_monitor: ram as unknown as Record<string, unknown> }), 'ram');
    expect(f.annotations[0]).toMatchObject({ text: 'SWAP ▲ 340 MB/s', tone: 'red' });
  });

  it('laptop fixture: browsers over the earlyoom share → TABS ⚠ with the browser tab count', () => {
    const g = golden('laptop-battery-browsers');
    const f = fig(stateWith({ ram_monitor: g.ram_monitor! }), 'ram');
    // chrome 22 + firefox 10 + brave 3 renderers; VS Code's renderers are not browser tabs.
    expect(f.annotations.find((a) => a.text.startsWith('TABS'))).toMatchObject({ text: 'TABS ⚠ 35', tone: 'amber' });
  });

  it('UPS on battery replaces the UPS figure with ⚡ ON BATTERY; laptops on battery too', () => {
    const ups = { ups_available: true, ups_load_pct: 37, ups_realpower_w: 333, on_battery: false, low_battery: false, power_climbing: false };
    expect(fig(stateWith({ ups_monitor: ups }), 'ups')).toMatchObject({ label: 'UPS', value: '333 W', tone: 'ok' });
    expect(fig(stateWith({ ups_monitor: { ...ups, on_battery: true, battery_charge_pct: 80 } }), 'ups')).toMatchObject({ label: '⚡', value: 'ON BATTERY', tone: 'red' });
    expect(fig(stateWith({ power_monitor: { on_battery: true, battery_pct: 41 } }), 'ups')).toMatchObject({ value: 'ON BATTERY' });
    expect(fig(stateWith({ ups_monitor: { ups_available: false, reason: 'apcupsd not reachable' } }), 'ups')).toMatchObject({ value: '—', tone: 'muted' });
  });

  it('LLM: the model name, or a count, hidden when nothing is loaded; tok/s while generating', () => {
    const m = (name: string) => ({ name, size_vram_gb: 10 });
    expect(fig(stateWith({ ollama_monitor: { available: true, loaded_models: [] } }), 'llm').hidden).toBe(true);
    expect(fig(stateWith({ ollama_monitor: { available: true, loaded_models: [m('qwen2.5:14b')] } }), 'llm')).toMatchObject({ value: 'qwen2.5:14b', hidden: false });
    const two = stateWith({
      ollama_monitor: { available: true, loaded_models: [m('a'), m('b')] },
      ollama_tokens: { available: true, generating: true, completion_tokens_per_s: 41.2 },
    });
    expect(fig(two, 'llm')).toMatchObject({ value: '2 models', annotations: [{ text: '41 tok/s', tone: 'amber' }] });
    // Idle: no throughput annotation (and unknown throughput is never shown as 0).
    const idle = stateWith({ ollama_monitor: { available: true, loaded_models: [m('a')] }, ollama_tokens: { available: true, generating: false, completion_tokens_per_s: 0 } });
    expect(fig(idle, 'llm').annotations).toEqual([]);
    expect(tokensPerS(idle)).toBeNull();
  });

  it('absent GPU and power collectors: a muted dash with the reason, not a number', () => {
    const s = stateWith({ cpu_monitor: { aggregate_pct: 3 }, gpu_monitor: { available: false, reason: 'no NVIDIA or AMD GPU found' } }, ['cpu_monitor', 'gpu_monitor']);
    expect(fig(s, 'gpu')).toMatchObject({ value: '—', tone: 'muted', title: expect.stringContaining('no NVIDIA or AMD GPU found') });
    expect(fig(s, 'pwr')).toMatchObject({ value: '—', title: expect.stringContaining('power_monitor is not running') });
  });

  it('a stale source is flagged on its figure', () => {
    const s = stateWith({ cpu_monitor: { aggregate_pct: 50 } }, ['cpu_monitor'], T0 + 60_000);
    expect(fig(s, 'cpu')).toMatchObject({ value: '50%', stale: true });
  });
});
