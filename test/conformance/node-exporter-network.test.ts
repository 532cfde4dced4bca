/**
 * Conformance with node_exporter for the network: our /proc/net/dev parser, sysfs reader and
 * network_monitor run over node_exporter's fixture tree (../shared/fixtures/node_exporter, read in
 * place) must agree with node_exporter's output (its e2e-output.txt) on every quantity both report.
 *
 * What the tree allows:
 *  - It has no proc/net/dev. node_exporter's netdev samples in e2e-output.txt exist only for
 *    `lo` and only for the always-zero counters: they come from netlink on the machine that ran
 *    the end-to-end test, not from the tree. So no counter value can be compared; the test checks
 *    instead that both expose the same counters under the same names (our rx_X / tx_X are its
 *    node_network_receive_X_total / node_network_transmit_X_total), and that network_monitor
 *    reports the missing file as unavailable rather than failing.
 *  - sys/class/net has bond0, dmz, int and eth0. node_exporter reports bond0 and eth0 (its e2e
 *    run ignores dmz and int); for those two, link state, carrier, MTU and speed must agree.
 *  - The unpacked tree stores the `class/net/eth0` symlink as a plain file holding the link's
 *    target. On a real sysfs that is a symlink the kernel follows; the reader here follows it too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NetworkPayload, networkMonitor, readNetClass } from '../../src/collectors/network.js';
import type { HostRoots } from '../../src/host/hostfs.js';
import { NET_DEV_RX, NET_DEV_TX } from '../../src/parsers/proc-net-dev.js';
import { makeCollectorContext, OverridableFs, projectRoot } from '../helpers/collector-context.js';
import { type PromSample, parsePromText, samples, value } from '../helpers/prom-text.js';

const dir = resolve(projectRoot, '../shared/fixtures/node_exporter');
const roots: HostRoots = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys'), rootfs: join(dir, 'no-rootfs') };
const classNet = join(roots.sysRoot, 'class/net');

/** Follows `class/net/<dev>` entries that the unpacked tree left as files holding a link target. */
class SymlinkStandInFs extends OverridableFs {
  private target(path: string): string {
    if (!path.startsWith(`${classNet}/`)) return path;
    const [dev, ...rest] = path.slice(classNet.length + 1).split('/');
    const entry = join(classNet, dev!);
    if (rest.length === 0 || !existsSync(entry) || !statSync(entry).isFile()) return path;
    return join(resolve(classNet, readFileSync(entry, 'utf8').trim()), ...rest);
  }
  override read(path: string) {
    return super.read(this.target(path));
  }
  override tryRead(path: string) {
    return super.tryRead(this.target(path));
  }
  override readAsync(path: string) {
    return super.readAsync(this.target(path));
  }
}

let node: PromSample[];
const nodeDevices = () => samples(node, 'node_network_up').map((s) => s.labels.device!);

beforeAll(() => {
  if (!existsSync(join(dir, 'e2e-output.txt'))) {
    throw new Error(`node_exporter fixture not found at ${dir} (expected ../shared/fixtures/node_exporter beside the checkout)`);
  }
  node = parsePromText(readFileSync(join(dir, 'e2e-output.txt'), 'utf8'));
});

describe('/proc/net/dev', () => {
  it('the tree has none, and node_exporter’s netdev samples are netlink’s lo, not the tree', () => {
    expect(existsSync(join(roots.procRoot, 'net/dev'))).toBe(false);
    const netdev = node.filter((s) => /^node_network_(receive|transmit)_.*_total$/.test(s.name));
    expect(netdev.length).toBeGreaterThan(0);
    expect(new Set(netdev.map((s) => s.labels.device))).toEqual(new Set(['lo']));
  });

  it('the same counters under the same names: rx_X ↔ receive_X_total, tx_X ↔ transmit_X_total', () => {
    const text = readFileSync(join(dir, 'e2e-output.txt'), 'utf8');
    const families = (dir: 'receive' | 'transmit') =>
      [...text.matchAll(new RegExp(`^# TYPE node_network_${dir}_([a-z]+)_total counter$`, 'gm'))].map((m) => m[1]!).sort();
    // rx nohandler exists only over netlink (rtnl_link_stats64), never in /proc/net/dev.
    expect(families('receive')).toEqual([...NET_DEV_RX, 'nohandler'].sort());
    expect(families('transmit')).toEqual([...NET_DEV_TX].sort());
  });

  it('network_monitor over the tree: unavailable, with the reason', async () => {
    const { ctx } = makeCollectorContext(roots, { name: 'network_monitor' });
    expect(await networkMonitor.collect(ctx)).toEqual({
      available: false,
      reason: `${join(roots.procRoot, 'net/dev')} absent: no network counters (not Linux, or no CONFIG_NET)`,
    });
  });
});

