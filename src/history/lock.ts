/**
 * One writer per history file: `<path>.lock` holds the writing process's PID. A lock left by a
 * process that no longer exists (killed) is taken over. Readers (sqlite3, `PRAGMA
 * integrity_check`, another headroom reading) are never blocked: the database itself is not locked.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class LockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`${path} is in use by another headroom process (pid ${pid}); this one keeps history in memory only`);
    this.name = 'LockedError';
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Take the lock for `dbPath`; returns a release function. */
export function acquireLock(dbPath: string): () => void {
  if (dbPath === ':memory:') return () => {};
  const lockPath = `${dbPath}.lock`;
  mkdirSync(dirname(dbPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
        } catch {}
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {}
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new LockedError(dbPath, pid);
    if (pid === process.pid) throw new LockedError(dbPath, pid);
    try {
      unlinkSync(lockPath); // stale: its process is gone
    } catch {}
  }
  throw new Error(`cannot take the lock ${lockPath}`);
}
