import { errorMessage } from '../../shared/errors.js';
import { type AlertEvent, SEVERITY_RANK } from '../types.js';
import { type Channel, PermanentError } from './channel.js';

export interface ChannelStatus {
  min_severity: string;
  sent: number;
  failed_attempts: number;
  dropped: number;
  queued: number;
  retrying: boolean;
  last_sent_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface DispatcherOptions {
  /** Delays before each retry, ms; the event is dropped after the last. */
  retryDelaysMs?: number[];
  /** Events waiting per channel; the oldest is dropped beyond this. */
  maxQueue?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

// About a minute and a half of retries: covers a receiver restarting, not one that is gone.
const DEFAULT_RETRY_MS = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];

class Lane {
  queue: AlertEvent[] = [];
  busy = false;
  timer: NodeJS.Timeout | null = null;
  abort = new AbortController();
  status: ChannelStatus;
  constructor(readonly channel: Channel) {
    this.status = {
      min_severity: channel.minSeverity,
      sent: 0,
      failed_attempts: 0,
      dropped: 0,
      queued: 0,
      retrying: false,
      last_sent_at: null,
      last_error: null,
      last_error_at: null,
    };
  }
}

/**
 * Sends events to every channel that wants them, off the collection path: `send` only queues.
 * Each channel has its own lane — one delivery at a time, in order, with a time limit, bounded
 * retries with backoff, and a bounded queue — so a dead webhook never delays a script, and
 * nothing ever blocks a collector.
 */
export class Dispatcher {
  private lanes: Lane[] = [];
  private closed = false;
  private readonly retry: number[];
  private readonly maxQueue: number;
  private readonly log: NonNullable<DispatcherOptions['log']>;

  constructor(opts: DispatcherOptions = {}) {
    this.retry = opts.retryDelaysMs ?? DEFAULT_RETRY_MS;
    this.maxQueue = opts.maxQueue ?? 100;
    this.log = opts.log ?? (() => {});
  }

  /** Replace the channels (config reload). Lanes of channels that stay keep their queue. */
  setChannels(channels: Channel[]): void {
    const old = new Map(this.lanes.map((l) => [l.channel.name, l]));
    const next: Lane[] = [];
    for (const ch of channels) {
      const prev = old.get(ch.name);
      const lane = new Lane(ch);
      if (prev) {
        lane.queue = prev.queue;
        lane.status = { ...prev.status, min_severity: ch.minSeverity };
        old.delete(ch.name);
        this.stopLane(prev);
      }
      next.push(lane);
    }
    for (const gone of old.values()) this.stopLane(gone);
    this.lanes = next;
    for (const l of this.lanes) this.pump(l);
  }

  send(ev: AlertEvent): void {
    if (this.closed) return;
    for (const lane of this.lanes) {
      if (SEVERITY_RANK[ev.severity] < SEVERITY_RANK[lane.channel.minSeverity]) continue;
      lane.queue.push(ev);
      if (lane.queue.length > this.maxQueue) {
        lane.queue.shift();
        lane.status.dropped++;
      }
      this.pump(lane);
    }
  }

  status(): Record<string, ChannelStatus> {
    return Object.fromEntries(this.lanes.map((l) => [l.channel.name, { ...l.status, queued: l.queue.length }]));
  }

  /** Stop: abort what is in flight and forget queued events (logged). */
  close(): void {
    this.closed = true;
    for (const l of this.lanes) {
      if (l.queue.length) this.log('warn', `notify ${l.channel.name}: ${l.queue.length} event(s) not delivered at shutdown`);
      this.stopLane(l);
    }
    this.lanes = [];
  }

  /** Resolves when every lane is idle with an empty queue (tests). */
  async idle(): Promise<void> {
    while (this.lanes.some((l) => l.busy || l.queue.length > 0)) await new Promise((r) => setTimeout(r, 10));
  }

  private stopLane(l: Lane): void {
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    l.abort.abort();
  }

  private pump(lane: Lane): void {
    if (lane.busy || lane.timer || lane.queue.length === 0 || this.closed || lane.abort.signal.aborted) return;
    lane.busy = true;
    void this.attempt(lane, 0);
  }

  private async attempt(lane: Lane, tries: number): Promise<void> {
    const ev = lane.queue[0];
    if (!ev || lane.abort.signal.aborted) {
      lane.busy = false;
      return;
    }
    try {
      await lane.channel.deliver(ev, lane.abort.signal);
      lane.queue.shift();
      lane.status.sent++;
      lane.status.retrying = false;
      lane.status.last_sent_at = new Date().toISOString();
      lane.busy = false;
      this.pump(lane);
    } catch (err) {
      if (lane.abort.signal.aborted) {
        lane.busy = false;
        return;
      }
      const msg = errorMessage(err);
      lane.status.failed_attempts++;
      lane.status.last_error = msg;
      lane.status.last_error_at = new Date().toISOString();
      const delay = this.retry[tries];
      if (err instanceof PermanentError || delay === undefined) {
        this.log('error', `notify ${lane.channel.name}: giving up on "${ev.message}": ${msg}`);
        lane.queue.shift();
        lane.status.dropped++;
        lane.status.retrying = false;
        lane.busy = false;
        this.pump(lane);
        return;
      }
      this.log('warn', `notify ${lane.channel.name}: ${msg}; retry in ${delay / 1000} s`);
      lane.status.retrying = true;
      lane.timer = setTimeout(() => {
        lane.timer = null;
        void this.attempt(lane, tries + 1);
      }, delay);
      lane.timer.unref();
    }
  }
}
