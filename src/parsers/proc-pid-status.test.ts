import { describe, expect, it } from 'vitest';
import { expectParseError } from '../../test/helpers/expect-parse-error.js';
import { parsePidStatus } from './proc-pid-status.js';

const NODE = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Tgid:\t31377
PPid:\t1
Uid:\t1000\t1001\t1001\t1001
Gid:\t0\t0\t0\t0
VmRSS:\t   40208 kB
RssAnon:\t   12000 kB
RssFile:\t   28000 kB
RssShmem:\t     208 kB
Threads:\t7
`;

describe('parsePidStatus', () => {
  it('reads name, uids, ppid, threads and RSS in bytes', () => {
    expect(parsePidStatus(NODE)).toEqual({
      name: 'node',
      uid: 1001,
      real_uid: 1000,
      ppid: 1,
      threads: 7,
      vm_rss_bytes: 40208 * 1024,
      rss_anon_bytes: 12000 * 1024,
      rss_file_bytes: 28000 * 1024,
      rss_shmem_bytes: 208 * 1024,
    });
  });

  it('keeps spaces and decodes escapes in Name; kernel threads have no Vm lines', () => {
    const s = parsePidStatus('Name:\tWeb Content\nUid:\t0\t0\t0\t0\nThreads:\t1\n');
    expect(s).toMatchObject({ name: 'Web Content', uid: 0, vm_rss_bytes: null, ppid: null });
    expect(parsePidStatus('Name:\ta\\nb\\\\nc\nUid:\t0\t0\t0\t0\n').name).toBe('a\nb\\nc');
  });

  it('skips lines without a colon and keys it does not read', () => {
    expect(parsePidStatus('junk\nName:\tx\nSomeNewKey:\t??\nUid:\t5\t5\t5\t5\n').uid).toBe(5);
  });

  const F = '/p/1/status';
  it.each([
    { name: 'empty', text: '', line: 1, message: /empty/ },
    { name: 'no Uid (truncated)', text: 'Name:\tx\nState:\tS\n', line: 1, message: /no Uid/ },
    { name: 'no Name', text: 'Uid:\t0\t0\t0\t0\n', line: 1, message: /no Name/ },
    { name: 'not enough uids', text: 'Name:\tx\nUid:\t0\n', line: 2, message: /Uid: expected 4 ids/ },
    { name: 'garbage uid', text: 'Name:\tx\nUid:\tx\t0\t0\t0\n', line: 2, message: /Uid/ },
    { name: 'garbage threads', text: 'Name:\tx\nUid:\t0\t0\t0\t0\nThreads:\tmany\n', line: 3, message: /Threads: "many"/ },
    { name: 'bad unit', text: 'Name:\tx\nVmRSS:\t12 MB\nUid:\t0\t0\t0\t0\n', line: 2, message: /VmRSS: "12 MB"/ },
    { name: 'huge RSS', text: 'Name:\tx\nVmRSS:\t99999999999999999 kB\nUid:\t0\t0\t0\t0\n', line: 2, message: /VmRSS/ },
  ])('$name → ParseError', ({ text, line, message }) => {
    expectParseError(() => parsePidStatus(text, F), F, line, message);
  });
});
