import { join } from 'node:path';
import { Database } from './database.js';
import { applyEntries } from './apply.js';
import { decodeEntry, type Entry } from './entry.js';
import type { StorageIO } from './io.js';
import type { Journal } from './journal.js';
import { EMPTY_META, loadSnapshot, type SnapshotMeta } from './snapshot.js';
import { SCHEMA_VERSION } from './schema.js';

/** Start-up cannot produce a complete state: Gatehouse must not start (the message says what to do). */
export class StoreStartupError extends Error {
  override readonly name = 'StoreStartupError';
}

/** What start-up found and did; surfaced by `gatehouse status` and the logs. */
export interface RecoveryInfo {
  /** `loaded` a snapshot, started with `none`, or `rebuilt` from the full journal (snapshot damaged). */
  snapshot: 'loaded' | 'none' | 'rebuilt';
  snapshotProblem: string | null;
  /** Journal entries applied on top of the snapshot. */
  replayed: number;
  /** Bytes of a torn/corrupt last entry that were cut from the journal. */
  droppedBytes: number;
  droppedReason: string | null;
}

const WHAT_TO_DO =
  'Gatehouse will not start with part of its data missing. Restore gatehouse.sqlite (and journal/) from a backup, ' +
  'or move the data directory aside to start with an empty one.';

const REPLAY_BATCH = 500;

/** Applies journal entries after the snapshot, checking entry numbers and the audit chain. */
class Replayer {
  private batch: Entry[] = [];
  count = 0;

  constructor(
    private readonly db: Database,
    public n: number,
    public seq: number,
    public hash: string,
  ) {}

  entry(n: number, payload: Buffer): void {
    if (n <= this.n) return; // already in the snapshot
    if (n !== this.n + 1) throw new StoreStartupError(`the journal jumps from entry ${this.n} to ${n}. ${WHAT_TO_DO}`);
    let e: Entry;
    try {
      e = decodeEntry(payload);
    } catch (err) {
      throw new StoreStartupError(`journal entry ${n} is intact on disk but unreadable (${(err as Error).message}). ${WHAT_TO_DO}`);
    }
    for (const { record } of e.records) {
      if (record.seq !== this.seq + 1 || record.prev_hash !== this.hash) {
        throw new StoreStartupError(`journal entry ${n} does not continue the audit chain at seq ${this.seq}. ${WHAT_TO_DO}`);
      }
      this.seq = record.seq;
      this.hash = record.hash;
    }
    this.n = n;
    this.count++;
    this.batch.push(e);
    if (this.batch.length >= REPLAY_BATCH) this.flush();
  }

  flush(): void {
    if (this.batch.length) applyEntries(this.db, this.batch);
    this.batch = [];
  }
}

export interface StartUpResult {
  db: Database;
  /** The state after replay (journal_n and head as applied). */
  meta: SnapshotMeta;
  /** journal_n of the snapshot on disk (-1 when there is none usable). */
  snapshotN: number;
  lastTsMs: number;
  recovery: RecoveryInfo;
}

/**
 * Loads the snapshot (or decides it cannot be used), then replays the journal after it.
 * A damaged snapshot is rebuilt from the journal only while the journal still starts at entry 1;
 * otherwise start-up fails loudly rather than run with silently missing data.
 */
export async function startUp(io: StorageIO, dataDir: string, journal: Journal, log: (m: string) => void): Promise<StartUpResult> {
  const path = join(dataDir, 'gatehouse.sqlite');
  const firstN = await journal.peekFirstN();
  const loaded = await loadSnapshot(io, path);
  let db: Database;
  let meta: SnapshotMeta;
  let snapshotN = -1;
  let kind: RecoveryInfo['snapshot'];
  let problem: string | null = null;
  if (loaded.kind === 'ok') {
    ({ db, meta } = loaded);
    snapshotN = meta.journal_n;
    kind = 'loaded';
  } else {
    if (loaded.kind === 'corrupt') {
      problem = loaded.reason;
      if (firstN !== 1) {
        throw new StoreStartupError(
          `the snapshot ${path} cannot be used: ${problem}; and the journal no longer holds the full history ` +
            `(${firstN === null ? 'it is empty' : `it starts at entry ${firstN}`}), so it cannot be rebuilt. ${WHAT_TO_DO}`,
        );
      }
      log(`gatehouse: the snapshot ${path} cannot be used (${problem}); rebuilding it from the full journal`);
      kind = 'rebuilt';
    } else {
      if (firstN !== null && firstN !== 1) {
        throw new StoreStartupError(
          `the snapshot ${path} is missing but the journal starts at entry ${firstN}, so earlier data is gone. ${WHAT_TO_DO}`,
        );
      }
      kind = 'none';
    }
    db = await Database.open();
    meta = EMPTY_META(SCHEMA_VERSION);
  }
  try {
    if (firstN !== null && firstN > meta.journal_n + 1) {
      throw new StoreStartupError(
        `the snapshot covers journal entries up to ${meta.journal_n} but the journal starts at ${firstN}. ${WHAT_TO_DO}`,
      );
    }
    const replay = new Replayer(db, meta.journal_n, meta.head_seq, meta.head_hash);
    const report = await journal.recover((n, payload) => replay.entry(n, payload));
    replay.flush();
    if (report.droppedBytes) log(`gatehouse: cut a torn journal tail (${report.droppedBytes} bytes: ${report.droppedReason})`);
    // Every entry on disk is older than the snapshot: start a clean journal so numbering stays contiguous.
    if (report.lastN !== null && report.lastN < meta.journal_n) await journal.discardAll();
    const last = db.get<{ ts_ms: number }>('SELECT ts_ms FROM audit ORDER BY seq DESC LIMIT 1');
    return {
      db,
      meta: { ...meta, journal_n: replay.n, head_seq: replay.seq, head_hash: replay.hash },
      snapshotN,
      lastTsMs: last?.ts_ms ?? 0,
      recovery: {
        snapshot: kind,
        snapshotProblem: problem,
        replayed: replay.count,
        droppedBytes: report.droppedBytes,
        droppedReason: report.droppedReason,
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
