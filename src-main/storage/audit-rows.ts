import type { Connection, Bindable } from './sqlite.js';
import type { AuditRow } from './types.js';

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
 * Records whose `data` is longer than this many bytes are not read by a range read's query: it
 * answers their size instead, and each is read on its own while the read's budget has room for it.
 */
export const BIG_RECORD_BYTES = 8192;

const RANGE = `SELECT seq, id, ts, type, actor, action_id,
  CASE WHEN octet_length(data) <= ${BIG_RECORD_BYTES} THEN data ELSE octet_length(data) END, hash
  FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`;
const DATA_OF = 'SELECT data FROM audit WHERE seq = ?';

type RangeTuple = [number, string, string, string, string, string | null, string | number, string];

/**
 * Records `after`+1.. (to `hi`, at most `limit`) while their `data` fits in `budget` characters (the
 * first always does). Records can be 1 MiB each, and a read of hundreds of them must not outgrow a
 * storage thread's heap: so one query reads the small ones whole and only the size of the big ones
 * (octet_length reads no overflow page), and each big one is then read alone if it fits. What one
 * read holds is thus at most `limit` × BIG_RECORD_BYTES beyond the budget, plus one record.
 *
 * This is a plain `all()`: the walk row by row (`iterate`) it replaces, which stopped at the first
 * row that did not fit, cost a quarter more per record (200,000 records of the bench's 1M log read
 * and made into JSONL text in one thread, side by side: 247k → 316k rec/s). A big record gone by
 * the time it is read alone (retention, outside a read transaction) is left out, as the query
 * would have left it out.
 */
export function readAuditRange(conn: Connection, after: number, hi: number, limit: number, budget: number): AuditRow[] {
  const out: AuditRow[] = [];
  let held = 0;
  // Again past the records read when every one of them was a big record gone meanwhile: an empty
  // answer means the range has nothing more.
  while (out.length === 0) {
    const tuples = conn.allArrays<RangeTuple>(RANGE, [after, hi, limit]);
    if (!tuples.length) break;
    for (const t of tuples) {
      let data = t[6];
      if (typeof data === 'number') {
        if (out.length > 0 && held + data > budget) break;
        const row = conn.get<{ data: string }>(DATA_OF, [t[0]]);
        if (!row) continue;
        data = row.data;
      }
      held += data.length;
      if (out.length > 0 && held > budget) break;
      out.push({ seq: t[0], id: t[1], ts: t[2], type: t[3], actor: t[4], action_id: t[5], data, hash: t[7] });
    }
    after = tuples[tuples.length - 1]![0];
  }
  return out;
}

function toAuditRows(tuples: AuditTuple[]): AuditRow[] {
  const out: AuditRow[] = new Array<AuditRow>(tuples.length);
  for (let i = 0; i < tuples.length; i++) {
    const t = tuples[i]!;
    out[i] = { seq: t[0], id: t[1], ts: t[2], type: t[3], actor: t[4], action_id: t[5], data: t[6], hash: t[7] };
  }
  return out;
}
