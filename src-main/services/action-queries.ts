import type { ActionQuery, ActionStatus, JsonObject, McpRefSchema, PolicyRef, Risk } from '../../src-shared/index.js';
import type { z } from 'zod';
import { iso, isoOrNull } from '../core/clock.js';
import { toFtsQuery } from '../audit/query.js';
import { seqRange } from '../audit/range.js';
import type { SqlValue, Store } from '../storage/types.js';

/** The `data` of an `action.decided` audit record: the request (masked) and the verdict. */
export interface DecidedData extends JsonObject {
  agent_id: string;
  action_type: string;
  resource: string | null;
  tool_name: string | null;
  target_system: string | null;
  description: string | null;
  environment: string | null;
  parameters: JsonObject | null;
  context: JsonObject | null;
  mcp: z.infer<typeof McpRefSchema> | null;
  session_id: string | null;
  decision: 'allowed' | 'denied' | 'pending';
  status: 'allowed' | 'denied' | 'pending';
  requires_approval: boolean;
  approval_id: string | null;
  risk: Risk;
  policy: PolicyRef | null;
  reason: string;
  flags: string[];
  expires_at: string | null;
  evaluated_in_us: number;
}

export interface ActionRow {
  action_id: string;
  seq: number;
  created_ms: number;
  agent_id: string;
  action_type: string;
  resource: string | null;
  decision: 'allowed' | 'denied' | 'pending';
  status: ActionStatus['status'];
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
  idempotency_key: string | null;
  key_id: string | null;
  data: string;
}

const SELECT = 'SELECT a.*, au.data AS data FROM actions a JOIN audit au ON au.seq = a.seq';

/** The reason shown now: the decider's reason at submit, or what a person or the timeout did. */
function currentReason(r: ActionRow, d: DecidedData): string {
  switch (r.status) {
    case 'approved':
      return `Approved by user${r.comment ? `: ${r.comment}` : ''}`;
    case 'rejected':
      return `Rejected by user${r.comment ? `: ${r.comment}` : ''}`;
    case 'expired':
      return `No answer before the approval expired; timeout action: ${r.timeout_action ?? 'deny'}`;
    case 'withdrawn':
      return `The agent stopped waiting${r.comment ? `: ${r.comment}` : ''}; the action never runs`;
    default:
      return d.reason;
  }
}

export function toStatus(r: ActionRow): ActionStatus {
  const d = JSON.parse(r.data) as DecidedData;
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
    agent_id: r.agent_id,
    action_type: r.action_type,
    resource: d.resource,
    tool_name: d.tool_name,
    target_system: d.target_system,
    description: d.description,
    environment: d.environment,
    parameters: d.parameters,
    context: d.context,
    mcp: d.mcp,
    session_id: d.session_id,
    created_at: iso(r.created_ms),
  };
}

export function actionRow(store: Store, actionId: string): ActionRow | undefined {
  return store.get<ActionRow>(`${SELECT} WHERE a.action_id = ?`, [actionId]);
}

export function actionByIdempotencyKey(store: Store, agentId: string, key: string): ActionStatus | null {
  const r = store.get<ActionRow>(`${SELECT} WHERE a.agent_id = ? AND a.idempotency_key = ?`, [agentId, key]);
  return r ? toStatus(r) : null;
}

export function actionByApprovalId(store: Store, approvalId: string): ActionRow | undefined {
  return store.get<ActionRow>(`${SELECT} WHERE a.approval_id = ?`, [approvalId]);
}

const encodeCursor = (r: ActionRow) => Buffer.from(`${r.created_ms}:${r.seq}`).toString('base64url');
function decodeCursor(c: string): [number, number] | null {
  const m = /^(\d+):(\d+)$/.exec(Buffer.from(c, 'base64url').toString());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * GET /api/v1/actions — newest first, cursor pagination, index-backed filters.
 *
 * Without free text the list walks `actions_created` (or the `(column, created_ms, seq)` index of
 * the most selective filter) from the cursor down; the cursor is a row-value bound
 * `(created_ms, seq) < (?, ?)`, which SQLite turns into an index range, so a deep page costs what
 * the first one does (an OR of two comparisons is only a filter: every page rescanned the rows
 * above it).
 *
 * With free text the walk is driven by the full-text index instead, newest first by rowid (the seq
 * of each action's `action.decided` record) inside the seq range of the time window, each hit joined
 * to its action. A common prefix (`prod`) then stops after one page of hits rather than
 * first collecting every match in the log (`seq IN (SELECT … MATCH …)` did that: all of them).
 */
export function listActions(
  store: Store,
  q: ActionQuery,
  ownerKeyId: string | null,
): { items: ActionStatus[]; next_cursor: string | null } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, ...values: SqlValue[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (ownerKeyId) add('a.key_id = ?', ownerKeyId);
  if (q.agent_id) add('a.agent_id = ?', q.agent_id);
  if (q.status) add('a.status = ?', q.status);
  if (q.decision) add('a.decision = ?', q.decision);
  if (q.risk_level) add('a.risk_level = ?', q.risk_level);
  if (q.action_type) add('a.action_type = ?', q.action_type);
  if (q.since) add('a.created_ms >= ?', Date.parse(q.since));
  if (q.until) add('a.created_ms < ?', Date.parse(q.until));
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  let sql: string;
  if (q.q) {
    const fts = toFtsQuery(q.q);
    if (!fts) return { items: [], next_cursor: null };
    const range = seqRange(store, q.since, q.until);
    const hi = c ? Math.min(range.hi, c[1] - 1) : range.hi;
    if (range.lo > hi) return { items: [], next_cursor: null };
    // CROSS JOIN keeps the full-text index as the outer loop: MATCH, rowid range and order inside it.
    // Each hit reaches its action through the record's action_id (the actions primary key); only the
    // action.decided record (a.seq = its seq) stands for the action, so an action is listed once.
    sql = `SELECT a.*, au.data AS data FROM audit_fts f CROSS JOIN audit au ON au.seq = f.rowid CROSS JOIN actions a ON a.action_id = au.action_id
           WHERE f.body MATCH ? AND f.rowid >= ? AND f.rowid <= ? AND a.seq = au.seq${where.length ? ` AND ${where.join(' AND ')}` : ''}
           ORDER BY f.rowid DESC LIMIT ?`;
    params.unshift(fts, range.lo, hi);
  } else {
    if (c) add('(a.created_ms, a.seq) < (?, ?)', c[0], c[1]);
    sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_ms DESC, a.seq DESC LIMIT ?`;
  }
  const rows = store.all<ActionRow>(sql, [...params, q.limit + 1]);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { items: page.map(toStatus), next_cursor: more ? encodeCursor(page[page.length - 1]!) : null };
}
