import {
  pickShape,
  RecordedActionSchema,
  type ActionStatus,
  type ActionStatusValue,
  type DecidedAction,
  type DecisionValue,
} from '../../src-shared/index.js';
import { sha256Hex } from '../audit/chain.js';
import { iso, isoOrNull } from '../core/clock.js';
import { derivedReach } from '../storage/derived-reach.js';
import type { Op, SqlValue, Store } from '../storage/types.js';
import { STEP_TIMED_OUT_SQL } from './workflow-rows.js';

/**
 * The `actions` table (storage/schema.ts): every statement that reads or writes it, and the one
 * mapping from a row to the status body. A row holds what changes over an action's life (status,
 * review, outcome); what was asked and decided is the `data` of its `action.decided` audit record,
 * joined in as `data`.
 */
export interface ActionRow {
  action_id: string;
  seq: number;
  created_ms: number;
  agent_id: string;
  action_type: string;
  resource: string | null;
  decision: DecisionValue;
  status: ActionStatusValue;
  risk_score: number;
  risk_level: string;
  policy_id: string | null;
  approval_id: string | null;
  expires_ms: number | null;
  timeout_action: 'deny' | 'allow' | null;
  approved: number | null;
  reviewed_by: 'user' | 'timeout' | 'policy' | null;
  reviewed_ms: number | null;
  comment: string | null;
  completed_ms: number | null;
  result: string | null;
  error: string | null;
  duration_ms: number | null;
  /** SHA-256 hex of the idempotency key: the key itself is never stored. */
  idempotency_key: string | null;
  key_id: string | null;
  data: string;
}

/** An action row with its decided record's data, `a` and `au`: what toStatus reads. */
export const SELECT_ACTIONS = 'SELECT a.*, au.data AS data FROM actions a JOIN audit au ON au.seq = a.seq';

/** What is stored for an idempotency key (scoped by agent in the lookups). */
export const idempotencyHash = (key: string): string => sha256Hex(key);

export const decidedOf = (r: Pick<ActionRow, 'data'>): DecidedAction => JSON.parse(r.data) as DecidedAction;

/** The reason shown now: the decider's reason at submit, or what a person, the agent or the timeout did. */
function currentReason(r: ActionRow, d: DecidedAction): string {
  switch (r.status) {
    // SPEC 11: a workflow step past its deadline approves or rejects by its timeout action.
    case 'approved':
      return r.reviewed_by === 'timeout' ? 'A workflow step timed out; timeout action: allow' : 'Approved by user';
    case 'rejected':
      return r.reviewed_by === 'timeout' ? 'A workflow step timed out; timeout action: deny' : 'Rejected by user';
    case 'expired':
      return `No answer before the approval expired; timeout action: ${r.timeout_action ?? 'deny'}`;
    case 'withdrawn':
      return 'The agent stopped waiting; the action never runs';
    default:
      // Completed or failed: what let it run still explains it (a person's approval, the timeout's
      // allow), not the reason it was held for.
      // Only an allowed action runs, so a timeout that let it run (the approval's or a workflow step's) allowed it.
      if (r.reviewed_by === 'timeout') return 'No answer in time; timeout action: allow';
      if (r.approved === 1 && r.reviewed_by !== null && r.reviewed_by !== 'policy') return 'Approved by user';
      return d.reason;
  }
}

/** The status body (SPEC 2.3) of a row. The person's comment is in `comment`, not repeated in `reason`. */
export function toStatus(r: ActionRow): ActionStatus {
  const d = decidedOf(r);
  return {
    action_id: r.action_id,
    decision: r.decision,
    status: r.status,
    requires_approval: d.requires_approval,
    approval_id: r.approval_id,
    risk: d.risk,
    policy: d.policy,
    reason: currentReason(r, d),
    flags: d.flags,
    expires_at: isoOrNull(r.expires_ms),
    evaluated_in_us: d.evaluated_in_us,
    approved: r.approved == null ? null : r.approved === 1,
    reviewed_by: r.reviewed_by,
    reviewed_at: isoOrNull(r.reviewed_ms),
    comment: r.comment,
    completed_at: isoOrNull(r.completed_ms),
    result: r.result == null ? null : (JSON.parse(r.result) as unknown),
    error: r.error,
    duration_ms: r.duration_ms,
    // The action itself, as recorded at submit.
    ...pickShape(RecordedActionSchema, d),
    created_at: iso(r.created_ms),
  };
}

