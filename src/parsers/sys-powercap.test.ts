import { describe, expect, it } from 'vitest';
import { parsePowercapZone, raplKind } from './sys-powercap.js';

describe('parsePowercapZone', () => {
  it('a package zone', () => {
    expect(parsePowercapZone({ name: 'package-0\n', energy_uj: '41220331887\n', max_energy_range_uj: '262143328850\n' })).toEqual({
      name: 'package-0',
      kind: 'package',
      package: 0,
      energy_uj: 41220331887,
      max_energy_range_uj: 262143328850,
    });
  });

  it.each([
    ['package-1', 'package', 1],
    ['core', 'core', null],
    ['uncore', 'uncore', null],
    ['dram', 'dram', null],
    ['psys', 'psys', null],
    ['platform', 'other', null],
    ['package-', 'other', null],
  ])('name %s → kind %s', (name, kind, pkg) => {
    expect(raplKind(name)).toEqual({ kind, package: pkg });
  });

  it.each([
    { name: 'unreadable counter (absent from the set)', files: { name: 'core' } },
    { name: 'empty', files: { name: 'core', energy_uj: '' } },
    { name: 'garbage', files: { name: 'core', energy_uj: 'EACCES' } },
    { name: 'negative', files: { name: 'core', energy_uj: '-5' } },
    { name: 'huge (above 2^53)', files: { name: 'core', energy_uj: '18446744073709551615' } },
  ])('$name → energy null', ({ files }) => {
    const z = parsePowercapZone(files);
    expect(z.energy_uj).toBeNull();
    expect(z.kind).toBe('core');
  });

  it('no name: kind other', () => {
    expect(parsePowercapZone({ energy_uj: '1' })).toMatchObject({ name: null, kind: 'other', energy_uj: 1 });
  });
});
