import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ZERO_HASH, type JsonObject } from '../../../src-shared/index.js';
import { jcs, sealFields } from '../../audit/chain.js';
import { iso, type Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { applySchema, createPrivateFile, setPageSize } from '../database.js';
import { DATA_TABLES } from '../schema.js';
import { Connection } from '../sqlite.js';
import { insertRecord, transaction, writeBatch, type SealedRecord } from '../write.js';
import { decodeEntry, readLegacyJournal, type JournalTail, type LegacyEntry } from './journal.js';
import { checkLegacySnapshot } from './snapshot.js';

/**
 * The in-place upgrade of a release 0.1 data directory (SPEC 1): a sql.js snapshot in
 * `gatehouse.sqlite` plus `journal/`, written cleanly or left by a crash with a journal tail the
 * snapshot does not cover. Every record (with its hash: the chain continues, it is not rebuilt),
 * action, pending approval, policy, key, webhook, delivery and setting is carried into a 0.2
 * database; the old files are kept in `legacy-0.1/`; a `storage.upgraded` record closes the log.
 *
 * Crash-safe at every step: (1) the 0.1 files are moved into `legacy-0.1/` (renames; a restart
 * finishes the moves), (2) the new database is built beside the live name as
 * `gatehouse.sqlite.upgrade` (a restart deletes a half-built one and starts over), (3) it is
 * checkpointed, fsynced and renamed to `gatehouse.sqlite`, (4) `legacy-0.1/UPGRADED` records that
 * it is done. The work runs in slices of a few milliseconds so the event loop stays free.
 */
export class UpgradeError extends Error {
  override readonly name = 'UpgradeError';
}

export interface UpgradeReport {
  from: '0.1';
  /** Records carried over (snapshot + journal tail), not counting the upgrade's own record. */
  records: number;
  snapshot_records: number;
  journal_entries: number;
  dropped_bytes: number;
  dropped_reason: string | null;
  ms: number;
}

const SLICE_MS = 10;
const ROWS_PER_READ = 100;
const BOOKKEEPING = new Set(['journal_n', 'head_seq', 'head_hash', 'schema_version']);
const WHAT_TO_DO =
  'Gatehouse will not start with part of its data missing. Restore the 0.1 files (legacy-0.1/gatehouse.sqlite and ' +
  'legacy-0.1/journal/) from a backup, or move the data directory aside to start with an empty one.';

/** A rollback-journal SQLite file (what sql.js exports); 0.2's database is always in WAL format. */
function isLegacyFormat(path: string): boolean {
  if (!existsSync(path) || statSync(path).size < 100) return false;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(20);
    readSync(fd, b, 0, 20, 0);
    return b.toString('latin1', 0, 16) === 'SQLite format 3\u0000' && b[18] === 1 && b[19] === 1;
  } finally {
    closeSync(fd);
  }
}

