/**
 * Local LLM servers: models loaded in Ollama (VRAM, context, keep-alive), token throughput from
 * ollama_tokens and inference_monitor (vLLM, llama.cpp, TGI, SGLang), and per-endpoint queues.
 * A source the server does not run is named as not available; throughput is never shown as 0
 * when it is unknown (SPEC §12: Ollama has no /metrics of its own).
 */
import { LiveChart } from '../chart.js';
import type { ChartHub } from '../charts.js';
import { h, setAttr, setText, syncRows, toggleClass } from '../dom.js';
import { DASH, fmtCount, fmtDuration, fmtGb, fmtNum, fmtPct } from '../format.js';
import { panel, sourceOf } from '../panel.js';
import { bool, num, objs, type Payload, str, unavailableReason } from '../read.js';
import { isRunning, payloadOf, type State } from '../state.js';
import { row, setCells, stat, sub, table } from '../widgets.js';

const SOURCES = ['ollama_monitor', 'ollama_tokens', 'inference_monitor'] as const;
const tok = (v: number) => `${fmtNum(v, 0)}/s`;
/** Context windows as people say them: 4096 → 4k, 131072 → 128k. */
const ctxLabel = (v: number | null) => (v === null ? DASH : v >= 1024 && v % 1024 === 0 ? `${v / 1024}k` : fmtCount(v));

function throughputChart(charts: ChartHub, plugin: string): LiveChart {
  const chart = new LiveChart({ label: `${plugin} tokens per second over time`, height: 90, axes: [{ scale: 'tok/s', format: tok }] });
  const c = `${plugin}.completion_tokens_per_s`;
  const pr = `${plugin}.prompt_tokens_per_s`;
  const find = (suffix: string) => (s: { collector: string; metric: string; labels: Record<string, string> }) =>
    s.collector === plugin && s.metric.endsWith(suffix) && Object.keys(s.labels).length === 0;
  charts.add({
    chart,
    plugin,
    lines: () => [
      { key: c, label: 'completion', color: 'amber', fill: true, find: find('completion_tokens_per_s') },
      { key: pr, label: 'prompt', color: 'c2', find: find('prompt_tokens_per_s') },
    ],
    values: (d) => ({ [c]: num(d, 'completion_tokens_per_s'), [pr]: num(d, 'prompt_tokens_per_s') }),
  });
  return chart;
}

export function llmPanel(charts: ChartHub): { root: HTMLElement; render(state: State): void } {
  const p = panel('llm', 'LLM');
  const loaded = stat('loaded');
  const vram = stat('VRAM held');
  const rate = stat('generating');
  const models = table(
    [{ label: 'model' }, { label: 'params' }, { label: 'quant' }, { label: 'VRAM', num: true }, { label: 'ctx', num: true }, { label: 'unloads in', num: true }],
    'models loaded in Ollama',
  );
  const ollamaNote = h('p.note');
  const tokChart = throughputChart(charts, 'ollama_tokens');
  const infChart = throughputChart(charts, 'inference_monitor');
  const tokNote = h('p.note');
  const endpoints = table(
    [{ label: 'endpoint' }, { label: 'running', num: true }, { label: 'queued', num: true }, { label: 'KV cache', num: true }, { label: 'tok/s', num: true }],
    'inference endpoints',
  );
  const tokWrap = h('div', null, sub('throughput · ollama_tokens'), tokChart.root);
  const infWrap = h('div', null, sub('inference servers'), infChart.root, endpoints.root);
  p.body.append(h('div.stats', null, loaded.root, vram.root, rate.root), sub('Ollama'), ollamaNote, models.root, tokWrap, infWrap, tokNote);

  return {
    root: p.root,
    render(state) {
      const main = SOURCES.find((s) => isRunning(state, s)) ?? 'ollama_monitor';
      if (!sourceOf(p, state, main, SOURCES.join(' / '))) return;
      const om = payloadOf(state, 'ollama_monitor');
      const omWhy = !isRunning(state, 'ollama_monitor') ? 'ollama_monitor is not running' : unavailableReason(om);
      const list = omWhy ? [] : objs(om, 'loaded_models');
      setText(ollamaNote, omWhy ? `not available: ${omWhy}` : list.length === 0 ? `no model loaded · ${fmtCount(num(om, 'total_models'))} installed` : '');
      toggleClass(models.root, 'hidden', list.length === 0);
      loaded.set(omWhy ? DASH : String(list.length), omWhy ? 'muted' : 'ok');
      vram.set(omWhy ? DASH : fmtGb(num(om, 'total_vram_gb')), omWhy ? 'muted' : 'ok');
      syncRows(
        models.tbody,
        list,
        (m) => str(m, 'name') ?? '?',
        () => row(['text', 'text', 'text', 'num', 'num', 'num']),
        (tr, m) => {
          const exp = m.expires_in_s;
          setCells(tr, [
            `${str(m, 'name') ?? '?'}${str(m, 'family') ? ` · ${str(m, 'family')}` : ''}`,
            str(m, 'params') ?? DASH,
            str(m, 'quantization') ?? DASH,
            fmtGb(num(m, 'size_vram_gb')),
            ctxLabel(num(m, 'context_length')),
            exp === null ? 'kept loaded' : fmtDuration(num(m, 'expires_in_s')),
          ]);
        },
      );
      const sources = (['ollama_tokens', 'inference_monitor'] as const).map((s) => ({ s, p: payloadOf(state, s) }));
      const running = (s: string, x: Payload | null) => isRunning(state, s) && x !== null && x.available !== false;
      toggleClass(tokWrap, 'hidden', !running('ollama_tokens', sources[0]!.p));
      toggleClass(infWrap, 'hidden', !running('inference_monitor', sources[1]!.p));
      const notes = sources
        .filter(({ s, p: x }) => !running(s, x))
        .map(({ s, p: x }) => `${s}: not available (${isRunning(state, s) ? (unavailableReason(x) ?? 'no data yet') : 'not running'})`);
      setText(tokNote, notes.join(' · '));
      let gen: number | null = null;
      for (const { s, p: x } of sources) {
        if (!running(s, x)) continue;
        const v = num(x, 'completion_tokens_per_s');
        if (v !== null) gen = (gen ?? 0) + v;
      }
      const generating = sources.some(({ p: x }) => bool(x, 'generating') === true);
      rate.set(gen === null ? 'unknown' : `${fmtNum(gen, 0)} tok/s`, generating ? 'amber' : gen === null ? 'muted' : 'ok');
      const eps = objs(sources[1]!.p, 'endpoints');
      syncRows(
        endpoints.tbody,
        eps,
        (e) => str(e, 'name') ?? str(e, 'url') ?? '?',
        () => row(['text', 'num', 'num', 'num', 'num']),
        (tr, e) => {
          setCells(tr, [
            `${str(e, 'name') ?? str(e, 'url') ?? '?'}${str(e, 'kind') ? ` · ${str(e, 'kind')}` : ''}`,
            fmtCount(num(e, 'running')),
            fmtCount(num(e, 'queued')),
            fmtPct(num(e, 'kv_cache_pct')),
            num(e, 'completion_tokens_per_s') === null ? DASH : tok(num(e, 'completion_tokens_per_s')!),
          ]);
          setAttr(tr, 'data-tone', e.available === false ? 'muted' : null);
          setAttr(tr, 'title', e.available === false ? (str(e, 'reason') ?? 'not answering') : null);
        },
      );
    },
  };
}