// --- reads -------------------------------------------------------------------------------

export function actionRow(store: Store, actionId: string): ActionRow | undefined {
  return store.get<ActionRow>(`${SELECT_ACTIONS} WHERE a.action_id = ?`, [actionId]);
}

export function actionByIdempotencyKey(store: Store, agentId: string, key: string): ActionRow | undefined {
  return store.get<ActionRow>(`${SELECT_ACTIONS} WHERE a.agent_id = ? AND a.idempotency_key = ?`, [agentId, idempotencyHash(key)]);
}

export function actionByApprovalId(store: Store, approvalId: string): ActionRow | undefined {
  return store.get<ActionRow>(`${SELECT_ACTIONS} WHERE a.approval_id = ?`, [approvalId]);
}

/** Every pending action's deadline (tracked again on start). */
export function pendingDeadlines(store: Store): { action_id: string; expires_ms: number; agent_id: string }[] {
  return store.all("SELECT action_id, expires_ms, agent_id FROM actions WHERE status = 'pending'");
}

/**
 * A pending action's own row without its decided record: what is left to end it by when that record
 * is gone from the log (a data dir an older build archived it from), which actionRow cannot read.
 */
export function pendingBareRow(
  store: Store,
  actionId: string,
): Pick<ActionRow, 'action_id' | 'agent_id' | 'approval_id' | 'timeout_action'> | undefined {
  return store.get("SELECT action_id, agent_id, approval_id, timeout_action FROM actions WHERE action_id = ? AND status = 'pending'", [
    actionId,
  ]);
}

/**
 * The pending actions of one agent and action type but `exceptId`, soonest-expiring first, without
 * what was decided (`data` is empty): the candidates an answer with `apply_to_pending` tests (a
 * remembered policy always names the agent and the action type). Walks `actions_status` over the
 * pending rows only (the `+` keeps the planner off the agent and type indexes, whose rows are the
 * whole history of that agent or type): the cost is the queue's length, never the log's.
 */
export function pendingRows(store: Store, exceptId: string, of: { agentId: string; actionType: string }): ActionRow[] {
  return store.all<ActionRow>(
    "SELECT a.*, '' AS data FROM actions a WHERE a.status = 'pending' AND +a.agent_id = ? AND +a.action_type = ? AND a.action_id <> ? ORDER BY a.expires_ms ASC",
    [of.agentId, of.actionType, exceptId],
  );
}

/**
 * Forward-auth's retry lookup: the latest held action of this key, agent, type and resource that is
 * still pending, else the latest answered within `answerReuseMs`. Both queries walk
 * `actions_status (status, created_ms)`, whose held rows are few (each one was a question to a
 * person), so the cost does not grow with the size of the log.
 */
