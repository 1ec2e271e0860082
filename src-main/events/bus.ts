import type { EventEnvelope, EventName, JsonObject } from '../../src-shared/index.js';
import { newId } from '../core/ids.js';

export type EventListener = (e: EventEnvelope) => void;

/**
 * In-process event bus (SPEC 7.3): the SSE stream, webhooks, the desktop tray and notifications
 * all subscribe here. Events are published only after the state they describe is durable.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(event: EventName, data: JsonObject, now = Date.now()): EventEnvelope {
    const e: EventEnvelope = { id: newId('evt'), event, created_at: new Date(now).toISOString(), data };
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // A listener's failure must never affect the action that raised the event.
      }
    }
    return e;
  }

  get size(): number {
    return this.listeners.size;
  }
}
