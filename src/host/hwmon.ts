import { join } from 'node:path';
import { isHwmonValueFile, type HwmonChip, parseHwmonChip } from '../parsers/sys-hwmon.js';
import type { HostFs } from './hostfs.js';
import { type AdaptiveReads, readFileSet } from './sysfs-files.js';

/**
 * One hwmon directory (/sys/class/hwmon/hwmon<N>, or a device's hwmon/hwmon<N>) read and
 * parsed. Values (`*_input`, `*_average`, `pwm<N>`) go through `reads` under the key `source`:
 * sync while the chip answers fast, the threadpool once it has been slow (an embedded
 * controller, SMM, an I2C chip). Names, labels and limits are static and read directly.
 *
 * A chip whose device is runtime-suspended (`device/power/runtime_status` = suspended) is not
 * read at all: 'asleep'. Reading a sleeping dGPU's or disk's sensors wakes it up, and costs the
 * power a laptop saves by letting it sleep.
 */
export async function readHwmonDir(fs: HostFs, dir: string, reads: AdaptiveReads, source: string): Promise<HwmonChip | 'asleep' | null> {
  const status = await fs.tryRead(join(dir, 'device/power/runtime_status'));
  if (status?.trim() === 'suspended') return 'asleep';
  let base = dir;
  let names = (await fs.list(dir)).filter(isHwmonValueFile);
  // Drivers from before Linux 3.x kept the attributes under hwmonN/device/.
  if (!names.some((n) => n !== 'name')) {
    const legacy = (await fs.list(join(dir, 'device'))).filter(isHwmonValueFile);
    if (legacy.some((n) => n !== 'name')) {
      base = join(dir, 'device');
      names = legacy;
    }
  }
  if (names.length === 0) return null;
  const dynamic = names.filter((n) => n.endsWith('_input') || n.endsWith('_average') || /^pwm\d+$/.test(n));
  const fixed = names.filter((n) => !dynamic.includes(n));
  const [a, b] = await Promise.all([readFileSet(fs, base, fixed), reads.read(fs, source, base, dynamic)]);
  const chip = parseHwmonChip({ ...a.files, ...b.files });
  if (chip.name === null) chip.name = (await fs.tryRead(join(dir, 'name')))?.trim() || null;
  return chip;
}
