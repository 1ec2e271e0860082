// Answering an approval (SPEC 4, SPEC 11): a person's approve or deny, a workflow step's answer,
// and settling the action with what its answer remembers and answers along.
import type { ActionStatus, ResolveRequest, ResolveResult } from '../../src-shared/index.js';
import type { Clock } from '../core/clock.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import type { EventBus } from '../events/bus.js';
import type { AuditDraft, AuditRecord, Op, Store } from '../storage/types.js';
import { actionByApprovalId, actionRow, resolveOp, toStatus, type ActionRow } from './action-rows.js';
import type { AgentService } from './agents.js';
import { ANSWER_SLICE, answerAlong, resolvedRecord, type Answer } from './answer-along.js';
import { eventOf } from './approval-views.js';
import type { PendingApprovals, Tracked } from './pending-approvals.js';
import { OWNER_ANSWERER, type Answerer } from './principal.js';
import { redactOrNull } from './redact.js';
import type { Claimed, RememberedPolicies } from './remembered-policies.js';
import {
  alreadyAnswered,
  approveStep,
  currentStep,
  mayAnswer,
  rejectStep,
  rememberedChoice,
  stepApprovers,
  type ProgressState,
} from './workflow-progress.js';
import { progressOf, updateProgressOp, withWorkflow } from './workflow-rows.js';

/** What a workflow step answer adds to the commit that settles the action. */
export interface StepPart {
  ops: Op[];
  audit: AuditDraft[];
  /** Added to the answered action's `approval.resolved` record. */
  data: Record<string, unknown>;
}

/**
 * Why an answer changes nothing (409), in words the person answering reads in the CLI or a toast:
 * a request the agent stopped waiting for (SPEC 4), one that expired, one already answered, or an
 * action that was never held (it was decided at once).
 */
export function notWaiting(row: Pick<ActionRow, 'action_id' | 'approval_id' | 'status'>): string {
  const id = `Action '${row.action_id}'`;
  if (row.approval_id === null) return `${id} was never held for approval (it was ${row.status}); there is nothing to answer`;
  if (row.status === 'withdrawn') return `The agent stopped waiting: ${id} was withdrawn and can no longer be answered`;
  if (row.status === 'expired') return `${id} expired unanswered and can no longer be answered`;
  return `${id} was already answered (${row.status}); nothing changed`;
}