describe('/sys/class/net', () => {
  it('node_exporter reports bond0 and eth0', () => {
    expect(nodeDevices().sort()).toEqual(['bond0', 'eth0']);
  });

  it('node_network_up, carrier, mtu_bytes, speed_bytes and the info labels agree, device by device', async () => {
    const fs = new SymlinkStandInFs(roots);
    for (const device of nodeDevices()) {
      const { value: cls, problems } = await readNetClass(fs, device);
      expect(problems, device).toEqual([]);
      const d = { device };
      expect(cls.up ? 1 : 0, `${device} up`).toBe(value(node, 'node_network_up', d));
      expect(cls.carrier ? 1 : 0, `${device} carrier`).toBe(value(node, 'node_network_carrier', d));
      expect(cls.mtu, `${device} mtu`).toBe(value(node, 'node_network_mtu_bytes', d));
      const info = samples(node, 'node_network_info', d)[0]!.labels;
      expect(cls.operstate).toBe(info.operstate);
      expect(cls.admin_up ? 'up' : 'down').toBe(info.adminstate);
      // Mbit/s → bytes/s. bond0's speed file says -1: node_exporter leaves the sample out, we say null.
      const speed = samples(node, 'node_network_speed_bytes', d);
      if (speed.length === 0) expect(cls.speed_mbit, `${device} speed`).toBeNull();
      else expect(cls.speed_mbit! * 125_000, `${device} speed`).toBe(speed[0]!.value);
    }
  });

  it('network_monitor over the tree (its /proc/net/dev supplied) reports the same link figures', async () => {
    const fs = new SymlinkStandInFs(roots);
    const { ctx } = makeCollectorContext(roots, { name: 'network_monitor' });
    ctx.fs = fs;
    // Test data, not from the tree: one zeroed line per device, so the collector has a list to walk.
    const zeros = Array(16).fill(0).join(' ');
    fs.overrides.set(join(roots.procRoot, 'net/dev'), ['lo', 'bond0', 'dmz', 'int', 'eth0'].map((n) => `${n}: ${zeros}`).join('\n'));
    const p = (await networkMonitor.collect(ctx)) as NetworkPayload;
    expect(p.excluded).toEqual(['lo']);
    for (const device of nodeDevices()) {
      const d = { device };
      const s = p.interfaces[device]!;
      expect(s.up ? 1 : 0).toBe(value(node, 'node_network_up', d));
      expect(s.mtu).toBe(value(node, 'node_network_mtu_bytes', d));
      const speed = samples(node, 'node_network_speed_bytes', d)[0]?.value;
      if (speed === undefined) {
        expect(s.speed_mbit).toBeNull();
        expect(s.speed_mbps).toBeNull();
      } else {
        expect(s.speed_mbit! * 125_000).toBe(speed);
        // speed_mbps is MiB/s rounded to 3 decimals: within half a thousandth of a MiB.
        expect(Math.abs(s.speed_mbps! * 2 ** 20 - speed)).toBeLessThanOrEqual(0.0005 * 2 ** 20);
      }
    }
    // dmz and int, which node_exporter's run ignores, read the same way (speed 1000, up).
    expect(p.interfaces.dmz).toMatchObject({ up: true, speed_mbit: 1000, mtu: 1500 });
    expect(p.problems).toEqual([]);
  });
});
