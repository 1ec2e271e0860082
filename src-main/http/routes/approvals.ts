import { Hono } from 'hono';
import { ApprovalQuerySchema, ResolveRequestSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { readJson, readQuery } from '../body.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';

/** SPEC 4: the inbox and the two answers. Admin only: an agent key never approves (403). */
export function approvalRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/approvals', requireScope('admin'));
  r.use('/api/v1/approvals/*', requireScope('admin'));
  r.get('/api/v1/approvals', (c) => {
    const q = readQuery(c, ApprovalQuerySchema);
    return c.json({ items: g.approvals.list(q.status, q.limit), next_cursor: null });
  });
  for (const verb of ['approve', 'deny'] as const) {
    r.post(`/api/v1/approvals/:id/${verb}`, async (c) => {
      const body = await readJson(c, ResolveRequestSchema, { optional: true });
      return c.json(await g.approvals.resolve(c.req.param('id'), verb === 'approve', body));
    });
  }
  return r;
}
