import { ZERO_HASH } from '../../src-shared/index.js';
import type { Connection } from './sqlite.js';
import type { PageReads, SqlValue } from './types.js';

type Head = { seq: number; hash: string };

/** A connection that reads the live database (the main thread's, or a read thread's). */
interface Reads {
  get<T>(sql: string, params?: SqlValue[]): T | undefined;
}

/** The last record moved to the archive by retention (seq 0 and 64 zeros when none). */
export function archiveHeadOf(db: Reads): Head {
  const row = db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'archive_head'");
  return row ? (JSON.parse(row.value) as Head) : { seq: 0, hash: ZERO_HASH };
}

/**
 * The `prev_hash` of a line that starts at record `seq`: the hash of the last live record before
 * it, else the last archived one (the live log starts after it), else 64 zeros.
 */
export function hashBeforeOf(db: Reads, seq: number): string {
  const row = db.get<{ hash: string }>('SELECT hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT 1', [seq]);
  if (row) return row.hash;
  const archived = archiveHeadOf(db);
  return archived.seq > 0 && archived.seq < seq ? archived.hash : ZERO_HASH;
}

/**
 * A read thread's connection as the list code reads it. `head` is the main thread's durable head
 * when the page was asked for, so that a range bounded by the head ends where the main thread's
 * would (storage/types.ts Store.head).
 */
export function connectionReads(conn: Connection, head: Head): PageReads {
  return {
    all: <T>(sql: string, params?: SqlValue[]) => conn.all<T>(sql, params),
    get: <T>(sql: string, params?: SqlValue[]) => conn.get<T>(sql, params),
    head: () => head,
    archiveHead: () => archiveHeadOf(conn),
    hashBefore: (seq) => hashBeforeOf(conn, seq),
  };
}
