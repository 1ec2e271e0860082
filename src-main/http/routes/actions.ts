import { Hono, type Context } from 'hono';
import {
  ActionQuerySchema,
  ActionRequestSchema,
  CompleteRequestSchema,
  StatusWaitQuerySchema,
  WithdrawRequestSchema,
} from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { listActions } from '../../services/action-rows.js';
import { GatehouseError } from '../../core/errors.js';
import { readJson, readQuery } from '../body.js';
import type { AppEnv, Principal } from '../env.js';

/** Agent keys see only what they submitted; admins and the console see everything. */
export const ownerKey = (p: Principal): string | null => (p.scope === 'agent' ? p.id : null);

/** SPEC 5 action routes, with the seeds' aliases answering exactly the same. */
export function actionRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();

  const submit = async (c: Context<AppEnv>) => {
    const body = await readJson(c, ActionRequestSchema);
    const p = c.get('principal');
    return c.json(await g.actions.submit(body, { boundAgentId: p.agentId, keyId: p.id }));
  };
  r.post('/api/v1/actions/submit', submit);
  r.post('/api/authorization/agent-action', submit);

  const status = async (c: Context<AppEnv>) => {
    const { wait } = readQuery(c, StatusWaitQuerySchema);
    const id = c.req.param('id')!;
    const owner = ownerKey(c.get('principal'));
    let s = g.actions.status(id, owner);
    if (wait && s.status === 'pending') {
      // A key revoked while its long-poll waits gets no answer: the wait ends and the request is refused.
      const revoked = g.keys.revocation(c.get('principal').id);
      await g.approvals.waitForChange(id, wait * 1000, revoked);
      if (revoked.aborted) throw new GatehouseError('unauthenticated', 'Invalid or revoked API key');
      s = g.actions.status(id, owner);
    }
    return c.json(s);
  };
  r.get('/api/v1/actions/:id/status', status);
  r.get('/api/agent-action/status/:id', status);

  const complete = async (c: Context<AppEnv>) => {
    const body = await readJson(c, CompleteRequestSchema);
    return c.json(await g.actions.complete(c.req.param('id')!, body, ownerKey(c.get('principal'))));
  };
  r.post('/api/v1/actions/:id/complete', complete);
  r.post('/api/agent-action/:id/complete', complete);

  r.post('/api/v1/actions/:id/withdraw', async (c) => {
    const body = await readJson(c, WithdrawRequestSchema, { optional: true });
    return c.json(await g.approvals.withdraw(c.req.param('id'), body, ownerKey(c.get('principal'))));
  });

  r.get('/api/v1/actions', (c) => c.json(listActions(g.store, readQuery(c, ActionQuerySchema), ownerKey(c.get('principal')))));

  r.get('/api/sdk/approval/:id', (c) => c.json(g.approvals.byApprovalId(c.req.param('id'), ownerKey(c.get('principal')))));
  return r;
}
