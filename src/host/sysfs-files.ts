import { join } from 'node:path';
import type { HostFs } from './hostfs.js';

/**
 * Reads a chosen set of files of one sysfs directory (a hwmon chip, a thermal zone, a battery,
 * a RAPL zone) and says what it could not read, so a collector reports each missing piece with
 * its reason instead of failing whole.
 *
 * `async: true` reads through the threadpool (HostFs.readAsync): for attributes whose read runs
 * firmware or bus transactions — ACPI thermal zones and batteries evaluate AML, hwmon chips
 * talk to an embedded controller or an I2C/SMBus device, amdgpu asks its SMU — which can take
 * milliseconds each and must not hold the event loop. Static attributes (names, labels, trip
 * points, PCI ids) are read synchronously.
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
