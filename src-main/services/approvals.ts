import {
  pickShape,
  ReviewEventSchema,
  type ActionStatus,
  type Approval,
  type PendingApproval,
  type PolicyInput,
  type Remember,
  type ResolveRequest,
  type ResolveResult,
  type WithdrawRequest,
} from '../../src-shared/index.js';
import { iso, isoOrNull, type Clock } from '../core/clock.js';
import { shortId } from '../core/ids.js';
import type { EventBus } from '../events/bus.js';
import { conflict, forbidden, invalidField, notFound } from '../core/errors.js';
import { compareForEvaluation, compileActionCondition, DECISION_BUDGET_FACTOR, HELD_UNCHECKED_FLAG } from '../engine/index.js';
import type { AuditDraft, AuditRecord, Op, Store } from '../storage/types.js';
import {
  actionByApprovalId,
  actionRow,
  approvalRows,
  approvalStateOf,
  decidedOf,
  expireOp,
  extendDeadlineOp,
  pendingBareRow,
  pendingDeadlines,
  pendingRows,
  resolveOp,
  toStatus,
  withdrawOp,
  type ActionRow,
  type ApprovalState,
} from './action-rows.js';
import { decodeSeqCursor, encodeListCursor } from './list-cursor.js';
import { redactOrNull, redactString } from './redact.js';
import {
  alreadyAnswered,
  approveStep,
  currentStep,
  endProgress,
  mayAnswer,
  overallDeadline,
  rejectStep,
  rememberedChoice,
  stepApprovers,
  timeoutStep,
  type ProgressState,
} from './workflow-progress.js';
import { pendingStepDeadlines, progressOf, updateProgressOp, withWorkflow } from './workflow-rows.js';
import { ANSWER_SLICE, answerAlong, resolvedRecord, type Answer } from './answer-along.js';
import type { AgentService } from './agents.js';
import { liveContext, type RunningTests } from './decide-context.js';
import type { PolicyService } from './policies.js';
import { recordedAction } from './recorded-action.js';
import { OWNER_ANSWERER, type Answerer } from './principal.js';

const REMEMBER_MS: Partial<Record<Remember, number>> = { '15m': 15 * 60_000, '1h': 3_600_000, '12h': 12 * 3_600_000 };
/** Policies made from a prompt outrank ordinary ones: the person's answer is the most specific rule. */
const REMEMBER_PRIORITY = 900;
const RETRY_MS = 1_000;

interface Tracked {
  /** The action's overall approval deadline. */
  expires: number;
  agentId: string;
  /** SPEC 11: the deadline of the current workflow step (null: no workflow). */
  stepDeadline: number | null;
}

/** When the timer must look at a tracked action next. */
const dueAt = (t: Tracked): number => (t.stepDeadline === null ? t.expires : Math.min(t.expires, t.stepDeadline));

/** What a workflow step answer adds to the commit that settles the action. */
interface StepPart {
  ops: Op[];
  audit: AuditDraft[];
  /** Added to the answered action's `approval.resolved` record. */
  data: Record<string, unknown>;
}

/** A waiting request an answer took over (apply_to_pending), with what puts it back if the answer fails. */
interface Claimed {
  row: ActionRow;
  tracked: Tracked;
}

