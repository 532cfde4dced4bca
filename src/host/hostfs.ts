import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The roots a collector reads from. Passed in, never global, so tests (and
 * `--path.procfs` / `--path.sysfs` / `--path.rootfs`) point collectors at fixture trees.
 */
export interface HostRoots {
  procRoot: string;
  sysRoot: string;
  /** Root of the host filesystem, for files such as `/etc/os-release`. */
  rootfs: string;
}

export const DEFAULT_ROOTS: HostRoots = { procRoot: '/proc', sysRoot: '/sys', rootfs: '/' };

/** Small async readers over a set of roots. All paths given are relative to the root named. */
export class HostFs {
  constructor(readonly roots: HostRoots = DEFAULT_ROOTS) {}

  proc(...parts: string[]): string {
    return join(this.roots.procRoot, ...parts);
  }
  sys(...parts: string[]): string {
    return join(this.roots.sysRoot, ...parts);
  }
  root(...parts: string[]): string {
    return join(this.roots.rootfs, ...parts);
  }

  /** Read a whole text file; throws (ENOENT, EACCES …) with the path in the message. */
  async read(path: string): Promise<string> {
    return readFile(path, 'utf8');
  }

  /** Read a text file, or null when it does not exist or cannot be read. */
  async tryRead(path: string): Promise<string | null> {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return null;
    }
  }

  /** Directory entries, or [] when the directory is absent. */
  async list(path: string): Promise<string[]> {
    try {
      return await readdir(path);
    } catch {
      return [];
    }
  }
}
