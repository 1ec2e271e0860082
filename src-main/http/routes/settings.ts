import type { Gatehouse } from '../../app/gatehouse.js';
import { computeStats } from '../../services/stats.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 3.5 settings and the dashboard's statistics. Admin only. */
export function settingsHandlers(g: Gatehouse) {
  return {
    settings: () => g.settings.get(),
    updateSettings: (_c, { body }) => g.settings.update(body),
    stats: (_c, { query }) => computeStats(g.store, query.window, g.opts.clock.now(), g.approvals.pendingCount),
  } satisfies Partial<Handlers>;
}