export function heldActionFor(
  store: Store,
  id: { keyId: string; agentId: string; actionType: string; resource: string },
  o: { now: number; lookbackMs: number; answerReuseMs: number },
): Pick<ActionRow, 'action_id' | 'status' | 'decision'> | null {
  // `+`: only the status index may drive these (without it SQLite walked the action type's index, every such action ever).
  const match = '+agent_id = ? AND +action_type = ? AND +resource = ? AND +key_id = ?';
  const params: SqlValue[] = [id.agentId, id.actionType, id.resource, id.keyId];
  type Held = Pick<ActionRow, 'action_id' | 'status' | 'decision'>;
  const pending = store.get<Held>(
    `SELECT action_id, status, decision FROM actions WHERE status = 'pending' AND ${match} ORDER BY created_ms DESC LIMIT 1`,
    params,
  );
  if (pending) return pending;
  const answered = store.get<Held>(
    `SELECT action_id, status, decision FROM actions
      WHERE status IN ('approved', 'rejected', 'expired', 'withdrawn') AND created_ms >= ? AND reviewed_ms >= ?
        AND approval_id IS NOT NULL AND ${match}
      ORDER BY reviewed_ms DESC LIMIT 1`,
    [o.now - o.lookbackMs, o.now - o.answerReuseMs, ...params],
  );
  return answered ?? null;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

/**
 * SQL (actions as `a`): the approval's own state, which a later completion of the action does not
 * change. A review by the timeout is the approval expiring (SPEC 4), except where a workflow step's
 * timeout action approved or rejected the action as the step's answer (SPEC 11).
 */
export const APPROVAL_STATE_SQL = `CASE
  WHEN a.status IN ('pending', 'withdrawn', 'expired') THEN a.status
  WHEN a.reviewed_by = 'timeout' AND NOT ${STEP_TIMED_OUT_SQL} THEN 'expired'
  WHEN a.approved = 1 THEN 'approved'
  ELSE 'rejected' END`;

/** The state of action `actionId`'s approval (null: no such action). */
export function approvalStateOf(store: Store, actionId: string): ApprovalState | null {
  return store.get<{ s: ApprovalState }>(`SELECT ${APPROVAL_STATE_SQL} AS s FROM actions a WHERE a.action_id = ?`, [actionId])?.s ?? null;
}

/** Where the next page of approvals starts: after the `(ms, seq)` of the last one given (its expiry, or its answer's time). */
export type ApprovalPosition = readonly [ms: number, seq: number];

/**
 * Up to `limit` actions with an approval in `state` after `after` (from the start when null):
 * pending ones soonest-expiring first, answered ones most recent first; the seq breaks ties, so a
 * keyset cursor `(ms, seq)` walks them all.
 */
export function approvalRows(
  store: Store,
  state: ApprovalState,
  limit: number,
  after: ApprovalPosition | null = null,
): (ActionRow & { approval_state: ApprovalState })[] {
  return store.all(approvalSql(state, 'a.*, au.data AS data', after !== null), approvalParams(state, limit, after));
}

/**
 * The sizes in bytes of the records approvalRows would read, in the same order, without reading them
 * (octet_length of a column is read from the record's header: no overflow page is loaded).
 */
export function approvalSizes(store: Store, state: ApprovalState, limit: number, after: ApprovalPosition | null = null): number[] {
  return store
    .all<{ size: number }>(
      approvalSql(state, 'a.seq, a.expires_ms, a.reviewed_ms, octet_length(au.data) AS size', after !== null),
      approvalParams(state, limit, after),
    )
    .map((r) => r.size);
}

function approvalSql(state: ApprovalState, columns: string, after: boolean): string {
  return state === 'pending'
    ? `SELECT ${columns}, 'pending' AS approval_state FROM actions a JOIN audit au ON au.seq = a.seq
        WHERE a.status = 'pending'${after ? ' AND (COALESCE(a.expires_ms, 0), a.seq) > (?, ?)' : ''} ORDER BY COALESCE(a.expires_ms, 0) ASC, a.seq ASC LIMIT ?`
    : `SELECT * FROM (SELECT ${columns}, ${APPROVAL_STATE_SQL} AS approval_state FROM actions a JOIN audit au ON au.seq = a.seq
          WHERE a.approval_id IS NOT NULL AND a.status <> 'pending') WHERE approval_state = ?${after ? ' AND (COALESCE(reviewed_ms, 0), seq) < (?, ?)' : ''}
          ORDER BY COALESCE(reviewed_ms, 0) DESC, seq DESC LIMIT ?`;
}

function approvalParams(state: ApprovalState, limit: number, after: ApprovalPosition | null): (string | number)[] {
  const position = after ? [after[0], after[1]] : [];
  return state === 'pending' ? [...position, limit] : [state, ...position, limit];
}

/** A cursor into the actions, newest first: the (created_ms, seq) of the last row read. */
export type DecidedCursor = readonly [createdMs: number, seq: number];

/**
 * Up to `limit` actions older than `after` (all when null), newest first, with what was decided —
 * the simulator replays history a page at a time, so a big replay never holds the event loop.
 */
export function decidedPage(
  store: Store,
  after: DecidedCursor | null,
  limit: number,
): { action_id: string; created_ms: number; seq: number; data: string }[] {
  const where = after ? 'WHERE (a.created_ms, a.seq) < (?, ?)' : '';
  return store.all(
    `SELECT a.action_id, a.created_ms, a.seq, au.data AS data FROM actions a JOIN audit au ON au.seq = a.seq ${where}
     ORDER BY a.created_ms DESC, a.seq DESC LIMIT ?`,
    after ? [after[0], after[1], limit] : [limit],
  );
}

/**
 * Action counts per agent and status (the agents' counters on start). `agent_counts` is kept by
 * triggers in the same transaction as the actions it counts (storage/schema.ts), so start-up reads
 * a few rows per agent instead of scanning every action.
 */
export function countsByAgentAndStatus(store: Store): { agent_id: string; status: ActionStatusValue; n: number }[] {
  return store.all('SELECT agent_id, status, n FROM agent_counts WHERE n > 0');
}

/** Of the records the indexer has not reached yet, the summaries below look at the newest this many. */
const TAIL_ROWS = 5_000;

/**
 * An agent's most frequent action types, with how many actions of each it submitted: the indexer's
 * counts (`fts.agent_types`, every decided record up to its reach) and the decided records past that
 * reach, of which only the newest TAIL_ROWS are looked at, so it answers at once.
 */
export function topActionTypes(store: Store, agentId: string): { action_type: string; count: number }[] {
  const hi = store.head().seq;
  const lo = Math.max(derivedReach(store) + 1, hi - TAIL_ROWS + 1, store.archiveHead().seq + 1);
  return store.all(
    `SELECT action_type, sum(n) AS count FROM (
       SELECT action_type, n FROM fts.agent_types WHERE agent_id = ?
       UNION ALL
       SELECT a.action_type, 1 AS n FROM audit au JOIN actions a ON a.seq = au.seq
        WHERE au.seq >= ? AND au.seq <= ? AND +au.agent_id = ? AND +au.type = 'action.decided'
     ) GROUP BY action_type ORDER BY count DESC, action_type LIMIT 5`,
    [agentId, lo, hi, agentId],
  );
}

// --- writes ------------------------------------------------------------------------------

/** A new row; `seq` is the seq of its `action.decided` record, known once the store assigns it. */
export type NewActionRow = Omit<ActionRow, 'seq' | 'comment' | 'completed_ms' | 'result' | 'error' | 'duration_ms' | 'data'>;

export const insertActionOp = (r: NewActionRow, seq: number): Op => ({
  sql: `INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level,
          policy_id, approval_id, expires_ms, timeout_action, approved, reviewed_by, reviewed_ms, idempotency_key, key_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  params: [
    r.action_id,
    seq,
    r.created_ms,
    r.agent_id,
    r.action_type,
    r.resource,
    r.decision,
    r.status,
    r.risk_score,
    r.risk_level,
    r.policy_id,
    r.approval_id,
    r.expires_ms,
    r.timeout_action,
    r.approved,
    r.reviewed_by,
    r.reviewed_ms,
    r.idempotency_key,
    r.key_id,
  ],
});

/**
 * An answer to a pending action (only while it is still pending): a person's, or (SPEC 11) a
 * workflow step's timeout action, which approves or rejects as the step's answer.
 */
export const resolveOp = (
  actionId: string,
  approve: boolean,
  now: number,
  comment: string | null,
  by: 'user' | 'timeout' = 'user',
): Op => ({
  sql: "UPDATE actions SET status = ?, decision = ?, approved = ?, reviewed_by = ?, reviewed_ms = ?, comment = ? WHERE action_id = ? AND status = 'pending'",
  params: [approve ? 'approved' : 'rejected', approve ? 'allowed' : 'denied', approve ? 1 : 0, by, now, comment, actionId],
});

/** The agent stopped waiting: withdrawn, denied, never runs. */
export const withdrawOp = (actionId: string, now: number, reason: string | null): Op => ({
  sql: "UPDATE actions SET status = 'withdrawn', decision = 'denied', approved = 0, reviewed_ms = ?, comment = ? WHERE action_id = ? AND status = 'pending'",
  params: [now, reason, actionId],
});

/** No answer in time: the timeout action decides. */
export const expireOp = (actionId: string, allow: boolean, now: number): Op => ({
  sql: "UPDATE actions SET status = 'expired', decision = ?, approved = ?, reviewed_by = 'timeout', reviewed_ms = ? WHERE action_id = ? AND status = 'pending'",
  params: [allow ? 'allowed' : 'denied', allow ? 1 : 0, now, actionId],
});

/** SPEC 11: an escalation step moved the action's overall approval deadline. */
export const extendDeadlineOp = (actionId: string, expiresMs: number): Op => ({
  sql: "UPDATE actions SET expires_ms = ? WHERE action_id = ? AND status = 'pending'",
  params: [expiresMs, actionId],
});

/** The agent reported the outcome. */
export const completeOp = (
  actionId: string,
  o: { status: 'completed' | 'failed'; now: number; result: string | null; error: string | null; durationMs: number | null },
): Op => ({
  sql: 'UPDATE actions SET status = ?, completed_ms = ?, result = ?, error = ?, duration_ms = ? WHERE action_id = ?',
  params: [o.status, o.now, o.result, o.error, o.durationMs, actionId],
});
