import type { Logger } from '../core/runner.js';

/** One-line log records on stderr: time, level, message. Quiet below the chosen level. */
export function stderrLogger(level: 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { info: 0, warn: 1, error: 2 };
  return (l, msg) => {
    if (order[l] < order[level]) return;
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}\n`);
  };
}
