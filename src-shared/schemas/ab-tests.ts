import { z } from 'zod';
import { IsoTimeSchema } from './common.js';

/**
 * SPEC 12 — A/B tests of policies: during a test, `traffic_split` % of the actions the control
 * policy decides are decided by the test policy instead, assigned by a stable hash of the action.
 * The test policy decides nothing else while the test runs, whatever its `enabled` and `mode`.
 */
const PolicyRefIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a policy id');

/** POST /api/ab-tests — the seeds' form. */
export const AbTestCreateSchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(4_000).optional(),
    control_policy: PolicyRefIdSchema,
    test_policy: PolicyRefIdSchema,
    /** Percent of the control policy's actions decided by the test policy (0-100). */
    traffic_split: z.number().min(0).max(100),
    /** The test ends by itself this many days after it starts. */
    duration_days: z.number().positive().max(365),
  })
  .strict()
  .refine((b) => b.control_policy !== b.test_policy, { path: ['test_policy'], message: 'must differ from control_policy' });
export type AbTestCreate = z.infer<typeof AbTestCreateSchema>;

export const AbArmSchema = z.enum(['control', 'test']);
export type AbArm = z.infer<typeof AbArmSchema>;

/** One arm's numbers. */
export const AbArmReportSchema = z.object({
  /** Actions decided in this arm. */
  actions: z.number().int(),
  /**
   * Final decisions: each action's current go/no-go (SPEC 2.3 `decision`), so a held action is
   * `pending` only while it waits — approved counts as allowed; rejected and withdrawn as denied;
   * expired as its timeout action decided.
   */
  decisions: z
    .object({ allowed: z.number().int(), denied: z.number().int(), pending: z.number().int() })
    .describe(
      'Final decisions: each action\u2019s current `decision` (pending only while it waits; approved counts as allowed, rejected and withdrawn as denied, expired as its timeout action decided).',
    ),
  /** Actions held for a person. */
  approvals_asked: z.number().int(),
  /** Of those, answered by a person, and approved. */
  approvals_answered: z.number().int(),
  approved: z.number().int(),
  /** approved / approvals_answered; null before any answer. */
  approval_rate: z.number().nullable(),
  /** Median time from the request to a person's answer, ms; null before any answer. */
  median_approval_latency_ms: z.number().nullable(),
  /** Actions the other arm would have decided differently (both arms are evaluated for every action). */
  other_arm_would_differ: z.number().int(),
});
export type AbArmReport = z.infer<typeof AbArmReportSchema>;

export const AbTestStatusSchema = z.enum(['running', 'stopped', 'completed']);

export const AbTestSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  control_policy: z.string(),
  test_policy: z.string(),
  traffic_split: z.number(),
  duration_days: z.number(),
  /** `completed`: ran its duration; `stopped`: stopped early. */
  status: AbTestStatusSchema,
  started_at: IsoTimeSchema,
  ends_at: IsoTimeSchema,
  stopped_at: IsoTimeSchema.nullable(),
  arms: z.object({ control: AbArmReportSchema, test: AbArmReportSchema }),
});
export type AbTest = z.infer<typeof AbTestSchema>;
