import { z } from 'zod';
import { IsoTimeSchema } from './common.js';

/**
 * SPEC 11 — approval workflows: multi-step approvals by named approvers, with per-step timeouts
 * and escalation. The document is the seeds' own, kept as is:
 * `{"name", "steps": [{"approvers", "required", "timeout_hours"}], "escalation": {"timeout_action", "escalation_approvers"}}`.
 */

/** A named approver (`team-lead`, `vp-finance`, `dana@example.com`): what admin keys and the console answer as. */
export const ApproverNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ @ + - (starting with a letter or digit)');

/** The approver of the default single-user setup (the console session and the default admin key); every step without approvers accepts it. */
export const OWNER_APPROVER = 'owner';

export const WorkflowIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must match [a-z0-9][a-z0-9._-]{0,63}');

const HoursSchema = z
  .number()
  .positive()
  .max(24 * 30);

export const WorkflowStepSchema = z
  .object({
    /** Who may answer this step (approver names, which several people may carry: two keys made with `--approver team-lead`); empty: the owner. */
    approvers: z.array(ApproverNameSchema).max(50).default([]),
    /** Approvals from distinct people (admin keys, the console) that pass the step, each answering as an approver the step names. */
    required: z.number().int().min(1).max(50).default(1),
    /** Hours the step waits from when it starts before `escalation.timeout_action` applies. */
    timeout_hours: HoursSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    // `required` is not bounded by the names listed: an approver name is a role (the seeds' `team-lead`)
    // that several people's keys may carry, so `{"approvers": ["team-lead"], "required": 2}` asks two of them.
    if (new Set(s.approvers).size !== s.approvers.length)
      ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'names an approver twice' });
  });
export type WorkflowStep = z.output<typeof WorkflowStepSchema>;

export const TimeoutStepActionSchema = z.enum(['escalate', 'deny', 'allow']);

export const EscalationSchema = z
  .object({
    /** What a step past its timeout does: `escalate` adds a step for `escalation_approvers`, `deny` rejects, `allow` approves. */
    timeout_action: TimeoutStepActionSchema.default('deny'),
    escalation_approvers: z.array(ApproverNameSchema).max(50).default([]),
    /** Hours the escalation step waits (default: those of the step that timed out). */
    timeout_hours: HoursSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.timeout_action === 'escalate' && e.escalation_approvers.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['escalation_approvers'],
        message: "must name at least one approver when timeout_action is 'escalate'",
      });
  });
export type Escalation = z.output<typeof EscalationSchema>;

/** POST /api/v1/workflows — the seeds' document; `id` is optional (made from the name). */
export const WorkflowSchema = z
  .object({
    id: WorkflowIdSchema.optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(4_000).optional(),
    steps: z.array(WorkflowStepSchema).min(1).max(20),
    escalation: EscalationSchema.default({ timeout_action: 'deny', escalation_approvers: [] }),
  })
  .strict();
export type WorkflowInput = z.input<typeof WorkflowSchema>;
export type Workflow = z.output<typeof WorkflowSchema> & { id: string };

/** A workflow as the API answers it. */
export const WorkflowViewSchema = WorkflowSchema.extend({
  id: WorkflowIdSchema,
  created_at: IsoTimeSchema,
  updated_at: IsoTimeSchema,
  /** Policies that name this workflow (it cannot be deleted while any does). */
  policies: z.array(z.string()),
});
export type WorkflowView = z.infer<typeof WorkflowViewSchema>;

export const StepStateSchema = z.enum(['waiting', 'active', 'passed', 'rejected', 'timed_out', 'expired', 'withdrawn']);

/** One answer counted on a step: the approver name it was given as, and the person behind it. */
export const StepAnswerSchema = z.object({
  approver: z.string(),
  at: IsoTimeSchema,
  by: z
    .string()
    .nullable()
    .describe('Who answered: the admin key\u2019s id, or `console` (null for answers recorded before this was kept).'),
  name: z.string().nullable().describe('That key\u2019s name (`Dana`), or `console`.'),
});
export type StepAnswer = z.infer<typeof StepAnswerSchema>;

/**
 * SPEC 11 — the `workflow` block of an action's status body: which step is current (`step`, a
 * 0-based index into `steps`), and per step its approvers, how many must approve, who approved and
 * when, and its deadline (null while the step has not started).
 */
export const WorkflowProgressSchema = z.object({
  id: z.string(),
  name: z.string(),
  step: z
    .number()
    .int()
    .min(0)
    .describe('The current step: a 0-based index into `steps` (the console shows `step` 0 of 2 as \u201cstep 1 of 2\u201d).'),
  steps: z.array(
    z.object({
      approvers: z.array(z.string()),
      required: z.number().int(),
      approvals: z.array(StepAnswerSchema),
      deadline: IsoTimeSchema.nullable(),
      state: StepStateSchema,
      /** Added by escalation after the step before it timed out. */
      escalation: z.boolean(),
      /** Who denied (which rejected the action), if anyone. */
      rejected_by: StepAnswerSchema.nullable(),
    }),
  ),
});
export type WorkflowProgress = z.infer<typeof WorkflowProgressSchema>;
