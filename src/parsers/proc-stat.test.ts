import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { cpuTotalSeconds, parseProcStat } from './proc-stat.js';

// Real text: a 2-vCPU Debian 12 VM (kernel 6.18), intr line shortened.
const DEBIAN_VM = `cpu  3038 0 2379 55641 111 0 146 0 0 0
cpu0 1339 0 1090 28157 6 0 76 0 0 0
cpu1 1698 0 1288 27483 104 0 70 0 0 0
intr 157225 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
ctxt 378794
btime 1795482523
processes 3247
procs_running 2
procs_blocked 0
softirq 67287 0 9137 7 5126 7270 0 4 26362 0 19381
`;

// A 2.6.18-era kernel: 8 time columns (no guest, guest_nice).
const OLD_KERNEL = `cpu  100 2 30 4000 5 6 7 8
cpu0 100 2 30 4000 5 6 7 8
ctxt 10
btime 1000
`;

// A 2.4-era kernel: only user nice system idle.
const ANCIENT = `cpu  1 2 3 4
cpu0 1 2 3 4
`;

describe('parseProcStat: valid', () => {
  it.each([
    {
      name: 'Debian 12 VM',
      text: DEBIAN_VM,
      total: { user: 30.38, nice: 0, system: 23.79, idle: 556.41, iowait: 1.11, irq: 0, softirq: 1.46, steal: 0, guest: 0, guest_nice: 0 },
      cpus: [0, 1],
      scalars: { interrupts: 157225, context_switches: 378794, boot_time_s: 1795482523, processes: 3247, procs_running: 2, procs_blocked: 0 },
    },
    {
      name: 'kernel without guest columns',
      text: OLD_KERNEL,
      total: { user: 1, nice: 0.02, system: 0.3, idle: 40, iowait: 0.05, irq: 0.06, softirq: 0.07, steal: 0.08, guest: null, guest_nice: null },
      cpus: [0],
      scalars: { interrupts: null, context_switches: 10, boot_time_s: 1000, processes: null, procs_running: null, procs_blocked: null },
    },
    {
      name: 'four-column kernel',
      text: ANCIENT,
      total: { user: 0.01, nice: 0.02, system: 0.03, idle: 0.04, iowait: null, irq: null, softirq: null, steal: null, guest: null, guest_nice: null },
      cpus: [0],
      scalars: { interrupts: null, context_switches: null, boot_time_s: null, processes: null, procs_running: null, procs_blocked: null },
    },
    {
      name: 'offline CPU and blank lines',
      text: `\ncpu  1 1 1 1 1 1 1 1 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\n\ncpu2 1 1 1 1 1 1 1 1 0 0\n`,
      total: { user: 0.01, nice: 0.01, system: 0.01, idle: 0.01, iowait: 0.01, irq: 0.01, softirq: 0.01, steal: 0.01, guest: 0, guest_nice: 0 },
      cpus: [0, 2],
      scalars: { interrupts: null, context_switches: null, boot_time_s: null, processes: null, procs_running: null, procs_blocked: null },
    },
  ])('$name', ({ text, total, cpus, scalars }) => {
    const stat = parseProcStat(text);
    expect(stat.total).toEqual(total);
    expect(stat.cpus.map((c) => c.cpu)).toEqual(cpus);
    expect(stat).toMatchObject(scalars);
  });

  it('converts jiffies to seconds at USER_HZ = 100', () => {
    expect(parseProcStat('cpu  44490 19 21045 1087069 220 1 3410 0 2 1\n').total.user).toBe(444.9);
  });

  it('does not count guest time twice in the total (it is already inside user and nice)', () => {
    const t = parseProcStat('cpu  100 50 10 1000 0 0 0 0 40 20\n').total;
    expect(t.guest).toBe(0.4);
    expect(cpuTotalSeconds(t)).toBeCloseTo((100 + 50 + 10 + 1000) / 100, 10);
  });
});

describe('parseProcStat: malformed', () => {
  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'only blank lines', text: '\n\n', line: 1, message: /empty/ },
    { name: 'no aggregate cpu line', text: 'cpu0 1 2 3 4\nctxt 5\n', line: 1, message: /no aggregate/ },
    { name: 'not enough fields', text: 'cpu  1 2 3 4\ncpu0 1 2\n', line: 2, message: /2 time columns/ },
    { name: 'garbage in a column', text: 'cpu  1 2 x 4\n', line: 1, message: /system: "x"/ },
    { name: 'negative value', text: 'cpu  1 -2 3 4\n', line: 1, message: /nice/ },
    { name: 'huge numbers (beyond 2^53)', text: 'cpu  18446744073709551615 0 0 0\n', line: 1, message: /user/ },
    { name: 'truncated scalar line', text: 'cpu  1 2 3 4\nctxt\n', line: 2, message: /ctxt needs .* got nothing/ },
    { name: 'garbage scalar', text: 'cpu  1 2 3 4\nbtime soon\n', line: 2, message: /btime/ },
    { name: 'truncated intr line', text: 'cpu  1 2 3 4\nintr\n', line: 2, message: /intr/ },
  ])('$name → ParseError naming file and line', ({ text, line, message }) => {
    expectParseError(() => parseProcStat(text, '/fixture/proc/stat'), '/fixture/proc/stat', line, message);
  });

  it('skips keys it does not read, even when odd', () => {
    expect(() => parseProcStat('cpu  1 2 3 4\nsoftirq x y\nfuture_key\n')).not.toThrow();
  });
});
