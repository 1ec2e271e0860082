import { z } from 'zod';
import { EffectSchema } from './action.js';
import { TimeoutActionSchema } from './approval.js';
import { IsoTimeSchema } from './common.js';
import { ApproverNameSchema, WorkflowIdSchema, WorkflowSchema } from './workflows.js';

export const PolicyIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must match [a-z0-9][a-z0-9._-]{0,63}');

/**
 * SPEC 3.2 — a condition tree. The shape is checked deeply by the policy compiler, which names the
 * exact path of any bad operator, regex or combinator; here it is any JSON object.
 */
export const WhenSchema = z.record(z.string(), z.unknown());

/**
 * The most values (object members and list items, at any depth) the conditions of one policy or
 * risk rule may hold when they are written (the server's engine/policy/size.ts says why).
 */
export const MAX_CONDITION_VALUES = 10_000;
export type When = z.infer<typeof WhenSchema>;

export const PolicyModeSchema = z.enum(['enforce', 'shadow']);
export const PolicySourceSchema = z.enum(['user', 'approval', 'import']);

/** SPEC 3.1 */
export const PolicySchema = z
  .object({
    id: PolicyIdSchema,
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(4_000).optional(),
    enabled: z.boolean().default(true),
    priority: z.number().int().min(0).max(1000).default(50),
    effect: EffectSchema,
    mode: PolicyModeSchema.default('enforce'),
    when: WhenSchema.default({}),
    approval: z
      .object({
        timeout_s: z
          .number()
          .int()
          .min(1)
          .max(7 * 86_400)
          .optional(),
        timeout_action: TimeoutActionSchema.optional(),
        /** SPEC 11: the id of the approval workflow (steps, approvers, escalation) that answers this policy's approvals. */
        workflow: WorkflowIdSchema.optional(),
      })
      .strict()
      .optional(),
    expires_at: IsoTimeSchema.nullable().default(null),
    source: PolicySourceSchema.default('user'),
  })
  .strict();
/** A policy as written by a user (defaults not yet applied). */
export type PolicyInput = z.input<typeof PolicySchema>;
/** A policy with every default applied. */
export type Policy = z.output<typeof PolicySchema>;

/**
 * A stored policy the engine can no longer compile (written under older rules, e.g. 0.1's regex
 * lookaround): it keeps its text, and decisions stay fail-closed — `disabled` when it could only
 * allow or annotate, `broadened` (the conditions that cannot compile dropped) when it denies or holds.
 */
export const PolicyProblemSchema = z.object({ message: z.string(), handling: z.enum(['disabled', 'broadened']) });
export type PolicyProblem = z.infer<typeof PolicyProblemSchema>;

/** A policy as the API lists it: the policy plus bookkeeping the engine does not read. */
export const PolicyViewSchema = PolicySchema.extend({
  /** Null unless the policy no longer compiles; then how it is enforced until it is fixed. */
  unusable: PolicyProblemSchema.nullable(),
  hits: z.number().int(),
  last_hit_at: IsoTimeSchema.nullable(),
  created_at: IsoTimeSchema,
  updated_at: IsoTimeSchema,
  ephemeral: z.boolean(),
});
export type PolicyView = z.infer<typeof PolicyViewSchema>;

/** SPEC 2.4 — custom risk rule from the policy file. */
export const RiskRuleSchema = z
  .object({
    id: PolicyIdSchema,
    when: WhenSchema,
    points: z.number().int().min(-100).max(100),
    detail: z.string().max(500).optional(),
  })
  .strict();
export type RiskRule = z.infer<typeof RiskRuleSchema>;

/** Names of the built-in risk factors (their points can be tuned through settings.risk_weights). */
export const BUILTIN_RISK_FACTORS = [
  'base',
  'destructive-sql',
  'dangerous-shell',
  'sensitive-path',
  'production',
  'bulk',
  'secrets',
  'has-backup',
  'unregistered-agent',
  'high-rate',
  'off-hours',
] as const;

/** SPEC 3.5 — each setting's type, without defaults (a patch must not fill in unnamed keys). */
const SettingFields = {
  enforcement: z.enum(['enforce', 'monitor']),
  auto_allow_below: z.number().int().min(0).max(101),
  require_approval_at: z.number().int().min(0).max(101),
  deny_at: z.number().int().min(0).max(101).nullable(),
  approval_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  timeout_action: TimeoutActionSchema,
  rate_limit_per_s: z.number().int().min(0).max(1_000_000),
  /** Seconds the console holds an answer (with Undo) before sending it; 0 sends at once (SPEC 10). */
  answer_grace_s: z.number().int().min(0).max(60),
  /** Override of the points of built-in risk factors, by factor id. */
  risk_weights: z.partialRecord(z.enum(BUILTIN_RISK_FACTORS), z.number().int().min(-100).max(100)),
  /**
   * SPEC 9.1: what an agent hook answers for a fallback allow (no policy decided, risk below the
   * thresholds): `pass` = no opinion (the agent's own prompt applies), `allow` = allow.
   */
  hook_fallback: z.enum(['pass', 'allow']),
  /** SPEC 7.7: records older than this many days move to verifiable archives; null keeps everything live. */
  retention_days: z.number().int().min(1).max(36_500).nullable(),
};

