/** Network: one chart per interface that is up (receive / transmit), and a table of all of them. */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { fmtCount, fmtMbps } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { arr, bool, num, obj, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { row, setCells, stat, table } from '../widgets.js';

const rxKey = (i: string) => `network_monitor.rx_mbps{interface="${i}"}`;
const txKey = (i: string) => `network_monitor.tx_mbps{interface="${i}"}`;

export function networkPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('network', 'Network');
  const rx = stat('receive');
  const tx = stat('transmit');
  const perIf = h('div.if-charts');
  const ifaces = table(
    [
      { label: 'interface' },
      { label: 'rx', num: true },
      { label: 'tx', num: true },
      { label: 'packets/s', num: true },
      { label: 'err / drop', num: true, title: 'errors and drops since boot (rx + tx)' },
      { label: 'link', num: true },
    ],
    'network interfaces',
  );
  p.body.append(h('div.stats', null, rx.root, tx.root), perIf, ifaces.root);

  const makeChart = (name: string) => {
    const chart = new LiveChart({ label: `${name} traffic over time`, height: 90, axes: [{ scale: 'MB/s', format: fmtMbps }] });
    charts.add({
      chart,
      plugin: 'network_monitor',
      lines: () => [
        { key: rxKey(name), label: 'rx', color: 'c1', fill: true },
        { key: txKey(name), label: 'tx', color: 'c3' },
      ],
      values: (d) => {
        // By key, not by dotted path: VLAN interfaces have dots in their names (eth0.100).
        const x = obj(d, 'interfaces')?.[name];
        return { [rxKey(name)]: num(x, 'rx_mbps'), [txKey(name)]: num(x, 'tx_mbps') };
      },
    });
    return h('figure.if-chart', null, h('figcaption', null, name), chart.root);
  };

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'network_monitor');
      if (!d) return;
      rx.set(fmtMbps(num(d, 'totals.rx_mbps')));
      tx.set(fmtMbps(num(d, 'totals.tx_mbps')));
      const all = Object.entries(obj(d, 'interfaces') ?? {}) as [string, Payload][];
      const up = all.filter(([, x]) => bool(x, 'up') !== false).map(([n]) => n);
      const excluded = arr(d, 'excluded').filter((x): x is string => typeof x === 'string');
      setText(p.meta, `${up.length} up${excluded.length ? ` · ${excluded.length} filtered` : ''}`);
      setAttr(p.meta, 'title', excluded.length ? `filtered (loopback, virtual): ${excluded.join(', ')}` : null);
      syncRows(perIf, up, (n) => n, makeChart, () => {});
      syncRows(
        ifaces.tbody,
        all,
        ([n]) => n,
        () => row(['text', 'num', 'num', 'num', 'num', 'num']),
        (tr, [n, x]) => {
          const errs = (num(x, 'rx_errors') ?? 0) + (num(x, 'tx_errors') ?? 0);
          const drops = (num(x, 'rx_drops') ?? 0) + (num(x, 'tx_drops') ?? 0);
          const speed = num(x, 'speed_mbit');
          setCells(tr, [
            n,
            fmtMbps(num(x, 'rx_mbps')),
            fmtMbps(num(x, 'tx_mbps')),
            `${fmtCount(num(x, 'rx_pps'))} / ${fmtCount(num(x, 'tx_pps'))}`,
            `${fmtCount(errs)} / ${fmtCount(drops)}`,
            bool(x, 'up') === false ? (str(x, 'operstate') ?? 'down') : speed !== null ? `${fmtCount(speed)} Mb/s` : 'up',
          ]);
          setAttr(tr, 'data-tone', bool(x, 'up') === false ? 'muted' : null);
        },
      );
    },
  };
}
