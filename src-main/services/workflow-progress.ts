import { z } from 'zod';
import {
  EscalationSchema,
  OWNER_APPROVER,
  RememberSchema,
  StepStateSchema,
  type StepAnswer,
  type Workflow,
  type WorkflowProgress,
} from '../../src-shared/index.js';
import { iso, isoOrNull } from '../core/clock.js';
import { personOf, type Answerer } from './principal.js';

/**
 * The progress of one action through its approval workflow (SPEC 11), as a pure value: what is
 * stored in `approval_workflows.state`, and the transitions an answer or a timeout makes. No I/O:
 * the approvals service journals what these return.
 */

const HOUR_MS = 3_600_000;

/** Who answered: the approver name, and the person behind it (absent in answers recorded before it was kept). */
const WhoSchema = z.object({ approver: z.string(), at_ms: z.number(), by: z.string().optional(), name: z.string().optional() });

const AnswerSchema = WhoSchema.extend({
  /** A remember choice given with this approval; applied only when the final step passes. */
  remember: z
    .object({ remember: RememberSchema, pattern: z.string().optional(), apply_to_pending: z.boolean(), comment: z.string().optional() })
    .optional(),
});

const StepSchema = z.object({
  approvers: z.array(z.string()),
  required: z.number().int(),
  timeout_ms: z.number(),
  approvals: z.array(AnswerSchema),
  deadline_ms: z.number().nullable(),
  state: StepStateSchema,
  escalation: z.boolean(),
  rejected_by: WhoSchema.nullable(),
});

export const ProgressStateSchema = z.object({
  id: z.string(),
  name: z.string(),
  step: z.number().int(),
  escalation: EscalationSchema,
  steps: z.array(StepSchema),
});
export type ProgressState = z.infer<typeof ProgressStateSchema>;
export type StepProgress = ProgressState['steps'][number];
export type RememberChoice = NonNullable<z.infer<typeof AnswerSchema>['remember']>;

/** A new progress for an action held at `now`: the first step is active, its deadline running. */
export function startProgress(wf: Workflow, now: number): ProgressState {
  return {
    id: wf.id,
    name: wf.name,
    step: 0,
    escalation: wf.escalation,
    steps: wf.steps.map((s, i) => ({
      approvers: s.approvers,
      required: s.required,
      timeout_ms: Math.round(s.timeout_hours * HOUR_MS),
      approvals: [],
      deadline_ms: i === 0 ? now + Math.round(s.timeout_hours * HOUR_MS) : null,
      state: i === 0 ? 'active' : 'waiting',
      escalation: false,
      rejected_by: null,
    })),
  };
}

/** The action's overall approval deadline: every step from the current one given its whole timeout. */
export function overallDeadline(p: ProgressState, now: number): number {
  const current = p.steps[p.step]!;
  let end = current.deadline_ms ?? now + current.timeout_ms;
  for (const s of p.steps.slice(p.step + 1)) end += s.timeout_ms;
  return end;
}

export const currentStep = (p: ProgressState): StepProgress => p.steps[p.step]!;

/** Who may answer a step: the approvers it names, or the owner where it names none. */
export const stepApprovers = (s: Pick<StepProgress, 'approvers'>): string[] => (s.approvers.length ? s.approvers : [OWNER_APPROVER]);

export const mayAnswer = (s: StepProgress, approver: string | null): boolean => approver !== null && stepApprovers(s).includes(approver);

/**
 * Whether the person behind `who` already answered step `s`. Two keys carrying the same approver
 * name are two people; the same key (or the owner through the console and the CLI's key) is one.
 * An answer recorded before the person was kept counts as every holder of its approver name.
 */
export function alreadyAnswered(s: StepProgress, who: Answerer): boolean {
  const person = personOf(who.by);
  return s.approvals.some((a) => (a.by === undefined ? a.approver === who.approver : personOf(a.by) === person));
}

const answerOf = (who: Answerer & { approver: string }, now: number) => ({
  approver: who.approver,
  at_ms: now,
  by: who.by,
  name: who.name,
});

function clone(p: ProgressState): ProgressState {
  return structuredClone(p);
}

export type ApproveOutcome = 'counted' | 'step_passed' | 'approved';

/**
 * An approval from `who` on the current step (the caller has checked that the step names its
 * approver and that this person has not answered it yet): counted, the step passed (the next one
 * starts), or the workflow approved.
 */
