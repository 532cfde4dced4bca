/** UPS (apcupsd / NUT): status, load and real power, battery and runtime, input voltage. */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h } from '../dom.js';
import { DASH, fmtMinutes, fmtNum, fmtPct, fmtW } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { bool, num, str } from '../read.js';
import type { State } from '../state.js';
import { kvList, stat, toneOf } from '../widgets.js';

export function upsPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('ups', 'UPS');
  const status = stat('status');
  const load = stat('load');
  const charge = stat('battery');
  const runtime = stat('runtime');
  const chart = new LiveChart({ label: 'UPS load over time', height: 90, axes: [{ scale: '%', format: (v) => `${Math.round(v)}%`, range: [0, 100] }] });
  charts.add({
    chart,
    plugin: 'ups_monitor',
    lines: () => [
      {
        key: 'ups_monitor.ups_load_pct',
        label: 'load',
        color: 'c4',
        fill: true,
        find: (s) => s.collector === 'ups_monitor' && s.metric.endsWith('load_pct'),
      },
    ],
    values: (d) => ({ 'ups_monitor.ups_load_pct': num(d, 'ups_load_pct') }),
  });
  const facts = kvList([
    ['input', 'input voltage'],
    ['flags', 'flags'],
    ['driver', 'driver'],
  ]);
  p.body.append(h('div.stats', null, status.root, load.root, charge.root, runtime.root), chart.root, facts.root);

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'ups_monitor');
      if (!d) return;
      if (bool(d, 'ups_available') === false) {
        // Reported but no UPS answering: values are null by contract; say so rather than show dashes.
        status.set('no UPS', 'muted', str(d, 'reason') ?? undefined);
        load.set(DASH, 'muted');
        charge.set(DASH, 'muted');
        runtime.set(DASH, 'muted');
        facts.set('input', DASH);
        facts.set('flags', str(d, 'reason') ?? 'UPS daemon not reachable', 'muted');
        facts.set('driver', str(d, 'driver') ?? DASH);
        return;
      }
      const onBatt = bool(d, 'on_battery') === true;
      const low = bool(d, 'low_battery') === true;
      status.set(onBatt ? '⚡ ON BATTERY' : (str(d, 'ups_status') ?? DASH), onBatt || low ? 'red' : 'ok');
      const l = num(d, 'ups_load_pct');
      const w = num(d, 'ups_realpower_w');
      load.set(`${fmtPct(l)}${w !== null ? ` · ${fmtW(w)}` : ''}`, toneOf(l, 70, 90));
      const c = num(d, 'battery_charge_pct');
      charge.set(fmtPct(c), c === null ? 'muted' : low ? 'red' : c < 50 ? 'amber' : 'ok');
      const rt = num(d, 'battery_runtime_m');
      runtime.set(fmtMinutes(rt), rt !== null && rt < 10 ? 'amber' : 'ok');
      facts.set('input', num(d, 'input_voltage') === null ? DASH : `${fmtNum(num(d, 'input_voltage'), 1)} V`);
      const flags = [onBatt ? 'on battery' : null, low ? 'LOW BATTERY' : null, bool(d, 'power_climbing') ? 'load climbing' : null].filter(Boolean);
      facts.set('flags', flags.length ? flags.join(' · ') : 'none', flags.length ? 'amber' : 'ok');
      facts.set('driver', str(d, 'driver') ?? DASH);
    },
  };
}
