import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractMetric } from '../shared/metrics.js';
import { defaultConfig } from '../../test/helpers/config.js';
import { fixtureHost, makeCollectorContext } from '../../test/helpers/collector-context.js';
import { globToRegExp, interfaceFilter, type NetworkPayload, networkMonitor } from './network.js';

const roots = fixtureHost('debian12-vm-2c');
const devPath = `${roots.procRoot}/net/dev`;
const DEV = readFileSync(devPath, 'utf8');
const MiB = 2 ** 20;

/** The fixture's /proc/net/dev with some counters of one interface replaced. */
function withCounters(name: string, values: Partial<Record<number, number | string>>): string {
  return DEV.split('\n')
    .map((line) => {
      const [head, rest] = line.split(':');
      if (head?.trim() !== name || rest === undefined) return line;
      const cols = rest.trim().split(/\s+/);
      for (const [i, v] of Object.entries(values)) cols[Number(i)] = String(v);
      return `${head}: ${cols.join(' ')}`;
    })
    .join('\n');
}
// Column indexes in /proc/net/dev after the colon.
const RX_BYTES = 0;
const RX_PACKETS = 1;
const TX_BYTES = 8;
const TX_PACKETS = 9;

// The ifb devices of this capture are excluded by default (ifb*); these tests keep them
// (network.include) because they are the capture's only interfaces besides eth0.
const KEEP_IFB = { network: { include: ['ifb*'] } };

function setup(config: Record<string, unknown> = KEEP_IFB) {
  const t = makeCollectorContext(roots, { name: 'network_monitor' });
  t.ctx.config = defaultConfig(config);
  const tick = async (text = DEV) => {
    t.fs.overrides.set(devPath, text);
    return (await networkMonitor.collect(t.ctx)) as NetworkPayload;
  };
  return { ...t, tick };
}

