import type { AuditRecord } from '../../src-shared/index.js';
import { filterFields } from './audit-index.js';
import { BLOCK, extendMerkleInWrite } from './merkle-store.js';
import { isStorageFailure, sqliteCode, type Connection } from './sqlite.js';
import type { Op, SqlValue } from './types.js';

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
  /** Records already in wire form (on the writer thread). */
  rows?: WireUnit['rows'];
  /** Set when the unit's own ops failed (they were rolled back; its audit records stand). */
  opError: Error | null;
}

export interface PendingCommit extends WriteUnit {
  /** Its size as sent to the writer (store.ts bounds a transaction by it). */
  bytes: number;
  resolve: (records: AuditRecord[]) => void;
  reject: (e: Error) => void;
}

/** A unit as it crosses to the writer thread: flat arrays, cheap to clone. A row is the `audit` columns in INSERT_AUDIT order. */
export interface WireUnit {
  ops: [string, SqlValue[]][];
  rows: (string | number | null)[][];
}

/** A record's `audit` columns, in INSERT_AUDIT order. */
function recordRow(s: SealedRecord): WireUnit['rows'][number] {
  const r = s.record;
  const f = filterFields(r.data);
  return [r.seq, r.id, r.ts, s.tsMs, r.type, r.actor, r.action_id, f.agent_id, f.decision, f.status, f.risk_level, s.dataText, r.hash];
}

/** The wire form of a unit (built on the main thread, which has each record's data parsed). */
export function toWire(u: WriteUnit): WireUnit {
  return { ops: u.ops.map((o) => [o.sql, o.params ?? []]), rows: u.records.map(recordRow) };
}

/** An op failure of one unit, as the writer thread reports it. */
export interface OpError {
  unit: number;
  message: string;
  code: number | null;
}

/**
 * The writer thread's side: writes wire units in one transaction (see writeBatch) and returns the
 * units whose own ops failed. Throws (nothing stored) on a storage failure.
 */
export function writeRows(conn: Connection, wire: readonly WireUnit[], report: (m: string) => void = () => undefined): OpError[] {
  const units = wire.map((w): WriteUnit => ({
    ops: w.ops.map(([sql, params]) => ({ sql, params })),
    records: [],
    rows: w.rows,
    opError: null,
  }));
  let records = 0;
  for (const w of wire) records += w.rows.length;
  // The Merkle nodes these records complete, in the same transaction (a few more when the tree
  // lags behind, so a lag shrinks without ever making one transaction long).
  writeBatch(conn, units, () => extendMerkleInWrite(conn, 2 + Math.ceil(records / BLOCK), report));
  const errors: OpError[] = [];
  units.forEach((u, i) => {
    if (u.opError) errors.push({ unit: i, message: u.opError.message, code: sqliteCode(u.opError) });
  });
  return errors;
}

const INSERT_AUDIT =
  'INSERT INTO audit(seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Inserts a sealed record (the 0.1 upgrade, which has no writer thread). Its free text is indexed later, by the indexer thread (fts-tail.ts). */
export function insertRecord(conn: Connection, s: SealedRecord): void {
  conn.run(INSERT_AUDIT, recordRow(s));
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
export function writeBatch(conn: Connection, units: readonly WriteUnit[], finish?: () => void): void {
  try {
    transaction(conn, () => {
      for (const u of units) {
        try {
          for (const op of u.ops) conn.run(op.sql, op.params);
        } catch (e) {
          if (isStorageFailure(e)) throw e;
          throw new OpFailed();
        }
        insertAll(conn, u);
      }
      finish?.();
    });
  } catch (e) {
    if (!(e instanceof OpFailed)) throw e;
    writeCarefully(conn, units, finish);
  }
}

function writeCarefully(conn: Connection, units: readonly WriteUnit[], finish?: () => void): void {
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
      insertAll(conn, u);
    }
    finish?.();
  });
}

function insertAll(conn: Connection, u: WriteUnit): void {
  for (const r of u.records) insertRecord(conn, r);
  if (u.rows) for (const row of u.rows) conn.run(INSERT_AUDIT, row);
}

/**
 * BEGIN IMMEDIATE … COMMIT, rolled back if anything (the COMMIT included) throws. `BEGIN` (deferred)
 * for a connection with other databases attached that it only reads: IMMEDIATE takes the write lock
 * of every attached file.
 */
export function transaction(conn: Connection, fn: () => void, begin: 'BEGIN IMMEDIATE' | 'BEGIN' = 'BEGIN IMMEDIATE'): void {
  conn.exec(begin);
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
