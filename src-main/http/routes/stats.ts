import type { Gatehouse } from '../../app/gatehouse.js';
import { computeStats } from '../../services/stats.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 5 `/api/v1/stats`: the dashboard's counts, timeline and approval latency. Admin only. */
export function statsHandlers(g: Gatehouse) {
  return {
    stats: async (_c, { query }) => computeStats(g.store, query.window, g.opts.clock.now(), g.approvals.pendingCount),
  } satisfies Partial<Handlers>;
}
