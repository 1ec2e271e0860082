import { z } from 'zod';
import { AuditRecordSchema, type AuditRecord } from '../../src-shared/index.js';
import { jcs, sealFields } from '../audit/chain.js';
import type { Op, SqlValue } from './types.js';

/**
 * One journal entry: the ops and audit records of one commit. On disk it is JSON with `n` first
 * (`{"n":7,"ops":[[sql,params],...],"audit":[record,...]}`), each record in its canonical JSONL form.
 */
export interface SealedRecord {
  record: AuditRecord;
  /** JCS text of record.data (what the `audit.data` column stores). */
  dataText: string;
  tsMs: number;
}

export interface Entry {
  n: number;
  ops: Op[];
  records: SealedRecord[];
  /** Set when the entry's ops failed to apply (they were rolled back; its audit records stand). */
  applyError: Error | null;
}

const SqlValueSchema = z.union([z.string(), z.number(), z.null()]);
const EntrySchema = z.object({
  n: z.number().int().min(1),
  ops: z.array(z.tuple([z.string(), z.array(SqlValueSchema)])),
  audit: z.array(AuditRecordSchema),
});

/** Checks op parameters: only values that survive a JSON round trip unchanged may be journaled. */
export function checkOps(ops: readonly Op[]): void {
  for (const op of ops) {
    if (typeof op.sql !== 'string' || !op.sql) throw new TypeError('op.sql must be a non-empty string');
    for (const p of op.params ?? []) {
      const ok = p === null || typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p));
      if (!ok) throw new TypeError(`op parameter ${String(p)} is not a string, finite number or null (in: ${op.sql.slice(0, 80)})`);
    }
  }
}

/** The journal payload of an entry. `lines` are the records' canonical JSONL lines. */
export function encodeEntry(n: number, ops: readonly Op[], lines: readonly string[]): Buffer {
  const opsJson = JSON.stringify(ops.map((o) => [o.sql, o.params ?? []]));
  return Buffer.from(`{"n":${n},"ops":${opsJson},"audit":[${lines.join(',')}]}`);
}

/** Parses and checks a journal payload (schema, record hashes). Throws on anything wrong. */
export function decodeEntry(payload: Buffer): Entry {
  const raw = EntrySchema.parse(JSON.parse(payload.toString('utf8')));
  const records = raw.audit.map((record): SealedRecord => {
    const dataText = jcs(record.data);
    const { hash } = sealFields({ ...record, dataText, prevHash: record.prev_hash });
    if (hash !== record.hash) throw new Error(`audit record seq ${record.seq} does not match its hash`);
    return { record, dataText, tsMs: Date.parse(record.ts) };
  });
  return { n: raw.n, ops: raw.ops.map(([sql, params]) => ({ sql, params: params as SqlValue[] })), records, applyError: null };
}
