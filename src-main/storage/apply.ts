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
  db.run(INSERT_AUDIT, [r.seq, r.id, r.ts, s.tsMs, r.type, r.actor, r.action_id, f.agent_id, f.decision, f.status, f.risk_level, s.dataText, r.hash]);
  db.run(INSERT_FTS, [r.seq, f.body]);
}

/**
 * Applies durable entries, in journal order, in one transaction. Each entry's ops run in their own
 * savepoint: if one fails, that entry's ops are rolled back and the error kept on the entry (the
 * same thing happens on replay, so the state stays deterministic); its audit records are part of
 * the chain and are always inserted. Anything else failing aborts the whole transaction and throws.
 */
export function applyEntries(db: Database, entries: readonly Entry[]): void {
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