/** The approval of row `r`, whose own `state` (approvalStateOf) a later completion of the action does not change. */
function toApproval(r: ActionRow, state: ApprovalState): Approval {
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
  /** Pending actions already reported as having lost their decided record (said once each in the log). */
  private readonly unrecorded = new Set<string>();
  /** Requests answered along per commit by `apply_to_pending` (tests and the bench change it). */
  answerSlice = ANSWER_SLICE;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    /** The running A/B tests (SPEC 12), which a remembered policy's reach is checked with. */
    private readonly abTests?: RunningTests,
  ) {}

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

  track(actionId: string, expires: number, agentId: string, stepDeadline: number | null = null): void {
    this.pending.set(actionId, { expires, agentId, stepDeadline });
    this.schedule();
  }

  /** Resolves when the action's status changes, after `ms`, or when `signal` aborts, whichever is first. */
  waitForChange(actionId: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.pending.has(actionId) || ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(actionId) ?? new Set();
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(actionId);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      this.waiters.set(actionId, set);
    });
  }

  listPending(limit = 200): PendingApproval[] {
    return this.list('pending', limit);
  }

  /** Approvals by state: pending ones soonest-expiring first, answered ones most recent first. */
  list(status: Approval['status'], limit = 200): PendingApproval[] {
    return this.page(status, limit, null).items;
  }

  /**
   * A page of `list`, from `cursor` (a `next_cursor` this gave for the same state) on. An escalation
   * only moves a pending request's expiry later, so a walk may meet it twice but never misses it.
   */
  page(status: Approval['status'], limit: number, cursor: string | null): { items: PendingApproval[]; next_cursor: string | null } {
    const after = cursor === null ? null : decodeSeqCursor(status, cursor);
    const rows = approvalRows(this.store, status, limit + 1, after);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const key = (r: ActionRow) => (status === 'pending' ? r.expires_ms : r.reviewed_ms) ?? 0;
    return {
      items: page.map((r) => ({ ...toApproval(r, r.approval_state), action: withWorkflow(this.store, toStatus(r)) })),
      next_cursor: more && last ? encodeListCursor(status, key(last), last.seq) : null,
    };
  }

  byApprovalId(approvalId: string, ownerKeyId: string | null): Approval {
    const r = actionByApprovalId(this.store, approvalId);
    if (!r || (ownerKeyId && r.key_id !== ownerKeyId)) throw notFound(`Approval '${approvalId}'`);
    return toApproval(r, approvalStateOf(this.store, r.action_id)!);
  }

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
    if (row.status !== 'pending') throw conflict(`Approval already resolved (${row.status})`);
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
      this.schedule();
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
  private async settle(
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
        body.remember !== 'once' ? this.rememberPolicy(row, approve, { ...body, comment: comment ?? undefined }, answer.now, actor) : null;
      answer.policyId = remembered?.policy.id ?? null;
      // The others are claimed synchronously too, so an answer racing this one cannot take them.
      if (remembered && body.apply_to_pending) others = this.claimMatching(row, remembered.policy.when);
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
      applies: (c) => answer.policyId !== null && this.decidesNow(answer.policyId, c.row.action_id),
      answered: (c, seq) => this.settled(c.row, to, seq),
      release: (rest) => {
        for (const o of rest) this.pending.set(o.row.action_id, o.tracked);
        this.schedule();
      },
    });
    this.schedule();
    return { ...withWorkflow(this.store, answered), policy_id: answer.policyId, also_resolved: along.map((o) => o.row.action_id) };
  }

  /** After an answer is durable: counters, long-polls and the event. */
  private settled(r: ActionRow, to: 'approved' | 'rejected', seq: number | null): ActionStatus {
    this.agents.noteTransition(r.agent_id, 'pending', to);
    const status = toStatus(actionRow(this.store, r.action_id)!);
    this.wake(r.action_id);
    this.bus.publish(to === 'approved' ? 'action.approved' : 'action.rejected', eventOf(status), { seq });
    return status;
  }

  /**
   * The other pending actions the remembered policy may decide, claimed: same agent and action
   * type, and its resource condition (the engine's own compiled condition). Whether the policy
   * really decides each one now (its parameters, a stronger policy) is checked before it is
   * answered (`decidesNow`), slice by slice, so this synchronous part reads no request body.
   */
  private claimMatching(answered: ActionRow, when: Record<string, unknown>): Claimed[] {
    const { agent_id, action_type, resource } = when;
    const condition = compileActionCondition({ agent_id, action_type, resource });
    const out: Claimed[] = [];
    // A remembered policy always names the agent and the action type (rememberedWhen): only those rows are candidates.
    for (const c of pendingRows(this.store, answered.action_id, { agentId: answered.agent_id, actionType: answered.action_type })) {
      const tracked = this.pending.get(c.action_id);
      if (!tracked) continue;
      // A request a workflow governs is answered only through its own steps, by its own approvers.
      if (tracked.stepDeadline !== null || progressOf(this.store, c.action_id)) continue;
      if (!condition.test({ agent_id: c.agent_id, action_type: c.action_type, resource: c.resource ?? undefined })) continue;
      this.pending.delete(c.action_id);
      out.push({ row: c, tracked });
    }
    return out;
  }

  /**
   * Would the remembered policy decide this waiting request if it came now? Only then may the
   * person's answer settle it (SPEC 4: "every other pending request the remembered policy
   * matches"), never where the engine would still ask: the current engine (which holds the new
   * policy) must pick it, and the policy that held the request at submit must not outrank it (the
   * recorded request has its secrets masked, so a rule on them is checked as it fired then). A
   * request held because it could not be checked in full stays with the person.
   */
  private decidesNow(policyId: string, actionId: string): boolean {
    const row = actionRow(this.store, actionId);
    if (!row || row.status !== 'pending') return false;
    const d = decidedOf(row);
    if (d.flags.includes(HELD_UNCHECKED_FLAG) || d.risk.factors.some((f) => f.id === DECISION_BUDGET_FACTOR)) return false;
    const remembered = this.policies.running(policyId);
    if (!remembered) return false;
    const holder = d.policy ? this.policies.running(d.policy.id) : null;
    if (holder && compareForEvaluation(holder, remembered) < 0) return false;
    const action = recordedAction(d);
    const now = this.clock.now();
    // With the running A/B tests, as a submit decides: in the test arm the control policy (say, a
    // remembered one under test) does not decide, and the person's answer must not settle it.
    const outcome = this.policies.engine().decide(action, liveContext(this.agents, this.abTests, action.agent_id, now));
    return outcome.policy?.id === policyId && outcome.decision !== 'pending';
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
    this.schedule();
    const status = toStatus(actionRow(this.store, actionId)!);
    this.wake(actionId);
    this.bus.publish('action.withdrawn', eventOf(status), { seq: withdrawnRecord?.seq ?? null });
    return status;
  }

  private rememberPolicy(row: ActionRow, approve: boolean, body: ResolveRequest, now: number, actor: string) {
    const ms = REMEMBER_MS[body.remember];
    const resource = row.resource;
    const when = rememberedWhen(row, body.pattern, toStatus(row).parameters);
    const verb = approve ? 'Allow' : 'Deny';
    // The pattern is the person's own text and may hold a secret (`mysql -pHunter2 *`): the condition
    // keeps it as typed (it must match exactly), what is read is masked (before the cut, which could
    // leave a secret too short to be recognised).
    const policy: PolicyInput = {
      id: `remember-${approve ? 'allow' : 'deny'}-${shortId()}`,
      name: redactString(`${verb} ${row.action_type} on ${body.pattern ?? resource ?? '(no resource)'} for ${row.agent_id}`).slice(0, 200),
      description: redactString(
        `Made from an approval prompt (remember: ${body.remember})${body.comment ? `: ${body.comment}` : ''}`,
      ).slice(0, 4000),
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
    this.wake(row.action_id);
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
    this.wake(actionId);
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
      await this.settle(
        row,
        retry,
        allow,
        { remember: 'once', apply_to_pending: false, comment },
        'system',
        { ops: [updateProgressOp(actionId, t.next, now)], audit: [], data },
        'timeout',
      ).catch(() => undefined);
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
    for (const t of this.pending.values()) soonest = Math.min(soonest, dueAt(t));
    if (soonest === Infinity) return;
    const delay = Math.max(0, Math.min(soonest - this.clock.now(), 2_147_000_000));
    this.timer = setTimeout(() => void this.expireDue(), delay);
    this.timer.unref();
  }

  private async expireDue(): Promise<void> {
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
    this.schedule();
  }
}

