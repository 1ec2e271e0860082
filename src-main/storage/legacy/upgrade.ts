import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JsonObject } from '../../../src-shared/index.js';
import { jcs, sealFields } from '../../audit/chain.js';
import { iso, type Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { Connection } from '../sqlite.js';
import { workerFileAsync } from '../worker-file.js';
import { insertRecord, transaction, type SealedRecord } from '../write.js';
import { UpgradeError, type BuildPaths, type BuildResult } from './build.js';
import { LegacyJournalError } from './journal.js';

export { UpgradeError };

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
 * switched to WAL, fsynced and renamed to `gatehouse.sqlite`, (4) `legacy-0.1/UPGRADED` records that
 * it is done. Step (2) runs on a thread of its own (build.ts, upgrade-worker.ts): the event loop only
 * waits for it, and then writes the upgrade's own record (one row).
 */
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

/**
 * fsync on the thread pool, never on the event loop: a large file's fsync can take long, and even a
 * directory's waits for whatever else the disk is writing at that moment.
 */
async function fsyncAsync(path: string, what: 'file' | 'dir' = 'file'): Promise<void> {
  if (what === 'dir' && process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fh = await open(path, what === 'dir' ? 'r' : 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Upgrades the data directory if it holds 0.1 data (or a 0.1 upgrade a crash interrupted). */
export async function upgradeLegacyDataDir(
  dataDir: string,
  o: {
    log: (m: string) => void;
    clock: Clock;
    /** The build thread's heap cap in MB (probes; default BUILD_HEAP_MB). */ buildHeapMb?: number;
  },
): Promise<UpgradeReport | null> {
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
  await fsyncAsync(legacyDir, 'dir');
  await fsyncAsync(dataDir, 'dir');
  o.log(`gatehouse: upgrading the 0.1 data in ${dataDir} (the old files are kept in ${legacyDir})`);

  // (2) Build the 0.2 database under a temporary name, off the event loop.
  const building = `${live}.upgrade`;
  const removeBuilding = () => {
    for (const f of [building, `${building}-wal`, `${building}-shm`, `${building}-journal`]) rmSync(f, { force: true });
  };
  removeBuilding();
  const started = performance.now();
  const paths = { building, legacyDb, legacyJournal };
  const built = await buildOnThread(paths, o.buildHeapMb ?? BUILD_HEAP_MB).catch(async (e: unknown) => {
    // A 0.1 log with entries far larger than 0.1's own limits allowed: built again with V8's default cap.
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw e;
    o.log(`gatehouse: the upgrade needed more than ${o.buildHeapMb ?? BUILD_HEAP_MB} MB of heap; building again without that cap`);
    removeBuilding();
    return buildOnThread(paths, null);
  });
  const report = finishBuild(building, built, o.clock);
  report.ms = performance.now() - started;
  // (3) Make it durable (the fsync off the loop), then give it the live name.
  await fsyncAsync(building);
  renameSync(building, live);
  await fsyncAsync(dataDir, 'dir');
  // (4) Done: the marker stops any later start from upgrading again.
  await writeFile(marker, `${JSON.stringify({ upgraded_at: new Date(o.clock.now()).toISOString(), ...report }, null, 2)}\n`, {
    mode: 0o600,
  });
  await fsyncAsync(marker);
  await fsyncAsync(legacyDir, 'dir');
  o.log(`gatehouse: upgrade done: ${report.records} records carried over in ${(report.ms / 1000).toFixed(1)} s`);
  return report;
}

/**
 * The build thread's heap: a small young generation (the build's garbage, rows and batches, dies
 * young) and a capped old one. With V8's defaults the process's peak RSS rose by 50–69 MB over an
 * upgrade of 400,000 records, measured here, against 30–31 MB with these (the main-thread build it
 * replaces: 44–48 MB). What the build holds at once is bounded (build.ts: rows per step, journal
 * bytes per step), far under the cap; a thread that still runs out is retried without the cap.
 */
const BUILD_YOUNG_MB = 8;
const BUILD_HEAP_MB = 64;

/**
 * Runs the build (build.ts) on a thread of its own and returns what it carried over. Its errors
 * arrive as the classes they were thrown as; a thread that dies (out of memory) is an error too.
 */
async function buildOnThread(paths: BuildPaths, heapMb: number | null): Promise<BuildResult> {
  const file = await workerFileAsync('upgrade-worker');
  const resourceLimits = { maxYoungGenerationSizeMb: BUILD_YOUNG_MB, ...(heapMb === null ? {} : { maxOldGenerationSizeMb: heapMb }) };
  const w = new Worker(file, { workerData: paths, resourceLimits });
  try {
    return await new Promise<BuildResult>((resolve, reject) => {
      w.once('message', (m: BuildReply) => {
        if (m.ok) return resolve(m.result);
        const E = m.name === 'UpgradeError' ? UpgradeError : m.name === 'LegacyJournalError' ? LegacyJournalError : Error;
        reject(
          Object.assign(
            new E(m.message),
            m.errcode === undefined ? {} : { errcode: m.errcode },
            m.code === undefined ? {} : { code: m.code },
          ),
        );
      });
      w.once('error', (e: NodeJS.ErrnoException) =>
        reject(Object.assign(new Error(`the upgrade's build thread failed: ${e.message}`, { cause: e }), { code: e.code })),
      );
      w.once('exit', (code) => reject(new Error(`the upgrade's build thread stopped (exit ${code}) before it finished`)));
    });
  } finally {
    // Its connections are closed before it answers; wait for the thread itself to end.
    await w.terminate();
  }
}

type BuildReply = { ok: true; result: BuildResult } | { ok: false; name: string; message: string; errcode?: number; code?: string };

/**
 * The upgrade itself, as a record on the chain it continues (written here: it takes the clock's
 * time at the end of the build), then the file switched to WAL (a header change).
 */
function finishBuild(building: string, built: BuildResult, clock: Clock): UpgradeReport {
  const { head } = built;
  const report: UpgradeReport = {
    from: '0.1',
    records: head.seq,
    snapshot_records: built.snapshotRecords,
    journal_entries: built.journalEntries,
    dropped_bytes: built.droppedBytes,
    dropped_reason: built.droppedReason,
    ms: 0,
  };
  const tsMs = Math.max(clock.now(), head.tsMs);
  const data: JsonObject = {
    from: '0.1',
    to: 'sqlite',
    records: head.seq,
    journal_entries: built.journalEntries,
    legacy_dir: 'legacy-0.1',
  };
  if (built.droppedBytes) data.dropped_torn_bytes = built.droppedBytes;
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
  const conn = new Connection(building);
  try {
    // As the build wrote it: no journal on disk, no sync (the whole file is fsynced next).
    conn.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF');
    transaction(conn, () => insertRecord(conn, rec));
    conn.pragma('journal_mode = WAL');
  } finally {
    conn.close();
  }
  return report;
}