export function approveStep(
  p: ProgressState,
  who: Answerer & { approver: string },
  now: number,
  remember?: RememberChoice,
): { next: ProgressState; outcome: ApproveOutcome } {
  const next = clone(p);
  const step = currentStep(next);
  step.approvals.push(remember ? { ...answerOf(who, now), remember } : answerOf(who, now));
  if (step.approvals.length < step.required) return { next, outcome: 'counted' };
  step.state = 'passed';
  if (next.step === next.steps.length - 1) return { next, outcome: 'approved' };
  next.step++;
  const following = currentStep(next);
  following.state = 'active';
  following.deadline_ms = now + following.timeout_ms;
  return { next, outcome: 'step_passed' };
}

/** A deny from `who`: the step and the action are rejected. */
export function rejectStep(p: ProgressState, who: Answerer & { approver: string }, now: number): ProgressState {
  const next = clone(p);
  const step = currentStep(next);
  step.state = 'rejected';
  step.rejected_by = answerOf(who, now);
  return next;
}

export type TimeoutOutcome = { kind: 'escalated' | 'deny' | 'allow'; next: ProgressState } | { kind: 'expire' };

/**
 * The current step passed its deadline. `escalate` inserts a step for the escalation approvers right
 * after it (the workflow then continues with the steps that follow); `deny` rejects the action and
 * `allow` approves it, as the step's answer. An escalation step that times out in turn was the last
 * resort: the approval expires with its own `timeout_action` (default deny), as any approval nobody
 * answered (SPEC 4), so it never loops and is never allowed unless the policy asked for that.
 */
export function timeoutStep(p: ProgressState, now: number): TimeoutOutcome {
  if (currentStep(p).escalation) return { kind: 'expire' };
  const next = clone(p);
  const step = currentStep(next);
  step.state = 'timed_out';
  const action = p.escalation.timeout_action;
  if (action !== 'escalate') return { kind: action, next };
  const timeout = p.escalation.timeout_hours !== undefined ? Math.round(p.escalation.timeout_hours * HOUR_MS) : step.timeout_ms;
  next.steps.splice(next.step + 1, 0, {
    approvers: p.escalation.escalation_approvers,
    required: 1,
    timeout_ms: timeout,
    approvals: [],
    deadline_ms: now + timeout,
    state: 'active',
    escalation: true,
    rejected_by: null,
  });
  next.step++;
  return { kind: 'escalated', next };
}

/** The action ended otherwise (expired overall, withdrawn): the current step says so. */
export function endProgress(p: ProgressState, state: 'expired' | 'withdrawn'): ProgressState {
  const next = clone(p);
  const step = currentStep(next);
  if (step.state === 'active') step.state = state;
  return next;
}

/** From the shortest to the longest a remembered answer lasts. */
const REMEMBER_ORDER: readonly RememberChoice['remember'][] = ['once', '15m', '1h', '12h', 'until_restart', 'forever'];

/**
 * The remember choice that applies when the final step passes: only one every approver who made a
 * step pass agreed to, since the policy it makes lets later requests skip all of them. Any one of
 * them answering once means nothing is remembered; otherwise the shortest duration, a pattern only
 * where all gave the same one, apply_to_pending only where all asked for it, and the last comment.
 */
export function rememberedChoice(p: ProgressState): RememberChoice | null {
  const choices: RememberChoice[] = [];
  for (const s of p.steps) {
    if (s.state !== 'passed') continue;
    for (const a of s.approvals) {
      if (!a.remember || a.remember.remember === 'once') return null;
      choices.push(a.remember);
    }
  }
  if (choices.length === 0) return null;
  const shortest = choices.reduce((a, b) => (REMEMBER_ORDER.indexOf(b.remember) < REMEMBER_ORDER.indexOf(a.remember) ? b : a));
  const pattern = choices[0]!.pattern;
  const comment = choices[choices.length - 1]!.comment;
  return {
    remember: shortest.remember,
    ...(pattern !== undefined && choices.every((c) => c.pattern === pattern) ? { pattern } : {}),
    apply_to_pending: choices.every((c) => c.apply_to_pending),
    ...(comment !== undefined ? { comment } : {}),
  };
}

const whoView = (a: z.infer<typeof WhoSchema>): StepAnswer => ({
  approver: a.approver,
  at: iso(a.at_ms),
  by: a.by ?? null,
  name: a.name ?? null,
});

/** The `workflow` block of the status body. */
export function progressView(p: ProgressState): WorkflowProgress {
  return {
    id: p.id,
    name: p.name,
    step: p.step,
    steps: p.steps.map((s) => ({
      approvers: stepApprovers(s),
      required: s.required,
      approvals: s.approvals.map(whoView),
      deadline: isoOrNull(s.deadline_ms),
      state: s.state,
      escalation: s.escalation,
      rejected_by: s.rejected_by ? whoView(s.rejected_by) : null,
    })),
  };
}
