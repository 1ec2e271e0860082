import type { EventEnvelope, EventName, JsonObject } from '../../src-shared/index.js';
import { newId } from '../core/ids.js';
import { eventIdOf } from './event-ids.js';

/** `seq`: the audit record the event reports (null for the few events without one). */
export type EventListener = (e: EventEnvelope, seq: number | null) => void;

/**
 * In-process event bus (SPEC 7.3): the SSE stream, webhooks, the desktop tray and notifications
 * all subscribe here. Events are published only after the state they describe is durable, each with
 * the seq of the audit record that raised it: its id is made from that seq (`evt_<seq>.<event>`),
 * so an event missed live (a crash before its webhook delivery was queued, an SSE client that was
 * away) can be made again from the audit log with the same id (record-events.ts).
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(event: EventName, data: JsonObject, at: { seq?: number | null; now?: number } = {}): EventEnvelope {
    const seq = at.seq ?? null;
    const e: EventEnvelope = {
      id: seq === null ? newId('evt') : eventIdOf(seq, event),
      event,
      created_at: new Date(at.now ?? Date.now()).toISOString(),
      data,
    };
    for (const fn of this.listeners) {
      try {
        fn(e, seq);
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
