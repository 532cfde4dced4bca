/** Disks: volume bars (local and network mounts), per-disk I/O chart and table, IO pressure. */
import { type LineSpec, LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setBar, setText, syncRows } from '../dom.js';
import { fmtCount, fmtGb, fmtMbps, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { bool, num, obj, objs, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { row, setCells, stat, sub, table, toneOf } from '../widgets.js';

const COLORS = ['c1', 'c2', 'c4', 'c5', 'c6', 'c7'];

function ioLines(d: Payload): LineSpec[] {
  const devs = Object.keys(obj(d, 'io') ?? {}).sort();
  return devs.flatMap((dev, i) => [
    { key: `disk_monitor.io_read_mbps{device="${dev}"}`, label: `${dev} read`, color: COLORS[i % COLORS.length]! },
    { key: `disk_monitor.io_write_mbps{device="${dev}"}`, label: `${dev} write`, color: COLORS[i % COLORS.length]!, dash: [4, 3] },
  ]);
}

function ioValues(d: Payload): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [dev, io] of Object.entries(obj(d, 'io') ?? {})) {
    out[`disk_monitor.io_read_mbps{device="${dev}"}`] = num(io, 'read_mbps');
    out[`disk_monitor.io_write_mbps{device="${dev}"}`] = num(io, 'write_mbps');
  }
  return out;
}

export function disksPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('disks', 'Disks');
  const root = stat('root filesystem');
  const psi = stat('IO pressure some / full');
  const volumes = h('div.volumes', { role: 'list', 'aria-label': 'volumes' });
  const chart = new LiveChart({ label: 'disk read and write rates over time', axes: [{ scale: 'MB/s', format: fmtMbps }] });
  charts.add({ chart, plugin: 'disk_monitor', lines: ioLines, values: ioValues });
  const devices = table(
    [{ label: 'disk' }, { label: 'read', num: true }, { label: 'write', num: true }, { label: 'IOPS r/w', num: true }, { label: 'busy', num: true }],
    'per-disk I/O',
  );
  p.body.append(h('div.stats', null, root.root, psi.root), volumes, sub('I/O'), chart.root, devices.root);

  const makeVol = () =>
    h(
      'div.vol',
      { role: 'listitem' },
      h('div.v-head', null, h('span.v-name'), h('span.v-kind'), h('span.v-value')),
      h('span.m-track', null, h('span.m-fill')),
    );
  const renderVol = (el: HTMLElement, v: Payload & { kind: string }) => {
    const pct = num(v, 'pct');
    const stale = bool(v, 'stale') === true;
    setText(el.querySelector('.v-name')!, str(v, 'mountpoint') ?? '?');
    setText(el.querySelector('.v-kind')!, `${v.kind === 'network' ? 'net · ' : ''}${str(v, 'fstype') ?? ''}`);
    setBar(el.querySelector('.m-fill') as HTMLElement, pct);
    setText(
      el.querySelector('.v-value')!,
      stale ? 'not answering' : `${fmtPct(pct)} · ${fmtGb(num(v, 'used_gb'))} / ${fmtGb(num(v, 'total_gb'))}`,
    );
    setAttr(el, 'data-tone', stale ? 'red' : toneOf(pct, 80, 90));
    setAttr(el, 'title', stale ? (str(v, 'error') ?? 'stale mount') : `${str(v, 'device') ?? ''} · ${fmtGb(num(v, 'free_gb'))} free`);
  };

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'disk_monitor');
      if (!d) return;
      const rootPct = num(d, 'volumes.root_pct');
      root.set(fmtPct(rootPct), toneOf(rootPct, 80, 90));
      const some = num(d, 'pressure.io.some.avg10');
      psi.set(some === null ? '—' : `${fmtPct(some, 1)} / ${fmtPct(num(d, 'pressure.io.full.avg10'), 1)}`, toneOf(some, 25, 50));
      const vols = [
        ...objs(d, 'volumes.local').map((v) => ({ ...v, kind: 'local' })),
        ...objs(d, 'volumes.network').map((v) => ({ ...v, kind: 'network' })),
      ];
      setText(p.meta, `${vols.length} volume${vols.length === 1 ? '' : 's'}`);
      syncRows(volumes, vols, (v) => `${v.kind}:${str(v, 'mountpoint')}`, makeVol, renderVol);
      const io = Object.entries(obj(d, 'io') ?? {}).sort(([a], [b]) => a.localeCompare(b));
      syncRows(
        devices.tbody,
        io,
        ([dev]) => dev,
        () => row(['text', 'num', 'num', 'num', 'num']),
        (tr, [dev, x]) =>
          setCells(tr, [
            dev,
            fmtMbps(num(x, 'read_mbps')),
            fmtMbps(num(x, 'write_mbps')),
            `${fmtCount(num(x, 'read_iops'))} / ${fmtCount(num(x, 'write_iops'))}`,
            fmtPct(num(x, 'util_pct')),
          ]),
      );
    },
  };
}
