// What happens at a pending approval's deadline (SPEC 4, SPEC 11): it expires with its timeout
// action, or its workflow step times out (escalated, approved or rejected); one whose decided record
// is gone from the log expires denied.
import { iso, type Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../storage/types.js';
import { actionRow, expireOp, extendDeadlineOp, pendingBareRow, toStatus, type ActionRow } from './action-rows.js';
import type { AgentService } from './agents.js';
import type { ApprovalAnswers } from './approval-answers.js';
import { eventOf } from './approval-views.js';
import { dueAt, type PendingApprovals, type Tracked } from './pending-approvals.js';
import { currentStep, endProgress, overallDeadline, timeoutStep } from './workflow-progress.js';
import { progressOf, updateProgressOp, withWorkflow } from './workflow-rows.js';

const RETRY_MS = 1_000;

/** Expires the tracked pending approvals whose deadlines passed (PendingApprovals' timer runs `expireDue`). */
export class ApprovalExpiry {
  /** Pending actions already reported as having lost their decided record (said once each in the log). */
  private readonly unrecorded = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    private readonly pending: PendingApprovals,
    private readonly answers: ApprovalAnswers,
  ) {}

  /** Expires (or times out the step of) every tracked action due now, then sets the timer again. */
  async expireDue(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.pending].filter(([, t]) => dueAt(t) <= now);
    for (const [id, t] of due) {
      try {
        // A workflow step's own timeout rule goes first: the last step's deadline is the overall one.
        if (t.stepDeadline !== null && t.stepDeadline <= now) await this.timeoutStep(id);
        else await this.expire(id);
      } catch (e) {
        // Never the server's end, nor a retry each second for ever: it stays pending (never
        // allowed) until the next start looks at it again.
        this.pending.delete(id);
        console.error(`gatehouse: the deadline of pending action ${id} could not be applied: ${(e as Error).message}`);
      }
    }
    this.pending.schedule();
  }

  /** The tracked action and its row while it is still pending; else null (and it is no longer tracked). */
  private stillPending(actionId: string): { tracked: Tracked; row: ActionRow } | null {
    const tracked = this.pending.get(actionId);
    if (!tracked) return null;
    const row = actionRow(this.store, actionId);
    if (!row || row.status !== 'pending') {
      this.pending.delete(actionId);
      return null;
    }
    return { tracked, row };
  }

  /**
   * After an expiry is durable: counters, long-polls, the event. An action whose decided record went
   * from the log meanwhile has no status to describe it: said in the log, and no event (as the
   * events made again from the log do for it, record-events.ts).
   */
  private expired(row: ActionRow, seq: number): void {
    this.agents.noteTransition(row.agent_id, 'pending', 'expired');
    const now = actionRow(this.store, row.action_id);
    this.pending.wake(row.action_id);
    if (!now) {
      this.reportUnrecorded(row.action_id);
      return;
    }
    this.bus.publish('action.expired', eventOf(toStatus(now)), { seq });
  }

  private reportUnrecorded(actionId: string): void {
    if (this.unrecorded.has(actionId)) return;
    this.unrecorded.add(actionId);
    console.error(
      `gatehouse: pending action ${actionId} has no decided record in the audit log (archived by an older build?); it ends expired and denied`,
    );
  }

  /**
   * A tracked pending action whose decided record is gone from the log (actionRow cannot read it):
   * nothing can show or answer it, and waiting on would keep it pending (and the log unarchivable)
   * for ever. At its deadline it expires denied whatever its timeout_action (never allowed: nobody
   * can see what it was), said once in the log; no event, as nothing describes it. Not pending (or
   * no row at all): it is no longer tracked.
   */
  private async expireUnrecorded(actionId: string, tracked: Tracked): Promise<void> {
    this.pending.delete(actionId);
    const bare = pendingBareRow(this.store, actionId);
    if (!bare) return;
    this.reportUnrecorded(actionId);
    const now = this.clock.now();
    const progress = progressOf(this.store, actionId);
    try {
      await this.store.commit(
        [expireOp(actionId, false, now), ...(progress ? [updateProgressOp(actionId, endProgress(progress, 'expired'), now)] : [])],
        [
          {
            type: 'approval.expired',
            actor: 'system',
            action_id: actionId,
            data: { approval_id: bare.approval_id, agent_id: bare.agent_id, timeout_action: 'deny', decided_record_missing: true },
          },
        ],
      );
    } catch {
      // The disk refused: it stays pending (still not allowed) and is tried again shortly.
      this.pending.set(actionId, { ...tracked, expires: now + RETRY_MS, stepDeadline: null });
      return;
    }
    this.agents.noteTransition(bare.agent_id, 'pending', 'expired');
    this.pending.wake(actionId);
  }

  /** The tracked action if its decided record is gone from the log (see expireUnrecorded). */
  private unrecordedTracked(actionId: string): Tracked | null {
    const tracked = this.pending.get(actionId);
    return tracked && !actionRow(this.store, actionId) ? tracked : null;
  }

  /** The approval passed its deadline (or, SPEC 11, its escalation step did): it expires with its own timeout_action. */
  private async expire(actionId: string): Promise<void> {
    const lost = this.unrecordedTracked(actionId);
    if (lost) return this.expireUnrecorded(actionId, lost);
    const found = this.stillPending(actionId);
    if (!found) return;
    const { tracked, row } = found;
    this.pending.delete(actionId);
    const now = this.clock.now();
    const allow = row.timeout_action === 'allow';
    const progress = progressOf(this.store, actionId);
    const escalation = progress && currentStep(progress).escalation ? { workflow_id: progress.id, step: progress.step } : {};
    let expiredSeq: number;
    try {
      const [expiredRecord] = await this.store.commit(
        [expireOp(actionId, allow, now), ...(progress ? [updateProgressOp(actionId, endProgress(progress, 'expired'), now)] : [])],
        [
          {
            type: 'approval.expired',
            actor: 'system',
            action_id: actionId,
            data: { approval_id: row.approval_id, agent_id: row.agent_id, timeout_action: row.timeout_action ?? 'deny', ...escalation },
          },
        ],
      );
      expiredSeq = expiredRecord!.seq;
    } catch {
      // The disk refused: keep it pending (still not allowed) and try again shortly.
      this.pending.set(actionId, { ...tracked, expires: now + RETRY_MS, stepDeadline: null });
      return;
    }
    this.expired(row, expiredSeq);
  }

  /**
   * SPEC 11: the current workflow step passed its deadline. `escalate` adds a step for the
   * escalation approvers (the action's overall deadline moves to cover it and the steps after it)
   * and sends `approval.escalated`; `deny` rejects and `allow` approves the action, as the step's
   * answer (reviewed by `timeout`, with the same events and records as a person's answer). An
   * escalation step past its deadline expires the approval with its own timeout_action (default deny).
   */
  private async timeoutStep(actionId: string): Promise<void> {
    const lost = this.unrecordedTracked(actionId);
    if (lost) return this.expireUnrecorded(actionId, lost);
    const found = this.stillPending(actionId);
    if (!found) return;
    const { tracked, row } = found;
    const progress = progressOf(this.store, actionId);
    const now = this.clock.now();
    const deadline = progress ? currentStep(progress).deadline_ms : null;
    if (!progress || deadline === null || deadline > now) {
      this.pending.set(actionId, { ...tracked, stepDeadline: deadline });
      return;
    }
    const t = timeoutStep(progress, now);
    if (t.kind === 'expire') return this.expire(actionId);
    this.pending.delete(actionId);
    const base = { approval_id: row.approval_id, agent_id: row.agent_id, workflow_id: progress.id, step: progress.step };
    // The disk refused: it stays pending (still not allowed) and is tried again shortly.
    const retry: Tracked = { ...tracked, stepDeadline: now + RETRY_MS };
    if (t.kind !== 'escalated') {
      const allow = t.kind === 'allow';
      const comment = `Step ${progress.step + 1} of workflow '${progress.name}' timed out; its timeout action ${allow ? 'approved' : 'rejected'} the request`;
      const data = { ...base, reviewed_by: 'timeout', timeout_action: t.kind };
      await this.answers
        .settle(
          row,
          retry,
          allow,
          { remember: 'once', apply_to_pending: false, comment },
          'system',
          { ops: [updateProgressOp(actionId, t.next, now)], audit: [], data },
          'timeout',
        )
        .catch(() => undefined);
      return;
    }
    let escalatedSeq: number;
    try {
      const stepDeadline = currentStep(t.next).deadline_ms!;
      const expires = Math.max(row.expires_ms ?? now, overallDeadline(t.next, now));
      const [escalated] = await this.store.commit(
        [updateProgressOp(actionId, t.next, now), extendDeadlineOp(actionId, expires)],
        [
          {
            type: 'approval.escalated',
            actor: 'system',
            action_id: actionId,
            data: {
              ...base,
              escalated_to_step: t.next.step,
              escalation_approvers: progress.escalation.escalation_approvers,
              step_deadline: iso(stepDeadline),
              expires_at: iso(expires),
            },
          },
        ],
      );
      escalatedSeq = escalated!.seq;
      this.pending.set(actionId, { ...tracked, expires, stepDeadline });
    } catch {
      this.pending.set(actionId, retry);
      return;
    }
    const status = withWorkflow(this.store, toStatus(actionRow(this.store, actionId)!));
    this.bus.publish(
      'approval.escalated',
      {
        ...eventOf(status),
        expires_at: status.expires_at,
        workflow: status.workflow,
        escalation_approvers: progress.escalation.escalation_approvers,
      },
      { seq: escalatedSeq },
    );
  }
}
