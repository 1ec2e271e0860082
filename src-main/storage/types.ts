import type { AuditRecord, AuditType, JsonObject } from '../../src-shared/index.js';

/** A value sql.js can bind. Blobs are not journaled (JSON), so they are not allowed in ops. */
export type SqlValue = string | number | null;

/**
 * One state change, as SQL text and parameters. Ops are journaled verbatim and replayed on start,
 * so they must be deterministic: no `now()`, `random()` or reads of anything but their params.
 */
export interface Op {
  sql: string;
  params?: SqlValue[];
}

/** An audit record before the store gives it its seq, id, ts and hashes. */
export interface AuditDraft {
  type: AuditType;
  actor: string;
  action_id?: string | null;
  data: JsonObject;
}

/** Thrown (as a rejected commit) when the journal cannot be written: the API answers 503. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/** The columns of an `audit` row as the store returns them (prev_hash is derived, not stored). */
export interface AuditRow {
  seq: number;
  id: string;
  ts: string;
  type: string;
  actor: string;
  action_id: string | null;
  data: string; // canonical JSON (JCS) of the record's data
  hash: string;
}

/** The durable, queryable state of Gatehouse. One instance per data directory. */
export interface Store {
  /** Run a read query (prepared statements are cached by SQL text). */
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T[];
  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T | undefined;
  /**
   * Durably apply ops and append audit records, in one journal entry. Resolves with the finished
   * records only after the entry is fsynced and applied to the in-memory database (group commit:
   * concurrent commits share one fsync). Rejects with StorageUnavailableError when the disk cannot
   * be written; then nothing of that commit is applied and the chain head is unchanged.
   * Seq numbers are assigned synchronously, in call order. `ops` may be a function of the finished
   * records (called synchronously, before anything is journaled) so that a row can refer to the
   * seq of the record written with it.
   */
  commit(ops: Op[] | ((records: AuditRecord[]) => Op[]), audit?: AuditDraft[]): Promise<AuditRecord[]>;
  /** False after a failed write until a write succeeds again. */
  readonly writable: boolean;
  /** The last durable audit record (seq 0 and 64 zeros when the log is empty). */
  head(): { seq: number; hash: string };
  /** Audit rows with seq in (afterSeq, ...] in ascending order, at most `limit`. */
  auditRows(afterSeq: number, limit: number, filter?: { sinceMs?: number; untilMs?: number }): AuditRow[];
  /** Write a snapshot now (temp file, fsync, rename) and drop journal segments it covers. */
  snapshot(): Promise<void>;
  /** Snapshot and close the journal. Further commits reject. */
  close(): Promise<void>;
}

export type { AuditRecord };
