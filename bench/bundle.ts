/**
 * Size of what the dashboard loads first: the JS and CSS that dist/web/index.html references,
 * raw and gzip-compressed (level 6, what servers and proxies commonly use), against the budget
 * of 150 KB gzip. Run after `npm run build`: `npx tsx bench/bundle.ts` — prints a table and
 * appends it to bench/RESULTS.md. Exits 1 when over budget.
 */
import { appendFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { resultHeading } from './heading.js';

const BUDGET_GZIP = 150 * 1024;
const web = fileURLToPath(new URL('../dist/web/', import.meta.url));

let html: string;
try {
  html = readFileSync(join(web, 'index.html'), 'utf8');
} catch {
  console.error('dist/web/index.html not found: run `npm run build` first');
  process.exit(2);
}

// The initial load: scripts and stylesheets named by index.html (modulepreload links included).
const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const kb = (n: number) => (n / 1024).toFixed(1);
const rows: string[] = [];
let raw = 0;
let gz = 0;
for (const ref of [...new Set(refs)]) {
  const buf = readFileSync(join(web, ref));
  const z = gzipSync(buf, { level: 6 }).length;
  raw += buf.length;
  gz += z;
  rows.push(`| ${ref} | ${kb(buf.length)} | ${kb(z)} |`);
}
// Everything else in the build (favicons): not part of the first load, listed for completeness.
const all = readdirSync(web, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name));
const total = all.reduce((n, f) => n + statSync(f).size, 0);

const verdict = gz <= BUDGET_GZIP ? 'within' : 'OVER';
const table = [
  '',
  resultHeading('bundle'),
  '',
  '| initial file | raw KB | gzip KB |',
  '|---|---|---|',
  ...rows,
  `| **initial total** | **${kb(raw)}** | **${kb(gz)}** |`,
  '',
  `Budget 150 KB gzip: ${verdict} (${((gz / BUDGET_GZIP) * 100).toFixed(0)} %). Whole dist/web: ${all.length} files, ${kb(total)} KB raw. No request leaves the origin (checked by test/e2e/browser).`,
  '',
].join('\n');
console.log(table);
if (process.env.BENCH_NO_RECORD !== '1') appendFileSync(fileURLToPath(new URL('RESULTS.md', import.meta.url)), table);
if (gz > BUDGET_GZIP) process.exit(1);
