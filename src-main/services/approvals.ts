import type {
  ActionStatus,
  Approval,
  PendingApproval,
  PolicyInput,
  Remember,
  ResolveRequest,
  ResolveResult,
  WithdrawRequest,
} from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import { shortId } from '../core/ids.js';
import { globTest } from '../engine/conditions/glob.js';
import { textTestFunction } from '../engine/conditions/text-test.js';
import type { EventBus } from '../events/bus.js';
import { conflict, notFound } from '../http/errors.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';
import { actionByApprovalId, actionRow, toStatus, type ActionRow } from './action-queries.js';
import type { AgentService } from './agents.js';
import type { PolicyService } from './policies.js';

const REMEMBER_MS: Partial<Record<Remember, number>> = { '15m': 15 * 60_000, '1h': 3_600_000, '12h': 12 * 3_600_000 };
/** Policies made from a prompt outrank ordinary ones: the person's answer is the most specific rule. */
export const REMEMBER_PRIORITY = 900;
const RETRY_MS = 1_000;

interface Tracked {
  expires: number;
  agentId: string;
}

function toApproval(r: ActionRow): Approval {
  // The approval's own state, which a later completion of the action does not change.
  const state: Approval['status'] =
    r.status === 'pending'
      ? 'pending'
      : r.status === 'withdrawn'
        ? 'withdrawn'
        : r.reviewed_by === 'timeout'
          ? 'expired'
          : r.approved
            ? 'approved'
            : 'rejected';
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
 * Approvals (SPEC 4): pending actions wait for a person; long-polls are woken the moment the
 * status changes (no polling inside the server); expiry is one timer for the soonest deadline and
 * survives restarts because deadlines live in the database.
 */
export class ApprovalService {
  private readonly pending = new Map<string, Tracked>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
  ) {}

  /** On start: every pending approval is tracked again; those past their deadline expire now. */
  start(): void {
    for (const r of this.store.all<{ action_id: string; expires_ms: number; agent_id: string }>(
      "SELECT action_id, expires_ms, agent_id FROM actions WHERE status = 'pending'",
    )) {
      this.pending.set(r.action_id, { expires: r.expires_ms, agentId: r.agent_id });
    }
    this.schedule();
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  track(actionId: string, expires: number, agentId: string): void {
    this.pending.set(actionId, { expires, agentId });
    this.schedule();
  }

  /** Resolves when the action's status changes or after `ms`, whichever is first. */
  waitForChange(actionId: string, ms: number): Promise<void> {
    if (!this.pending.has(actionId) || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(actionId) ?? new Set();
      const done = () => {
        clearTimeout(t);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(actionId);
        resolve();
      };
      const t = setTimeout(done, ms);
      set.add(done);
      this.waiters.set(actionId, set);
    });
  }

  listPending(limit = 200): PendingApproval[] {
    return this.list('pending', limit);
  }

  /** Approvals by state: pending ones soonest-expiring first, answered ones most recent first. */
  list(status: Approval['status'], limit = 200): PendingApproval[] {
    const base = 'SELECT a.*, au.data AS data FROM actions a JOIN audit au ON au.seq = a.seq';
    const answered: Record<Exclude<Approval['status'], 'pending'>, string> = {
      approved: "a.reviewed_by = 'user' AND a.approved = 1",
      rejected: "a.reviewed_by = 'user' AND a.approved = 0",
      expired: "a.reviewed_by = 'timeout'",
      withdrawn: "a.status = 'withdrawn'",
    };
    const rows =
      status === 'pending'
        ? this.store.all<ActionRow>(`${base} WHERE a.status = 'pending' ORDER BY a.expires_ms ASC LIMIT ?`, [limit])
        : this.store.all<ActionRow>(`${base} WHERE a.approval_id IS NOT NULL AND ${answered[status]} ORDER BY a.reviewed_ms DESC LIMIT ?`, [
            limit,
          ]);
    return rows.map((r) => ({ ...toApproval(r), action: toStatus(r) }));
  }

  byApprovalId(approvalId: string, ownerKeyId: string | null): Approval {
    const r = actionByApprovalId(this.store, approvalId);
    if (!r || (ownerKeyId && r.key_id !== ownerKeyId)) throw notFound(`Approval '${approvalId}'`);
    return toApproval(r);
  }

  /**
   * Approve or deny (admin only — enforced by the route). A second resolution is a 409.
   * `remember` other than `once` creates a policy; with `apply_to_pending` every other pending
   * request that policy matches is answered the same way in the same commit (SPEC 4).
   */
  async resolve(actionId: string, approve: boolean, body: ResolveRequest, actor = 'user'): Promise<ResolveResult> {
    const row = actionRow(this.store, actionId) ?? actionByApprovalId(this.store, actionId);
    if (!row) throw notFound(`Action '${actionId}'`);
    const id = row.action_id;
    const tracked = this.pending.get(id);
    if (row.status !== 'pending' || !tracked) throw conflict(`Approval already resolved (${row.status})`);
    this.pending.delete(id); // claimed synchronously: a concurrent second answer gets 409
    const now = this.clock.now();
    const to = approve ? 'approved' : 'rejected';
    let others: { row: ActionRow; tracked: Tracked }[] = [];
    let claimed: ActionRow[] = [row];
    let policyId: string | null = null;
    try {
      const remembered = body.remember !== 'once' ? this.rememberPolicy(row, approve, body, now, actor) : null;
      policyId = remembered?.policy.id ?? null;
      // The others are claimed synchronously too, so an answer racing this one cannot take them.
      if (remembered && body.apply_to_pending) others = this.claimMatching(row, body);
      claimed = [row, ...others.map((o) => o.row)];
      const ops: Op[] = claimed.map((r) => ({
        sql: "UPDATE actions SET status = ?, decision = ?, approved = ?, reviewed_by = 'user', reviewed_ms = ?, comment = ? WHERE action_id = ? AND status = 'pending'",
        params: [to, approve ? 'allowed' : 'denied', approve ? 1 : 0, now, body.comment ?? null, r.action_id],
      }));
      if (remembered) ops.push(...remembered.ops);
      const audit: AuditDraft[] = claimed.map((r) => ({
        type: 'approval.resolved',
        actor,
        action_id: r.action_id,
        data: {
          approval_id: r.approval_id,
          agent_id: r.agent_id,
          approved: approve,
          comment: body.comment ?? null,
          remember: body.remember,
          policy_id: policyId,
          // An answer given for another request through apply_to_pending names that request.
          ...(r.action_id === id ? {} : { answered_with: id }),
        },
      }));
      if (remembered) audit.push(remembered.audit);
      await this.store.commit(ops, audit);
      remembered?.apply();
    } catch (e) {
      this.pending.set(id, tracked);
      for (const o of others) this.pending.set(o.row.action_id, o.tracked);
      throw e;
    }
    this.schedule();
    let answered: ActionStatus | null = null;
    for (let i = 0; i < claimed.length; i++) {
      const r = claimed[i]!;
      this.agents.noteTransition(r.agent_id, 'pending', to);
      const status = toStatus(actionRow(this.store, r.action_id)!);
      if (r.action_id === id) answered = status;
      this.wake(r.action_id);
      this.bus.publish(approve ? 'action.approved' : 'action.rejected', eventOf(status));
      // Hundreds answered at once: let other requests through between batches (the commit is done).
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    return { ...answered!, policy_id: policyId, also_resolved: others.map((o) => o.row.action_id) };
  }

  /** The other pending actions of the same agent and type whose resource the answer's policy matches. */
  private claimMatching(row: ActionRow, body: ResolveRequest): { row: ActionRow; tracked: Tracked }[] {
    const matches = resourceMatcher(body.pattern ?? null, row.resource);
    const candidates = this.store.all<ActionRow>(
      "SELECT a.*, '' AS data FROM actions a WHERE a.status = 'pending' AND a.agent_id = ? AND a.action_type = ? AND a.action_id <> ? ORDER BY a.expires_ms ASC",
      [row.agent_id, row.action_type, row.action_id],
    );
    const out: { row: ActionRow; tracked: Tracked }[] = [];
    for (const c of candidates) {
      const tracked = this.pending.get(c.action_id);
      if (!tracked || !matches(c.resource)) continue;
      this.pending.delete(c.action_id);
      out.push({ row: c, tracked });
    }
    return out;
  }

  /**
   * SPEC 4: the agent stopped waiting (its own timeout, a cancel, quitting), so the pending action
   * ends as `withdrawn` (denied; it never runs) and can no longer be answered. Agent keys withdraw
   * only their own actions. Withdrawing a withdrawn action again answers its status (a transport may
   * retry); any other settled action is a 409.
   */
  async withdraw(actionId: string, body: WithdrawRequest, ownerKeyId: string | null): Promise<ActionStatus> {
    const row = actionRow(this.store, actionId);
    if (!row || (ownerKeyId && row.key_id !== ownerKeyId)) throw notFound(`Action '${actionId}'`);
    if (row.status === 'withdrawn') return toStatus(row);
    const tracked = this.pending.get(actionId);
    if (row.status !== 'pending' || !tracked) throw conflict(`Action is ${row.status}; only a pending action can be withdrawn`);
    this.pending.delete(actionId); // claimed synchronously, like an answer: whichever comes first wins
    const now = this.clock.now();
    const reason = body.reason ?? null;
    try {
      await this.store.commit(
        [
          {
            sql: "UPDATE actions SET status = 'withdrawn', decision = 'denied', approved = 0, reviewed_ms = ?, comment = ? WHERE action_id = ? AND status = 'pending'",
            params: [now, reason, actionId],
          },
        ],
        [
          {
            type: 'approval.withdrawn',
            actor: `agent:${row.agent_id}`,
            action_id: actionId,
            data: { approval_id: row.approval_id, agent_id: row.agent_id, reason },
          },
        ],
      );
    } catch (e) {
      this.pending.set(actionId, tracked);
      throw e;
    }
    this.agents.noteTransition(row.agent_id, 'pending', 'withdrawn');
    this.schedule();
    const status = toStatus(actionRow(this.store, actionId)!);
    this.wake(actionId);
    this.bus.publish('action.withdrawn', eventOf(status));
    return status;
  }

  private rememberPolicy(row: ActionRow, approve: boolean, body: ResolveRequest, now: number, actor: string) {
    const ms = REMEMBER_MS[body.remember];
    const resource = row.resource;
    const when: Record<string, unknown> = {
      agent_id: { eq: row.agent_id },
      action_type: { eq: row.action_type },
      resource: body.pattern ? { glob: body.pattern } : resource == null ? { exists: false } : { eq: resource },
    };
    const verb = approve ? 'Allow' : 'Deny';
    const policy: PolicyInput = {
      id: `remember-${approve ? 'allow' : 'deny'}-${shortId()}`,
      name: `${verb} ${row.action_type} on ${body.pattern ?? resource ?? '(no resource)'} for ${row.agent_id}`.slice(0, 200),
      description: `Made from an approval prompt (remember: ${body.remember})${body.comment ? `: ${body.comment}` : ''}`.slice(0, 4000),
      priority: REMEMBER_PRIORITY,
      effect: approve ? 'allow' : 'deny',
      when,
      expires_at: ms ? iso(now + ms) : null,
      source: 'approval',
    };
    return this.policies.prepareCreate(policy, {
      actor,
      ephemeral: body.remember === 'until_restart',
      data: { from_action_id: row.action_id },
    });
  }

  private async expire(actionId: string): Promise<void> {
    const tracked = this.pending.get(actionId);
    if (!tracked) return;
    const row = actionRow(this.store, actionId);
    if (!row || row.status !== 'pending') {
      this.pending.delete(actionId);
      return;
    }
    this.pending.delete(actionId);
    const now = this.clock.now();
    const allow = row.timeout_action === 'allow';
    try {
      await this.store.commit(
        [
          {
            sql: "UPDATE actions SET status = 'expired', decision = ?, approved = ?, reviewed_by = 'timeout', reviewed_ms = ? WHERE action_id = ? AND status = 'pending'",
            params: [allow ? 'allowed' : 'denied', allow ? 1 : 0, now, actionId],
          },
        ],
        [
          {
            type: 'approval.expired',
            actor: 'system',
            action_id: actionId,
            data: { approval_id: row.approval_id, agent_id: row.agent_id, timeout_action: row.timeout_action ?? 'deny' },
          },
        ],
      );
    } catch {
      // The disk refused: keep it pending (still not allowed) and try again shortly.
      this.pending.set(actionId, { ...tracked, expires: now + RETRY_MS });
      return;
    }
    this.agents.noteTransition(row.agent_id, 'pending', 'expired');
    const status = toStatus(actionRow(this.store, actionId)!);
    this.wake(actionId);
    this.bus.publish('action.expired', eventOf(status));
  }

  private wake(actionId: string): void {
    const set = this.waiters.get(actionId);
    if (!set) return;
    for (const w of [...set]) w();
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let soonest = Infinity;
    for (const t of this.pending.values()) soonest = Math.min(soonest, t.expires);
    if (soonest === Infinity) return;
    const delay = Math.max(0, Math.min(soonest - this.clock.now(), 2_147_000_000));
    this.timer = setTimeout(() => void this.expireDue(), delay);
    this.timer.unref();
  }

  private async expireDue(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.pending].filter(([, t]) => t.expires <= now).map(([id]) => id);
    for (const id of due) await this.expire(id);
    this.schedule();
  }
}

/**
 * The resource test of a remembered policy (see rememberPolicy): the pattern as a SPEC 3.2
 * wildcard, else the same resource, else no resource at all.
 */
function resourceMatcher(pattern: string | null, resource: string | null): (r: string | null) => boolean {
  if (pattern !== null) {
    const test = textTestFunction(globTest(pattern));
    return (r) => r !== null && test(r);
  }
  return (r) => r === resource;
}

function eventOf(s: ActionStatus): Record<string, unknown> {
  return {
    action_id: s.action_id,
    approval_id: s.approval_id,
    agent_id: s.agent_id,
    action_type: s.action_type,
    resource: s.resource,
    decision: s.decision,
    status: s.status,
    approved: s.approved,
    reviewed_by: s.reviewed_by,
    comment: s.comment,
    reason: s.reason,
    risk: s.risk,
  };
}