function fsyncPath(path: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync on the thread pool: a large file's fsync can take long, and must not hold the loop. */
async function fsyncAsync(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Upgrades the data directory if it holds 0.1 data (or a 0.1 upgrade a crash interrupted). */
export async function upgradeLegacyDataDir(dataDir: string, o: { log: (m: string) => void; clock: Clock }): Promise<UpgradeReport | null> {
  const live = join(dataDir, 'gatehouse.sqlite');
  const journalDir = join(dataDir, 'journal');
  const legacyDir = join(dataDir, 'legacy-0.1');
  const marker = join(legacyDir, 'UPGRADED');
  if (existsSync(marker)) return null;
  const pending = existsSync(journalDir) || isLegacyFormat(live) || (existsSync(legacyDir) && !existsSync(live));
  if (!pending) return null;

  // (1) Move the 0.1 files aside (each step a rename; a restart completes what a crash left).
  mkdirSync(legacyDir, { recursive: true, mode: 0o700 });
  const legacyDb = join(legacyDir, 'gatehouse.sqlite');
  const legacyJournal = join(legacyDir, 'journal');
  if (existsSync(live) && !existsSync(legacyDb)) renameSync(live, legacyDb);
  if (existsSync(`${live}.tmp`)) renameSync(`${live}.tmp`, join(legacyDir, 'gatehouse.sqlite.tmp'));
  if (existsSync(journalDir) && !existsSync(legacyJournal)) renameSync(journalDir, legacyJournal);
  fsyncPath(legacyDir);
  fsyncPath(dataDir);
  o.log(`gatehouse: upgrading the 0.1 data in ${dataDir} (the old files are kept in ${legacyDir})`);

  // (2) Build the 0.2 database under a temporary name.
  const building = `${live}.upgrade`;
  for (const f of [building, `${building}-wal`, `${building}-shm`, `${building}-journal`]) rmSync(f, { force: true });
  const started = performance.now();
  createPrivateFile(building);
  const conn = new Connection(building);
  let report: UpgradeReport;
  try {
    // Built with the rollback journal in memory and no syncs: each slice writes straight into the
    // file, so there is no WAL to fold in at the end (a checkpoint of it all would hold the loop).
    // A crash redoes the whole build; the finished file is fsynced (off the loop) before it is used.
    setPageSize(conn);
    conn.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -8192');
    applySchema(conn);
    report = await build(conn, legacyDb, legacyJournal, o.clock, started);
    // (3) Switch the file to WAL (a header change), make it durable, then give it the live name.
    conn.pragma('journal_mode = WAL');
  } catch (e) {
    conn.close();
    throw e;
  }
  conn.close();
  await fsyncAsync(building);
  renameSync(building, live);
  fsyncPath(dataDir);
  // (4) Done: the marker stops any later start from upgrading again.
  writeFileSync(marker, `${JSON.stringify({ upgraded_at: new Date(o.clock.now()).toISOString(), ...report }, null, 2)}\n`, {
    mode: 0o600,
  });
  fsyncPath(marker);
  fsyncPath(legacyDir);
  o.log(`gatehouse: upgrade done: ${report.records} records carried over in ${(report.ms / 1000).toFixed(1)} s`);
  return report;
}

/** Runs `step` repeatedly until it returns false, yielding to the event loop every SLICE_MS. */
async function sliced(step: () => boolean): Promise<void> {
  let sliceStart = performance.now();
  while (step()) {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
}

async function build(conn: Connection, legacyDb: string, legacyJournal: string, clock: Clock, started: number): Promise<UpgradeReport> {
  let head = { seq: 0, hash: ZERO_HASH, tsMs: 0 };
  let journalN = 0;
  let snapshotRecords = 0;
  const tail: JournalTail = { droppedBytes: 0, droppedReason: null };

  if (existsSync(legacyDb)) {
    const problem = await checkLegacySnapshot(legacyDb);
    if (problem) {
      // 0.1 rebuilt a damaged snapshot from the journal when the journal still began at entry 1.
      const first = await firstEntryNumber(legacyJournal);
      if (first !== 1)
        throw new UpgradeError(
          `the 0.1 snapshot ${legacyDb} cannot be used (${problem}) and the journal does not hold the full history. ${WHAT_TO_DO}`,
        );
    } else {
      const old = new Connection(legacyDb, { readOnly: true });
      try {
        const meta = new Map(old.all<{ key: string; value: string }>('SELECT key, value FROM meta').map((r) => [r.key, r.value]));
        journalN = Number(meta.get('journal_n') ?? 0);
        await copySnapshot(conn, old, meta);
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
  let sliceStart = performance.now();
  const flush = () => {
    if (batch.length) writeBatch(conn, batch);
    batch = [];
  };
  for await (const { n, payload } of readLegacyJournal(legacyJournal, tail)) {
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
    if (batch.length >= 50 || performance.now() - sliceStart >= SLICE_MS) {
      flush();
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  flush();

  const report: UpgradeReport = {
    from: '0.1',
    records: head.seq,
    snapshot_records: snapshotRecords,
    journal_entries: entries,
    dropped_bytes: tail.droppedBytes,
    dropped_reason: tail.droppedReason,
    ms: 0,
  };
  // The upgrade itself, on the chain it continues.
  const tsMs = Math.max(clock.now(), head.tsMs);
  const data: JsonObject = { from: '0.1', to: 'sqlite', records: head.seq, journal_entries: entries, legacy_dir: 'legacy-0.1' };
  if (tail.droppedBytes) data.dropped_torn_bytes = tail.droppedBytes;
  const dataText = jcs(data);
  const fields = {
    seq: head.seq + 1,
    id: newId('evt', tsMs),
    ts: iso(tsMs),
    type: 'storage.upgraded',
    actor: 'system',
    action_id: null,
    dataText,
    prevHash: head.hash,
  };
  const { hash } = sealFields(fields);
  const rec: SealedRecord = {
    record: {
      seq: fields.seq,
      id: fields.id,
      ts: fields.ts,
      type: fields.type,
      actor: 'system',
      action_id: null,
      data,
      prev_hash: head.hash,
      hash,
    },
    dataText,
    tsMs,
  };
  transaction(conn, () => insertRecord(conn, rec));
  report.ms = performance.now() - started;
  return report;
}

async function firstEntryNumber(dir: string): Promise<number | null> {
  const tail: JournalTail = { droppedBytes: 0, droppedReason: null };
  for await (const { n } of readLegacyJournal(dir, tail)) return n;
  return null;
}

/** Copies the snapshot's audit records (with their free-text rows), data tables and settings. */
async function copySnapshot(conn: Connection, old: Connection, meta: Map<string, string>): Promise<void> {
  // audit: the columns as they are, plus the FTS5 row built from the record like a live commit.
  let after = 0;
  await sliced(() => {
    const rows = old.all<Record<string, string | number | null>>(
      'SELECT seq, id, ts, ts_ms, type, actor, action_id, agent_id, decision, status, risk_level, data, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?',
      [after, ROWS_PER_READ],
    );
    if (!rows.length) return false;
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
    return true;
  });

  for (const table of DATA_TABLES) {
    const oldCols = new Set(old.all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).map((c) => c.name));
    if (!oldCols.size) continue; // a table 0.1 did not have yet
    const cols = conn
      .all<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .map((c) => c.name)
      .filter((c) => oldCols.has(c));
    const insert = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    let rowid = 0;
    await sliced(() => {
      const rows = old.all<Record<string, string | number | null>>(
        `SELECT rowid AS rowid_, ${cols.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        [rowid, ROWS_PER_READ],
      );
      if (!rows.length) return false;
      transaction(conn, () => {
        for (const r of rows)
          conn.run(
            insert,
            cols.map((c) => r[c] ?? null),
          );
      });
      rowid = rows[rows.length - 1]!.rowid_ as number;
      return true;
    });
  }

  transaction(conn, () => {
    for (const [key, value] of meta)
      if (!BOOKKEEPING.has(key)) conn.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  });
}
