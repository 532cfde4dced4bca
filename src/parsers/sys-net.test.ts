import { describe, expect, it } from 'vitest';
import { type NetClassFiles, parseNetClass } from './sys-net.js';

const DIR = '/sys/class/net/eth0';

describe('parseNetClass', () => {
  it.each<{ name: string; files: NetClassFiles; want: Record<string, unknown> }>([
    {
      name: 'a gigabit NIC that is up',
      files: { operstate: 'up\n', carrier: '1\n', flags: '0x1003\n', mtu: '1500\n', speed: '1000\n' },
      want: { operstate: 'up', admin_up: true, carrier: true, up: true, mtu: 1500, speed_mbit: 1000 },
    },
    {
      name: 'virtio NIC: speed -1 (SPEED_UNKNOWN) is null',
      files: { operstate: 'up\n', carrier: '1\n', flags: '0x1003\n', mtu: '1400\n', speed: '-1\n' },
      want: { up: true, mtu: 1400, speed_mbit: null },
    },
    {
      name: 'old driver: 65535 means unknown',
      files: { operstate: 'up\n', speed: '65535\n' },
      want: { speed_mbit: null },
    },
    {
      name: 'loopback: operstate unknown, admin up with carrier → up',
      files: { operstate: 'unknown\n', carrier: '1\n', flags: '0x9\n', mtu: '65536\n', speed: null },
      want: { operstate: 'unknown', admin_up: true, up: true, mtu: 65536, speed_mbit: null },
    },
    {
      name: 'tun with operstate unknown but no carrier → not up',
      files: { operstate: 'unknown\n', carrier: '0\n', flags: '0x1091\n' },
      want: { up: false, carrier: false },
    },
    {
      name: 'operstate unknown and carrier unreadable → up unknown (null)',
      files: { operstate: 'unknown\n', carrier: null, flags: '0x1091\n' },
      want: { up: null },
    },
    {
      name: 'a down device: carrier and speed refused (EINVAL → null)',
      files: { operstate: 'down\n', carrier: null, flags: '0x82\n', mtu: '1500\n', speed: null },
      want: { operstate: 'down', admin_up: false, carrier: null, up: false, speed_mbit: null },
    },
    {
      name: 'lowerlayerdown and dormant are not up',
      files: { operstate: 'lowerlayerdown\n' },
      want: { up: false },
    },
    {
      name: 'nothing readable (device vanished between listing and reading)',
      files: {},
      want: { operstate: null, admin_up: null, carrier: null, up: null, mtu: null, speed_mbit: null },
    },
    {
      name: '400G link',
      files: { speed: '400000' },
      want: { speed_mbit: 400000 },
    },
  ])('$name', ({ files, want }) => {
    const { value, problems } = parseNetClass(files, DIR);
    expect(value).toMatchObject(want);
    expect(problems).toEqual([]);
  });

  it.each<{ name: string; files: NetClassFiles; field: string; problem: string }>([
    { name: 'garbage operstate', files: { operstate: 'sideways\n' }, field: 'operstate', problem: `${DIR}/operstate: "sideways" is not an operstate` },
    { name: 'garbage carrier', files: { carrier: '2\n' }, field: 'carrier', problem: `${DIR}/carrier: "2" is not 0 or 1` },
    { name: 'flags not hex', files: { flags: '4099\n' }, field: 'admin_up', problem: `${DIR}/flags: "4099" is not hex flags` },
    { name: 'empty mtu', files: { mtu: '' }, field: 'mtu', problem: `${DIR}/mtu: "" is not an MTU` },
    { name: 'huge mtu', files: { mtu: '99999999999999999999\n' }, field: 'mtu', problem: `${DIR}/mtu: "99999999999999999999" is not an MTU` },
    { name: 'speed with a unit', files: { speed: '1000Mb/s\n' }, field: 'speed_mbit', problem: `${DIR}/speed: "1000Mb/s" is not an integer speed` },
  ])('garbage gives null and names the file: $name', ({ files, field, problem }) => {
    const { value, problems } = parseNetClass({ operstate: 'up\n', ...files }, DIR);
    expect((value as unknown as Record<string, unknown>)[field]).toBeNull();
    expect(problems).toEqual([problem]);
  });
});
