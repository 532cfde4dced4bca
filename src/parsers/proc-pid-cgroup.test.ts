import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parsePidCgroup } from './proc-pid-cgroup.js';

const ID = '4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c';

describe('parsePidCgroup', () => {
  it.each([
    { name: 'v2 system service', text: '0::/system.slice/ssh.service\n', want: { path: '/system.slice/ssh.service', unit: 'ssh.service', container_id: null } },
    {
      name: 'v2 user app scope (innermost unit wins)',
      text: '0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope\n',
      want: { path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope', unit: 'app-gnome-firefox-4242.scope', container_id: null },
    },
    { name: 'v2 docker (systemd driver)', text: `0::/system.slice/docker-${ID}.scope\n`, want: { unit: `docker-${ID}.scope`, container_id: ID } },
    {
      name: 'v2 kubernetes containerd',
      text: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b.slice/cri-containerd-${ID}.scope\n`,
      want: { container_id: ID, unit: `cri-containerd-${ID}.scope` },
    },
    { name: 'v2 podman', text: `0::/machine.slice/libpod-${ID}.scope/container\n`, want: { container_id: ID, unit: `libpod-${ID}.scope` } },
    { name: 'v1 docker (cgroupfs driver)', text: `12:pids:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/\n`, want: { path: `/docker/${ID}`, unit: null, container_id: ID } },
    {
      name: 'hybrid: v2 says "/", name=systemd has the unit',
      text: '9:name=systemd:/system.slice/cron.service\n4:memory:/system.slice/cron.service\n0::/\n',
      want: { path: '/system.slice/cron.service', unit: 'cron.service' },
    },
    {
      name: 'this VM (hybrid, only memory placed)',
      text: '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/498fd5e5041d78ce03cea15f0c1dcaa1\n0::/\n',
      want: { path: '/process_api/498fd5e5041d78ce03cea15f0c1dcaa1', unit: null, container_id: null },
    },
    { name: 'root only', text: '0::/\n', want: { path: '/', unit: null, container_id: null } },
    { name: 'empty file (zombie)', text: '', want: { path: '/', unit: null, container_id: null } },
    { name: 'path with colons', text: '0::/weird:name.service\n', want: { path: '/weird:name.service', unit: 'weird:name.service' } },
  ])('$name', ({ text, want }) => {
    expect(parsePidCgroup(text)).toMatchObject(want);
  });

  const F = '/p/1/cgroup';
  it.each([
    { name: 'garbage', text: 'hello\n', line: 1, message: /expected "id:controllers:path"/ },
    { name: 'not enough fields', text: '0::/\n12:pids\n', line: 2, message: /expected/ },
    { name: 'non-numeric id', text: 'x::/\n', line: 1, message: /hierarchy id "x"/ },
    { name: 'huge id', text: '99999999999999999999::/\n', line: 1, message: /hierarchy id/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parsePidCgroup(text, F), F, line, message);
  });
});
