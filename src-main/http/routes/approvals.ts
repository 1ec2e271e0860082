import type { Gatehouse } from '../../app/gatehouse.js';
import { answererOf } from '../../services/principal.js';
import type { Handlers } from '../endpoints.js';

/** SPEC 4: the inbox and the two answers. Admin only (the table's scope): an agent key never approves. */
export function approvalHandlers(g: Gatehouse) {
  return {
    pendingApprovals: (_c, { query }) => g.approvals.page(query.status, query.limit, query.cursor ?? null),
    // The caller's approver name decides which workflow steps it may answer, and the caller (its key,
    // or the console) is the person a step's `required` counts once (SPEC 11).
    approve: (c, { body, params }) =>
      g.approvals.resolve(params.action_id!, true, body ?? { remember: 'once' }, 'user', answererOf(c.get('principal'))),
    deny: (c, { body, params }) =>
      g.approvals.resolve(params.action_id!, false, body ?? { remember: 'once' }, 'user', answererOf(c.get('principal'))),
  } satisfies Partial<Handlers>;
}
