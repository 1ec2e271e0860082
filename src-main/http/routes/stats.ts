import { Hono } from 'hono';
import { StatsQuerySchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../core/gatehouse.js';
import { computeStats } from '../../services/stats.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';

/** SPEC 5 `/api/v1/stats`: the dashboard's counts, timeline and approval latency. Admin only. */
export function statsRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.get('/api/v1/stats', requireScope('admin'), async (c) => {
    const { window } = readQuery(c, StatsQuerySchema);
    return c.json(await computeStats(g.store, window, g.opts.clock.now(), g.approvals.pendingCount));
  });
  return r;
}
