/** CPU: usage chart (aggregate and its main parts), per-core bars, the time breakdown, load, PSI. */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setBar, setText, syncRows, toggleClass } from '../dom.js';
import { fmtCount, fmtMhz, fmtNum, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { arr, num, obj, str } from '../read.js';
import type { State } from '../state.js';
import { kvList, stat, toneOf } from '../widgets.js';

const PARTS = ['user', 'nice', 'system', 'iowait', 'irq', 'softirq', 'steal'] as const;
const pct = (v: number) => `${Math.round(v)}%`;

export function cpuPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('cpu', 'CPU', 'wide');
  const usage = stat('usage');
  const load = stat('load 1 / 5 / 15 min');
  const psi = stat('pressure (some, 10 s)');
  const freq = stat('frequency');
  const chart = new LiveChart({
    label: 'CPU usage over time',
    axes: [{ scale: '%', format: pct, range: [0, 100] }],
  });
  charts.add({
    chart,
    plugin: 'cpu_monitor',
    lines: () => [
      { key: 'cpu_monitor.aggregate_pct', label: 'busy', color: 'c1', fill: true },
      { key: 'cpu_monitor.breakdown_user_pct', label: 'user', color: 'c2' },
      { key: 'cpu_monitor.breakdown_system_pct', label: 'system', color: 'c3' },
      { key: 'cpu_monitor.breakdown_iowait_pct', label: 'iowait', color: 'amber', dash: [4, 3] },
    ],
    values: (d) => ({
      'cpu_monitor.aggregate_pct': num(d, 'aggregate_pct'),
      'cpu_monitor.breakdown_user_pct': num(d, 'breakdown.user'),
      'cpu_monitor.breakdown_system_pct': num(d, 'breakdown.system'),
      'cpu_monitor.breakdown_iowait_pct': num(d, 'breakdown.iowait'),
    }),
  });
  const split = h('div.split', { role: 'img', 'aria-label': 'CPU time breakdown' });
  const segs = new Map<string, HTMLElement>();
  const legend = h('div.split-legend');
  const legendVals = new Map<string, HTMLElement>();
  for (const part of PARTS) {
    const seg = h('span.seg', { 'data-part': part });
    segs.set(part, seg);
    split.append(seg);
    const v = h('span.lv');
    legendVals.set(part, v);
    legend.append(h('span.li', { 'data-part': part }, h('i', { 'aria-hidden': 'true' }), `${part} `, v));
  }
  const cores = h('div.cores', { role: 'list', 'aria-label': 'per-core usage' });
  const facts = kvList([
    ['procs', 'runnable / blocked'],
    ['ctx', 'context switches'],
    ['irq', 'interrupts'],
    ['throttle', 'throttling'],
  ]);
  p.body.append(
    h('div.stats', null, usage.root, load.root, psi.root, freq.root),
    chart.root,
    split,
    legend,
    cores,
    facts.root,
  );

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'cpu_monitor');
      if (!d) return;
      const model = str(d, 'model');
      const n = num(d, 'core_count');
      setText(p.meta, [model, n !== null ? `${n} threads` : null].filter(Boolean).join(' · '));
      const agg = num(d, 'aggregate_pct');
      usage.set(fmtPct(agg), toneOf(agg, 80, 95));
      const l1 = num(d, 'load_avg.1m');
      load.set(
        `${fmtNum(l1, 2)} / ${fmtNum(num(d, 'load_avg.5m'), 2)} / ${fmtNum(num(d, 'load_avg.15m'), 2)}`,
        n !== null && l1 !== null && l1 > n ? 'amber' : 'ok',
      );
      const some = num(d, 'pressure.cpu.some.avg10');
      psi.set(some === null ? '—' : fmtPct(some, 1), toneOf(some, 10, 40), str(d, 'pressure_reason') ?? undefined);
      const freqs = arr(d, 'freq_mhz').filter((x): x is number => typeof x === 'number');
      freq.set(
        freqs.length ? `${fmtMhz(freqs.reduce((a, b) => a + b, 0) / freqs.length)} avg` : '—',
        'ok',
        freqs.length ? `min ${fmtMhz(Math.min(...freqs))}, max ${fmtMhz(Math.max(...freqs))}` : undefined,
      );
      for (const part of PARTS) {
        const v = num(d, `breakdown.${part}`);
        setBar(segs.get(part)!, v);
        setText(legendVals.get(part)!, fmtPct(v));
      }
      const per = arr(d, 'per_core_pct').map((x) => (typeof x === 'number' ? x : null));
      toggleClass(cores, 'compact', per.length > 32);
      syncRows(
        cores,
        per.map((v, i) => ({ i, v, mhz: typeof freqs[i] === 'number' ? freqs[i]! : null })),
        (c) => String(c.i),
        () => h('div.core', { role: 'listitem' }, h('span.cn'), h('span.ct', null, h('span.cf')), h('span.cv')),
        (el, c) => {
          setText(el.children[0]!, String(c.i));
          setBar(el.querySelector('.cf') as HTMLElement, c.v);
          setText(el.children[2]!, c.v === null ? '—' : `${Math.round(c.v)}%`);
          setAttr(el, 'data-tone', toneOf(c.v, 80, 95));
          setAttr(el, 'title', `core ${c.i}: ${fmtPct(c.v)}${c.mhz !== null ? ` at ${fmtMhz(c.mhz)}` : ''}`);
        },
      );
      facts.set('procs', `${fmtCount(num(d, 'procs_running'))} / ${fmtCount(num(d, 'procs_blocked'))}`);
      facts.set('ctx', `${fmtCount(num(d, 'context_switches_per_s'))}/s`);
      facts.set('irq', `${fmtCount(num(d, 'interrupts_per_s'))}/s`);
      const thr = obj(d, 'throttle');
      facts.set(
        'throttle',
        thr ? `core ${fmtCount(num(thr, 'core_throttle_count'))} · package ${fmtCount(num(thr, 'package_throttle_count'))}` : 'not reported',
        'muted',
        thr ? 'thermal throttle events since boot (cumulative)' : 'no thermal_throttle counters (VM or non-Intel CPU)',
      );
    },
  };
}
