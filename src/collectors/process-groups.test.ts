import { describe, expect, it } from 'vitest';
import { browserOf, type GroupInput, groupByExecutable, isRenderer } from './process-groups.js';

const row = (exe: string, rss_mb: number, cmdline = `/usr/bin/${exe}`): GroupInput => ({ exe, rss_mb, cmdline, kernel_thread: false });
const opts = { totalRamMb: 16384, warnPct: 20, limit: 10 };

describe('browserOf', () => {
  it.each([
    ['chrome', '/opt/google/chrome/chrome --type=renderer', 'Chrome'],
    ['chrome', '/snap/chromium/2768/usr/lib/chromium-browser/chrome --type=renderer', 'Chromium'],
    ['chromium', '/usr/lib/chromium/chromium', 'Chromium'],
    ['brave', '/opt/brave.com/brave/brave', 'Brave'],
    ['msedge', '/opt/microsoft/msedge/msedge', 'Edge'],
    ['vivaldi-bin', '/opt/vivaldi/vivaldi-bin', 'Vivaldi'],
    ['opera', '/usr/lib/x86_64-linux-gnu/opera/opera', 'Opera'],
    ['firefox-esr', '/usr/lib/firefox-esr/firefox-esr', 'Firefox'],
    ['Firefox', '/opt/Firefox', 'Firefox'],
    ['code', '/usr/share/code/code --type=renderer', null],
    ['node', 'node x', null],
  ])('%s (%s) → %s', (exe, cmdline, want) => {
    expect(browserOf(exe, cmdline)).toBe(want);
  });
});

describe('isRenderer', () => {
  it.each([
    ['/opt/google/chrome/chrome --type=renderer --crashpad-handler-pid=1', true],
    ['/opt/google/chrome/chrome --type=renderer --extension-process --lang=en', false],
    ['/opt/google/chrome/chrome --type=gpu-process', false],
    ['/opt/google/chrome/chrome --type=utility --utility-sub-type=network.mojom.NetworkService', false],
    ['/opt/google/chrome/chrome', false],
    ['/usr/lib/firefox/firefox -contentproc -childID 3 -isForBrowser -prefsLen 1 -appDir /usr/lib/firefox/browser 2371 true tab', true],
    ['/usr/lib/firefox/firefox -contentproc -parentBuildID 1 -appDir /usr/lib/firefox/browser 2371 true tab', true],
    ['/usr/lib/firefox/firefox -contentproc -parentBuildID 1 -appDir /usr/lib/firefox/browser 2371 true socket', false],
    ['/usr/lib/firefox/firefox -contentproc -parentBuildID 1 2371 true rdd', false],
    ['echo --type=renderer-ish', false],
  ])('%s → %s', (cmdline, want) => {
    expect(isRenderer(cmdline)).toBe(want);
  });
});

describe('groupByExecutable', () => {
  it('sums RSS and counts per executable, biggest first, kernel threads left out, at most `limit` groups', () => {
    const rows = [
      ...Array.from({ length: 12 }, (_, i) => row(`app${i}`, i + 1)),
      row('app11', 100),
      { exe: 'kworker/0:1', rss_mb: 0, cmdline: '', kernel_thread: true },
    ];
    const { groups } = groupByExecutable(rows, opts);
    expect(groups).toHaveLength(10);
    expect(groups[0]).toMatchObject({ name: 'app11', rss_mb: 112, count: 2, label: 'app11', browser: null });
    expect(groups.map((g) => g.name)).not.toContain('kworker/0:1');
    expect(groups[9]!.name).toBe('app2');
  });

  it('a browser group: label, tab estimate, earlyoom risk above browser_warn_pct of RAM', () => {
    const chrome = (args: string, rss: number) => row('chrome', rss, `/opt/google/chrome/chrome ${args}`);
    const rows = [
      chrome('', 900),
      ...Array.from({ length: 53 }, () => chrome('--type=renderer', 50)),
      chrome('--type=renderer --extension-process', 100),
      chrome('--type=gpu-process', 300),
      row('code', 3000, '/usr/share/code/code --type=renderer'),
    ];
    const { groups, browser_warn } = groupByExecutable(rows, opts);
    expect(groups[0]).toEqual({
      name: 'chrome',
      label: 'Browser (Chrome)',
      browser: 'Chrome',
      rss_mb: 3950,
      count: 56,
      renderer_count: 53,
      earlyoom_risk: true,
    });
    // An Electron app over the limit is at risk too, and counts renderers, but is no browser.
    expect(groups[1]).toMatchObject({ name: 'code', browser: null, renderer_count: 1, earlyoom_risk: false });
    expect(browser_warn).toBe(true);
  });

  it('browser_warn only for browsers, judged at the threshold (strictly above)', () => {
    expect(groupByExecutable([row('java', 10000)], opts)).toMatchObject({ browser_warn: false, groups: [{ earlyoom_risk: true }] });
    expect(groupByExecutable([row('firefox', 3276.8)], opts).browser_warn).toBe(false);
    expect(groupByExecutable([row('firefox', 3277)], opts).browser_warn).toBe(true);
    expect(groupByExecutable([row('firefox', 1)], { ...opts, totalRamMb: 0 }).browser_warn).toBe(false);
  });

  it('no processes: no groups', () => {
    expect(groupByExecutable([], opts)).toEqual({ groups: [], browser_warn: false });
  });
});
