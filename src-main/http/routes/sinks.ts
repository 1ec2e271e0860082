import type { Gatehouse } from '../../app/gatehouse.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 7.8: SIEM sinks — list (no tokens), add, remove, status. Admin only. */
export function sinkHandlers(g: Gatehouse) {
  return {
    listSinks: () => ({ items: g.sinks.list(), next_cursor: null }),
    createSink: (_c, { body }) => g.sinks.create(body),
    deleteSink: (_c, { params }) => g.sinks.delete(params.id!),
    sinkStatus: (_c, { params }) => g.sinks.status(params.id!),
  } satisfies Partial<Handlers>;
}
