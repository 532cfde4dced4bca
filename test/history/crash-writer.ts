/**
 * Child process for the kill -9 test: writes history as fast as it can (many series, simulated
 * time running ~100× real time, flushes every few milliseconds) and prints `durable <ts>` after
 * every flush that committed, so the parent knows what must survive a SIGKILL.
 *
 *   node --import tsx crash-writer.ts <db path> <first tick ms> <series>
 */
import { ManualClock } from '../../src/core/clock.js';
import { MetricRing } from '../../src/core/ring.js';
import { History } from '../../src/history/service.js';
import { crashSpecs, crashValue } from './crash-values.js';
import { historyConfig } from './helpers.js';

const [path, firstArg, seriesArg] = process.argv.slice(2);
const first = Number(firstArg);
const specs = crashSpecs(Number(seriesArg));
const clock = new ManualClock(0, first);
const h = new History(
  historyConfig(path!),
  { clock, ring: new MetricRing(10), log: (l, m) => process.stderr.write(`${l}: ${m}\n`), latest: () => undefined },
  { flushEveryMs: 3_600_000, checkpointEveryMs: 20_000, maintainEveryMs: 3_600_000, retryOpenMs: 3_600_000 },
);
h.start();
h.setSpecs('crash', specs);
if (h.status().state !== 'ok') {
  process.stderr.write(`history not ok: ${h.status().last_error}\n`);
  process.exit(3);
}
process.stdout.write('ready\n');

function burst(): void {
  for (let i = 0; i < 20; i++) {
    const t = clock.wallMs();
    h.ingest({ plugin: 'crash', ts: t, data: Object.fromEntries(specs.map((s, k) => [s.name, crashValue(t, k)])) });
    clock.advance(1000);
  }
  if (h.flush()) process.stdout.write(`durable ${clock.wallMs() - 1000}\n`);
  setImmediate(burst);
}
burst();
