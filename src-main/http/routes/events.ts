import { EventNameSchema, type EventName } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { GatehouseError, invalidField } from '../../core/errors.js';
import { TooManyStreamsError } from '../../events/sse.js';
import type { Handlers } from '../endpoints.js';

/** `?events=a,b` → the set to deliver, or null for every event. Unknown names are a 400. */
function eventFilter(raw: string | undefined): ReadonlySet<EventName> | null {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes('*')) return null;
  const out = new Set<EventName>();
  for (const n of names) {
    const parsed = EventNameSchema.safeParse(n);
    if (!parsed.success) {
      throw invalidField('events', `unknown event '${n.slice(0, 64)}'; expected ${EventNameSchema.options.join(', ')}`, 'Query is invalid');
    }
    out.add(parsed.data);
  }
  return out;
}

/** SPEC 7.3: the live event stream (Server-Sent Events) from the app's hub. Admin only. */
export function eventHandlers(g: Gatehouse) {
  return {
    events: (c, { query }) => {
      const filter = eventFilter(query.events);
      let stream: ReadableStream<Uint8Array>;
      try {
        // The stream ends when the client goes away, or at once when the key it was opened with is revoked.
        const signal = AbortSignal.any([c.req.raw.signal, g.keys.revocation(c.get('principal').id)]);
        stream = g.sse.open(filter, { lastEventId: c.req.header('last-event-id') ?? null, signal });
      } catch (e) {
        if (e instanceof TooManyStreamsError) throw new GatehouseError('rate_limited', e.message, undefined, 5);
        throw e;
      }
      return c.body(stream, 200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
    },
  } satisfies Partial<Handlers>;
}
