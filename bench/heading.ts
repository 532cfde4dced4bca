import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';

/** The `## name — date · machine · Node · git revision` line every bench result starts with. */
export function resultHeading(name: string): string {
  let rev = 'unknown';
  try {
    rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const date = new Date().toISOString().slice(0, 10);
  return `## ${name} — ${date} · ${cpus().length} cores (${cpus()[0]?.model ?? '?'}) · Linux ${release()} · Node ${process.version} · ${rev}`;
}
