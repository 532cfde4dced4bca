/** Memory and swap: RAM (total − MemAvailable), zram with its ratio, disk swap, velocity, PSI, OOM, top groups. */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setText, syncRows } from '../dom.js';
import { fmtCount, fmtGb, fmtMb, fmtMbps, fmtNum, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { bool, num, obj, objs, type Payload, str } from '../read.js';
import type { State } from '../state.js';
import { kvList, meter, row, setCells, stat, sub, table, toneOf } from '../widgets.js';

const pct = (v: number) => `${Math.round(v)}%`;

export function memoryPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('memory', 'Memory & swap');
  const used = stat('RAM used');
  const avail = stat('available');
  const psi = stat('pressure some / full');
  const oom = stat('OOM kills');
  const ram = meter('RAM');
  const zram = meter('zram');
  const disk = meter('disk swap');
  const chart = new LiveChart({ label: 'RAM and swap use over time', axes: [{ scale: '%', format: pct, range: [0, 100] }] });
  charts.add({
    chart,
    plugin: 'ram_monitor',
    lines: () => [
      { key: 'ram_monitor.ram_pct', label: 'RAM', color: 'c1', fill: true },
      { key: 'ram_monitor.swap_zram_pct', label: 'zram', color: 'amber' },
      { key: 'ram_monitor.swap_disk_pct', label: 'disk swap', color: 'red' },
    ],
    values: (d) => ({
      'ram_monitor.ram_pct': num(d, 'ram_pct'),
      'ram_monitor.swap_zram_pct': num(d, 'swap.zram.pct'),
      'ram_monitor.swap_disk_pct': num(d, 'swap.disk.pct'),
    }),
  });
  const swapFacts = kvList([
    ['zram', 'zram'],
    ['disk', 'disk swap'],
    ['paging', 'swap in / out'],
    ['cache', 'buffers + cache'],
  ]);
  const groups = table(
    [{ label: 'group' }, { label: 'RSS', num: true }, { label: 'procs', num: true }, { label: 'tabs', num: true, title: 'browser renderer processes' }],
    'top process groups by resident memory',
  );
  p.body.append(
    h('div.stats', null, used.root, avail.root, psi.root, oom.root),
    ram.root,
    chart.root,
    zram.root,
    disk.root,
    swapFacts.root,
    sub('top groups by RSS'),
    groups.root,
  );

  const swapLine = (s: Payload | null, kind: 'zram' | 'disk') => {
    if (!s || (num(s, 'total_gb') ?? 0) === 0) return `none configured`;
    const v = num(s, 'velocity_mbps');
    const ratio = kind === 'zram' ? num(s, 'compression_ratio') : null;
    return `${fmtGb(num(s, 'used_gb'))} of ${fmtGb(num(s, 'total_gb'))}${ratio !== null ? ` · ratio ${fmtNum(ratio, 1)}×` : ''} · ${v !== null && v > 0 ? `▲ ${fmtMbps(v)}` : 'steady'}`;
  };

  return {
    root: p.root,
    render(state) {
      const d = sourceOf(p, state, 'ram_monitor');
      if (!d) return;
      const total = num(d, 'ram_total_gb');
      const pctUsed = num(d, 'ram_pct');
      setAttr(p.meta, 'title', `source of "available": ${str(d, 'available_source') ?? 'MemAvailable'}`);
      setText(p.meta, `${fmtGb(total)} total`);
      used.set(`${fmtGb(num(d, 'ram_used_gb'))}`, toneOf(pctUsed, 70, 85), 'total − MemAvailable, as free(1) reports it');
      avail.set(fmtGb(num(d, 'available_gb') ?? num(d, 'ram_free_gb')));
      const some = num(d, 'pressure.memory.some.avg10');
      const full = num(d, 'pressure.memory.full.avg10');
      psi.set(
        some === null ? '—' : `${fmtPct(some, 1)} / ${fmtPct(full, 1)}`,
        full !== null && full >= 10 ? 'red' : toneOf(some, 10, 30),
        str(d, 'pressure_reason') ?? 'PSI: share of time tasks waited for memory (10 s average)',
      );
      const kills = num(d, 'oom_kills');
      const recent = bool(d, 'oom_kill_recent') === true;
      oom.set(fmtCount(kills), recent ? 'red' : 'ok', recent ? 'an OOM kill happened recently' : 'since boot');
      ram.set(pctUsed, `${fmtPct(pctUsed)}`, toneOf(pctUsed, 70, 85));
      const z = obj(d, 'swap.zram');
      const ds = obj(d, 'swap.disk');
      const zv = num(z, 'velocity_mbps');
      const dv = num(ds, 'velocity_mbps');
      zram.set(num(z, 'pct'), (num(z, 'total_gb') ?? 0) > 0 ? fmtPct(num(z, 'pct')) : 'none', zv !== null && zv >= 1 ? 'amber' : 'ok');
      disk.set(
        num(ds, 'pct'),
        (num(ds, 'total_gb') ?? 0) > 0 ? fmtPct(num(ds, 'pct')) : 'none',
        dv !== null && dv > 0 && (num(ds, 'used_gb') ?? 0) > 0 ? 'red' : 'ok',
      );
      swapFacts.set('zram', swapLine(z, 'zram'), zv !== null && zv >= 1 ? 'amber' : 'ok');
      swapFacts.set('disk', swapLine(ds, 'disk'), dv !== null && dv > 0 ? 'red' : 'ok');
      swapFacts.set('paging', `${fmtCount(num(d, 'swap.in_pages_per_s'))} / ${fmtCount(num(d, 'swap.out_pages_per_s'))} pages/s`);
      swapFacts.set('cache', fmtGb(num(d, 'buff_cache_gb')));
      syncRows(
        groups.tbody,
        objs(d, 'top_processes').slice(0, 8),
        (g) => str(g, 'name') ?? '?',
        () => row(['text', 'num', 'num', 'num']),
        (tr, g) => {
          const tabs = num(g, 'renderer_count') ?? 0;
          setCells(tr, [str(g, 'label') ?? str(g, 'name') ?? '?', fmtMb(num(g, 'rss_mb')), fmtCount(num(g, 'count')), tabs > 0 ? String(tabs) : '']);
          setAttr(tr, 'data-tone', bool(g, 'earlyoom_risk') ? 'amber' : null);
          setAttr(tr, 'title', bool(g, 'earlyoom_risk') ? 'large enough to be earlyoom’s first victim' : null);
        },
      );
    },
  };
}
