import type { AuditRecord, AuditType, ExportFormat, JsonObject, VerifyResult } from '../../src-shared/index.js';
import type { StoreSubtrees } from './merkle-store.js';

/** A value an op may bind. */
export type SqlValue = string | number | null;

/**
 * One state change, as SQL text and parameters. Ops must be deterministic (no `now()`, `random()`
 * or reads of anything but their params): the commit they belong to either applies all of them or
 * none of them, and the 0.1 upgrade replays 0.1's journaled ops the same way.
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

/** Thrown (as a rejected commit) when the database cannot be written: the API answers 503. */
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

/** An export of audit records seq lo..hi as text chunks (SPEC 7.5). */
export interface AuditScan {
  format: ExportFormat;
  lo: number;
  hi: number;
}

/**
 * What a page of a list reads (services/action-list.ts, audit/query.ts): the store on the main
 * thread, or the page thread's own connection (storage/log-reads.ts, services/page-worker.ts).
 */
export type PageReads = Pick<Store, 'all' | 'get' | 'head' | 'archiveHead' | 'hashBefore'>;

/** The durable, queryable state of Gatehouse. One instance per data directory. */
export interface Store {
  /** Run a read query on the main thread (prepared statements are cached by SQL text). Keep it indexed. */
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T[];
  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T | undefined;
  /**
   * A read that may touch many rows (statistics over a big window): run on the read worker's own
   * connection when `rowsHint` (an estimate of the rows it visits) is large, else here.
   */
  allAsync<T = Record<string, unknown>>(sql: string, params?: SqlValue[], opts?: { rowsHint?: number }): Promise<T[]>;
  /**
   * Durably apply ops and append audit records, in one transaction. Resolves with the finished
   * records only after the transaction has committed (synchronous=FULL: on disk). Group commit:
   * commits issued while one is being written share the next transaction. Rejects with
   * StorageUnavailableError when the disk cannot be written; then nothing of that commit is stored
   * and the chain head is unchanged. If one of the commit's own ops fails (a constraint), its ops
   * are rolled back and the promise rejects with that error, while its audit records are stored.
   * Seq numbers are assigned synchronously, in call order. `ops` may be a function of the finished
   * records (called synchronously, before anything is written) so that a row can refer to the seq
   * of the record written with it.
   */
  commit(ops: Op[] | ((records: AuditRecord[]) => Op[]), audit?: AuditDraft[]): Promise<AuditRecord[]>;
  /** Resolves once every acknowledged record can be found by free text (call before a search). */
  fullTextReady(): Promise<void>;
  /**
   * `fullTextReady` bounded by `ms`: null once every acknowledged record can be found, or how far
   * the index reaches when `ms` pass first (after an upgrade or a rebuild it can be a whole log behind).
   */
  fullTextWithin(ms: number): Promise<IndexProgress | null>;
  /** False after a failed write until a write succeeds again. */
  readonly writable: boolean;
  /** The last durable audit record (seq 0 and 64 zeros when the log is empty). */
  head(): { seq: number; hash: string };
  /** Audit rows with seq in (afterSeq, ...] in ascending order, at most `limit`. */
  auditRows(afterSeq: number, limit: number, filter?: { sinceMs?: number; untilMs?: number }): AuditRow[];
  /** Export records lo..hi as text chunks, formatted off the main thread when the range is large. */
  exportChunks(scan: AuditScan): AsyncGenerator<string>;
  /** Verify the live chain (seq 1 to the head), off the main thread when the log is large. */
  verify(onProgress?: (done: number, total: number) => void): Promise<VerifyResult>;
  /** The last record moved to the archive by retention (seq 0 and 64 zeros when none). */
  archiveHead(): { seq: number; hash: string };
  /** The `prev_hash` of record `seq`: the last live record's hash before it, else the last archived one's, else 64 zeros. */
  hashBefore(seq: number): string;
  /** The data directory the store lives in. */
  readonly dataDir: string;
  /** The live log's Merkle tree (SPEC 7.6), one source per request; see merkle-store.ts. */
  merkle(): StoreSubtrees;
  /** False while the tree of an older log is still being built after start. */
  readonly merkleReady: boolean;
  /** Finish pending writes and close. Further commits reject. */
  close(): Promise<void>;
}

/** How far the full-text index reaches while it is behind: `indexed` of the log's `head` records. */
export interface IndexProgress {
  indexed: number;
  head: number;
}

export type { AuditRecord };
