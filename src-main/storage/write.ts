import type { AuditRecord } from '../../src-shared/index.js';
import { indexFields } from './audit-index.js';
import { isStorageFailure, type Connection } from './sqlite.js';
import type { Op } from './types.js';

/** A record sealed onto the chain, with what its row needs. */
export interface SealedRecord {
  record: AuditRecord;
  /** JCS text of record.data (what the `audit.data` column stores). */
  dataText: string;
  tsMs: number;
}

/** One commit as the writer sees it. */
export interface WriteUnit {
  ops: readonly Op[];
  records: readonly SealedRecord[];
  /** Set when the unit's own ops failed (they were rolled back; its audit records stand). */
  opError: Error | null;
}

export interface PendingCommit extends WriteUnit {
  resolve: (records: AuditRecord[]) => void;
  reject: (e: Error) => void;
}

const INSERT_AUDIT =
  'INSERT INTO audit(seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const INSERT_FTS = 'INSERT INTO audit_fts(rowid, body) VALUES (?, ?)';

/** Inserts a sealed record and its free-text entry. */
export function insertRecord(conn: Connection, s: SealedRecord): void {
  const r = s.record;
  const f = indexFields(r);
  conn.run(INSERT_AUDIT, [
    r.seq,
    r.id,
    r.ts,
    s.tsMs,
    r.type,
    r.actor,
    r.action_id,
    f.agent_id,
    f.decision,
    f.status,
    f.risk_level,
    s.dataText,
    r.hash,
  ]);
  conn.run(INSERT_FTS, [r.seq, f.body]);
}

/** An op of a unit failed (not the disk): the batch is redone unit by unit. */
class OpFailed extends Error {}

/**
 * Writes units in one transaction (BEGIN IMMEDIATE … COMMIT; with synchronous=FULL the COMMIT
 * returns once the WAL is fsynced). Per unit: if one of its ops fails, that unit's ops are rolled
 * back and the error is kept on the unit; its audit records are part of the chain and are always
 * inserted. A storage failure (full, read-only, I/O) anywhere rolls the whole transaction back and
 * throws: nothing of the batch is stored.
 *
 * Ops almost never fail, so the batch first runs without per-unit savepoints; only when an op fails
 * is it rolled back and redone with a savepoint per unit.
 */
export function writeBatch(conn: Connection, units: readonly WriteUnit[]): void {
  try {
    transaction(conn, () => {
      for (const u of units) {
        try {
          for (const op of u.ops) conn.run(op.sql, op.params);
        } catch (e) {
          if (isStorageFailure(e)) throw e;
          throw new OpFailed();
        }
        for (const r of u.records) insertRecord(conn, r);
      }
    });
  } catch (e) {
    if (!(e instanceof OpFailed)) throw e;
    writeCarefully(conn, units);
  }
}

function writeCarefully(conn: Connection, units: readonly WriteUnit[]): void {
  transaction(conn, () => {
    for (const u of units) {
      u.opError = null;
      if (u.ops.length) {
        conn.exec('SAVEPOINT unit');
        try {
          for (const op of u.ops) conn.run(op.sql, op.params);
          conn.exec('RELEASE unit');
        } catch (err) {
          if (isStorageFailure(err)) throw err;
          conn.exec('ROLLBACK TO unit');
          conn.exec('RELEASE unit');
          u.opError = err instanceof Error ? err : new Error(String(err));
        }
      }
      for (const r of u.records) insertRecord(conn, r);
    }
  });
}

/** BEGIN IMMEDIATE … COMMIT, rolled back if anything (the COMMIT included) throws. */
export function transaction(conn: Connection, fn: () => void): void {
  conn.exec('BEGIN IMMEDIATE');
  try {
    fn();
    conn.exec('COMMIT');
  } catch (e) {
    // After some errors (SQLITE_FULL, I/O) SQLite has already rolled back; after others not.
    if (conn.db.isTransaction) {
      try {
        conn.exec('ROLLBACK');
      } catch {
        // nothing more to undo
      }
    }
    throw e;
  }
}
