import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../core/engine.js';
import { headroomNow } from '../../headroom/live.js';
import { killIfStatfsStuck } from '../../host/statfs.js';
import { errorMessage } from '../../shared/errors.js';
import { type DrillRequest, type HeadroomPayload, type HeadroomState, STATE_RANK } from '../../shared/protocol-headroom.js';
import { parseDurationS } from '../../shared/units.js';
import { apiErrorMessage } from '../api-error.js';
import { type RootFlags, rootsFromFlags } from '../roots.js';

/**
 * `headroom check` and `headroom wait`: the signal for scripts.
 *   check → exit 0 GO, 1 EASE_IN, 2 HOLD, 3 could not tell (unreachable, unknown drill, error)
 *   wait  → exit 0 once the state is at least as good as --until, 2 on --timeout, 3 as above
 * Against a running server (`--url`, default http://127.0.0.1:7700), or `--local`: collect
 * in-process (two passes a second apart, so rates are real) with no server at all.
 */

export const CHECK_EXIT: Record<HeadroomState, number> = { GO: 0, EASE_IN: 1, HOLD: 2 };
export const EXIT_UNKNOWN = 3;
export const EXIT_TIMEOUT = 2;

export interface CheckFlags extends RootFlags {
  drill?: string;
  url?: string;
  token?: string;
  json?: boolean;
  local?: boolean;
  config?: string;
  ramDeltaPct?: string;
  ramDeltaGb?: string;
  cpuSpikePct?: string;
  gpuVramDeltaPct?: string;
  gpuVramDeltaGb?: string;
  gpu?: string;
}

export interface WaitFlags extends CheckFlags {
  until?: string;
  timeout?: string;
  interval?: string;
  quiet?: boolean;
}

interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** A failure that means "could not tell", with the message for the user. */
class Unknown extends Error {}

const AD_HOC: [keyof CheckFlags, keyof DrillRequest][] = [
  ['ramDeltaPct', 'ram_delta_pct'],
  ['ramDeltaGb', 'ram_delta_gb'],
  ['cpuSpikePct', 'cpu_spike_pct'],
  ['gpuVramDeltaPct', 'gpu_vram_delta_pct'],
  ['gpuVramDeltaGb', 'gpu_vram_delta_gb'],
  ['gpu', 'gpu'],
];

function drillOf(flags: CheckFlags): DrillRequest {
  const out: DrillRequest = {};
  if (flags.drill) out.drill = flags.drill;
  for (const [flag, key] of AD_HOC) {
    const raw = flags[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new Unknown(`--${String(flag).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: "${String(raw)}" is not a non-negative number`);
    (out as Record<string, number>)[key] = n;
  }
  return out;
}

/** One evaluation source: a server over HTTP, or an in-process engine. */
interface Source {
  get(): Promise<HeadroomPayload>;
  close(): Promise<void>;
}

function httpSource(flags: CheckFlags, drill: DrillRequest): Source {
  const base = (flags.url ?? process.env.HEADROOM_URL ?? 'http://127.0.0.1:7700').replace(/\/+$/, '');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(drill)) q.set(k, String(v));
  const url = `${base}/api/headroom${q.size ? `?${q}` : ''}`;
  const token = flags.token ?? process.env.HEADROOM_TOKEN;
  return {
    async get() {
      let res: Response;
      try {
        res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5000) });
      } catch (err) {
        throw new Unreachable(`cannot reach headroom at ${base}: ${errorMessage((err as { cause?: unknown }).cause ?? err)} (is \`headroom serve\` running? --url, or --local)`);
      }
      const text = await res.text();
      if (!res.ok) throw new Unknown(apiErrorMessage(res.status, text));
      try {
        return JSON.parse(text) as HeadroomPayload;
      } catch {
        throw new Unknown(`${url} did not answer JSON; is that a headroom server?`);
      }
    },
    close: async () => {},
  };
}

/** The server did not answer at all (as opposed to answering with an error). */
class Unreachable extends Unknown {}

