import { Hono } from 'hono';
import { z } from 'zod';
import { EventNameSchema, type EventName } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { SseHub, TooManyStreamsError } from '../../events/sse.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { HttpError } from '../errors.js';
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
      throw new HttpError('invalid_request', `Query is invalid: events: unknown event '${n.slice(0, 64)}'`, [
        { path: 'events', message: `Unknown event '${n.slice(0, 64)}'; expected ${EventNameSchema.options.join(', ')}` },
      ]);
    }
    out.add(parsed.data);
  }
  return out;
}

const hubs = new WeakMap<Gatehouse, SseHub>();

/** How many event streams are open on this core (status, tests). */
export const openEventStreams = (g: Gatehouse): number => hubs.get(g)?.size ?? 0;

/** SPEC 7.3: the live event stream (Server-Sent Events). Admin only. */
export function eventRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  const hub = new SseHub(g.bus);
  hubs.set(g, hub);
  g.onClose(() => hub.close());

  r.get('/api/v1/events', requireScope('admin'), (c) => {
    const filter = eventFilter(readQuery(c, EventsQuerySchema).events);
    let stream: ReadableStream<Uint8Array>;
    try {
      stream = hub.open(filter, { lastEventId: c.req.header('last-event-id') ?? null, signal: c.req.raw.signal });
    } catch (e) {
      if (e instanceof TooManyStreamsError) throw new HttpError('rate_limited', e.message, undefined, { 'Retry-After': '5' });
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
