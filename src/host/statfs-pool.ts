import { Worker } from 'node:worker_threads';
import { markStatfsStuck } from './statfs-stuck.js';

/**
 * statfs(2) on `worker_threads` Workers, for mounts whose statfs can hang: network filesystems
 * and FUSE, where the call is a request to a server or a user-space daemon and blocks inside
 * the kernel for as long as that peer does not answer (a dead NFS server with a `hard` mount:
 * forever).
 *
 * Each worker runs one `fs.statfsSync` at a time, on its own thread, so a hung call blocks that
 * thread only — never the libuv threadpool that every `fs.promises` call of every collector
 * needs (four threads: four hung async calls there and all file I/O stalls). Workers are
 * threads of this process: no subprocess on the collection path.
 *
 * The parent times every call (from its issue, or from the first worker's start-up while none
 * is running yet, at most {@link STARTUP_GRACE_MS} more):
 *  - a call still queued at its deadline answers `unavailable` (it was never asked: no back-off);
 *  - a call running at its deadline answers `timeout`, and its worker is abandoned: sent no
 *    more work, registered in statfs-stuck.ts, never `terminate()`d (that would never settle;
 *    like every worker here it is unref'd, so it holds no exit back by itself — only Node's join
 *    at exit does, see statfs-stuck.ts); a fresh worker takes the calls that remain;
 *  - a later call for a path whose call is still running waits on that one (so a mount that
 *    stays hung ties up one thread, however often it is retried);
 *  - a late answer frees the worker: it rejoins the pool, or is terminated when the pool is full.
 *
 * Cost (bench/disk.ts, 2-core VM): a worker holds ~7.5 MiB of its own (its V8 isolate) and
 * takes ~80 ms of CPU to start, so workers live as long as the pool; a call through one costs
 * ~65 µs of CPU (both threads), the threadpool's ~35 µs. One runs all calls while they answer in
 * time; a spare is started only when calls wait behind one slower than `spareAfterMs`. At most
 * `workers` healthy ones; abandoned ones are capped by `maxStuck`: once that many are stuck no
 * worker is started, and when no healthy one is left calls answer `unavailable` until a stuck
 * one comes back. Threads in all: at most `workers + maxStuck - 1`.
 */
export interface StatfsFigures {
  /** Filesystem magic (f_type). */
  type: number;
  /** f_bsize: the unit of the block counts for every in-kernel filesystem (see statfs.ts). */
  bsize: number;
  blocks: number;
  bfree: number;
  /** Blocks available to unprivileged users (excludes the root reserve). */
  bavail: number;
  files: number;
  ffree: number;
}

export type StatfsOutcome =
  | { status: 'ok'; figures: StatfsFigures }
  | { status: 'error'; code: string; message: string }
  | { status: 'timeout'; after_ms: number }
  | { status: 'unavailable'; message: string };

export interface StatfsPoolOptions {
  /** Healthy workers at most, i.e. calls running at once (default 2). */
  workers?: number;
  /** Abandoned (stuck) workers at most before no new worker is started (default 4). */
  maxStuck?: number;
  /** Calls waiting behind a call running this long start a spare worker (default 50 ms). */
  spareAfterMs?: number;
  /**
   * The worker's statfs: a JS expression for a synchronous `(path) => StatFs`, evaluated in the
   * worker with `fs` in scope (tests swap in one that blocks in the kernel).
   */
  statfsFn?: string;
}

/** Longest the first worker may take to start (~100 ms here) before the calls waiting for it time out. */
export const STARTUP_GRACE_MS = 2000;

/** The workers' program (CommonJS, run with `eval: true`). */
export function workerProgram(statfsFn = '(p) => fs.statfsSync(p)'): string {
  return `'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const statfs = ${statfsFn};
parentPort.on('message', ({ id, path }) => {
  let reply;
  try {
    const s = statfs(path);
    reply = { id, figures: { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree } };
  } catch (err) {
    reply = { id, code: (err && err.code) || 'EIO', message: String((err && err.message) || err) };
  }
  parentPort.postMessage(reply);
});
`;
}

interface Waiter {
  resolve: (o: StatfsOutcome) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  /** Armed with the start-up grace (no worker was running); re-armed when one is. */
  grace: boolean;
}

/** One statfs of one path, shared by every caller asking for that path meanwhile. */
interface Job {
  id: number;
  path: string;
  waiters: Set<Waiter>;
  /** The worker running it; null while queued. */
  slot: Slot | null;
  startedMono: number;
  startedWall: number;
}

interface Slot {
  worker: Worker;
  online: boolean;
  job: Job | null;
  /** Set while abandoned: removes the process-wide stuck entry. */
  unmark: (() => void) | null;
  startError: string | null;
  /** Called when the job settles or the worker is abandoned (close() waits on these). */
  onFree: Array<() => void>;
}

