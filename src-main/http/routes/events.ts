import { Hono } from 'hono';
import { z } from 'zod';
import { EventNameSchema, type EventName } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { TooManyStreamsError } from '../../events/sse.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { GatehouseError } from '../../core/errors.js';
import { requireScope } from '../middleware/auth.js';

export const EventsQuerySchema = z
  .object({
    events: z.string().max(1_000).optional().describe('Comma-separated event names to receive (default: all). `*` means all.'),
  })
  .strict();

/** `?events=a,b` → the set to deliver, or null for every event. Unknown names are a 400. */
export function eventFilter(raw: string | undefined): ReadonlySet<EventName> | null {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || names.includes('*')) return null;
  const out = new Set<EventName>();
  for (const n of names) {
    const parsed = EventNameSchema.safeParse(n);
    if (!parsed.success) {
      throw new GatehouseError('invalid_request', `Query is invalid: events: unknown event '${n.slice(0, 64)}'`, [
        { path: 'events', message: `Unknown event '${n.slice(0, 64)}'; expected ${EventNameSchema.options.join(', ')}` },
      ]);
    }
    out.add(parsed.data);
  }
  return out;
}

/** SPEC 7.3: the live event stream (Server-Sent Events). Admin only. */
export function eventRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.get('/api/v1/events', requireScope('admin'), (c) => {
    const filter = eventFilter(readQuery(c, EventsQuerySchema).events);
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
  });
  return r;
}