describe('network_monitor over debian12-vm-2c', () => {
  it('first sample: counters and link state, rates null, loopback left out', async () => {
    expect(Object.keys((await setup({}).tick()).interfaces)).toEqual(['eth0']); // defaults: ifb* out
    const p = await setup().tick();
    expect(Object.keys(p.interfaces)).toEqual(['ifb0', 'ifb1', 'eth0']);
    expect(p.excluded).toEqual(['lo']);
    expect(p.interfaces.eth0).toEqual({
      rx_mbps: null, tx_mbps: null, rx_pps: null, tx_pps: null,
      rx_errors: 0, tx_errors: 0, rx_drops: 0, tx_drops: 0,
      rx_bytes_total: 152919639, tx_bytes_total: 370767,
      // virtio reports speed -1 (unknown): null, not -1 and not 0.
      up: true, operstate: 'up', speed_mbit: null, speed_mbps: null, mtu: 1400,
    });
    // ifb: down, carrier and speed refused by the kernel (absent in the capture).
    expect(p.interfaces.ifb0).toMatchObject({ up: false, operstate: 'down', speed_mbit: null, mtu: 1500 });
    expect(p.totals).toEqual({ rx_mbps: null, tx_mbps: null, rx_pps: null, tx_pps: null });
    expect(p.problems).toEqual([]);
  });

  it('MiB/s and packets/s from counter deltas over monotonic time; totals add up', async () => {
    const { tick, clock } = setup();
    await tick();
    clock.advance(2000);
    // eth0: +6 MiB in, +1 MiB out, +4000 / +1000 packets; ifb0: +2 MiB in, over 2 s.
    const next = withCounters('eth0', {
      [RX_BYTES]: 152919639 + 6 * MiB,
      [TX_BYTES]: 370767 + MiB,
      [RX_PACKETS]: 5253 + 4000,
      [TX_PACKETS]: 2867 + 1000,
    });
    const p = await tick(next.replace(/^(\s*ifb0:)\s*0 /m, `$1 ${2 * MiB} `));
    expect(p.interfaces.eth0).toMatchObject({ rx_mbps: 3, tx_mbps: 0.5, rx_pps: 2000, tx_pps: 500 });
    expect(p.interfaces.ifb0).toMatchObject({ rx_mbps: 1, tx_mbps: 0 });
    expect(p.totals).toEqual({ rx_mbps: 4, tx_mbps: 0.5, rx_pps: 2000, tx_pps: 500 });
  });

  it('a 32-bit counter wrapping gives null for that tick (never a spike), then real rates again', async () => {
    const { tick, clock } = setup();
    await tick(withCounters('eth0', { [RX_BYTES]: 4294967000 }));
    clock.advance(2000);
    const wrapped = await tick(withCounters('eth0', { [RX_BYTES]: 1000 }));
    expect(wrapped.interfaces.eth0!.rx_mbps).toBeNull();
    expect(wrapped.interfaces.eth0!.tx_mbps).toBe(0);
    clock.advance(2000);
    const after = await tick(withCounters('eth0', { [RX_BYTES]: 1000 + 4 * MiB }));
    expect(after.interfaces.eth0!.rx_mbps).toBe(2);
  });

  it('an interface that goes away and comes back starts from null, not a delta against the old counter', async () => {
    const { tick, clock } = setup();
    await tick();
    clock.advance(2000);
    const gone = await tick(DEV.replace(/^\s*ifb1:.*$/m, ''));
    expect(Object.keys(gone.interfaces)).toEqual(['ifb0', 'eth0']);
    clock.advance(2000);
    const back = await tick();
    expect(back.interfaces.ifb1!.rx_mbps).toBeNull();
    expect(back.interfaces.eth0!.rx_mbps).toBe(0);
  });

  it('reads link speed again only when operstate or carrier changes, or after 30 s', async () => {
    const { tick, fs, clock } = setup();
    const speedPath = `${roots.sysRoot}/class/net/eth0/speed`;
    const carrierPath = `${roots.sysRoot}/class/net/eth0/carrier`;
    let reads = 0;
    const readAsync = fs.readAsync.bind(fs);
    fs.readAsync = async (path: string) => {
      if (path === speedPath) reads++;
      return readAsync(path);
    };
    const speed = async () => (await tick()).interfaces.eth0!.speed_mbit;
    const first = await speed();
    expect(reads).toBe(1);
    fs.overrides.set(speedPath, '1000\n'); // renegotiated, but the link never dropped: not seen yet
    clock.advance(1000);
    expect(await speed()).toBe(first);
    expect(reads).toBe(1);
    fs.overrides.set(carrierPath, '0\n'); // the link dropped: read at once
    clock.advance(1000);
    expect(await speed()).toBe(1000);
    expect(reads).toBe(2);
    fs.overrides.set(speedPath, '2500\n');
    clock.advance(29_000);
    expect(await speed()).toBe(1000);
    clock.advance(1000);
    expect(await speed()).toBe(2500);
    expect(reads).toBe(3);
  });

  it('network.include keeps an excluded interface; network.exclude drops matches', async () => {
    const p = await setup({ network: { exclude: ['lo', 'ifb*'], include: ['lo'] } }).tick();
    expect(Object.keys(p.interfaces)).toEqual(['lo', 'eth0']);
    expect(p.excluded).toEqual(['ifb0', 'ifb1']);
    // Loopback reports operstate "unknown"; admin up with carrier counts as up.
    expect(p.interfaces.lo).toMatchObject({ up: true, operstate: 'unknown', mtu: 65536, rx_bytes_total: 3193 });
  });

  it('a counter beyond 2^53 is null with null rates, the rest of the interface stands', async () => {
    const { tick, clock } = setup();
    await tick();
    clock.advance(2000);
    const p = await tick(withCounters('eth0', { [RX_BYTES]: '18446744073709551615' }));
    expect(p.interfaces.eth0).toMatchObject({ rx_bytes_total: null, rx_mbps: null, tx_mbps: 0 });
  });

  it('garbage in a sysfs attribute: that field is null and the problem is named', async () => {
    const { fs, tick } = setup();
    fs.overrides.set(`${roots.sysRoot}/class/net/eth0/mtu`, 'lots\n');
    fs.overrides.set(`${roots.sysRoot}/class/net/eth0/operstate`, null);
    const p = await tick();
    expect(p.interfaces.eth0).toMatchObject({ mtu: null, operstate: null, up: null, rx_bytes_total: 152919639 });
    expect(p.problems).toEqual([`${roots.sysRoot}/class/net/eth0/mtu: "lots" is not an MTU`]);
  });

  it('garbage in /proc/net/dev fails the tick with the file and line', async () => {
    await expect(setup().tick(withCounters('eth0', { [TX_BYTES]: 'x1' }))).rejects.toThrow(
      `${devPath}:6: eth0 tx_bytes: "x1" is not a counter`,
    );
    await expect(setup().tick('Inter-|\n face |\n  eth0: 1 2 3\n')).rejects.toThrow(`${devPath}:3: eth0 has 3 counters`);
  });

  it('no /proc/net/dev: unavailable with the reason, not an error', async () => {
    const { fs, ctx } = setup();
    fs.overrides.set(devPath, null);
    expect(await networkMonitor.collect(ctx)).toEqual({
      available: false,
      reason: `${devPath} absent: no network counters (not Linux, or no CONFIG_NET)`,
    });
  });
});

