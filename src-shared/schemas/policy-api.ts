import { z } from 'zod';
import { ActionRequestSchema, DecisionValueSchema, RiskSchema, PolicyRefSchema } from './action.js';
import { AbArmSchema } from './ab-tests.js';
import { MAX_RISK_RULES, SettingsPatchSchema, TraceEntrySchema, RiskRuleSchema } from './policy.js';

/** POST /api/v1/policies/test */
export const PolicyTestRequestSchema = z
  .object({ action: ActionRequestSchema, policies: z.array(z.unknown()).optional(), settings: SettingsPatchSchema.optional() })
  .strict();

/**
 * SPEC 12: the running A/B test the tested action falls in (its control policy decides it first),
 * its arm and why there (the stable hash's bucket), and what the other arm would decide.
 */
export const PolicyTestAbSchema = z.object({
  id: z.string(),
  control_policy: z.string(),
  test_policy: z.string(),
  traffic_split: z.number(),
  arm: AbArmSchema,
  why: z.string(),
  other_arm_decision: DecisionValueSchema,
  other_arm_policy: z.string().nullable(),
});

export const PolicyTestResultSchema = z.object({
  decision: DecisionValueSchema,
  risk: RiskSchema,
  policy: PolicyRefSchema.nullable(),
  reason: z.string(),
  flags: z.array(z.string()),
  /** Null when the action falls in no running A/B test. */
  ab_test: PolicyTestAbSchema.nullable(),
  trace: z.array(TraceEntrySchema),
});
export type PolicyTestResult = z.infer<typeof PolicyTestResultSchema>;

/** POST /api/v1/policies/simulate */
export const SimulateRequestSchema = z
  .object({
    policies: z.array(z.unknown()),
    settings: SettingsPatchSchema.optional(),
    risk_rules: z.array(RiskRuleSchema).max(MAX_RISK_RULES).optional(),
    limit: z.number().int().min(1).max(100_000).default(1_000),
  })
  .strict();

const Counts = z.object({ allowed: z.number(), denied: z.number(), pending: z.number() });
/**
 * `before`: what the current set decides for each replayed action today; `after`: what the draft set
 * decides. Both are computed now, so every listed change is the draft's doing; `recorded` is what was
 * decided when the action arrived (policies may have changed since), for context only.
 */
export const SimulateResultSchema = z.object({
  replayed: z.number().int(),
  changed_count: z.number().int(),
  counts: z.object({ before: Counts, after: Counts }),
  changed: z.array(
    z.object({
      action_id: z.string(),
      agent_id: z.string(),
      action_type: z.string(),
      resource: z.string().nullable(),
      created_at: z.string(),
      recorded: z.object({ decision: DecisionValueSchema, policy_id: z.string().nullable() }),
      before: z.object({ decision: DecisionValueSchema, policy_id: z.string().nullable() }),
      after: z.object({ decision: DecisionValueSchema, policy_id: z.string().nullable(), reason: z.string() }),
    }),
  ),
});
export type SimulateResult = z.infer<typeof SimulateResultSchema>;

export const PolicyImportResultSchema = z.object({
  imported: z.number().int(),
  created: z.number().int(),
  /** Policies the file changed. */
  updated: z.number().int(),
  /** Policies the file holds exactly as they were. */
  unchanged: z.number().int(),
  risk_rules: z.number().int(),
  /** Approval workflows the file carried (created or replaced). */
  workflows: z.number().int(),
  settings_changed: z.boolean(),
});
export type PolicyImportResult = z.infer<typeof PolicyImportResultSchema>;
