import { z } from 'zod';
import {
  ActionTypeSchema,
  AgentIdSchema,
  decimal,
  IsoTimeSchema,
  JsonObjectSchema,
  queryNumber,
  RiskLevelSchema,
  windowInOrder,
} from './common.js';
import { WorkflowProgressSchema } from './workflows.js';

const text = (max: number) => z.string().max(max);

/**
 * Which MCP server and tool an action goes through (set by the MCP proxy and the Claude Code hook);
 * `namespace` and `verb` as the seeds' evaluate body named them (services/mcp.ts), kept beside the
 * tool so that a policy in the seeds' MCP form still sees them (engine/seed-policy.ts).
 */
export const McpRefSchema = z
  .object({
    server_id: z.string().min(1).max(128),
    tool: z.string().min(1).max(256).optional(),
    namespace: z.string().min(1).max(128).optional(),
    verb: z.string().min(1).max(128).optional(),
  })
  .strict();

/** SPEC 2.1 — body of submit/evaluate. Unknown top-level fields are rejected. */
/**
 * The most JSON values (members and items, at any depth) one action may carry, else a 413. An
 * action is checked, masked and hashed on the server's main thread, and every value costs time
 * there: ten thousand keep a submit well under the 50 ms any request may take (principle 5).
 * Bulk data (a file's content, rows) travels as one string.
 */
export const MAX_ACTION_VALUES = 10_000;

export const ActionRequestSchema = z
  .object({
    agent_id: AgentIdSchema.optional(),
    action_type: ActionTypeSchema,
    resource: text(16_384).optional(),
    tool_name: text(256).optional(),
    target_system: text(256).optional(),
    description: text(8_192).optional(),
    environment: text(128).optional(),
    parameters: JsonObjectSchema.optional(),
    context: JsonObjectSchema.optional(),
    risk_context: JsonObjectSchema.optional(),
    mcp: McpRefSchema.optional(),
    session_id: text(256).optional(),
    idempotency_key: z.string().min(1).max(256).optional(),
  })
  .strict()
  // `risk_context` is an alias of `context`: a key in both would have to lose one value silently.
  .superRefine((a, ctx) => {
    if (!a.context || !a.risk_context) return;
    for (const key of Object.keys(a.risk_context))
      if (Object.hasOwn(a.context, key))
        ctx.addIssue({
          code: 'custom',
          path: ['risk_context', key],
          message: `also named in context (risk_context is its alias): send '${key}' once`,
        });
  });
export type ActionRequest = z.infer<typeof ActionRequestSchema>;

/** An action after normalisation: agent resolved, `risk_context` folded into `context`. */
export type NormalizedAction = Omit<ActionRequest, 'risk_context' | 'agent_id'> & { agent_id: string };

export const RiskFactorSchema = z.object({ id: z.string(), points: z.number(), detail: z.string() });
export type RiskFactor = z.infer<typeof RiskFactorSchema>;

export const RiskSchema = z.object({
  score: z.number().int().min(0).max(100),
  level: RiskLevelSchema,
  factors: z.array(RiskFactorSchema),
});
export type Risk = z.infer<typeof RiskSchema>;

export const EffectSchema = z.enum(['allow', 'deny', 'require_approval', 'monitor']);
export type Effect = z.infer<typeof EffectSchema>;

export const PolicyRefSchema = z.object({ id: z.string(), name: z.string(), effect: EffectSchema });
export type PolicyRef = z.infer<typeof PolicyRefSchema>;

export const DecisionValueSchema = z.enum(['allowed', 'denied', 'pending']);
export type DecisionValue = z.infer<typeof DecisionValueSchema>;

export const ActionStatusValueSchema = z.enum([
  'allowed',
  'denied',
  'pending',
  'approved',
  'rejected',
  'expired',
  'withdrawn',
  'completed',
  'failed',
]);
export type ActionStatusValue = z.infer<typeof ActionStatusValueSchema>;