/** SPEC 3.5 — the settings with their defaults. */
export const SettingsSchema = z
  .object({
    enforcement: SettingFields.enforcement.default('enforce'),
    auto_allow_below: SettingFields.auto_allow_below.default(30),
    require_approval_at: SettingFields.require_approval_at.default(70),
    deny_at: SettingFields.deny_at.default(null),
    approval_timeout_s: SettingFields.approval_timeout_s.default(300),
    timeout_action: SettingFields.timeout_action.default('deny'),
    rate_limit_per_s: SettingFields.rate_limit_per_s.default(2000),
    answer_grace_s: SettingFields.answer_grace_s.default(4),
    risk_weights: SettingFields.risk_weights.default({}),
    hook_fallback: SettingFields.hook_fallback.default('pass'),
    retention_days: SettingFields.retention_days.default(null),
  })
  .strict();
export type Settings = z.output<typeof SettingsSchema>;
/** A change to some settings: only the keys given are changed (zod 4 would otherwise fill defaults in). */
export const SettingsPatchSchema = z.object(SettingFields).partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** SPEC 3.4 — a policy file (YAML or JSON). */
/**
 * Risk rules and workflows a policy file (or a simulation) may hold: far more than a person writes,
 * and few enough that a file of 100,000 wrong ones is refused at once rather than checked one by one.
 */
export const MAX_RISK_RULES = 1_000;
export const MAX_WORKFLOWS = 1_000;

export const PolicyFileSchema = z
  .object({
    version: z.literal(1),
    settings: SettingsPatchSchema.optional(),
    risk_rules: z.array(RiskRuleSchema).max(MAX_RISK_RULES).optional(),
    /** Approval workflows (SPEC 11) the policies name, written by export and created or replaced by import. */
    workflows: z.array(WorkflowSchema).max(MAX_WORKFLOWS).optional(),
    policies: z.array(z.unknown()),
  })
  .strict();
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Seeds' Terraform-style / MCP form: `{name, conditions, action, priority}` mapped onto a policy. */
export const SeedPolicySchema = z
  .object({
    id: PolicyIdSchema.optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(4_000).optional(),
    conditions: z.union([WhenSchema, z.string()]).optional(),
    action: z.enum(['allow', 'deny', 'require_approval', 'monitor', 'approve', 'block', 'escalate']),
    priority: z.number().int().min(0).max(1000).optional(),
    /** With `require_approval` / `escalate`: a one-step approval workflow (SPEC 11) in which one of them approves; with any other action a 400. */
    approvers: z.array(ApproverNameSchema).max(50).optional(),
    enabled: z.boolean().optional(),
    server_id: z.string().optional(),
    namespace: z.string().optional(),
    verb: z.string().optional(),
    tool: z.string().optional(),
  })
  .strict();
export type SeedPolicy = z.infer<typeof SeedPolicySchema>;

/**
 * Whether a policy as written is the seeds' Terraform / MCP form rather than a Gatehouse policy: an
 * object without `effect` that has `action` or `conditions` (SPEC 3.4). A policy file's items and the
 * policies API's bodies are told apart by it alike.
 */
export function isSeedPolicyForm(item: unknown): boolean {
  return (
    typeof item === 'object' && item !== null && !Array.isArray(item) && !('effect' in item) && ('action' in item || 'conditions' in item)
  );
}

/**
 * A policy body of the policies API (SPEC 3.4): a Gatehouse policy (`native`) or the seeds' form
 * (`SeedPolicySchema`), told apart by `isSeedPolicyForm`. Only the form the body is in validates it,
 * so a 400 names that form's fields (a plain union would answer "invalid input" for the whole body);
 * the documented schema is the union of the two.
 */
export function policyOrSeedSchema<S extends z.ZodType>(native: S) {
  return z.preprocess(
    (value, ctx) => {
      const parsed = (isSeedPolicyForm(value) ? SeedPolicySchema : native).safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
      return value;
    },
    z.union([native, SeedPolicySchema]),
  );
}

/** One line of the `policies/test` trace. */
export const TraceEntrySchema = z.object({
  policy_id: z.string(),
  name: z.string(),
  effect: EffectSchema,
  mode: PolicyModeSchema,
  priority: z.number(),
  considered: z.boolean(),
  matched: z.boolean(),
  decided: z.boolean(),
  reason: z.string(),
});
export type TraceEntry = z.infer<typeof TraceEntrySchema>;