/**
 * The `when` of a policy remembered from an answer: the same agent and action type, and the
 * resource matching `pattern` (a SPEC 3.2 wildcard), else the same resource, else no resource and
 * the same plain parameters. `apply_to_pending` tests the other waiting requests with this very condition.
 */
export function rememberedWhen(
  row: Pick<ActionRow, 'agent_id' | 'action_type' | 'resource'>,
  pattern?: string,
  parameters?: Record<string, unknown> | null,
): Record<string, unknown> {
  return {
    agent_id: { eq: row.agent_id },
    action_type: { eq: row.action_type },
    resource: pattern ? { glob: pattern } : row.resource == null ? { exists: false } : { eq: row.resource },
    ...(pattern || row.resource != null ? {} : sameParameters(parameters)),
  };
}

const PARAMETER_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A request without a resource carries what it acts on in its parameters (SPEC 2.1's own example:
 * the SQL, a shell command): remembering it by agent and type alone would allow every command of
 * that agent, whatever it is. Its plain top-level parameters (text, numbers, booleans) are kept as
 * they were, so the policy answers the same request again, not its whole kind.
 */
function sameParameters(parameters: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = Object.entries(parameters ?? {});
  for (const [k, v] of entries) {
    // A parameter the condition cannot hold as it was (a list, an object, an odd key) would leave the
    // policy wider than what the person saw: refused, never widened.
    if (entries.length > 32 || !PARAMETER_KEY.test(k) || !(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
      throw invalidField(
        'remember',
        `this request has no resource and its parameter '${k.slice(0, 64)}' cannot be matched exactly: answer it once, or remember it with a pattern`,
      );
    out[`parameters.${k}`] = { eq: v };
  }
  return out;
}

/** The body of a review event: picked from the status, so the two never disagree. */
const eventOf = (s: ActionStatus) => pickShape(ReviewEventSchema, s);
