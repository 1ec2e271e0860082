import { existsSync } from 'node:fs';
import { ZERO_HASH, type JsonObject } from '../../../src-shared/index.js';
import { applySchema, createPrivateFile, setPageSize } from '../database.js';
import { DATA_TABLES } from '../schema.js';
import { Connection } from '../sqlite.js';
import { insertRecord, transaction, writeBatch } from '../write.js';
import { decodeEntry, readLegacyJournal, type JournalTail, type LegacyEntry } from './journal.js';
import { checkLegacySnapshot } from './snapshot.js';

/**
 * The heavy part of the 0.1 upgrade (see upgrade.ts): building the 0.2 database file from the 0.1
 * snapshot and journal. It runs on a thread of its own (upgrade-worker.ts), never on the event
 * loop: the work grows with the log, and some single statements of it do too (FTS5 merges the
 * segments of its index at COMMIT, up to a whole level at once: measured here, one COMMIT of the
 * copy took 34 ms at 200,000 records, and the longest main-thread slice of the upgrade was 38–54 ms).
 */
export class UpgradeError extends Error {
  override readonly name = 'UpgradeError';
}

export const WHAT_TO_DO =
  'Gatehouse will not start with part of its data missing. Restore the 0.1 files (legacy-0.1/gatehouse.sqlite and ' +
  'legacy-0.1/journal/) from a backup, or move the data directory aside to start with an empty one.';

/** What the build was given: where to write, and the 0.1 files moved aside. */
export interface BuildPaths {
  /** The database file to create (`gatehouse.sqlite.upgrade`); it must not exist. */
  building: string;
  legacyDb: string;
  legacyJournal: string;
}

/** What the build carried over: the chain's head (the upgrade's own record goes after it). */
export interface BuildResult {
  head: { seq: number; hash: string; tsMs: number };
  snapshotRecords: number;
  journalEntries: number;
  droppedBytes: number;
  droppedReason: string | null;
}

/** Rows read from the snapshot, and written, per transaction. */
const ROWS_PER_STEP = 500;
/** Journal entries per transaction, and their payload bytes at most (so what the thread holds is bounded). */
const ENTRIES_PER_STEP = 50;
const ENTRY_BYTES_PER_STEP = 4 << 20;
const BOOKKEEPING = new Set(['journal_n', 'head_seq', 'head_hash', 'schema_version']);

/**
 * Builds the 0.2 database: the schema, every record of the snapshot and the journal tail, the data
 * tables and settings. Leaves the file closed, in rollback-journal format.
 */
export async function buildDatabase(p: BuildPaths): Promise<BuildResult> {
  createPrivateFile(p.building);
  const conn = new Connection(p.building);
  try {
    // Built with the rollback journal in memory and no syncs: each transaction writes straight
    // into the file, so there is no WAL to fold in at the end. A crash redoes the whole build; the
    // finished file is fsynced before it is used (upgrade.ts).
    setPageSize(conn);
    conn.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -8192');
    applySchema(conn);
    // The full-text index is not built here: the store's indexer thread builds it from the records
    // once the upgraded database is live (fts-tail.ts), in the background.
    return await copyAll(conn, p);
  } finally {
    conn.close();
  }
}

