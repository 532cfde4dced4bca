import type { AlertEvent, Severity } from '../types.js';

/** One way out for events: a desktop toast, a script, a webhook. */
export interface Channel {
  /** e.g. `desktop`, `script`, `webhook:ntfy.example` (no secrets: shown in /api/status). */
  name: string;
  minSeverity: Severity;
  timeoutMs: number;
  /** Deliver once; throw on failure. A PermanentError is not retried. */
  deliver(ev: AlertEvent, signal: AbortSignal): Promise<void>;
}

/** A failure retrying cannot fix (missing program, 4xx answer): logged once, not retried. */
export class PermanentError extends Error {}

/** What a notification says, the same on every channel. */
export function titleOf(ev: AlertEvent, host: string): string {
  return `headroom ${host}: ${ev.severity}`;
}