async function localSource(flags: CheckFlags, drill: DrillRequest, live: boolean): Promise<Source> {
  const engine = await Engine.create({ flag: flags.config, roots: rootsFromFlags(flags), historyTuning: {} }).catch((err) => {
    throw new Unknown(errorMessage(err));
  });
  // Fail on an unknown drill before collecting anything.
  try {
    headroomNow(engine, drill);
  } catch (err) {
    throw new Unknown(errorMessage(err));
  }
  // A one-off check does not touch the history file; `wait` runs the collectors on their timers.
  if (live) {
    engine.config.history.enabled = false;
    await engine.start();
  } else {
    await engine.scheduler.runOnce();
    await sleep(1000);
  }
  return {
    async get() {
      if (!live) await engine.scheduler.runOnce();
      return headroomNow(engine, drill);
    },
    async close() {
      await engine.stop();
      await killIfStatfsStuck(() => {});
    },
  };
}

function describe(h: HeadroomPayload): string[] {
  const lines = [`${h.state.padEnd(7)} ${h.reason}`];
  for (const o of h.overrides) lines.push(`        also: ${o}`);
  for (const key of ['ram', 'cpu', 'gpu_vram'] as const) {
    const b = h.breakdown[key];
    if (b) lines.push(`        ${key.padEnd(8)} now ${b.current}% + ${b.delta}% → ${b.projected}% · crit ${b.threshold}% · headroom ${b.headroom}%`);
  }
  if (h.drill.name) lines.push(`        drill ${h.drill.name}`);
  if (h.missing_inputs.length) lines.push(`        not counted (unavailable): ${h.missing_inputs.join(', ')}`);
  return lines;
}

export async function runCheck(flags: CheckFlags, io: Io): Promise<number> {
  let source: Source | null = null;
  try {
    const drill = drillOf(flags);
    source = flags.local ? await localSource(flags, drill, false) : httpSource(flags, drill);
    const h = await source.get();
    if (flags.json) io.out(JSON.stringify(h, null, 2));
    else for (const line of describe(h)) io.out(line);
    return CHECK_EXIT[h.state] ?? EXIT_UNKNOWN;
  } catch (err) {
    io.err(`headroom check: ${errorMessage(err)}`);
    return EXIT_UNKNOWN;
  } finally {
    await source?.close();
  }
}

export async function runWait(flags: WaitFlags, io: Io): Promise<number> {
  const until = (flags.until ?? 'GO').toUpperCase();
  if (until !== 'GO' && until !== 'EASE_IN') {
    io.err(`headroom wait: --until must be GO or EASE_IN, got "${flags.until}"`);
    return EXIT_UNKNOWN;
  }
  const timeoutS = flags.timeout === undefined ? null : parseDurationS(flags.timeout);
  const intervalS = flags.interval === undefined ? 2 : parseDurationS(flags.interval);
  if ((flags.timeout !== undefined && timeoutS === null) || intervalS === null || intervalS <= 0) {
    io.err(`headroom wait: --timeout and --interval take a duration such as 90s, 10m, 1h`);
    return EXIT_UNKNOWN;
  }
  const deadline = timeoutS === null ? Number.POSITIVE_INFINITY : Date.now() + timeoutS * 1000;
  const target = STATE_RANK[until as HeadroomState];
  let source: Source | null = null;
  let last = '';
  try {
    const drill = drillOf(flags);
    source = flags.local ? await localSource(flags, drill, true) : httpSource(flags, drill);
    if (flags.local) await sleep(Math.min(2500, Math.max(0, deadline - Date.now()))); // first rates
    let first = true;
    for (;;) {
      let h: HeadroomPayload | null = null;
      try {
        h = await source.get();
      } catch (err) {
        // Unreachable at the start is a mistake (wrong --url); later, the server may be restarting.
        if (first || !(err instanceof Unreachable)) throw err;
        if (!flags.quiet && last !== 'unreachable') io.err(`waiting: ${errorMessage(err)}`);
        last = 'unreachable';
      }
      first = false;
      if (h) {
        if (STATE_RANK[h.state] <= target) {
          if (!flags.quiet) io.out(flags.json ? JSON.stringify(h) : `${h.state} ${h.reason}`);
          return 0;
        }
        const line = `${h.state} ${h.reason}`;
        if (!flags.quiet && line !== last) io.err(`waiting for ${until}: ${line}`);
        last = line;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        io.err(`headroom wait: still ${last || 'unknown'} after ${flags.timeout}; giving up`);
        return EXIT_TIMEOUT;
      }
      await sleep(Math.min(intervalS * 1000, left));
    }
  } catch (err) {
    io.err(`headroom wait: ${errorMessage(err)}`);
    return EXIT_UNKNOWN;
  } finally {
    await source?.close();
  }
}
