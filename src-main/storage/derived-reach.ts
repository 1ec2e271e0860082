import { FTS_FORMAT } from './schema.js';
import type { SqlValue } from './types.js';

/** A connection or store that reads the live database with the full-text file attached as `fts`. */
interface Reads {
  get<T>(sql: string, params?: SqlValue[]): T | undefined;
}

/**
 * How far the full-text file's derived rows (`audit_fts`, `audit_agent`) reach, as this reader sees
 * it: every record up to the returned seq is in them, none past it. 0 when the file is of another
 * format (the indexer builds it again from the live log: until then, nothing in it counts).
 */
export function derivedReach(db: Reads): number {
  const m = db.get<{ format: string | null; seq: string | null }>(
    "SELECT (SELECT value FROM fts.fts_meta WHERE key = 'format') AS format, (SELECT value FROM fts.fts_meta WHERE key = 'fts_seq') AS seq",
  );
  return m?.format === FTS_FORMAT ? Number(m.seq ?? 0) : 0;
}
