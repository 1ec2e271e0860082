import { indexFields } from './audit-index.js';
import type { Database } from './database.js';
import type { Entry, SealedRecord } from './entry.js';

const INSERT_AUDIT =
  'INSERT INTO audit(seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const INSERT_FTS = 'INSERT INTO audit_fts(docid, body) VALUES (?, ?)';

function insertRecord(db: Database, s: SealedRecord): void {
  const r = s.record;
  const f = indexFields(r);
  db.run(INSERT_AUDIT, [
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
  db.run(INSERT_FTS, [r.seq, f.body]);
}

/** An op of this entry failed: the batch is redone entry by entry. */
class OpFailed extends Error {}

/**
 * Applies durable entries, in journal order, in one transaction. The semantics are per entry: if
 * one of an entry's ops fails, that entry's ops are rolled back and the error is kept on the entry
 * (replay does exactly the same, so the state stays deterministic); its audit records are part of
 * the chain and are always inserted. Anything else failing aborts the whole transaction and throws.
 *
 * Ops almost never fail, so the batch first runs without per-entry savepoints (they cost as much as
 * the inserts); only when an op fails is the batch rolled back and redone with a savepoint per entry.
 */
export function applyEntries(db: Database, entries: readonly Entry[]): void {
  try {
    db.transaction(() => {
      for (const e of entries) {
        try {
          for (const op of e.ops) db.run(op.sql, op.params);
        } catch {
          throw new OpFailed();
        }
        for (const r of e.records) insertRecord(db, r);
      }
    });
  } catch (e) {
    if (!(e instanceof OpFailed)) throw e;
    applyCarefully(db, entries);
  }
}

function applyCarefully(db: Database, entries: readonly Entry[]): void {
  db.transaction(() => {
    for (const e of entries) {
      if (e.ops.length) {
        try {
          db.transaction(() => {
            for (const op of e.ops) db.run(op.sql, op.params);
          });
        } catch (err) {
          e.applyError = err instanceof Error ? err : new Error(String(err));
        }
      }
      for (const r of e.records) insertRecord(db, r);
    }
  });
}
