/**
 * Power and thermal: package watts with CPU activity overlaid (what drew the power), battery and
 * AC, thermal pressure, the hottest sensors against their limits, fans. Built against the
 * power_monitor contract; detail lists are read leniently (field names vary by sensor driver).
 */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { DASH, fmtC, fmtDuration, fmtPct, fmtW } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { bool, num, obj, objs, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { kvList, meter, stat, sub, toneOf } from '../widgets.js';

const nameOf = (x: Payload) => str(x, 'label') ?? str(x, 'name') ?? str(x, 'sensor') ?? str(x, 'type') ?? '?';
const limitOf = (x: Payload) => num(x, 'crit_c') ?? num(x, 'critical_c') ?? num(x, 'trip_c') ?? num(x, 'max_c') ?? num(x, 'high_c');
const THERMAL_TONE: Record<string, 'ok' | 'amber' | 'red'> = { nominal: 'ok', fair: 'amber', serious: 'red', critical: 'red' };

export function powerPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('power', 'Power & thermal');
  const pkg = stat('package');
  const thermal = stat('thermal pressure');
  const batt = stat('battery');
  const source = stat('supply');
  const chart = new LiveChart({
    label: 'package power with CPU activity over time',
    axes: [
      { scale: 'W', format: (v) => `${Math.round(v)} W` },
      { scale: '%', format: (v) => `${Math.round(v)}%`, range: [0, 100], side: 'right' },
    ],
  });
  charts.add({
    chart,
    plugin: 'power_monitor',
    lines: () => [
      {
        key: 'power_monitor.package_w',
        label: 'package',
        color: 'c4',
        find: (s) => s.collector === 'power_monitor' && s.metric.endsWith('package_w') && Object.keys(s.labels).length === 0,
      },
      { key: 'cpu_monitor.aggregate_pct', label: 'CPU busy', color: 'muted', scale: '%', fill: true },
    ],
    values: (d, state) => ({
      'power_monitor.package_w': num(d, 'package_w'),
      'cpu_monitor.aggregate_pct': num(state.payloads.cpu_monitor?.data, 'aggregate_pct'),
    }),
  });
  const facts = kvList([
    ['rapl', 'RAPL'],
    ['bstate', 'battery state'],
    ['bpower', 'battery power'],
    ['reasons', 'missing'],
  ]);
  const temps = h('div.temps', { role: 'list', 'aria-label': 'temperatures' });
  const fans = h('p.fans');
  p.body.append(h('div.stats', null, pkg.root, thermal.root, batt.root, source.root), chart.root, facts.root, sub('hottest sensors'), temps, fans);

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'power_monitor');
      if (!d) return;
      pkg.set(fmtW(num(d, 'package_w')), num(d, 'package_w') === null ? 'muted' : 'ok');
      const tp = str(d, 'thermal_pressure');
      thermal.set(tp ?? DASH, tp ? (THERMAL_TONE[tp] ?? 'ok') : 'muted');
      const bp = num(d, 'battery_pct');
      batt.set(bp === null ? 'none' : fmtPct(bp), bp === null ? 'muted' : toneOf(100 - bp, 70, 85));
      const onBatt = bool(d, 'on_battery');
      const ac = bool(d, 'ac_online');
      source.set(onBatt === true ? '⚡ battery' : ac === true ? 'AC' : onBatt === false ? 'mains' : DASH, onBatt === true ? 'red' : 'ok');
      const rapl = obj(d, 'rapl');
      const raplText = rapl
        ? Object.entries(rapl)
            .filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => `${k.replace(/_w$/, '')} ${fmtW(v as number)}`)
            .join(' · ') || (str(rapl, 'reason') ?? 'no domains')
        : 'not reported';
      facts.set('rapl', raplText);
      const b0 = objs(d, 'batteries')[0] ?? null;
      const tte = num(b0, 'time_to_empty_s');
      const ttf = num(b0, 'time_to_full_s');
      facts.set('bstate', b0 ? `${str(b0, 'status') ?? DASH}${tte !== null ? ` · ${fmtDuration(tte)} left` : ttf !== null ? ` · full in ${fmtDuration(ttf)}` : ''}` : 'no battery');
      facts.set('bpower', fmtW(num(d, 'battery_power_w')));
      const reasons = obj(d, 'reasons');
      const missing = reasons ? Object.entries(reasons).filter(([, v]) => typeof v === 'string' && v !== '') : [];
      facts.set('reasons', missing.length ? missing.map(([k]) => k).join(', ') : 'none', missing.length ? 'muted' : 'ok', missing.map(([k, v]) => `${k}: ${v}`).join('\n') || undefined);
      const list = objs(d, 'temps')
        .filter((t) => num(t, 'temp_c') !== null)
        .sort((a, b) => (num(b, 'temp_c') ?? 0) - (num(a, 'temp_c') ?? 0))
        .slice(0, 6);
      syncRows(
        temps,
        list,
        (t) => nameOf(t),
        () => meter('').root,
        (el, t) => {
          const v = num(t, 'temp_c');
          const lim = limitOf(t) ?? 100;
          const m = el.querySelector('.m-fill') as HTMLElement;
          m.style.setProperty('--w', `${Math.max(0, Math.min(100, ((v ?? 0) / lim) * 100)).toFixed(1)}%`);
          setText(el.querySelector('.m-label')!, nameOf(t));
          setText(el.querySelector('.m-value')!, fmtC(v));
          setAttr(el, 'data-tone', v !== null && v >= lim - 5 ? 'red' : v !== null && v >= lim - 20 ? 'amber' : 'ok');
          setAttr(el, 'title', `limit ${fmtC(lim)}`);
        },
      );
      const f = objs(d, 'fans').filter((x) => num(x, 'rpm') !== null);
      setText(fans, f.length ? `fans: ${f.map((x) => `${nameOf(x)} ${Math.round(num(x, 'rpm')!)} rpm`).join(' · ')}` : '');
    },
  };
}
