import { z } from 'zod';
import { ActionStatusSchema } from './action.js';
import { decimal, IsoTimeSchema, queryNumber } from './common.js';

export const RememberSchema = z.enum(['once', '15m', '1h', '12h', 'until_restart', 'forever']);
export type Remember = z.infer<typeof RememberSchema>;

export const TimeoutActionSchema = z.enum(['deny', 'allow']);
export type TimeoutAction = z.infer<typeof TimeoutActionSchema>;

/** SPEC 4 — body of approve / deny. */
export const ResolveRequestSchema = z
  .object({
    remember: RememberSchema.default('once'),
    pattern: z.string().min(1).max(4_096).optional(),
    comment: z.string().max(4_096).optional(),
    /**
     * With a `remember` choice other than `once`: also answer, in the same commit, every other
     * pending request the remembered policy matches ("also answer the N waiting like it").
     */
    apply_to_pending: z.boolean().default(false),
  })
  .strict()
  .refine((b) => !(b.apply_to_pending && b.remember === 'once'), {
    path: ['apply_to_pending'],
    message: "needs a remember choice other than 'once' (the remembered policy decides which waiting requests it answers)",
  })
  // A pattern shapes the remembered policy; answered once, nothing would hold it (it was dropped unseen).
  .refine((b) => !(b.pattern !== undefined && b.remember === 'once'), {
    path: ['pattern'],
    message: "needs a remember choice other than 'once' (the pattern is the remembered policy's resource)",
  });
export type ResolveRequest = z.infer<typeof ResolveRequestSchema>;

/**
 * SPEC 4 — the answer to approve / deny: the answered action's status body, plus the policy
 * `remember` created (or null) and the other pending actions `apply_to_pending` answered with it.
 */
export const ResolveResultSchema = ActionStatusSchema.extend({
  policy_id: z.string().nullable(),
  also_resolved: z.array(z.string()),
});
export type ResolveResult = z.infer<typeof ResolveResultSchema>;

/** SPEC 4 — body of withdraw: the agent stopped waiting (its own timeout, a cancel, quitting). */
export const WithdrawRequestSchema = z.object({ reason: z.string().max(4_096).optional() }).strict();
export type WithdrawRequest = z.infer<typeof WithdrawRequestSchema>;

export const ApprovalStatusSchema = z.enum(['pending', 'approved', 'rejected', 'expired', 'withdrawn']);
export type ApprovalStatus = z.infer<typeof ApprovalStatusSchema>;

/** GET /api/sdk/approval/{approval_id} */
export const ApprovalSchema = z.object({
  approval_id: z.string(),
  action_id: z.string(),
  status: ApprovalStatusSchema,
  approved: z.boolean().nullable(),
  reviewed_by: z.enum(['user', 'timeout', 'policy']).nullable(),
  reviewed_at: IsoTimeSchema.nullable(),
  comment: z.string().nullable(),
  created_at: IsoTimeSchema,
  expires_at: IsoTimeSchema,
  timeout_action: TimeoutActionSchema,
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** An item of GET /api/v1/approvals: the approval with its action. */
export const PendingApprovalSchema = ApprovalSchema.extend({ action: ActionStatusSchema });
export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const ApprovalQuerySchema = z
  .object({
    status: ApprovalStatusSchema.default('pending'),
    limit: queryNumber(decimal().int().min(1).max(1000).default(200)),
    cursor: z.string().max(256).optional(),
  })
  .strict();
