import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory of a process and all its descendants, read from /proc the way top does:
 * utime + stime (+ cutime + cstime, so children that exited and were reaped by a member still
 * count) of every member, summed; RSS from VmRSS. It also remembers every pid that joined the
 * tree, so a bench can report how many processes a monitor spawned while it was measured.
 *
 * Cheap on purpose, because it runs beside the monitor it measures: `poll()` reads only pids that
 * appeared since the previous listing (a process cannot move into a tree it was not born in),
 * and `read()` only the members.
 */
const TICK_MS = 1000 / 100; // USER_HZ: 100 on every Linux ABI Node runs on

export interface TreeTotals {
  /** CPU ms used by the tree since it was first seen (members and reaped children). */
  cpuMs: number;
  /** Sum of VmRSS of the current members, kB. */
  rssKb: number;
  /** VmRSS of the root alone, kB. */
  rootRssKb: number;
  members: number;
}

interface StatLine {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): StatLine | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm may hold spaces and parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // after comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

export function vmRssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export class TreeMeter {
  private readonly members = new Set<number>();
  private listing = new Set<number>();
  /** Every pid that was ever a member, with the time it was first seen. */
  readonly seen = new Map<number, number>();

  constructor(
    readonly root: number,
    /** pids never to read (the bench's own sleeping processes). */
    private readonly ignore: ReadonlySet<number> = new Set(),
  ) {
    this.poll(true);
  }

  /** Look at pids that appeared since the last call (all of them when `full`). */
  poll(full = false): void {
    const now = new Set<number>();
    const fresh: number[] = [];
    for (const name of readdirSync('/proc')) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      now.add(pid);
      // A pid missing from the previous listing is a new process (a reused pid included).
      if ((full || !this.listing.has(pid)) && !this.ignore.has(pid) && !this.members.has(pid)) fresh.push(pid);
    }
    this.listing = now;
    // Parents are usually listed before children, but not always (pid wrap): iterate to a fixed point.
    const pending = new Map<number, StatLine>();
    for (const pid of fresh) {
      const s = readStat(pid);
      if (s) pending.set(pid, s);
    }
    let added = true;
    while (added) {
      added = false;
      for (const [pid, s] of pending) {
        if (pid === this.root || this.members.has(s.ppid)) {
          this.members.add(pid);
          if (!this.seen.has(pid)) this.seen.set(pid, Date.now());
          pending.delete(pid);
          added = true;
        }
      }
    }
  }

  /**
   * Re-read every member: totals now. A member that exited and was reaped by another member
   * moved its time into that member's cutime; one reaped by init is lost (monitors reap their
   * own children, so this does not happen in practice).
   */
  read(): TreeTotals {
    this.poll();
    let ticks = 0;
    let rss = 0;
    let rootRss = 0;
    for (const pid of this.members) {
      const s = readStat(pid);
      if (!s) {
        this.members.delete(pid);
        continue;
      }
      ticks += s.ticks;
      const kb = vmRssKb(pid);
      rss += kb;
      if (pid === this.root) rootRss = kb;
    }
    return { cpuMs: ticks * TICK_MS, rssKb: rss, rootRssKb: rootRss, members: this.members.size };
  }

  /** Members first seen at or after `sinceMs` (wall), the root excluded: processes spawned. */
  spawnedSince(sinceMs: number): number {
    let n = 0;
    for (const [pid, at] of this.seen) if (pid !== this.root && at >= sinceMs) n++;
    return n;
  }
}
