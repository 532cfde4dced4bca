import type { Payload } from './collector.js';

/** The latest payload of each collector, with its wall timestamp. Meta collectors and the API read it. */
export interface LatestEntry {
  data: Payload;
  /** Wall-clock ms when the tick finished. */
  ts: number;
}

export class LatestCache {
  private entries = new Map<string, LatestEntry>();
  /** Bumped on every change: readers that derive something from all entries memoise on it. */
  version = 0;

  set(name: string, data: Payload, ts: number): void {
    this.entries.set(name, { data, ts });
    this.version++;
  }
  get(name: string): LatestEntry | undefined {
    return this.entries.get(name);
  }
  delete(name: string): void {
    if (this.entries.delete(name)) this.version++;
  }
  /** Keep only the named collectors (after a reload removed some). */
  retain(names: Set<string>): void {
    for (const k of this.entries.keys()) if (!names.has(k)) this.delete(k);
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
  all(): Map<string, LatestEntry> {
    return this.entries;
  }
}
