import { describe, expect, it } from 'vitest';
import { parseAmdgpuFigures, parseDrmDeviceUevent, parsePciIdFile, vendorOf } from './sys-drm.js';

describe('parseDrmDeviceUevent', () => {
  it.each([
    {
      name: 'amdgpu',
      text: 'DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:744C\nPCI_SUBSYS_ID=1DA2:471E\nPCI_SLOT_NAME=0000:03:00.0\n',
      want: { driver: 'amdgpu', vendor_id: '1002', device_id: '744c', pci_slot: '0000:03:00.0' },
    },
    {
      name: 'i915',
      text: 'DRIVER=i915\nPCI_CLASS=30000\nPCI_ID=8086:9A49\nPCI_SLOT_NAME=0000:00:02.0\n',
      want: { driver: 'i915', vendor_id: '8086', device_id: '9a49', pci_slot: '0000:00:02.0' },
    },
    {
      name: 'nvidia',
      text: 'DRIVER=nvidia\nPCI_CLASS=30000\nPCI_ID=10DE:2684\nPCI_SLOT_NAME=0000:01:00.0\n',
      want: { driver: 'nvidia', vendor_id: '10de', device_id: '2684', pci_slot: '0000:01:00.0' },
    },
    {
      name: 'unbound device (no DRIVER), garbled PCI_ID',
      text: 'PCI_CLASS=30000\nPCI_ID=10DE\nPCI_SLOT_NAME=0000:01:00.0\n',
      want: { driver: null, vendor_id: null, device_id: null },
    },
  ])('$name', ({ text, want }) => {
    expect(parseDrmDeviceUevent(text)).toMatchObject(want);
  });

  it('vendor ids name the three GPU vendors only', () => {
    expect(vendorOf('10de')).toBe('nvidia');
    expect(vendorOf('1002')).toBe('amd');
    expect(vendorOf('8086')).toBe('intel');
    expect(vendorOf('1af4')).toBeNull();
    expect(vendorOf(null)).toBeNull();
  });

  it.each([
    ['0x1002\n', '1002'],
    ['0x744C', '744c'],
    ['1002', '1002'],
    ['', null],
    ['0x10', null],
    ['0xZZZZ', null],
    [undefined, null],
  ])('parsePciIdFile(%j) = %j', (text, want) => {
    expect(parsePciIdFile(text)).toBe(want);
  });
});

describe('parseAmdgpuFigures', () => {
  it('a discrete card', () => {
    expect(
      parseAmdgpuFigures({
        gpu_busy_percent: '37\n',
        mem_busy_percent: '12\n',
        mem_info_vram_total: '25753026560\n',
        mem_info_vram_used: '9663676416\n',
        mem_info_gtt_total: '33673883648\n',
        mem_info_gtt_used: '201326592\n',
      }),
    ).toEqual({
      busy_pct: 37,
      mem_busy_pct: 12,
      vram_total_bytes: 25753026560,
      vram_used_bytes: 9663676416,
      vis_vram_total_bytes: null,
      vis_vram_used_bytes: null,
      gtt_total_bytes: 33673883648,
      gtt_used_bytes: 201326592,
    });
  });

  it.each([
    { name: 'empty', value: '' },
    { name: 'garbage', value: 'busy' },
    { name: 'above 100 %', value: '101' },
    { name: 'negative', value: '-1' },
    { name: 'huge', value: '99999999999999999999' },
  ])('busy % $name → null, the rest read', ({ value }) => {
    const f = parseAmdgpuFigures({ gpu_busy_percent: value, mem_info_vram_total: '1024' });
    expect(f.busy_pct).toBeNull();
    expect(f.vram_total_bytes).toBe(1024);
  });
});