/** Answers to pending approvals: each claims its action, records the answer and settles the action. */
export class ApprovalAnswers {
  /** Requests answered along per commit by `apply_to_pending` (tests and the bench change it). */
  answerSlice = ANSWER_SLICE;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    private readonly pending: PendingApprovals,
    private readonly rememberedPolicies: RememberedPolicies,
  ) {}

  /**
   * Approve or deny (admin only — enforced by the route). A second resolution is a 409.
   * `remember` other than `once` creates a policy; with `apply_to_pending` every other pending
   * request that policy matches is answered the same way (SPEC 4). The person's own answer and the
   * policy are one commit, acknowledged (its long-polls woken, its event published) before the
   * others, which are answered `answerSlice` per commit (answer-along.ts) so that the event loop is
   * never held long however many wait; the reply comes once all of them are durable.
   */
  async resolve(
    actionId: string,
    approve: boolean,
    body: ResolveRequest,
    actor = 'user',
    who: Answerer = OWNER_ANSWERER,
  ): Promise<ResolveResult> {
    const row = actionRow(this.store, actionId) ?? actionByApprovalId(this.store, actionId);
    if (!row) throw notFound(`Action '${actionId}'`);
    const id = row.action_id;
    const tracked = this.pending.get(id);
    if (row.status !== 'pending') throw conflict(notWaiting(row));
    // Claimed by an answer (or a timeout) being recorded right now: whichever came first wins.
    if (!tracked) throw conflict('Another answer to this request is being recorded; look at its status again');
    this.pending.delete(id); // claimed synchronously: a concurrent second answer gets 409
    const progress = progressOf(this.store, id);
    if (progress) return this.answerStep(row, tracked, progress, approve, body, actor, who);
    return this.settle(row, tracked, approve, body, actor, null);
  }

  /**
   * SPEC 11: an answer to the current step of a workflow. Only an approver the step names counts
   * (403 otherwise, and nothing changes); a step passes with `required` approvals from distinct
   * people (two keys carrying the step's approver name are two; one key answering twice is a 409)
   * and the next one starts; any deny rejects the action; the final step's passing approves it, and
   * only then does a remember choice apply.
   */
  private async answerStep(
    row: ActionRow,
    tracked: Tracked,
    progress: ProgressState,
    approve: boolean,
    body: ResolveRequest,
    actor: string,
    who: Answerer,
  ): Promise<ResolveResult> {
    const id = row.action_id;
    const step = currentStep(progress);
    const release = () => this.pending.set(id, tracked);
    const approver = who.approver;
    if (approver === null || !mayAnswer(step, approver)) {
      release();
      const names = stepApprovers(step);
      throw forbidden(
        `Step ${progress.step + 1} of workflow '${progress.name}' is answered by ${names.map((n) => `'${n}'`).join(' or ')}; this caller answers as ${approver ? `'${approver}'` : 'no approver'} (an admin key made with \`gatehouse keys create --scope admin --name NAME --approver ${names[0]}\` answers it)`,
        [{ path: 'approver', message: `must be one of: ${names.join(', ')}` }],
      );
    }
    if (alreadyAnswered(step, who)) {
      release();
      throw conflict(
        `${who.name} (as '${approver}') already approved step ${progress.step + 1} of workflow '${progress.name}'; it needs another person's approval`,
      );
    }
    const person = { ...who, approver };
    const now = this.clock.now();
    const comment = redactOrNull(body.comment);
    const remember =
      approve && body.remember !== 'once'
        ? { remember: body.remember, pattern: body.pattern, apply_to_pending: body.apply_to_pending, comment: comment ?? undefined }
        : undefined;
    const result = approve
      ? approveStep(progress, person, now, remember)
      : { next: rejectStep(progress, person, now), outcome: 'rejected' as const };
    const next = result.next;
    const stepAudit: AuditDraft = {
      type: 'approval.step_answered',
      actor,
      action_id: id,
      data: {
        approval_id: row.approval_id,
        agent_id: row.agent_id,
        workflow_id: progress.id,
        step: progress.step,
        approver,
        by: who.by,
        name: who.name,
        approved: approve,
        comment,
        remember: body.remember,
        outcome: result.outcome,
      },
    };
    if (result.outcome === 'counted' || result.outcome === 'step_passed') {
      let stepRecord: AuditRecord | undefined;
      try {
        [stepRecord] = await this.store.commit([updateProgressOp(id, next, now)], [stepAudit]);
      } catch (e) {
        release();
        throw e;
      }
      this.pending.set(id, { ...tracked, stepDeadline: currentStep(next).deadline_ms });
      this.pending.schedule();
      const status = withWorkflow(this.store, toStatus(actionRow(this.store, id)!));
      this.bus.publish(
        'approval.step_answered',
        { ...eventOf(status), workflow: status.workflow, approver, step: progress.step },
        { seq: stepRecord?.seq ?? null },
      );
      return { ...status, policy_id: null, also_resolved: [] };
    }
    // The workflow is decided: the action is settled like any approval, with the step's record.
    const choice = approve ? rememberedChoice(next) : null;
    const settleBody: ResolveRequest = approve
      ? {
          remember: choice?.remember ?? 'once',
          pattern: choice?.pattern,
          apply_to_pending: choice?.apply_to_pending ?? false,
          comment: body.comment,
        }
      : body;
    return this.settle(row, tracked, approve, settleBody, actor, {
      ops: [updateProgressOp(id, next, now)],
      audit: [stepAudit],
      data: { workflow_id: progress.id, approver, by: who.by, name: who.name },
    });
  }

  /**
   * Approve or deny a claimed pending action (and, with remember + apply_to_pending, the others like
   * it): a person's answer, or (`by: 'timeout'`) a workflow step's timeout action. On failure the
   * action is tracked again as `tracked` and the error thrown.
   */
  async settle(
    row: ActionRow,
    tracked: Tracked,
    approve: boolean,
    body: ResolveRequest,
    actor: string,
    step: StepPart | null,
    by: 'user' | 'timeout' = 'user',
  ): Promise<ResolveResult> {
    const id = row.action_id;
    const now = this.clock.now();
    const comment = redactOrNull(body.comment);
    const to = approve ? 'approved' : 'rejected';
    const answer: Answer = { actionId: id, approve, now, comment, remember: body.remember, policyId: null, actor };
    let others: Claimed[] = [];
    let ownSeq: number | null = null;
    try {
      const remembered =
        body.remember !== 'once'
          ? this.rememberedPolicies.rememberPolicy(row, approve, { ...body, comment: comment ?? undefined }, answer.now, actor)
          : null;
      answer.policyId = remembered?.policy.id ?? null;
      // The others are claimed synchronously too, so an answer racing this one cannot take them.
      if (remembered && body.apply_to_pending) others = this.rememberedPolicies.claimMatching(row, remembered.policy.when);
      const ops: Op[] = [resolveOp(id, approve, answer.now, comment, by), ...(remembered?.ops ?? []), ...(step?.ops ?? [])];
      const own = resolvedRecord(row, answer);
      // The workflow's last step answer goes with the settling commit, and its record names the workflow.
      if (step) own.data = { ...own.data, ...step.data };
      const audit: AuditDraft[] = [...(step?.audit ?? []), own, ...(remembered ? [remembered.audit] : [])];
      const records = await this.store.commit(ops, audit);
      ownSeq = records[step?.audit.length ?? 0]!.seq;
      remembered?.apply(records[records.length - 1]!.seq);
    } catch (e) {
      this.pending.set(id, tracked);
      for (const o of others) this.pending.set(o.row.action_id, o.tracked);
      throw e;
    }
    const answered = this.settled(row, to, ownSeq);
    const along = await answerAlong(this.store, others, answer, this.answerSlice, {
      applies: (c) => answer.policyId !== null && this.rememberedPolicies.decidesNow(answer.policyId, c.row.action_id),
      answered: (c, seq) => this.settled(c.row, to, seq),
      release: (rest) => {
        for (const o of rest) this.pending.set(o.row.action_id, o.tracked);
        this.pending.schedule();
      },
    });
    this.pending.schedule();
    return { ...withWorkflow(this.store, answered), policy_id: answer.policyId, also_resolved: along.map((o) => o.row.action_id) };
  }

  /** After an answer is durable: counters, long-polls and the event. */
  private settled(r: ActionRow, to: 'approved' | 'rejected', seq: number | null): ActionStatus {
    this.agents.noteTransition(r.agent_id, 'pending', to);
    const status = toStatus(actionRow(this.store, r.action_id)!);
    this.pending.wake(r.action_id);
    this.bus.publish(to === 'approved' ? 'action.approved' : 'action.rejected', eventOf(status), { seq });
    return status;
  }
}
