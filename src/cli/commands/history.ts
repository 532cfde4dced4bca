/**
 * `headroom history SERIES… [--since 1h] [--step 60s]`: ask a running server for history and
 * print a sparkline per series (default) or a table. Talks HTTP to `--url` (default
 * http://127.0.0.1:7700) with `--token` / $HEADROOM_TOKEN when the server needs one; with
 * `--file PATH` it reads a history file directly (read-only; what the last flush wrote).
 */
import Value from 'typebox/value';
import { systemClock } from '../../core/clock.js';
import { type Config, ConfigSchema } from '../../core/config/schema.js';
import { MetricRing } from '../../core/ring.js';
import { parseRange } from '../../history/params.js';
import { queryHistory } from '../../history/reader.js';
import { History } from '../../history/service.js';
import { ErrorCodes, errorMessage, HeadroomError } from '../../shared/errors.js';
import type { HistoryResponse } from '../../shared/protocol-history.js';
import { apiErrorMessage } from '../api-error.js';
import { EXIT } from '../exit-codes.js';

export interface HistoryFlags {
  since?: string;
  until?: string;
  step?: string;
  url?: string;
  token?: string;
  table?: boolean;
  json?: boolean;
  width?: string;
  /** Read this history file directly instead of asking a server. */
  file?: string;
}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled between the series' min and max; gaps are spaces. */
export function sparkline(values: readonly (number | null)[], width: number): string {
  if (values.length === 0) return '';
  // Fold into at most `width` cells, averaging what lands in each.
  const cells = Math.min(width, values.length);
  const folded: (number | null)[] = [];
  for (let c = 0; c < cells; c++) {
    const from = Math.floor((c * values.length) / cells);
    const to = Math.floor(((c + 1) * values.length) / cells);
    const part = values.slice(from, to).filter((v): v is number => v !== null);
    folded.push(part.length ? part.reduce((a, b) => a + b, 0) / part.length : null);
  }
  const present = folded.filter((v): v is number => v !== null);
  if (present.length === 0) return ' '.repeat(cells);
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  return folded
    .map((v) => {
      if (v === null) return ' ';
      const i = hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[i];
    })
    .join('');
}

const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '—';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  return String(Math.round(v * 100) / 100);
};

const time = (ms: number, withDate: boolean): string => {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
};

/** Summary + sparkline per series. */
export function formatSparklines(res: HistoryResponse, width = 60): string {
  const span = res.t.length ? `${time(res.t[0]!, true)} → ${time(res.t[res.t.length - 1]!, true)} UTC` : 'no time range';
  const lines = [`${span} · step ${res.step_ms / 1000}s · tier ${res.tier}`];
  for (const [name, s] of Object.entries(res.series)) {
    const avg = s.avg.filter((v): v is number => v !== null);
    const min = s.min.filter((v): v is number => v !== null);
    const max = s.max.filter((v): v is number => v !== null);
    lines.push('', name);
    if (avg.length === 0) {
      lines.push('  no data in this range');
      continue;
    }
    const mean = avg.reduce((a, b) => a + b, 0) / avg.length;
    lines.push(`  ${sparkline(s.avg, width)}`);
    lines.push(`  min ${fmt(Math.min(...min))}  avg ${fmt(mean)}  max ${fmt(Math.max(...max))}  last ${fmt(avg[avg.length - 1])}`);
  }
  return lines.join('\n');
}

/** One row per bucket: time, then avg (min–max) per series. */
export function formatTable(res: HistoryResponse): string {
  const names = Object.keys(res.series);
  const withDate = res.t.length > 1 && res.t[res.t.length - 1]! - res.t[0]! >= 86_400_000;
  const header = ['time (UTC)', ...names];
  const rows = res.t.map((t, i) => [
    time(t, withDate),
    ...names.map((n) => {
      const s = res.series[n]!;
      if (s.avg[i] === null) return '—';
      return s.min[i] === s.max[i] ? fmt(s.avg[i]) : `${fmt(s.avg[i])} (${fmt(s.min[i])}–${fmt(s.max[i])})`;
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `--file`: query the SQLite file read-only, no server (default retention assumed for tier choice). */
function fromFile(series: string[], flags: HistoryFlags, io: CliIo): HistoryResponse | number {
  const config = (Value.Default(ConfigSchema, {}) as Config).history;
  const h = new History({ ...config, path: flags.file! }, { clock: systemClock, ring: new MetricRing(10), log: () => {}, latest: () => undefined });
  try {
    h.openReadOnly();
    const { from, to, step } = parseRange({ from: flags.since ?? '1h', to: flags.until, step: flags.step }, Date.now());
    return queryHistory(h, series, from, to, step);
  } catch (err) {
    io.err(errorMessage(err));
    return err instanceof HeadroomError && err.code === ErrorCodes.BAD_REQUEST ? EXIT.CONFIG : EXIT.FAILURE;
  } finally {
    h.close();
  }
}

function print(body: HistoryResponse, flags: HistoryFlags, io: CliIo): number {
  if (flags.json) io.out(JSON.stringify(body, null, 2));
  else if (flags.table) io.out(formatTable(body));
  else io.out(formatSparklines(body, Math.max(10, Number(flags.width ?? (process.stdout.columns ?? 80) - 4) || 60)));
  return EXIT.OK;
}

/** Run the command; resolves with the exit code. */
export async function runHistory(series: string[], flags: HistoryFlags, io: CliIo): Promise<number> {
  if (flags.file) {
    const res = fromFile(series, flags, io);
    return typeof res === 'number' ? res : print(res, flags, io);
  }
  const base = (flags.url ?? 'http://127.0.0.1:7700').replace(/\/+$/, '');
  const q = new URLSearchParams();
  for (const s of series) q.append('series', s);
  q.set('from', flags.since ?? '1h');
  if (flags.until) q.set('to', flags.until);
  if (flags.step) q.set('step', flags.step);
  const token = flags.token ?? process.env.HEADROOM_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${base}/api/history?${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    io.err(`cannot reach headroom at ${base}: ${errorMessage((err as { cause?: unknown }).cause ?? err)} (is \`headroom serve\` running? --url)`);
    return EXIT.FAILURE;
  }
  const text = await res.text();
  if (!res.ok) {
    io.err(apiErrorMessage(res.status, text));
    return res.status === 400 || res.status === 404 ? EXIT.CONFIG : EXIT.FAILURE;
  }
  return print(JSON.parse(text) as HistoryResponse, flags, io);
}