export class StatfsPool {
  private readonly healthy = new Set<Slot>();
  private readonly abandoned = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly jobs = new Map<string, Job>();
  private nextId = 1;
  private started = 0;
  private closed = false;
  private spareTimer: NodeJS.Timeout | null = null;
  private readonly maxWorkers: number;
  private readonly maxStuck: number;
  private readonly spareAfterMs: number;
  private readonly program: string;

  constructor(options: StatfsPoolOptions = {}) {
    this.maxWorkers = Math.max(1, options.workers ?? 2);
    this.maxStuck = Math.max(1, options.maxStuck ?? 4);
    this.spareAfterMs = options.spareAfterMs ?? 50;
    this.program = workerProgram(options.statfsFn);
  }

  /** statfs(path) on a worker; never rejects, settles within timeoutMs (+ start-up grace). */
  statfs(path: string, timeoutMs: number): Promise<StatfsOutcome> {
    if (this.closed) return Promise.resolve({ status: 'unavailable', message: 'statfs pool closed' });
    let job = this.jobs.get(path);
    if (!job) {
      if (this.healthy.size === 0 && !this.canStart()) return Promise.resolve({ status: 'unavailable', message: this.stuckMessage() });
      job = { id: this.nextId++, path, waiters: new Set(), slot: null, startedMono: 0, startedWall: 0 };
      this.jobs.set(path, job);
      this.queue.push(job);
    }
    const j = job;
    return new Promise<StatfsOutcome>((resolve) => {
      const grace = j.slot === null && ![...this.healthy].some((s) => s.online);
      const w: Waiter = { resolve, timeoutMs, grace, timer: undefined as unknown as NodeJS.Timeout };
      w.timer = setTimeout(() => this.onWaiterTimeout(j, w), timeoutMs + (grace ? STARTUP_GRACE_MS : 0));
      j.waiters.add(w);
      this.pump();
    });
  }

  /** Numbers for self-reporting and tests. */
  stats(): { workers: number; busy: number; stuck: number; started: number; stuck_paths: string[] } {
    return {
      workers: this.healthy.size,
      busy: [...this.healthy].filter((s) => s.job).length,
      stuck: this.abandoned.size,
      started: this.started,
      stuck_paths: [...this.abandoned].map((s) => s.job?.path ?? '?'),
    };
  }

  /**
   * Stop: queued calls answer `unavailable`, running ones are let finish (each within its own
   * timeout: only then is it known whether one is stuck, which the caller may check next), then
   * the healthy workers are terminated. Workers stuck in the kernel stay abandoned (and
   * registered in statfs-stuck.ts) until their call returns, then are terminated.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.spareTimer) clearTimeout(this.spareTimer);
    for (const job of this.queue.splice(0)) this.settle(job, { status: 'unavailable', message: 'statfs pool closed' });
    for (const slot of this.abandoned) {
      if (slot.job) this.settle(slot.job, { status: 'unavailable', message: 'statfs pool closed' }, false);
    }
    await Promise.all(
      [...this.healthy].filter((s) => s.job).map((s) => new Promise<void>((r) => s.onFree.push(r))),
    );
    await Promise.allSettled([...this.healthy].map((s) => s.worker.terminate()));
    this.healthy.clear();
  }

  private canStart(): boolean {
    return !this.closed && this.healthy.size < this.maxWorkers && this.abandoned.size < this.maxStuck;
  }

  private stuckMessage(): string {
    const paths = [...this.abandoned].map((s) => s.job?.path ?? '?');
    return `${paths.length} statfs calls are stuck in the kernel (${paths.join(', ')}); not asking more until one returns`;
  }

  /** Hand queued jobs to idle workers; start workers where that helps. */
  private pump(): void {
    if (this.closed) return;
    for (const slot of this.healthy) {
      if (this.queue.length === 0) break;
      if (slot.online && !slot.job) this.dispatch(this.queue.shift()!, slot);
    }
    if (this.queue.length === 0) return;
    if (this.healthy.size === 0) {
      if (this.canStart()) this.start();
      else for (const job of this.queue.splice(0)) this.settle(job, { status: 'unavailable', message: this.stuckMessage() });
      return;
    }
    // Calls wait behind busy workers. A spare only once the oldest running call is slow: healthy
    // mounts answer in micro- to milliseconds, and a worker costs ~8 MB for as long as it lives.
    if ([...this.healthy].some((s) => !s.online) || !this.canStart()) return;
    const now = performance.now();
    const oldest = Math.min(...[...this.healthy].map((s) => s.job?.startedMono ?? now));
    const wait = this.spareAfterMs - (now - oldest);
    if (wait <= 0) {
      const n = Math.min(this.queue.length, this.maxWorkers - this.healthy.size);
      for (let i = 0; i < n; i++) this.start();
    } else if (!this.spareTimer) {
      this.spareTimer = setTimeout(() => {
        this.spareTimer = null;
        this.pump();
      }, wait);
    }
  }

