import { appendFileSync } from 'node:fs';
import { resultHeading } from '../heading.js';
import { loadavgLine } from './machine.js';

/** A markdown table from a header row and rows of cells. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

/**
 * Print one result section and append it to bench/RESULTS.md: the common heading (date,
 * machine, Node, git revision), the load average before and after, any warning, the body.
 * With BENCH_NO_RECORD=1 (trial runs) it only prints.
 */
export function record(name: string, loadBefore: number, warning: string | null, body: string, notes: string[] = []): void {
  const text = [
    '',
    resultHeading(name),
    '',
    ...(warning ? [warning, ''] : []),
    `Load average (1 min) before: ${loadBefore.toFixed(2)}; after: ${loadavgLine()}.`,
    '',
    body,
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
  ].join('\n');
  console.log(text);
  if (process.env.BENCH_NO_RECORD === '1') {
    console.error(`${name}: BENCH_NO_RECORD=1, not appended to bench/RESULTS.md`);
    return;
  }
  appendFileSync(new URL('../RESULTS.md', import.meta.url), text);
}
