import type { ActionStatus, Approval, PendingApproval, WithdrawRequest } from '../../src-shared/index.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import { conflict, notFound } from '../core/errors.js';
import type { AuditRecord, Store } from '../storage/types.js';
import { actionRow, pendingDeadlines, toStatus, withdrawOp } from './action-rows.js';
import type { AgentService } from './agents.js';
import { ApprovalAnswers } from './approval-answers.js';
import { ApprovalExpiry } from './approval-expiry.js';
import { approvalById, approvalPage, eventOf } from './approval-views.js';
import type { RunningTests } from './decide-context.js';
import { PendingApprovals } from './pending-approvals.js';
import type { PolicyService } from './policies.js';
import { redactOrNull } from './redact.js';
import { RememberedPolicies } from './remembered-policies.js';
import { endProgress } from './workflow-progress.js';
import { pendingStepDeadlines, progressOf, updateProgressOp } from './workflow-rows.js';
import type { SecretScanner } from './secret-scans.js';

/**
 * Approvals (SPEC 4): pending actions wait for a person; long-polls are woken the moment the
 * status changes (no polling inside the server); expiry is one timer for the soonest deadline and
 * survives restarts because deadlines live in the database.
 */
export class ApprovalService {
  private readonly pending: PendingApprovals;
  private readonly answers: ApprovalAnswers;
  private readonly expiry: ApprovalExpiry;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    policies: PolicyService,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    /** The running A/B tests (SPEC 12), which a remembered policy's reach is checked with. */
    abTests?: RunningTests,
    /** Big requests' texts are scanned off the main thread when an answer is applied to them. */
    secretScans?: SecretScanner,
  ) {
    this.pending = new PendingApprovals(clock, () => this.expiry.expireDue());
    const remembered = new RememberedPolicies(store, clock, policies, agents, this.pending, abTests, secretScans);
    this.answers = new ApprovalAnswers(store, clock, agents, bus, this.pending, remembered);
    this.expiry = new ApprovalExpiry(store, clock, agents, bus, this.pending, this.answers);
  }

  /** Requests answered along per commit by `apply_to_pending` (tests and the bench change it). */
  get answerSlice(): number {
    return this.answers.answerSlice;
  }

  set answerSlice(n: number) {
    this.answers.answerSlice = n;
  }

  /** On start: every pending approval is tracked again; those past their deadline expire now. */
  start(): void {
    for (const r of pendingDeadlines(this.store)) {
      this.pending.set(r.action_id, { expires: r.expires_ms, agentId: r.agent_id, stepDeadline: null });
    }
    // Workflow steps' deadlines live in the database too: a restart mid-workflow continues it.
    for (const r of pendingStepDeadlines(this.store)) {
      const t = this.pending.get(r.action_id);
      if (t) t.stepDeadline = r.deadline_ms;
    }
    this.pending.schedule();
  }

  stop(): void {
    this.pending.stop();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  track(actionId: string, expires: number, agentId: string, stepDeadline: number | null = null): void {
    this.pending.track(actionId, expires, agentId, stepDeadline);
  }

  /** Resolves when the action's status changes, after `ms`, or when `signal` aborts, whichever is first. */
  waitForChange(actionId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.pending.waitForChange(actionId, ms, signal);
  }

  listPending(limit = 200): PendingApproval[] {
    return this.list('pending', limit);
  }

  /** Approvals by state: pending ones soonest-expiring first, answered ones most recent first. */
  list(status: Approval['status'], limit = 200): PendingApproval[] {
    return approvalPage(this.store, status, limit, null).items;
  }

  /** A page of `list`, from `cursor` (a `next_cursor` this gave for the same state) on (see approvalPage). */
  page(status: Approval['status'], limit: number, cursor: string | null): { items: PendingApproval[]; next_cursor: string | null } {
    return approvalPage(this.store, status, limit, cursor);
  }

  byApprovalId(approvalId: string, ownerKeyId: string | null): Approval {
    return approvalById(this.store, approvalId, ownerKeyId);
  }

  /**
   * Approve or deny (admin only — enforced by the route); a second resolution is a 409. With
   * `remember` a policy is made, and with `apply_to_pending` it answers the others it decides too
   * (SPEC 4; see approval-answers.ts).
   */
  resolve: ApprovalAnswers['resolve'] = (...args) => this.answers.resolve(...args);

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
    const reason = redactOrNull(body.reason);
    const progress = progressOf(this.store, actionId);
    let withdrawnRecord: AuditRecord | undefined;
    try {
      [withdrawnRecord] = await this.store.commit(
        [withdrawOp(actionId, now, reason), ...(progress ? [updateProgressOp(actionId, endProgress(progress, 'withdrawn'), now)] : [])],
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
    this.pending.schedule();
    const status = toStatus(actionRow(this.store, actionId)!);
    this.pending.wake(actionId);
    this.bus.publish('action.withdrawn', eventOf(status), { seq: withdrawnRecord?.seq ?? null });
    return status;
  }
}