async function copyAll(conn: Connection, p: BuildPaths): Promise<BuildResult> {
  let head = { seq: 0, hash: ZERO_HASH, tsMs: 0 };
  let journalN = 0;
  let snapshotRecords = 0;
  const tail: JournalTail = { droppedBytes: 0, droppedReason: null };

  if (existsSync(p.legacyDb)) {
    const problem = await checkLegacySnapshot(p.legacyDb);
    if (problem) {
      // 0.1 rebuilt a damaged snapshot from the journal when the journal still began at entry 1.
      const first = await firstEntryNumber(p.legacyJournal);
      if (first !== 1)
        throw new UpgradeError(
          `the 0.1 snapshot ${p.legacyDb} cannot be used (${problem}) and the journal does not hold the full history. ${WHAT_TO_DO}`,
        );
    } else {
      const old = new Connection(p.legacyDb, { readOnly: true });
      try {
        const meta = new Map(old.all<{ key: string; value: string }>('SELECT key, value FROM meta').map((r) => [r.key, r.value]));
        journalN = Number(meta.get('journal_n') ?? 0);
        copySnapshot(conn, old, meta);
        const last = conn.get<{ seq: number; hash: string; ts_ms: number }>('SELECT seq, hash, ts_ms FROM audit ORDER BY seq DESC LIMIT 1');
        if (last) head = { seq: last.seq, hash: last.hash, tsMs: last.ts_ms };
        snapshotRecords = head.seq;
        if (String(head.seq) !== (meta.get('head_seq') ?? '0') || head.hash !== (meta.get('head_hash') ?? ZERO_HASH)) {
          throw new UpgradeError(`the 0.1 snapshot's audit head (seq ${head.seq}) does not match its meta. ${WHAT_TO_DO}`);
        }
      } finally {
        old.close();
      }
    }
  }

  // The journal entries after the snapshot, applied as 0.1 applied them (an entry whose ops fail
  // keeps its audit records and loses its ops, exactly as it did when it was first written).
  let entries = 0;
  let batch: LegacyEntry[] = [];
  let batchBytes = 0;
  for await (const { n, payload } of readLegacyJournal(p.legacyJournal, tail)) {
    if (n <= journalN) continue;
    if (n !== journalN + 1)
      throw new UpgradeError(`the 0.1 snapshot covers journal entries up to ${journalN} but the next entry is ${n}. ${WHAT_TO_DO}`);
    let e: LegacyEntry;
    try {
      e = decodeEntry(payload);
    } catch (err) {
      throw new UpgradeError(`0.1 journal entry ${n} is intact on disk but unreadable (${(err as Error).message}). ${WHAT_TO_DO}`);
    }
    for (const { record, tsMs } of e.records) {
      if (record.seq !== head.seq + 1 || record.prev_hash !== head.hash)
        throw new UpgradeError(`0.1 journal entry ${n} does not continue the audit chain at seq ${head.seq}. ${WHAT_TO_DO}`);
      head = { seq: record.seq, hash: record.hash, tsMs };
    }
    journalN = n;
    entries++;
    batch.push(e);
    batchBytes += payload.length;
    if (batch.length >= ENTRIES_PER_STEP || batchBytes >= ENTRY_BYTES_PER_STEP) {
      writeBatch(conn, batch);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length) writeBatch(conn, batch);

  return { head, snapshotRecords, journalEntries: entries, droppedBytes: tail.droppedBytes, droppedReason: tail.droppedReason };
}

async function firstEntryNumber(dir: string): Promise<number | null> {
  const tail: JournalTail = { droppedBytes: 0, droppedReason: null };
  for await (const { n } of readLegacyJournal(dir, tail)) return n;
  return null;
}

/** Copies the snapshot's audit records, data tables and settings. */
function copySnapshot(conn: Connection, old: Connection, meta: Map<string, string>): void {
  // audit: the columns as they are.
  for (let after = 0; ;) {
    const rows = old.all<Record<string, string | number | null>>(
      'SELECT seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?',
      [after, ROWS_PER_STEP],
    );
    if (!rows.length) break;
    transaction(conn, () => {
      for (const r of rows) {
        if (r.seq !== after + 1) throw new UpgradeError(`the 0.1 snapshot is missing audit record ${after + 1}. ${WHAT_TO_DO}`);
        insertRecord(conn, {
          record: {
            seq: r.seq as number,
            id: r.id as string,
            ts: r.ts as string,
            type: r.type as string,
            actor: r.actor as string,
            action_id: r.action_id as string | null,
            data: JSON.parse(r.data as string) as JsonObject,
            prev_hash: '', // not stored
            hash: r.hash as string,
          },
          dataText: r.data as string,
          tsMs: r.ts_ms as number,
        });
        after = r.seq as number;
      }
    });
  }

  for (const table of DATA_TABLES) {
    const oldCols = new Set(old.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).map((c) => c.name));
    if (!oldCols.size) continue; // a table 0.1 did not have yet
    const cols = conn
      .all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .map((c) => c.name)
      .filter((c) => oldCols.has(c));
    const insert = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    for (let rowid = 0; ;) {
      const rows = old.all<Record<string, string | number | null>>(
        `SELECT rowid AS rowid_, ${cols.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        [rowid, ROWS_PER_STEP],
      );
      if (!rows.length) break;
      transaction(conn, () => {
        for (const r of rows)
          conn.run(
            insert,
            cols.map((c) => r[c] ?? null),
          );
      });
      rowid = rows[rows.length - 1]!.rowid_ as number;
    }
  }

  transaction(conn, () => {
    for (const [key, value] of meta)
      if (!BOOKKEEPING.has(key)) conn.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  });
}
