import { join } from 'node:path';
import type { HostFs } from './hostfs.js';

/**
 * Reads a chosen set of files of one sysfs directory (a hwmon chip, a thermal zone, a battery,
 * a RAPL zone) and says what it could not read, so a collector reports each missing piece with
 * its reason instead of failing whole.
 *
 * `async: true` reads through the threadpool (HostFs.readAsync), for attributes whose read runs
 * firmware or bus transactions that can take milliseconds: ACPI batteries evaluate AML and talk
 * to the embedded controller. Where only some machines are slow (hwmon chips behind an EC or
 * SMM, ACPI thermal zones, amdgpu's SMU) {@link AdaptiveReads} decides per source.
 */
export interface FileSet {
  /** File name → contents, for the files that could be read. */
  files: Record<string, string>;
  /** File name → the errno code of a failed read (ENOENT is not an error: the file is absent). */
  errors: Record<string, string>;
}

export async function readFileSet(fs: HostFs, dir: string, names: readonly string[], opts: { async?: boolean } = {}): Promise<FileSet> {
  const out: FileSet = { files: {}, errors: {} };
  const texts = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      try {
        return { name, text: opts.async ? await fs.readAsync(path) : await fs.read(path) };
      } catch (err) {
        return { name, code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    }),
  );
  for (const t of texts) {
    if ('text' in t) out.files[t.name] = t.text!;
    else if (t.code !== 'ENOENT' && t.code !== 'ENOTDIR') out.errors[t.name] = t.code;
  }
  return out;
}

/** "EACCES" → a short human phrase for a reason string. */
export function errnoPhrase(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENODATA':
    case 'EAGAIN':
      return 'no reading available (sensor not ready)';
    case 'EIO':
      return 'I/O error from the driver';
    case 'EINVAL':
    case 'EOPNOTSUPP':
      return 'not supported by the driver';
    default:
      return code;
  }
}

/** A source (one hwmon chip, zone, card) whose read of its files took longer than this is slow. */
export const SLOW_READ_MS = 5;

/**
 * Sync or threadpool reads, per source. A threadpool read costs about 13× the CPU of a sync one
 * (hostfs.ts), and most sensor drivers answer from a cache in microseconds, so sources are read
 * synchronously — until one takes longer than SLOW_READ_MS (an EC, SMM or ACPI method behind
 * it); from then on that source goes through the threadpool and no longer holds the event loop.
 */
export class AdaptiveReads {
  private readonly slow = new Set<string>();

  async read(fs: HostFs, source: string, dir: string, names: readonly string[]): Promise<FileSet> {
    const async = this.slow.has(source);
    const start = performance.now();
    // The sync reads all run inside this call, before its first await: the time measured here
    // is this source's alone, not that of other sources read meanwhile.
    const pending = readFileSet(fs, dir, names, { async });
    if (!async && performance.now() - start > SLOW_READ_MS) this.slow.add(source);
    return pending;
  }

  /** Sources found slow so far. */
  get slowSources(): string[] {
    return [...this.slow].sort();
  }
}
