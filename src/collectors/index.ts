import type { AnyCollector } from '../core/collector.js';
import { cpuMonitor } from './cpu.js';
import { diskMonitor } from './disk.js';
import { headroomCollector } from './headroom.js';
import { gpuMonitor } from './gpu.js';
import { host } from './host.js';
import { inferenceMonitor } from './inference.js';
import { networkMonitor } from './network.js';
import { powerMonitor } from './power.js';
import { ollamaMonitor } from './ollama.js';
import { ollamaTokens } from './ollama-tokens.js';
import { processMonitor } from './processes.js';
import { ramMonitor } from './ram.js';
import { selfMonitor } from './self.js';
import { upsMonitor } from './ups.js';
import { serviceMonitor } from './services.js';

/**
 * The built-in collectors, listed by hand so a reader sees them all in one place and nothing is
 * loaded by directory scanning. New collectors are appended here.
 */
export const builtinCollectors: AnyCollector[] = [
  host,
  cpuMonitor,
  networkMonitor,
  selfMonitor,
  diskMonitor,
  ramMonitor,
  processMonitor,
  powerMonitor,
  gpuMonitor,
  upsMonitor,
  ollamaMonitor,
  ollamaTokens,
  inferenceMonitor,
  serviceMonitor,
  headroomCollector,
];