describe('interface patterns', () => {
  it.each([
    ['lo', 'lo', true],
    ['lo', 'lo0', false],
    ['veth*', 'veth1a2b', true],
    ['veth*', 'myveth0', false],
    ['br-*', 'br-0f3c', true],
    ['br-*', 'br0', false],
    ['*', 'anything', true],
    ['e*0', 'eth0', true],
    ['e*0', 'eth1', false],
    ['eth0.100', 'eth0x100', false],
    ['(a|b)', '(a|b)', true],
  ])('%s matches %s: %s', (pattern, name, want) => {
    expect(globToRegExp(pattern).test(name)).toBe(want);
  });

  it('default exclude list: loopback and virtual plumbing out, real NICs, VPNs and bridges by other names in', () => {
    const { network } = defaultConfig();
    const keep = interfaceFilter(network.exclude, network.include);
    for (const n of ['lo', 'veth9a', 'docker0', 'br-1f2e', 'virbr0', 'vnet3', 'tun0', 'tap1', 'cni0', 'flannel.1', 'cali123', 'lxcbr0', 'lxdbr0'])
      expect(keep(n), n).toBe(false);
    for (const n of ['eth0', 'enp3s0', 'wlp2s0', 'wg0', 'bond0', 'eth0.100']) expect(keep(n), n).toBe(true);
    expect(interfaceFilter(network.exclude, ['tun*'])('tun0')).toBe(true);
  });
});

describe('network_monitor metric declarations', () => {
  it('every numeric field is declared, except the link speed (absent on the fixture host; a property, not a series)', async () => {
    const { tick, clock } = setup({ network: { include: ['lo'] } });
    await tick();
    clock.advance(2000);
    const p = await tick();
    const declared = new Set<string>();
    for (const m of networkMonitor.metrics) {
      expect(extractMetric(p, m.path).length, `${m.path} selects nothing`).toBeGreaterThan(0);
      declared.add(m.path.replace(/\{[a-z_]+\}/g, '{}'));
    }
    const leaves = Object.keys(p.interfaces.eth0!)
      .filter((k) => !['operstate', 'speed_mbit', 'speed_mbps'].includes(k))
      .map((k) => `interfaces{}.${k}`);
    for (const leaf of [...leaves, ...Object.keys(p.totals).map((k) => `totals.${k}`)]) expect(declared).toContain(leaf);
  });
});
