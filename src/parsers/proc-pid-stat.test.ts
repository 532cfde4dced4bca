import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { PF_KTHREAD, type PidStat, parsePidStat } from './proc-pid-stat.js';

// Real lines from test/fixtures/hosts/debian12-vm-2c (see its HOST.md).
const BASH =
  '22871 (bash) S 22870 22871 22871 0 -1 4194560 14478 472078 1 160 19 51 3020 1132 20 0 1 0 262786 5251072 999 18446744073709551615 94220646129664 94220646919069 140724165917872 0 0 0 65536 4 1132560123 1 0 0 17 0 0 0 0 0 0 94220647152368 94220647200612 94221099290624 140724165925756 140724165925771 140724165925771 140724165926890 0\n';
const tail = (comm: string) =>
  `31376 (${comm}) S 1 31369 22871 0 -1 4194304 121 0 0 0 0 1 0 0 20 0 1 0 334681 2990080 403 18446744073709551615 0 0 0 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0\n`;
const KTHREADD = '2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 19 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
// A real-time thread: priority -51, nice 0; and a niced kworker: nice -20.
const KWORKER = '10 (kworker/0:0H-events_highpri) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 19 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

describe('parsePidStat', () => {
  it('reads the fields the process table uses, in base units', () => {
    expect(parsePidStat(BASH)).toEqual({
      pid: 22871,
      comm: 'bash',
      state: 'S',
      ppid: 22870,
      flags: 4194560,
      utime_s: 0.19,
      stime_s: 0.51,
      priority: 20,
      nice: 0,
      num_threads: 1,
      start_s: 2627.86,
      start_ticks: 262786,
      vsize_bytes: 5251072,
      rss_pages: 999,
    });
  });

  it.each([
    ['Web Content', 'Web Content'],
    ['(sd-pam)', '(sd-pam)'],
    ['a) S 1 2 (b', 'a) S 1 2 (b'],
    [') ) )', ') ) )'],
    ['', ''],
  ])('comm %j: from the first "(" to the last ")"', (comm, want) => {
    const s = parsePidStat(tail(comm));
    expect(s.comm).toBe(want);
    expect(s.state).toBe('S');
    expect(s.ppid).toBe(1);
    expect(s.rss_pages).toBe(403);
  });

  it('kernel threads: PF_KTHREAD flag, no RSS; negative nice', () => {
    expect(parsePidStat(KTHREADD).flags & PF_KTHREAD).not.toBe(0);
    expect(parsePidStat(BASH).flags & PF_KTHREAD).toBe(0);
    const k = parsePidStat(KWORKER);
    expect(k).toMatchObject({ comm: 'kworker/0:0H-events_highpri', state: 'I', nice: -20, priority: 0, rss_pages: 0 });
  });

  it('works without a trailing newline and with only the fields up to rss', () => {
    const upToRss = BASH.trim().split(' ').slice(0, 24).join(' ');
    expect(parsePidStat(upToRss).rss_pages).toBe(999);
  });

  const F = '/p/123/stat';
  it.each([
    { name: 'empty', text: '', message: /empty/ },
    { name: 'blank', text: '\n', message: /empty/ },
    { name: 'no parentheses', text: '123 bash S 1 2 3', message: /no "\(comm\)"/ },
    { name: 'garbage', text: 'hello world', message: /no "\(comm\)"/ },
    { name: 'not enough fields', text: '123 (bash) S 1 2 3 4 5', message: /needs at least 22/ },
    { name: 'truncated mid-line', text: BASH.slice(0, 80), message: /needs at least 22/ },
    { name: 'garbage pid', text: BASH.replace('22871 (', 'x (' ), message: /pid: "x"/ },
    { name: 'garbage number', text: BASH.replace(' 262786 ', ' 26x786 '), message: /starttime: "26x786"/ },
    { name: 'huge number', text: BASH.replace(' 262786 ', ' 99999999999999999999 '), message: /starttime/ },
    { name: 'negative rss', text: tail('x').replace(' 403 ', ' -403 '), message: /rss: "-403"/ },
    { name: 'bad state', text: tail('x').replace(') S ', ') SS '), message: /state "SS"/ },
    { name: 'double spaces', text: tail('x').replace(' 1 31369', '  1 31369'), message: /ppid: ""/ },
  ])('$name → ParseError', ({ text, message }) => {
    expectParseError(() => parsePidStat(text, F), F, 1, message);
  });
});

/** The split-based parser this one replaced, kept as the reference for the property test below. */
function reference(text: string): PidStat | string {
  const U = /^\d+$/;
  const I = /^-?\d+$/;
  const num = (tok: string, what: string, re: RegExp, kind: string) => {
    const n = re.test(tok) ? Number(tok) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new Error(`${what}: "${tok}" is not ${kind}`);
    return n;
  };
  const u = (t: string, w: string) => num(t, w, U, 'a non-negative integer');
  const i = (t: string, w: string) => num(t, w, I, 'an integer');
  try {
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    if (text.trim() === '') throw new Error('file is empty');
    if (open < 0 || close < open) throw new Error('no "(comm)" field');
    const pid = u(text.slice(0, open).trim(), 'pid');
    const rest = text.slice(close + 1).trim().split(' ');
    if (rest.length < 22) throw new Error(`${rest.length} fields after comm, needs at least 22 (up to rss)`);
    const f = (n: number) => rest[n - 3]!;
    if (!/^[A-Za-z]$/.test(f(3))) throw new Error(`state "${f(3)}" is not one letter`);
    const start = u(f(22), 'starttime');
    return {
      pid,
      comm: text.slice(open + 1, close),
      state: f(3),
      ppid: u(f(4), 'ppid'),
      flags: u(f(9), 'flags'),
      utime_s: u(f(14), 'utime') / 100,
      stime_s: u(f(15), 'stime') / 100,
      priority: i(f(18), 'priority'),
      nice: i(f(19), 'nice'),
      num_threads: u(f(20), 'num_threads'),
      start_s: start / 100,
      start_ticks: start,
      vsize_bytes: u(f(23), 'vsize'),
      rss_pages: u(f(24), 'rss'),
    };
  } catch (err) {
    return (err as Error).message;
  }
}

function actual(text: string): PidStat | string {
  try {
    return parsePidStat(text, 'f');
  } catch (err) {
    return (err as Error).message.replace(/^f:1: /, '');
  }
}

describe('parsePidStat against the split-based reference', () => {
  it('agrees on real lines and on thousands of damaged ones (value or error message)', () => {
    const lines = [BASH, tail('x'), tail('a b'), KTHREADD, KWORKER];
    // Deterministic damage: every position overwritten by each of a few characters, and cuts.
    const chars = [' ', '-', 'x', '9', '(', ')', '\n', '', '  '];
    let compared = 0;
    for (const line of lines) {
      for (let p = 0; p < line.length; p++) {
        for (const c of chars) {
          const damaged = line.slice(0, p) + c + line.slice(p + 1);
          expect(actual(damaged), JSON.stringify(damaged)).toEqual(reference(damaged));
          compared++;
        }
        expect(actual(line.slice(0, p))).toEqual(reference(line.slice(0, p)));
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });
});