  private start(): void {
    const worker = new Worker(this.program, {
      eval: true,
      // Lean: none of this process's flags (a loader such as tsx), a small heap.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
    });
    this.started++;
    const slot: Slot = { worker, online: false, job: null, unmark: null, startError: null, onFree: [] };
    this.healthy.add(slot);
    worker.on('online', () => {
      slot.online = true;
      this.rearmGrace();
      this.pump();
    });
    worker.on('message', (msg: { id: number; figures?: StatfsFigures; code?: string; message?: string }) => this.onReply(slot, msg));
    worker.on('error', (err) => {
      slot.startError ??= err.message;
    });
    worker.on('exit', (code) => this.onExit(slot, code));
    // A worker must never keep headroom alive; the waiters' timers do while calls are open.
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
  }

  private dispatch(job: Job, slot: Slot): void {
    job.slot = slot;
    job.startedMono = performance.now();
    job.startedWall = Date.now();
    slot.job = job;
    slot.worker.postMessage({ id: job.id, path: job.path });
  }

  /** The first worker is running: calls armed with the start-up grace get their own timeout from now. */
  private rearmGrace(): void {
    for (const job of this.queue) {
      for (const w of job.waiters) {
        if (!w.grace) continue;
        w.grace = false;
        clearTimeout(w.timer);
        w.timer = setTimeout(() => this.onWaiterTimeout(job, w), w.timeoutMs);
      }
    }
  }

  private onWaiterTimeout(job: Job, w: Waiter): void {
    if (!job.waiters.delete(w)) return;
    const slot = job.slot;
    if (slot === null) {
      // Never asked: every worker was busy (hung mounts?) or starting. Not the mount's fault.
      w.resolve({
        status: 'unavailable',
        message: `statfs not asked within ${w.timeoutMs} ms: every statfs worker was busy (with hung mounts?)`,
      });
      if (job.waiters.size === 0) {
        this.queue.splice(this.queue.indexOf(job), 1);
        this.jobs.delete(job.path);
      }
      return;
    }
    w.resolve({ status: 'timeout', after_ms: w.timeoutMs });
    if (this.healthy.has(slot)) this.abandon(slot);
  }

  /** The worker's call is stuck in the kernel: stop using it, let a fresh one take the queue. */
  private abandon(slot: Slot): void {
    this.healthy.delete(slot);
    this.abandoned.add(slot);
    slot.unmark = markStatfsStuck(slot.job!.path, slot.job!.startedWall, 'worker');
    for (const f of slot.onFree.splice(0)) f();
    this.pump();
  }

  private onReply(slot: Slot, msg: { id: number; figures?: StatfsFigures; code?: string; message?: string }): void {
    const job = slot.job;
    if (!job || msg.id !== job.id) return;
    this.settle(
      job,
      msg.figures
        ? { status: 'ok', figures: msg.figures }
        : { status: 'error', code: msg.code ?? 'EIO', message: msg.message ?? 'statfs failed' },
    );
    slot.job = null;
    if (this.abandoned.delete(slot)) {
      // It came back: free again. Rejoin, or go if the pool is full (terminate settles now).
      slot.unmark?.();
      slot.unmark = null;
      if (this.closed || this.healthy.size >= this.maxWorkers) void slot.worker.terminate().catch(() => {});
      else this.healthy.add(slot);
    }
    for (const f of slot.onFree.splice(0)) f();
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    const wasHealthy = this.healthy.delete(slot);
    this.abandoned.delete(slot);
    slot.unmark?.();
    slot.unmark = null;
    if (slot.job) this.settle(slot.job, { status: 'unavailable', message: `statfs worker exited (code ${code})` });
    slot.job = null;
    for (const f of slot.onFree.splice(0)) f();
    if (this.closed || !wasHealthy) return;
    if (!slot.online) {
      // It never ran (cannot start here): answer what waits rather than retry in a loop.
      const message = `statfs worker could not start: ${slot.startError ?? `exit code ${code}`}`;
      if (![...this.healthy].some((s) => s.online)) for (const job of this.queue.splice(0)) this.settle(job, { status: 'unavailable', message });
      return;
    }
    this.pump();
  }

  /** Answer every caller of a job and forget it (`dequeue` false: it is not in the queue). */
  private settle(job: Job, outcome: StatfsOutcome, dequeue = true): void {
    for (const w of job.waiters) {
      clearTimeout(w.timer);
      w.resolve(outcome);
    }
    job.waiters.clear();
    if (this.jobs.get(job.path) === job) this.jobs.delete(job.path);
    if (dequeue && job.slot === null) {
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }
}
