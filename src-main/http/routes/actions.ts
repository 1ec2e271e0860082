import type { Context } from 'hono';
import { API, valuesLimit } from '../../../src-shared/api.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { GatehouseError } from '../../core/errors.js';
import type { Principal } from '../../services/principal.js';
import { readJsonText } from '../body.js';
import type { AppEnv } from '../env.js';
import { jsonTextAnswer, type Handler, type Handlers } from '../endpoints.js';

/** Agent keys see only what they submitted; admins and the console see everything. */
const ownerKey = (p: Principal): string | null => (p.scope === 'agent' ? p.id : null);

/** SPEC 5 action routes; the seeds' aliases share the handlers, so they answer exactly the same. */
export function actionHandlers(g: Gatehouse) {
  const submit: Handler<'submit'> = (c, { body }) => {
    const p = c.get('principal');
    return g.actions.submit(body, { boundAgentId: p.agentId, keyId: p.id });
  };
  const status: Handler<'status'> = async (c: Context<AppEnv>, { query, params }) => {
    const p = c.get('principal');
    const owner = ownerKey(p);
    let s = g.actions.status(params.id!, owner);
    if (query.wait && s.status === 'pending') {
      // A key revoked while its long-poll waits gets no answer: the wait ends and the request is refused.
      const revoked = g.keys.revocation(p.id);
      await g.approvals.waitForChange(s.action_id, query.wait * 1000, revoked);
      if (revoked.aborted) throw new GatehouseError('unauthenticated', 'Invalid or revoked API key');
      s = g.actions.status(params.id!, owner);
    }
    return s;
  };
  const complete: Handler<'complete'> = async (c, { params }) => {
    // Read as every body is (readJson), but reduced to what is stored where it is read: on the secrets thread when big.
    const outcome = await g.secretScans.readBody('outcome', await readJsonText(c), valuesLimit(API.complete)!, null);
    return g.actions.completeStored(params.id!, outcome, ownerKey(c.get('principal')));
  };
  return {
    submit,
    status,
    complete,
    withdraw: (c, { body, params }) => g.approvals.withdraw(params.id!, body, ownerKey(c.get('principal'))),
    listActions: async (c, { query }) => {
      // Free text and an agent filter read indexes that the indexer thread keeps a step behind the log.
      if (query.q) await g.searchIndex.ready('q');
      else if (query.agent_id) await g.searchIndex.ready('agent_id');
      return jsonTextAnswer<'listActions'>(c, await g.pages.actions(query, ownerKey(c.get('principal'))));
    },
    approval: (c, { params }) => g.approvals.byApprovalId(params.approval_id!, ownerKey(c.get('principal'))),
  } satisfies Partial<Handlers>;
}
