import { resolve } from 'node:path';
import { DEFAULT_ROOTS, type HostRoots } from '../host/hostfs.js';

export interface RootFlags {
  'path.procfs'?: string;
  'path.sysfs'?: string;
  'path.rootfs'?: string;
}

/** `--path.procfs` / `--path.sysfs` / `--path.rootfs` (node_exporter's names) → roots. */
export function rootsFromFlags(flags: RootFlags): HostRoots {
  return {
    procRoot: flags['path.procfs'] ? resolve(flags['path.procfs']) : DEFAULT_ROOTS.procRoot,
    sysRoot: flags['path.sysfs'] ? resolve(flags['path.sysfs']) : DEFAULT_ROOTS.sysRoot,
    rootfs: flags['path.rootfs'] ? resolve(flags['path.rootfs']) : DEFAULT_ROOTS.rootfs,
  };
}
