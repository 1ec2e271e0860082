import { z } from 'zod';
import { decimal, IsoTimeSchema, JsonObjectSchema, queryNumber, windowInOrder } from './common.js';

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
  'checkpoint.signed',
  'audit.key_created',
  'audit.archived',
  'sink.created',
  'sink.deleted',
] as const;
export const AuditTypeSchema = z.enum(AUDIT_TYPES);
export type AuditType = z.infer<typeof AuditTypeSchema>;

export { ZERO_HASH } from '../hash.js';

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
    limit: queryNumber(decimal().int().min(1).max(1000).default(100)),
    cursor: z.string().max(64).optional(),
  })
  .strict()
  .superRefine(windowInOrder);
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const ExportFormatSchema = z.enum(['jsonl', 'csv', 'cef']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/** `true`/`false` in a query string (anything else is a 400). */
const QueryBoolSchema = z.enum(['true', 'false']).transform((v) => v === 'true');
export const AuditExportQuerySchema = z
  .object({
    format: ExportFormatSchema.default('jsonl'),
    since: IsoTimeSchema.optional(),
    until: IsoTimeSchema.optional(),
    include_archive: QueryBoolSchema.optional().describe(
      'Also stream the archived records (SPEC 7.7) first, in the same format and time window: one chain with the live log.',
    ),
  })
  .strict()
  .superRefine(windowInOrder);

/**
 * Response header of the audit export: how many records it holds (CSV's header line not counted).
 * Absent when archives are included within a time window (not known before they are read).
 */
export const EXPORT_RECORDS_HEADER = 'X-Gatehouse-Records';

/** The record count an export response announces (absent or malformed: null, and a progress display counts without a total). */
export function announcedRecords(headers: { get(name: string): string | null }): number | null {
  const v = headers.get(EXPORT_RECORDS_HEADER);
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

export const VerifyResultSchema = z.object({
  ok: z.boolean(),
  records: z.number().int(),
  first_bad_seq: z.number().int().nullable(),
  head_hash: z.string().nullable(),
  error: z.string().nullable().optional(),
  archived_records: z
    .number()
    .int()
    .optional()
    .describe(
      'Records 1..n were moved to archive/ by retention (SPEC 7.7): the live chain was verified from the last of them to the head (`records` counts the whole log). `gatehouse audit verify --archive` checks them.',
    ),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

/** A tree size or a seq in a query string: a positive integer. */
const Count = queryNumber(decimal().int().min(1).max(Number.MAX_SAFE_INTEGER));
const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);

/** GET /api/v1/audit/public-key (SPEC 7.6): `public_key` is the base64 of the 32 raw Ed25519 bytes. */
export const PublicKeyViewSchema = z.object({
  key_id: z
    .string()
    .regex(/^[0-9a-f]{8}$/)
    .describe('First 4 bytes of SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ key), hex (C2SP signed-note).'),
  public_key: z.string(),
  origin: z.string().describe('The checkpoints\u2019 origin line and key name: `gatehouse.local/<install id>`.'),
  verifier_key: z.string().describe('The C2SP note verifier key `origin+keyid+base64(0x01 ‖ key)`.'),
});
export type PublicKeyView = z.infer<typeof PublicKeyViewSchema>;

export const AuditProofQuerySchema = z
  .object({
    seq: Count.describe('The record to prove.'),
    size: Count.optional().describe('The tree size (default: the latest checkpoint\u2019s).'),
  })
  .strict();
/** RFC 6962 inclusion proof (SPEC 7.6): leaf = SHA-256(0x00 ‖ the record's 32 raw hash bytes). */
export const AuditProofSchema = z.object({
  seq: z.number().int(),
  size: z.number().int(),
  leaf_hash: Hex32,
  proof: z.array(Hex32),
});
export type AuditProof = z.infer<typeof AuditProofSchema>;

/** GET /api/v1/audit/archives: what retention moved out of the live log (SPEC 7.7). */
export const AuditArchivesSchema = z.object({
  archived_records: z.number().int().describe('Records 1..n are archived; the live log starts at n + 1.'),
  archives: z.array(
    z.object({
      first_seq: z.number().int(),
      last_seq: z.number().int(),
      file: z.string().describe('Its path in the data dir: `archive/audit-<first>-<last>.jsonl.gz`.'),
      bytes: z.number().int(),
      checkpoint: z.boolean().describe('The signed checkpoint of records 1..last lies beside it.'),
      prefix: z.boolean().describe('Its prefix file lies beside it: it verifies on its own against its checkpoint.'),
    }),
  ),
});
export type AuditArchives = z.infer<typeof AuditArchivesSchema>;

/**
 * `archive/audit-<first>-<last>.prefix.json` (SPEC 7.7): what an archive after the first needs to
 * be verified on its own against the checkpoint beside it. A checkpoint signs the root of the
 * records 1..last; the archive holds first..last, and these are the records before it, summed up:
 * the Merkle tree's aligned perfect subtrees over 1..size (largest first), the hash of record
 * `size` (the archive's first `prev_hash`) and its inclusion proof in the tree of those `size`
 * records, which ties that hash to the subtrees and so to the signed root.
 */
export const ArchivePrefixSchema = z
  .object({
    format: z.literal('gatehouse-archive-prefix/1'),
    size: z.number().int().min(0).describe('Records before the archive: its first seq minus one.'),
    prev_hash: Hex32.describe('The hash of record `size` (64 zeros when size is 0).'),
    subtrees: z.array(z.object({ start: z.number().int().min(0), size: z.number().int().min(1), hash: Hex32 }).strict()),
    prev_proof: z.array(Hex32).describe('RFC 6962 inclusion proof of record `size` in the tree of `size` records.'),
  })
  .strict();
export type ArchivePrefix = z.infer<typeof ArchivePrefixSchema>;

export const ConsistencyQuerySchema = z
  .object({
    from: Count.describe('The size of the earlier tree.'),
    to: Count.optional().describe('The size of the later tree (default: the latest checkpoint\u2019s).'),
  })
  .strict();
export const ConsistencyProofSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  from_root: Hex32,
  to_root: Hex32,
  proof: z.array(Hex32),
});
export type ConsistencyProof = z.infer<typeof ConsistencyProofSchema>;
