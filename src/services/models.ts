import type { Payload } from '../core/collector.js';
import { arr, bool, num, str } from '../headroom/inputs.js';
import { round } from '../shared/units.js';

/**
 * How long each model loaded in Ollama has been resident and idle (no generation), for the
 * "unload it" recommendation. Ollama's `/api/ps` gives no last-use time, so activity is read
 * from what there is, best first:
 *
 * 1. the model's own `idle_s` or `last_generation_ts` (epoch ms or ISO), when the LLM
 *    collectors provide them;
 * 2. tokens per second for the model in `ollama_tokens.per_model` (or `generating` with a
 *    single model loaded);
 * 3. `expires_in_s` going *up*: every request re-arms the model's keep-alive timer, so a
 *    countdown that jumps back means the model was used in between.
 *
 * Residency is counted from when headroom first saw the model loaded (ollama_monitor's
 * `first_seen_ts` when it gives one): a lower bound.
 */
export interface ModelIdle {
  name: string;
  vram_gb: number | null;
  /** Seconds since first seen loaded (at least this long resident). */
  resident_s: number;
  /** Seconds without a generation (bounded by resident_s when none was seen). */
  idle_s: number;
  /** null = kept loaded until unloaded (keep_alive < 0). */
  expires_in_s: number | null;
  /** What idle_s rests on. */
  basis: 'model' | 'tokens' | 'keep_alive' | 'observed';
}

interface Seen {
  firstMono: number;
  lastActiveMono: number | null;
  lastExpires: number | null;
  lastMono: number;
  basis: ModelIdle['basis'];
}

/** Slack for the keep-alive countdown: ticks are not exactly where the payload was produced. */
const EXPIRY_SLACK_S = 5;

export class ModelTracker {
  private readonly seen = new Map<string, Seen>();

  update(mono: number, wall: number, ollama: Payload | undefined, tokens: Payload | undefined): ModelIdle[] {
    if (!ollama || ollama.available === false) {
      this.seen.clear();
      return [];
    }
    const models = arr(ollama, 'loaded_models');
    const names = new Set<string>();
    const out: ModelIdle[] = [];
    for (const m of models) {
      const name = str(m, 'name');
      if (name === null) continue;
      names.add(name);
      const expires = num(m, 'expires_in_s');
      let s = this.seen.get(name);
      if (!s) {
        s = { firstMono: mono, lastActiveMono: null, lastExpires: expires, lastMono: mono, basis: 'observed' };
        this.seen.set(name, s);
      } else {
        const elapsed = (mono - s.lastMono) / 1000;
        if (expires !== null && s.lastExpires !== null && expires > s.lastExpires - elapsed + EXPIRY_SLACK_S) {
          s.lastActiveMono = mono;
          s.basis = 'keep_alive';
        }
        s.lastExpires = expires;
        s.lastMono = mono;
      }
      if (generatingNow(tokens, name, models.length)) {
        s.lastActiveMono = mono;
        s.basis = 'tokens';
      }
      // ollama_monitor says when it first saw this load (wall ms); else our own first sight.
      const firstSeen = num(m, 'first_seen_ts');
      const resident = firstSeen !== null ? Math.max(0, (wall - firstSeen) / 1000) : (mono - s.firstMono) / 1000;
      let idle = s.lastActiveMono === null ? resident : (mono - s.lastActiveMono) / 1000;
      let basis = s.basis;
      const own = ownIdleS(m, wall);
      if (own !== null) {
        idle = own;
        basis = 'model';
      }
      out.push({
        name,
        vram_gb: num(m, 'size_vram_gb'),
        resident_s: round(resident, 0)!,
        idle_s: round(Math.max(0, idle), 0)!,
        expires_in_s: expires,
        basis,
      });
    }
    for (const n of [...this.seen.keys()]) if (!names.has(n)) this.seen.delete(n);
    return out;
  }
}

function ownIdleS(m: Record<string, unknown>, wall: number): number | null {
  const idle = num(m, 'idle_s');
  if (idle !== null) return idle;
  const ts = m.last_generation_ts;
  const ms = typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  return Number.isFinite(ms) ? Math.max(0, (wall - ms) / 1000) : null;
}

function generatingNow(tokens: Payload | undefined, name: string, loaded: number): boolean {
  if (!tokens || tokens.available === false) return false;
  const per = tokens.per_model;
  if (per && typeof per === 'object' && name in per) {
    const rate = num((per as Record<string, unknown>)[name], 'completion_tokens_per_s');
    if (rate !== null) return rate > 0;
  }
  return loaded === 1 && bool(tokens, 'generating') === true;
}
