import { writeSync } from 'node:fs';

/**
 * statfs(2) calls stuck in the kernel, process-wide — and the one way out of a process that has
 * any.
 *
 * A statfs on a dead NFS server (`hard` mount) or a stopped FUSE daemon blocks its thread in
 * the kernel until the peer answers: possibly never. Node cannot stop such a thread: a Worker
 * blocked there ignores `terminate()` (the promise never settles), and at exit Node joins every
 * worker thread (and, on `process.exit()`, every libuv threadpool thread) — so a natural end and
 * `process.exit()` alike hang for as long as the call does (measured, Node 20: forever). SIGKILL
 * ends the process even then (NFS, CIFS and FUSE wait killably), and is what remains.
 *
 * This registry is module-level on purpose: it describes threads of the process, not of one
 * {@link StatfsPool} or LiveStatfs. Entries are added when a call outlives its timeout and
 * removed when it comes back (or its worker dies).
 *
 * Ways out, in order of preference:
 *  - `headroom serve` and `snapshot`, once everything is closed and flushed, call
 *    {@link killIfStatfsStuck}: one log line naming the mounts, output drained, then SIGKILL.
 *  - any other exit with stuck calls (capture-fixture, `process.exit` on a forced shutdown, an
 *    embedding app) hits the `exit` hook installed with the first entry: it writes the same line
 *    to stderr and sends SIGKILL, instead of hanging in the join.
 */
export interface StuckStatfsCall {
  /** The path statfs was asked for (the mount point under the rootfs). */
  readonly path: string;
  /** Wall-clock time (ms since the epoch) the call was issued. */
  readonly sinceMs: number;
  /** Whose thread is blocked: a statfs worker, or (LiveStatfs's safety net) the libuv threadpool. */
  readonly thread: 'worker' | 'threadpool';
}

const stuck = new Set<StuckStatfsCall>();
let exitHookInstalled = false;

/** The calls stuck now (a copy); `.length` is the count. */
export function stuckStatfsCalls(): StuckStatfsCall[] {
  return [...stuck];
}

/** Record a stuck call; returns the function that removes it again (idempotent). */
export function markStatfsStuck(path: string, sinceMs: number, thread: StuckStatfsCall['thread']): () => void {
  const entry: StuckStatfsCall = { path, sinceMs, thread };
  stuck.add(entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' listeners run before Node joins the threads, on both a natural end and process.exit().
    process.on('exit', () => {
      const line = describeStuckStatfs();
      if (line === null) return;
      try {
        writeSync(2, `headroom: ${line}\n`);
      } catch {}
      process.kill(process.pid, 'SIGKILL');
    });
  }
  return () => {
    stuck.delete(entry);
  };
}

/** One line naming every stuck call and since when; null when there is none. */
export function describeStuckStatfs(): string | null {
  if (stuck.size === 0) return null;
  const calls = [...stuck].map((c) => `${c.path} (${c.thread === 'worker' ? 'worker thread' : 'threadpool'}, since ${new Date(c.sinceMs).toISOString()})`);
  return (
    `statfs stuck in the kernel on ${calls.join(', ')}; ` +
    'Node cannot exit while a thread is blocked there, so this process ends itself with SIGKILL'
  );
}

/**
 * If statfs calls are stuck, log {@link describeStuckStatfs}'s line, let stdout and stderr
 * drain, and SIGKILL this process (exit status 137 to a shell); otherwise resolve at once.
 * Call it last, when everything else is closed and flushed: nothing runs after the kill.
 */
export async function killIfStatfsStuck(log: (line: string) => void): Promise<void> {
  const line = describeStuckStatfs();
  if (line === null) return;
  log(line);
  // Output a full pipe has not taken yet waits in Node's queue, and SIGKILL would drop it (a
  // `snapshot --json` cut short): the callback of an empty write runs once all before it is out.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
  process.kill(process.pid, 'SIGKILL');
}
