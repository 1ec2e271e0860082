import type { Connection, Bindable } from './sqlite.js';
import type { AuditRow, UnhashedParts } from './types.js';

/** The columns of an `AuditRow`, in the order `readAuditRows` expects them. */
export const AUDIT_COLUMNS = 'seq, id, ts, type, actor, action_id, data, hash';

type AuditTuple = [number, string, string, string, string, string | null, string, string];

/**
 * Audit rows of a `SELECT ${AUDIT_COLUMNS} ...`, read as arrays and made into objects here:
 * node:sqlite builds each row object key by key, which costs more than the read itself at a
 * million rows; an object literal of a fixed shape is nearly free (verification of 200,000 rows
 * in one thread, measured side by side: 162–209k → 239–263k rec/s).
 */
export function readAuditRows(conn: Connection, sql: string, params: readonly Bindable[]): AuditRow[] {
  return toAuditRows(conn.allArrays<AuditTuple>(sql, params));
}

/**
 * The same, read while the rows' `data` fits in `budget` characters (at least one row): records can
 * be 1 MiB each, and a read of 500 of them must not outgrow a storage thread's heap.
 */
export function readAuditRowsWithin(conn: Connection, sql: string, params: readonly Bindable[], budget: number): AuditRow[] {
  return toAuditRows(conn.arraysWithin<AuditTuple>(sql, params, budget, (t) => t[6].length));
}

/**
 * For verification: each record's canonical text without its hash (chain.ts `unhashedText`), put
 * together by SQLite around the one part that is not in the row, the previous record's hash, as
 * `[seq, before, after, hash]` (the text is before + prev_hash + after). One string a record instead
 * of seven to read and join: a single-thread walk of a million records ×1.25, measured side by side.
 * json_quote writes a string as JSON.stringify does (test/storage/unhashed-parts.test.ts); a record
 * whose text made here does not match its hash is checked again the usual way before it is called
 * bad (audit/scan.ts verifyParts), so a difference could cost time, never a wrong verdict.
 */
const UNHASHED_PARTS = `seq,
  '{"action_id":' || ifnull(json_quote(action_id), 'null') || ',"actor":' || json_quote(actor) || ',"data":' || data ||
    ',"id":' || json_quote(id) || ',"prev_hash":"',
  '","seq":' || seq || ',"ts":' || json_quote(ts) || ',"type":' || json_quote(type) || '}',
  hash`;
const PARTS_AFTER = `SELECT ${UNHASHED_PARTS} FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`;

/** Records `after`+1.. (to `hi`, at most `limit`) as UnhashedParts, while they fit in `budget` characters. */
export function readUnhashedParts(conn: Connection, after: number, hi: number, limit: number, budget: number): UnhashedParts[] {
  return conn.arraysWithin<UnhashedParts>(PARTS_AFTER, [after, hi, limit], budget, (p) => p[1].length);
}

function toAuditRows(tuples: AuditTuple[]): AuditRow[] {
  const out: AuditRow[] = new Array<AuditRow>(tuples.length);
  for (let i = 0; i < tuples.length; i++) {
    const t = tuples[i]!;
    out[i] = { seq: t[0], id: t[1], ts: t[2], type: t[3], actor: t[4], action_id: t[5], data: t[6], hash: t[7] };
  }
  return out;
}
