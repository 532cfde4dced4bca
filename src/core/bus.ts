import { EventEmitter } from 'node:events';
import type { AlertEvent } from '../alerts/types.js';
import type { Payload } from './collector.js';

/** A finished tick of one collector, as broadcast to the WebSocket hub and the history ring. */
export interface SampleEvent {
  plugin: string;
  data: Payload;
  /** Wall-clock ms. */
  ts: number;
}

export interface BusEvents {
  sample: [SampleEvent];
  /** After a reload or a configure call changed which collectors run. */
  reconfigured: [{ plugins: string[] }];
  /** An alert or headroom transition (already stored); the WebSocket pushes it as plugin "events". */
  event: [AlertEvent];
}

/** The event bus between the scheduler and its consumers. It outlives reloads, so clients do too. */
export class Bus extends EventEmitter<BusEvents> {
  constructor() {
    super();
    // One listener per WebSocket client: many clients are normal, not a leak.
    this.setMaxListeners(0);
  }
}
