import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';

/**
 * The `## name — date · machine · Node · git revision` line every bench result starts with. The
 * revision is marked `+changes` when the working tree differs from it (RESULTS.md aside), so a
 * figure is never credited to a commit that did not produce it.
 */
export function resultHeading(name: string): string {
  let rev = 'unknown';
  try {
    rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.endsWith('bench/RESULTS.md'));
    if (dirty.length > 0) rev += '+changes';
  } catch {}
  // A bench run against another build (BENCH_DIST) says which one it measured.
  if (process.env.BENCH_DIST) rev = `${process.env.BENCH_DIST_REV ?? 'unknown revision'} (BENCH_DIST=${process.env.BENCH_DIST}, bench scripts at ${rev})`;
  const date = new Date().toISOString().slice(0, 10);
  return `## ${name} — ${date} · ${cpus().length} cores (${cpus()[0]?.model ?? '?'}) · Linux ${release()} · Node ${process.version} · ${rev}`;
}
