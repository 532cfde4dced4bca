import type { MetricSpec } from '../../src/shared/metrics.js';

/** The series the crash writer feeds, and the value each has at time t (so survivors can be checked). */
export function crashSpecs(n: number): MetricSpec[] {
  return Array.from({ length: n }, (_, k) => ({
    name: `s${k}`,
    path: `s${k}`,
    unit: 'percent' as const,
    kind: 'gauge' as const,
    help: `crash test series ${k}`,
    precision: 1,
  }));
}

export function crashValue(t: number, k: number): number {
  const x = Math.floor(t / 1000);
  return ((x * (k + 7)) % 1000) / 10;
}
