// How approvals are shown: an approval of an action row, the pages of the approval lists, one
// approval by id, and the body of a review event.
import { pickShape, ReviewEventSchema, type ActionStatus, type Approval, type PendingApproval } from '../../src-shared/index.js';
import { iso, isoOrNull } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { Store } from '../storage/types.js';
import {
  actionByApprovalId,
  approvalRows,
  approvalSizes,
  approvalStateOf,
  toStatus,
  type ActionRow,
  type ApprovalState,
} from './action-rows.js';
import { decodeSeqCursor, encodeListCursor } from './list-cursor.js';
import { withWorkflow } from './workflow-rows.js';

/** The approval of row `r`, whose own `state` (approvalStateOf) a later completion of the action does not change. */
export function toApproval(r: ActionRow, state: ApprovalState): Approval {
  return {
    approval_id: r.approval_id!,
    action_id: r.action_id,
    status: state,
    approved: r.approved == null ? null : r.approved === 1,
    reviewed_by: r.reviewed_by,
    reviewed_at: isoOrNull(r.reviewed_ms),
    comment: r.comment,
    created_at: iso(r.created_ms),
    expires_at: iso(r.expires_ms ?? r.created_ms),
    timeout_action: r.timeout_action ?? 'deny',
  };
}

/**
 * The most record text one page of approvals holds (a few requests of 1 MiB each: ~15-25 ms to read,
 * parse and write out on the main thread); the rest comes with `next_cursor`.
 */
const PAGE_BYTES = 2 * 1024 * 1024;

/**
 * A page of the approvals in `status` (pending ones soonest-expiring first, answered ones most
 * recent first), from `cursor` (a `next_cursor` this gave for the same state) on: up to `limit`,
 * fewer where their records are big (PAGE_BYTES). An escalation only moves a pending request's
 * expiry later, so a walk may meet it twice but never misses it.
 */
export function approvalPage(
  store: Store,
  status: Approval['status'],
  limit: number,
  cursor: string | null,
): { items: PendingApproval[]; next_cursor: string | null } {
  const after = cursor === null ? null : decodeSeqCursor(status, cursor);
  // Up to `limit` requests, and no more of them than fit PAGE_BYTES (at least one): a page of requests
  // of 1 MiB each is read, parsed and written out on the main thread.
  const sizes = approvalSizes(store, status, limit + 1, after);
  let n = 0;
  for (let bytes = 0; n < Math.min(limit, sizes.length) && (n === 0 || bytes + sizes[n]! <= PAGE_BYTES); n++) bytes += sizes[n]!;
  const page = approvalRows(store, status, n, after);
  const more = sizes.length > page.length;
  const last = page[page.length - 1];
  const key = (r: ActionRow) => (status === 'pending' ? r.expires_ms : r.reviewed_ms) ?? 0;
  return {
    items: page.map((r) => ({ ...toApproval(r, r.approval_state), action: withWorkflow(store, toStatus(r)) })),
    next_cursor: more && last ? encodeListCursor(status, key(last), last.seq) : null,
  };
}

/** The approval `approvalId` (an agent key's own only: `ownerKeyId`); 404 otherwise. */
export function approvalById(store: Store, approvalId: string, ownerKeyId: string | null): Approval {
  const r = actionByApprovalId(store, approvalId);
  if (!r || (ownerKeyId && r.key_id !== ownerKeyId)) throw notFound(`Approval '${approvalId}'`);
  return toApproval(r, approvalStateOf(store, r.action_id)!);
}

/** The body of a review event: picked from the status, so the two never disagree. */
export const eventOf = (s: ActionStatus) => pickShape(ReviewEventSchema, s);
