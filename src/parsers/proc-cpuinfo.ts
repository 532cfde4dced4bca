import { parseDecimal, parseUint } from './numbers.js';

/**
 * /proc/cpuinfo → typed object. The format is free-form `key : value` lines in blocks separated
 * by blank lines, and differs per architecture: x86 has `model name`, `cpu MHz`, `physical id`,
 * `core id`; arm64 has only `CPU implementer` / `CPU part`; 32-bit ARM kernels before 3.8 print a
 * machine-wide `Processor` line; PowerPC has `cpu`.
 *
 * Rule for bad input: because the layout varies by architecture and kernel, this parser never
 * throws. Lines without a colon are skipped, a block whose `processor` is not a number is not
 * a processor (its keys still count as machine-wide ones), and a value that does not parse
 * (MHz, ids) becomes null.
 */
export interface CpuinfoProcessor {
  processor: number;
  /** Human model string for this processor (see `describeModel`), or null. */
  model: string | null;
  /** Current clock in MHz as the kernel last saw it, or null when not reported. */
  mhz: number | null;
  /** Socket (package) id. */
  physical_id: number | null;
  core_id: number | null;
}

export interface Cpuinfo {
  processors: CpuinfoProcessor[];
  /** Distinct models in order, joined by " + " (big.LITTLE machines have two), or null. */
  model: string | null;
  /** Distinct (socket, core) pairs, or null when the file does not say. */
  physical_cores: number | null;
  sockets: number | null;
}

type Block = Map<string, string>;

export function parseCpuinfo(text: string): Cpuinfo {
  const blocks: Block[] = [];
  let current: Block = new Map();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    const key = raw.slice(0, colon).trim();
    if (key && !current.has(key)) current.set(key, raw.slice(colon + 1).trim());
  }
  if (current.size > 0) blocks.push(current);

  // Machine-wide keys (legacy ARM `Processor`, `Hardware`, trailing implementer/part blocks):
  // the first occurrence of each key anywhere in the file.
  const global: Block = new Map();
  for (const b of blocks) for (const [k, v] of b) if (!global.has(k)) global.set(k, v);

  const processors: CpuinfoProcessor[] = [];
  for (const b of blocks) {
    const processor = parseUint(b.get('processor'));
    if (processor === null) continue;
    processors.push({
      processor,
      model: describeModel(b) ?? describeModel(global),
      mhz: positive(parseDecimal(b.get('cpu MHz'))),
      physical_id: parseUint(b.get('physical id')),
      core_id: parseUint(b.get('core id')),
    });
  }
  const models = [...new Set(processors.map((p) => p.model).filter((m) => m !== null))];
  const topo = countTopology(
    processors.map((p) => ({ package: p.physical_id, core: p.core_id })),
  );
  return {
    processors,
    model: models.length > 0 ? models.join(' + ') : describeModel(global),
    physical_cores: topo?.physical_cores ?? null,
    sockets: topo?.sockets ?? null,
  };
}

/**
 * Only `processor` and `cpu MHz` of each block, as {@link parseCpuinfo} reads them (same blocks,
 * first occurrence of a key in a block, same number rules): what cpu_monitor needs every tick on
 * machines without cpufreq (most VMs), where the file is ~27 lines per logical CPU and building
 * every block as a map cost more than the rest of the tick.
 */
export function parseCpuinfoMhz(text: string): Array<{ processor: number; mhz: number | null }> {
  const out: Array<{ processor: number; mhz: number | null }> = [];
  let processor: string | undefined;
  let mhz: string | undefined;
  let any = false;
  const endBlock = () => {
    if (any) {
      const n = parseUint(processor);
      if (n !== null) out.push({ processor: n, mhz: positive(parseDecimal(mhz)) });
    }
    processor = undefined;
    mhz = undefined;
    any = false;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    start = end + 1;
    if (raw.trim() === '') {
      endBlock();
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    const key = raw.slice(0, colon).trim();
    if (!key) continue;
    any = true;
    if (key === 'processor') processor ??= raw.slice(colon + 1).trim();
    else if (key === 'cpu MHz') mhz ??= raw.slice(colon + 1).trim();
  }
  endBlock();
  return out;
}

/**
 * Count physical cores and sockets from per-logical-CPU (package, core) ids. Core ids repeat
 * across sockets, so a core is the pair. Null when any CPU lacks either id: a partial count
 * would be a wrong count.
 */
export function countTopology(
  cpus: Array<{ package: number | null; core: number | null }>,
): { physical_cores: number; sockets: number } | null {
  if (cpus.length === 0) return null;
  const cores = new Set<string>();
  const sockets = new Set<number>();
  for (const c of cpus) {
    if (c.package === null || c.core === null) return null;
    cores.add(`${c.package}:${c.core}`);
    sockets.add(c.package);
  }
  return { physical_cores: cores.size, sockets: sockets.size };
}

// Arm Ltd (implementer 0x41) part numbers, as the Arm TRMs and util-linux's lscpu list them.
const ARM_PARTS: Record<string, string> = {
  '0xc07': 'Cortex-A7',
  '0xc09': 'Cortex-A9',
  '0xc0f': 'Cortex-A15',
  '0xd03': 'Cortex-A53',
  '0xd04': 'Cortex-A35',
  '0xd05': 'Cortex-A55',
  '0xd07': 'Cortex-A57',
  '0xd08': 'Cortex-A72',
  '0xd09': 'Cortex-A73',
  '0xd0a': 'Cortex-A75',
  '0xd0b': 'Cortex-A76',
  '0xd0c': 'Neoverse-N1',
  '0xd0d': 'Cortex-A77',
  '0xd40': 'Neoverse-V1',
  '0xd41': 'Cortex-A78',
  '0xd44': 'Cortex-X1',
  '0xd46': 'Cortex-A510',
  '0xd47': 'Cortex-A710',
  '0xd48': 'Cortex-X2',
  '0xd49': 'Neoverse-N2',
  '0xd4f': 'Neoverse-V2',
};

/** The best model string a block offers, most specific first. */
function describeModel(b: Block): string | null {
  const named = b.get('model name') ?? b.get('Processor') ?? b.get('cpu model') ?? b.get('cpu');
  if (named) return named;
  const implementer = b.get('CPU implementer')?.toLowerCase();
  const part = b.get('CPU part')?.toLowerCase();
  if (!implementer || !part) return null;
  if (implementer === '0x41') return `ARM ${ARM_PARTS[part] ?? `part ${part}`}`;
  return `implementer ${implementer} part ${part}`;
}

function positive(v: number | null): number | null {
  return v !== null && v > 0 ? v : null;
}