/** SPEC 2.2 — response to submit/evaluate. */
export const DecisionSchema = z.object({
  action_id: z.string(),
  decision: DecisionValueSchema,
  status: ActionStatusValueSchema,
  requires_approval: z.boolean(),
  approval_id: z.string().nullable(),
  risk: RiskSchema,
  policy: PolicyRefSchema.nullable(),
  reason: z.string(),
  flags: z.array(z.string()),
  expires_at: IsoTimeSchema.nullable(),
  evaluated_in_us: z.number(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const ReviewedBySchema = z.enum(['user', 'timeout', 'policy']);

/**
 * The action as recorded: the request after normalisation (agent resolved, `risk_context` folded
 * into `context`), secrets masked, absent fields null. The one shape of an action's own fields in
 * the audit record, the status body, the events and the simulator.
 */
export const RecordedActionSchema = z.object({
  agent_id: z.string(),
  action_type: z.string(),
  resource: z.string().nullable(),
  tool_name: z.string().nullable(),
  target_system: z.string().nullable(),
  description: z.string().nullable(),
  environment: z.string().nullable(),
  parameters: JsonObjectSchema.nullable(),
  context: JsonObjectSchema.nullable(),
  mcp: McpRefSchema.nullable(),
  session_id: z.string().nullable(),
});
export type RecordedAction = z.infer<typeof RecordedActionSchema>;

/**
 * SPEC 12 — the A/B arm an action was decided in (`ab_test` in its `action.decided` record), and
 * what the other arm would have decided: both arms are evaluated for every action in a test.
 */
export const AbAssignmentSchema = z.object({
  id: z.string(),
  arm: z.enum(['control', 'test']),
  other_arm_decision: DecisionValueSchema,
  other_arm_policy: z.string().nullable(),
});
export type AbAssignment = z.infer<typeof AbAssignmentSchema>;

/**
 * The `data` of an `action.decided` audit record: the recorded action and the decision (its id is
 * the record's `action_id`). `shadow` says where shadow policies would have decided otherwise;
 * `request_digest` (SHA-256 of the request's JCS) tells a retry with the same idempotency key from
 * a different request.
 */
export const DecidedActionSchema = RecordedActionSchema.extend(DecisionSchema.omit({ action_id: true }).shape).extend({
  shadow: JsonObjectSchema.optional(),
  request_digest: z.string().optional(),
  ab_test: AbAssignmentSchema.optional(),
});
export type DecidedAction = z.infer<typeof DecidedActionSchema>;

/** SPEC 2.3 — the status body: the decision plus the review and completion fields, and the action itself. */
export const ActionStatusSchema = DecisionSchema.extend({
  approved: z.boolean().nullable(),
  reviewed_by: ReviewedBySchema.nullable(),
  reviewed_at: IsoTimeSchema.nullable(),
  comment: z.string().nullable(),
  completed_at: IsoTimeSchema.nullable(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().nullable(),
})
  .extend(RecordedActionSchema.shape)
  .extend({
    created_at: IsoTimeSchema,
    /** SPEC 11: present when a workflow governs the approval: its steps, who answered, who is still needed. */
    workflow: WorkflowProgressSchema.optional(),
  });
export type ActionStatus = z.infer<typeof ActionStatusSchema>;

/** Body of `action.submitted`, `action.allowed`, `action.denied`, `approval.requested`: enough for an approval card. */
export const ActionEventSchema = ActionStatusSchema.pick({
  action_id: true,
  agent_id: true,
  action_type: true,
  resource: true,
  description: true,
  tool_name: true,
  mcp: true,
  parameters: true,
  decision: true,
  status: true,
  risk: true,
  policy: true,
  reason: true,
  flags: true,
  approval_id: true,
  expires_at: true,
});

/** Body of `action.approved`, `action.rejected`, `action.expired`, `action.withdrawn`. */
export const ReviewEventSchema = ActionStatusSchema.pick({
  action_id: true,
  approval_id: true,
  agent_id: true,
  action_type: true,
  resource: true,
  decision: true,
  status: true,
  approved: true,
  reviewed_by: true,
  comment: true,
  reason: true,
  risk: true,
});

/** Body of `action.completed`. */
export const CompletedEventSchema = ActionStatusSchema.pick({
  action_id: true,
  agent_id: true,
  action_type: true,
  status: true,
  error: true,
  duration_ms: true,
});

/** POST /api/v1/actions/{id}/complete */
export const CompleteRequestSchema = z
  .object({
    status: z.enum(['success', 'failure']),
    result: z.unknown().optional(),
    error: z.string().max(8_192).optional(),
    duration_ms: z.number().nonnegative().optional(),
  })
  .strict();
export type CompleteRequest = z.infer<typeof CompleteRequestSchema>;

/** GET /api/v1/actions query. */
export const ActionQuerySchema = z
  .object({
    agent_id: z.string().max(128).optional(),
    status: ActionStatusValueSchema.optional(),
    decision: DecisionValueSchema.optional(),
    risk_level: RiskLevelSchema.optional(),
    action_type: z.string().max(128).optional(),
    since: IsoTimeSchema.optional(),
    until: IsoTimeSchema.optional(),
    q: z.string().max(512).optional(),
    limit: queryNumber(decimal().int().min(1).max(1000).default(100)),
    cursor: z.string().max(256).optional(),
  })
  .strict()
  .superRefine(windowInOrder);
export type ActionQuery = z.infer<typeof ActionQuerySchema>;

export const StatusWaitQuerySchema = z.object({ wait: queryNumber(decimal().min(0).max(60)).optional() }).strict();
