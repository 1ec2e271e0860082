import { EVENT_NAMES, type EventName } from '../../src-shared/index.js';

/**
 * The id of the event `event` raised by audit record `seq`: a record raises each event at most once,
 * so the pair names it, live or made again from the log, and the seq says where in the log it is
 * (an SSE client's `Last-Event-ID` resumes from there, sse.ts).
 */
export const eventIdOf = (seq: number, event: EventName): string => `evt_${seq}.${event}`;

const ID = /^evt_(\d{1,16})\.([a-z_.]{1,40})$/;

/** The record and event an id of `eventIdOf` names; null for any other text. */
export function parseEventId(id: string): { seq: number; event: EventName } | null {
  const m = ID.exec(id);
  if (!m) return null;
  const event = m[2] as EventName;
  const seq = Number(m[1]);
  return EVENT_NAMES.includes(event) && Number.isSafeInteger(seq) ? { seq, event } : null;
}
