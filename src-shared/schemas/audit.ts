import { z } from 'zod';
import { IsoTimeSchema, JsonObjectSchema } from './common.js';

/** Types of audit record (SPEC 7.1). */
export const AUDIT_TYPES = [
  'server.started',
  'server.stopped',
  'action.decided',
  'approval.requested',
  'approval.resolved',
  'approval.expired',
  'approval.withdrawn',
  'approval.step_answered',
  'approval.escalated',
  'workflow.created',
  'workflow.updated',
  'workflow.deleted',
  'ab_test.created',
  'ab_test.stopped',
  'action.completed',
  'agent.registered',
  'mcp.server_registered',
  'mcp.tool_accepted',
  'policy.created',
  'policy.updated',
  'policy.deleted',
  'policy.imported',
  'settings.changed',
  'key.created',
  'key.revoked',
  'webhook.created',
  'webhook.deleted',
  'alert.triggered',
  'storage.upgraded',
] as const;
export const AuditTypeSchema = z.enum(AUDIT_TYPES);
export type AuditType = z.infer<typeof AuditTypeSchema>;

export const ZERO_HASH = '0'.repeat(64);

/** SPEC 7.1 — one audit record; `hash` = SHA-256 hex of JCS(record without `hash`). */
export const AuditRecordSchema = z
  .object({
    seq: z.number().int().min(1),
    id: z.string(),
    ts: IsoTimeSchema,
    type: z.string(),
    actor: z.string(),
    action_id: z.string().nullable(),
    data: JsonObjectSchema,
    prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const AuditQuerySchema = z
  .object({
    type: z.string().max(64).optional(),
    agent_id: z.string().max(128).optional(),
    action_id: z.string().max(64).optional(),
    decision: z.enum(['allowed', 'denied', 'pending']).optional(),
    status: z.string().max(32).optional(),
    risk_level: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    since: IsoTimeSchema.optional(),
    until: IsoTimeSchema.optional(),
    q: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(64).optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const ExportFormatSchema = z.enum(['jsonl', 'csv', 'cef']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
export const AuditExportQuerySchema = z
  .object({ format: ExportFormatSchema.default('jsonl'), since: IsoTimeSchema.optional(), until: IsoTimeSchema.optional() })
  .strict();

export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  records: z.number().int(),
  first_bad_seq: z.number().int().nullable(),
  head_hash: z.string().nullable(),
  error: z.string().nullable().optional(),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;
