/**
 * GPUs: one card per device with utilisation and temperature on two axes, VRAM, power, fan,
 * clocks and the processes holding VRAM. Built against the gpu_monitor contract (`gpus[]`).
 */
import type { SeriesInfo } from '../../../src/shared/protocol-history.js';
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { DASH, fmtC, fmtGb, fmtMb, fmtMhz, fmtPct, fmtW } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { num, objs, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { kvList, meter, row, setCells, stat, table, toneOf } from '../widgets.js';

const gpuAt = (d: Payload, index: number): Payload | null => objs(d, 'gpus').find((g) => num(g, 'index') === index) ?? null;

/** A stored gpu_monitor series for this GPU whose metric name ends with `suffix`. */
const finder = (index: number, suffix: string) => (s: SeriesInfo) =>
  s.collector === 'gpu_monitor' && s.metric.endsWith(suffix) && Object.values(s.labels).includes(String(index));

export function gpuPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('gpu', 'GPU', 'wide');
  const cards = h('div.gpu-cards');
  p.body.append(cards);
  // Each card's update function, by its element (cards are created once per GPU).
  const updaters = new WeakMap<Element, (g: Payload) => void>();

  const makeCard = (g: Payload) => {
    const index = num(g, 'index') ?? 0;
    const util = stat('utilisation');
    const temp = stat('temperature');
    const power = stat('power');
    const vram = meter('VRAM');
    const chart = new LiveChart({
      label: `GPU ${index} utilisation and temperature over time`,
      axes: [
        { scale: '%', format: (v) => `${Math.round(v)}%`, range: [0, 100] },
        { scale: '°C', format: (v) => `${Math.round(v)}°`, range: [20, 100], side: 'right' },
      ],
    });
    const uKey = `gpu_monitor.util_pct{gpu="${index}"}`;
    const tKey = `gpu_monitor.temp_c{gpu="${index}"}`;
    const vKey = `gpu_monitor.vram_pct{gpu="${index}"}`;
    charts.add({
      chart,
      plugin: 'gpu_monitor',
      lines: () => [
        { key: uKey, label: 'util', color: 'c1', fill: true, find: finder(index, 'util_pct') },
        { key: vKey, label: 'VRAM', color: 'c5', find: finder(index, 'vram_pct') },
        { key: tKey, label: 'temp', color: 'red', scale: '°C', find: finder(index, 'temp_c') },
      ],
      values: (d) => {
        const x = gpuAt(d, index);
        return { [uKey]: num(x, 'util_pct'), [tKey]: num(x, 'temp_c'), [vKey]: num(x, 'vram_pct') };
      },
    });
    const facts = kvList([
      ['fan', 'fan'],
      ['clocks', 'clocks SM / mem'],
      ['memutil', 'memory bus'],
      ['uuid', 'uuid'],
    ]);
    const procs = table([{ label: 'pid', num: true }, { label: 'process' }, { label: 'user' }, { label: 'VRAM', num: true }], 'processes using this GPU');
    const title = h('h3.sub');
    const el = h(
      'article.gpu-card',
      null,
      title,
      h('div.stats', null, util.root, temp.root, power.root),
      vram.root,
      chart.root,
      facts.root,
      procs.root,
    );
    updaters.set(el, (x: Payload) => {
      setText(title, `${num(x, 'index') ?? index} · ${str(x, 'name') ?? 'GPU'}${str(x, 'vendor') ? ` (${str(x, 'vendor')})` : ''}`);
      const u = num(x, 'util_pct');
      util.set(fmtPct(u), u === null ? 'muted' : 'ok');
      const t = num(x, 'temp_c');
      temp.set(fmtC(t), toneOf(t, 80, 90));
      const pw = num(x, 'power_w');
      const lim = num(x, 'power_limit_w');
      power.set(lim !== null ? `${fmtW(pw)} / ${fmtW(lim)}` : fmtW(pw));
      const vp = num(x, 'vram_pct');
      vram.set(vp, `${fmtGb(num(x, 'vram_used_gb'))} / ${fmtGb(num(x, 'vram_total_gb'))}`, toneOf(vp, 75, 90));
      facts.set('fan', fmtPct(num(x, 'fan_pct')));
      facts.set('clocks', `${fmtMhz(num(x, 'clocks.sm_mhz'))} / ${fmtMhz(num(x, 'clocks.mem_mhz'))}`);
      facts.set('memutil', fmtPct(num(x, 'mem_util_pct')));
      facts.set('uuid', str(x, 'uuid') ?? DASH);
      const list = objs(x, 'processes').sort((a, b) => (num(b, 'vram_mb') ?? 0) - (num(a, 'vram_mb') ?? 0));
      syncRows(
        procs.tbody,
        list,
        (r) => String(num(r, 'pid')),
        () => row(['num', 'text', 'text', 'num']),
        (tr, r) => {
          const svc = str(r, 'service');
          setCells(tr, [String(num(r, 'pid') ?? DASH), `${str(r, 'name') ?? '?'}${svc ? ` (${svc})` : ''}`, str(r, 'user') ?? DASH, fmtMb(num(r, 'vram_mb'))]);
        },
      );
      setAttr(procs.root, 'data-empty', list.length === 0 ? 'no processes hold VRAM' : null);
    });
    return el;
  };

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'gpu_monitor');
      if (!d) return;
      const gpus = objs(d, 'gpus');
      setText(p.meta, `${gpus.length} device${gpus.length === 1 ? '' : 's'}`);
      syncRows(cards, gpus, (g) => String(num(g, 'index') ?? str(g, 'uuid')), makeCard, (el, g) => updaters.get(el)?.(g));
    },
  };
}
