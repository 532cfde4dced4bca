import { round } from '../shared/units.js';

/**
 * ram_monitor's `top_processes`: processes grouped by executable, the biggest first, with the
 * browser view the reference README describes (label, tab estimate, earlyoom risk). Pure: it
 * works on rows from process_monitor's payload or from ram_monitor's own scan alike.
 */
export interface GroupInput {
  /** Executable name (argv[0]'s base name). */
  exe: string;
  rss_mb: number;
  /** The command line as one string (arguments joined by spaces). */
  cmdline: string;
  kernel_thread: boolean;
}

export interface ProcessGroup {
  name: string;
  /** "Browser (Chrome)" for browsers, else the executable name. */
  label: string;
  browser: string | null;
  rss_mb: number;
  /** Processes in the group. */
  count: number;
  /** Tab estimate: Chromium-family `--type=renderer` processes (extension renderers excluded) and Firefox tab content processes. */
  renderer_count: number;
  /** The group's RSS is above `earlyoom.browser_warn_pct` of RAM: earlyoom would pick from it first. */
  earlyoom_risk: boolean;
}

/** Executable name → browser, for the engines the SPEC names (Linux builds' binary names). */
export const BROWSER_EXES: Readonly<Record<string, string>> = {
  chrome: 'Chrome',
  'google-chrome': 'Chrome',
  'google-chrome-stable': 'Chrome',
  'google-chrome-beta': 'Chrome',
  'google-chrome-unstable': 'Chrome',
  chromium: 'Chromium',
  'chromium-browser': 'Chromium',
  firefox: 'Firefox',
  'firefox-esr': 'Firefox',
  'firefox-bin': 'Firefox',
  brave: 'Brave',
  'brave-browser': 'Brave',
  msedge: 'Edge',
  'microsoft-edge': 'Edge',
  'microsoft-edge-stable': 'Edge',
  vivaldi: 'Vivaldi',
  'vivaldi-bin': 'Vivaldi',
  opera: 'Opera',
};

/** The browser an executable belongs to; Chromium snaps and distro builds also call theirs `chrome`. */
export function browserOf(exe: string, cmdline: string): string | null {
  const b = BROWSER_EXES[exe.toLowerCase()];
  if (b === 'Chrome' && /\/chromium[^/\s]*\//.test(cmdline.split(' ')[0] ?? '')) return 'Chromium';
  return b ?? null;
}

/** One renderer (≈ one tab or site) of a Chromium-family browser or Electron app, or a Firefox tab process. */
export function isRenderer(cmdline: string): boolean {
  if (RENDERER_RE.test(cmdline)) return !EXTENSION_RE.test(cmdline);
  // Firefox: content processes carry -contentproc; tab ones say -isForBrowser or end in "tab".
  return CONTENTPROC_RE.test(cmdline) && (FOR_BROWSER_RE.test(cmdline) || cmdline.endsWith(' tab'));
}

// Whole arguments only (`--type=renderer-ish` is not one).
const RENDERER_RE = / --type=renderer(?: |$)/;
const EXTENSION_RE = / --extension-process(?: |$)/;
const CONTENTPROC_RE = / -contentproc(?: |$)/;
const FOR_BROWSER_RE = / -isForBrowser(?: |$)/;

export interface GroupOptions {
  totalRamMb: number;
  /** earlyoom.browser_warn_pct */
  warnPct: number;
  limit: number;
}

export function groupByExecutable(
  rows: Iterable<GroupInput>,
  opts: GroupOptions,
): { groups: ProcessGroup[]; browser_warn: boolean } {
  const acc = new Map<string, { rss: number; count: number; renderers: number; browser: string | null }>();
  for (const r of rows) {
    if (r.kernel_thread) continue;
    let g = acc.get(r.exe);
    if (!g) {
      g = { rss: 0, count: 0, renderers: 0, browser: browserOf(r.exe, r.cmdline) };
      acc.set(r.exe, g);
    }
    g.rss += r.rss_mb;
    g.count++;
    if (isRenderer(r.cmdline)) g.renderers++;
  }
  const limitMb = (opts.warnPct / 100) * opts.totalRamMb;
  const all = [...acc].map(
    ([name, g]): ProcessGroup => ({
      name,
      label: g.browser ? `Browser (${g.browser})` : name,
      browser: g.browser,
      rss_mb: round(g.rss, 1)!,
      count: g.count,
      renderer_count: g.renderers,
      earlyoom_risk: opts.totalRamMb > 0 && g.rss > limitMb,
    }),
  );
  all.sort((a, b) => b.rss_mb - a.rss_mb || a.name.localeCompare(b.name));
  // Judged over every group, not only the ten shown: a browser is a browser even if small now.
  const browserWarn = all.some((g) => g.browser !== null && g.earlyoom_risk);
  return { groups: all.slice(0, opts.limit), browser_warn: browserWarn };
}
