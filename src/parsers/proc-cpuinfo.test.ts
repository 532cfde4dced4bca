import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTopology, parseCpuinfo, parseCpuinfoMhz } from './proc-cpuinfo.js';

// Real text, trimmed to the keys that matter plus a few neighbours.
const X86_VM = `processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC
cpu MHz		: 2096.003
physical id	: 0
siblings	: 2
core id		: 0
cpu cores	: 2

processor	: 1
vendor_id	: AuthenticAMD
model name	: AMD EPYC
cpu MHz		: 2096.003
physical id	: 0
siblings	: 2
core id		: 1
cpu cores	: 2
`;

const ARM64 = `processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x0
CPU part	: 0xd08
CPU revision	: 3

processor	: 1
BogoMIPS	: 108.00
CPU implementer	: 0x41
CPU architecture: 8
CPU part	: 0xd08
`;

// 32-bit ARM kernels before 3.8: one machine-wide "Processor" line, ids absent.
const ARM32_LEGACY = `Processor	: ARMv7 Processor rev 10 (v7l)
processor	: 0
BogoMIPS	: 790.52

processor	: 1
BogoMIPS	: 790.52

Features	: swp half thumb fastmult vfp edsp neon
CPU implementer	: 0x41
CPU part	: 0xc09
Hardware	: Freescale i.MX 6Quad
`;

const BIG_LITTLE = `processor	: 0
CPU implementer	: 0x41
CPU part	: 0xd05

processor	: 1
CPU implementer	: 0x41
CPU part	: 0xd0b
`;

const POWER = `processor	: 0
cpu		: POWER9 (raw), altivec supported
clock		: 2166.000000MHz
`;

// Two sockets, hyper-threading: 4 logical, 2 physical cores, 2 sockets; core ids repeat.
const TWO_SOCKETS = [0, 1, 2, 3]
  .map((p) => `processor : ${p}\nmodel name : Xeon\nphysical id : ${p >> 1}\ncore id : 0\ncpu MHz : 1000.5\n`)
  .join('\n');

describe('parseCpuinfo: valid', () => {
  it.each([
    { name: 'x86 VM', text: X86_VM, model: 'AMD EPYC', count: 2, mhz: [2096.003, 2096.003], physical: 2, sockets: 1 },
    { name: 'arm64 (model from CPU part)', text: ARM64, model: 'ARM Cortex-A72', count: 2, mhz: [null, null], physical: null, sockets: null },
    { name: 'legacy 32-bit ARM', text: ARM32_LEGACY, model: 'ARMv7 Processor rev 10 (v7l)', count: 2, mhz: [null, null], physical: null, sockets: null },
    { name: 'big.LITTLE', text: BIG_LITTLE, model: 'ARM Cortex-A55 + ARM Cortex-A76', count: 2, mhz: [null, null], physical: null, sockets: null },
    { name: 'PowerPC', text: POWER, model: 'POWER9 (raw), altivec supported', count: 1, mhz: [null], physical: null, sockets: null },
    { name: 'two sockets', text: TWO_SOCKETS, model: 'Xeon', count: 4, mhz: [1000.5, 1000.5, 1000.5, 1000.5], physical: 2, sockets: 2 },
  ])('$name', ({ text, model, count, mhz, physical, sockets }) => {
    const info = parseCpuinfo(text);
    expect(info.model).toBe(model);
    expect(info.processors).toHaveLength(count);
    expect(info.processors.map((p) => p.mhz)).toEqual(mhz);
    expect(info.physical_cores).toBe(physical);
    expect(info.sockets).toBe(sockets);
  });
});

// Rule under test: cpuinfo never throws; unreadable parts become null or are skipped.
describe('parseCpuinfo: malformed', () => {
  it.each([
    { name: 'empty', text: '', count: 0, model: null },
    { name: 'not enough fields (no values)', text: 'processor\t:\nmodel name\t:\n', count: 0, model: null },
    { name: 'garbage', text: '\u0000\u0001 binary junk\nno colons here\n', count: 0, model: null },
    { name: 'garbage processor number', text: 'processor : x\nmodel name : Foo\n', count: 0, model: 'Foo' },
    { name: 'truncated mid-block', text: 'processor : 0\nmodel name : Foo\ncpu MH', count: 1, model: 'Foo' },
  ])('$name', ({ text, count, model }) => {
    const info = parseCpuinfo(text);
    expect(info.processors).toHaveLength(count);
    expect(info.model).toBe(model);
  });

  it.each([
    { name: 'huge numbers', mhz: '1e400', want: null },
    { name: 'garbage MHz', mhz: 'fast', want: null },
    { name: 'zero MHz (not reported)', mhz: '0.000', want: null },
  ])('$name in cpu MHz → null', ({ mhz, want }) => {
    expect(parseCpuinfo(`processor : 0\ncpu MHz : ${mhz}\n`).processors[0]?.mhz).toBe(want);
  });

  it('leaves topology null when one CPU lacks its ids (a partial count would be wrong)', () => {
    const text = 'processor : 0\nphysical id : 0\ncore id : 0\n\nprocessor : 1\nphysical id : 0\n';
    expect(parseCpuinfo(text)).toMatchObject({ physical_cores: null, sockets: null });
  });
});

describe('countTopology', () => {
  it('counts a core per (package, core) pair', () => {
    const cpus = [
      { package: 0, core: 0 },
      { package: 0, core: 0 },
      { package: 1, core: 0 },
    ];
    expect(countTopology(cpus)).toEqual({ physical_cores: 2, sockets: 2 });
  });
  it('is null for no CPUs', () => {
    expect(countTopology([])).toBeNull();
  });
});

describe('parseCpuinfoMhz', () => {
  const hosts = join(import.meta.dirname, '../../test/fixtures/hosts');
  const texts = [
    X86_VM,
    ARM64,
    ...readdirSync(hosts).map((h) => readFileSync(join(hosts, h, 'proc/cpuinfo'), 'utf8')),
    // malformed: what parseCpuinfo's table above feeds it, and more
    '',
    'processor\t:\nmodel name\t:\n',
    '\u0000\u0001 binary junk\nno colons here\n',
    'processor : x\nmodel name : Foo\n',
    'processor : 0\nmodel name : Foo\ncpu MH',
    'processor : 0\ncpu MHz : 1e400\n\nprocessor : 1\ncpu MHz : fast\n\nprocessor : 2\ncpu MHz : 0.000\n',
    'processor : 0\ncpu MHz : 100\ncpu MHz : 200\nprocessor : 7\n\n\n\nprocessor : 1\n  \t\ncpu MHz : 300',
    ': no key\nprocessor:3\ncpu MHz:2.5\r\n',
  ];
  it.each(texts.map((t, i) => [i, t] as const))('text %i: the processors and MHz parseCpuinfo finds', (_i, text) => {
    expect(parseCpuinfoMhz(text)).toEqual(parseCpuinfo(text).processors.map((p) => ({ processor: p.processor, mhz: p.mhz })));
  });
});
