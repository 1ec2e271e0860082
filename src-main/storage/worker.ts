/**
 * The storage worker threads (see workers.ts), each with its own connection to `gatehouse.sqlite`:
 *
 * - `writer`: the only connection that writes it. It runs each group-commit transaction (the COMMIT
 *   returns after the WAL fsync, synchronous=FULL) and the checkpoint that lets the WAL start over,
 *   so that neither an fsync nor a checkpoint ever holds the main event loop, however slow the disk
 *   is that moment.
 * - `reader`: reads that visit many rows (exports, verification, statistics over a big window).
 *   It never changes table data.
 * - `indexer`: keeps the full-text index (its own file, `gatehouse-fts.sqlite`) up with the log,
 *   reading the records back from the live database (fts-tail.ts), and checkpoints the live WAL as
 *   it goes (CHECKPOINT_ROWS). It is also the second read thread of a large export or
 *   verification (store.ts): its connection has the live database attached, and the full-text
 *   file has no table named `audit`, so the same queries read the log.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExportFormat } from '../../src-shared/index.js';
import { finishVerify, formatRows, startVerify, verifyRows } from '../audit/scan.js';
import { attachFullTextAsIs, configure, DROP_RETIRED, openIndexer } from './database.js';
import { Connection } from './sqlite.js';
import { failureReply } from './worker-reply.js';
import type { WorkerReply, WorkerRequest } from './workers.js';
import { extendMerkle } from './merkle-store.js';
import { extendRollup } from './rollup.js';
import { transaction, writeRows, type WireUnit } from './write.js';
import { BATCH_ROWS, FullTextTail } from './fts-tail.js';
import { lowerThreadPriority } from './thread-priority.js';
import type { ExportPiece } from './export-pipeline.js';
import { readAuditRange } from './audit-rows.js';
import { idleTrim } from './idle-trim.js';

const port = parentPort!;
const { path, role, trimMs } = workerData as { path: string; role: 'reader' | 'writer' | 'indexer'; trimMs: number };
/**
 * The indexer's work is derived and can wait; a decision's commit cannot. At nice 10 the indexer
 * takes what the main thread and the writer leave of the cores (on 2 cores its step still kept up
 * with the storage bench's ingest), instead of an equal share: the ingest of 100,000–150,000 of the
 * bench's records ran ~6 % faster, ack p99 ~7 % lower (4 runs each, alternated: 7,865 → 8,358
 * rec/s, 14.4 → 13.4 ms); export and verification on an otherwise idle machine did not change.
 */
const INDEXER_NICE = 10;
if (role === 'indexer') lowerThreadPriority(INDEXER_NICE);
const conn = role === 'indexer' ? openIndexer(path) : new Connection(path, { timeoutMs: role === 'reader' ? 5000 : 0 });
if (role !== 'indexer') configure(conn, role);
if (role === 'reader') attachFullTextAsIs(conn, path);

/** Gives back the page cache and the grown heap once this thread has been idle for `trimMs` (idle-trim.ts). */
const idle = trimMs > 0 ? idleTrim(trimMs, () => conn.isOpen && conn.exec('PRAGMA shrink_memory')) : null;

/**
 * Records per read, at most: a read holds up to this many × BIG_RECORD_BYTES (audit-rows.ts) before
 * it is cut to its budget, however the records' sizes change from one read to the next.
 */
const BATCH = 100;
/**
 * An export piece handed to the main thread ends after this many records or this much text. Under
 * V8's large-object size (128 KiB): a bigger string is a large object in both threads, which only a
 * full collection frees, so a 1 MiB piece per message left tens of MB of spent pieces resident on the
 * main thread and in the reader during an export (bench/rss-probe.ts: main large-object space 20–33 MB;
 * peak RSS of the 200,000-record storage bench 339 → 316 MB at 120 KB, export rate within noise).
 */
const CHUNK = 2000;
const CHUNK_CHARS = 120_000;

/** Characters of record data a read holds at most (beyond one record): records can be 1 MiB each. */
const BATCH_CHARS = 1 << 20;

/**
 * The export text of records `from`..`to`, or of a prefix of them (a piece ends after CHUNK records
 * or about CHUNK_CHARS of text): see export-pipeline.ts. `prev` is the hash before `from`. Each read
 * asks for as many records as the piece has room for at the size of the last ones read (so a piece
 * takes two or three reads, and rarely reads a record it then leaves to the next piece).
 */
function exportRange(format: ExportFormat, from: number, to: number, prev: string): ExportPiece {
  let p = prev;
  let text = '';
  let after = from - 1;
  let n = 0;
  let perRecord = 2048; // characters of text per record, learnt from each read
  while (n < CHUNK && text.length < CHUNK_CHARS && after < to) {
    const room = CHUNK_CHARS - text.length;
    const limit = Math.max(1, Math.min(BATCH, CHUNK - n, Math.floor(room / perRecord)));
    const batch = readAuditRange(conn, after, to, limit, room);
    if (!batch.length) {
      after = to;
      break;
    }
    const out = formatRows(batch, format, p);
    text += out.text;
    perRecord = Math.max(1, out.text.length / batch.length);
    p = out.prev;
    after = batch[batch.length - 1]!.seq;
    n += batch.length;
  }
  return { text, last: after, prev: p };
}

/** The indexer's full-text tail (made on first use: reading the files may fail on a failing disk). */
let tail: FullTextTail | null = null;
const fullText = (): FullTextTail => (tail ??= new FullTextTail(conn));
/** A few records are indexed this long after the store last said the log grew; a full step's worth at once. */
const FTS_DELAY_MS = 100;
let ftsTimer: NodeJS.Timeout | null = null;
let ftsNow: NodeJS.Immediate | null = null;
/** Set by `close`: a catch-up in progress ends there. */
let closing = false;

/** The log reaches `seq`: index it in the background, one step per turn of this thread's loop. */
function reach(seq: number): number {
  const t = fullText();
  t.reach(seq);
  if (t.behind >= BATCH_ROWS) {
    if (ftsTimer) clearTimeout(ftsTimer);
    ftsTimer = null;
    ftsNow ??= setImmediate(indexSome);
  } else if (t.behind && !ftsTimer && !ftsNow) ftsTimer = setTimeout(indexSome, FTS_DELAY_MS);
  return t.seq;
}

/**
 * The live database's WAL is checkpointed here, after every CHECKPOINT_ROWS records indexed, rather
 * than inside a commit of the writer: a PASSIVE checkpoint copies the WAL's pages into the database
 * file beside the writer's commits instead of holding them up. A checkpoint every ~4,000 frames on
 * the writer took ~15 ms, during which every acknowledgement waited; with most of the copying moved
 * here, the ingest of the storage bench's shape ran ~9 % faster (6,354 → 6,898 and 6,569 → 7,208
 * records/s, alternated, 150,000 records; transactions over 10 ms: 268 → 180). The writer's own
 * automatic checkpoint stays, at a longer WAL (database.ts): it is the one that reaches the WAL's
 * end so that it starts over, and it finds most of it copied already.
 */
const CHECKPOINT_ROWS = 512;
let uncheckpointed = 0;

function indexSome(): void {
  ftsTimer = null;
  ftsNow = null;
  try {
    if (step() && tail!.behind) ftsNow = setImmediate(indexSome);
  } catch {
    // The disk refused it: the next search's sync, or the next start, does it again.
  }
}

/** One indexing step (fts-tail.ts), then the live WAL's checkpoint when its turn has come. */
function step(): boolean {
  const t = fullText();
  const before = t.seq;
  const stepped = t.step();
  idle?.busy();
  uncheckpointed += t.seq - before;
  if (uncheckpointed >= CHECKPOINT_ROWS) {
    uncheckpointed = 0;
    try {
      conn.pragma('live.wal_checkpoint(PASSIVE)');
    } catch {
      // Busy (the writer's own checkpoint is running) or a failing disk: the next turn, or the writer's.
    }
  }
  return stepped;
}

/**
 * Indexes everything the live log holds now, a step per turn of this thread's loop, so that a stop
 * (`close`) is not held behind a long backlog: it ends the wait with an error instead.
 */
async function catchUp(): Promise<number> {
  const t = fullText();
  t.reachAll();
  while (!closing && step()) await new Promise((r) => setImmediate(r));
  if (closing) throw new Error('the store is closed');
  return t.seq;
}

function stopIndexing(): void {
  if (ftsTimer) clearTimeout(ftsTimer);
  if (ftsNow) clearImmediate(ftsNow);
  ftsTimer = null;
  ftsNow = null;
}

function handle(req: WorkerRequest, reply: (m: Omit<WorkerReply, 'id'>) => void): unknown {
  switch (req.kind) {
    case 'write': {
      // The COMMIT returns after the WAL fsync; SQLite's automatic checkpoint runs in it when the
      // WAL is long (see database.ts), here, off the main thread.
      const started = performance.now();
      const notes: string[] = [];
      const opErrors = writeRows(conn, req.units as WireUnit[], (m) => notes.push(m));
      return { opErrors, ms: performance.now() - started, notes };
    }
    case 'fts-reach':
      return { seq: reach(req.seq), behind: fullText().behind };
    case 'fts-sync':
      return catchUp();
    case 'drop-retired':
      transaction(conn, () => conn.exec(DROP_RETIRED));
      return null;
    case 'merkle-extend': {
      // One slice of building the tree of a log that has none yet (its own short transaction).
      let out = { blocks: 0, head: 0 };
      transaction(conn, () => {
        out = extendMerkle(conn, req.maxBlocks);
      });
      return out;
    }
    case 'rollup-extend': {
      // One slice of counting an earlier schema's actions into the Dashboard's rollup (rollup.ts).
      let floor: number | null = null;
      transaction(conn, () => {
        floor = extendRollup(conn, req.span);
      });
      return floor;
    }
    case 'pragma':
      return conn.pragma(req.text);
    case 'close':
      // Fold the WAL into the database file while this thread is still the one waiting for it.
      // (The indexer stops where it is: the next start goes on from its `fts_seq`.)
      closing = true;
      stopIndexing();
      idle?.stop();
      try {
        conn.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a full or read-only disk: the WAL stays and holds every committed transaction
      }
      conn.close();
      return null;
    case 'query':
      return conn.all(req.sql, req.params);
    case 'verify': {
      const state = startVerify(req.start);
      const { head } = req;
      let lastReport = 0;
      conn.exec('BEGIN'); // one read snapshot for the whole walk
      try {
        while (state.expected <= head.seq) {
          const batch = readAuditRange(conn, state.expected - 1, head.seq, BATCH, BATCH_CHARS);
          if (!batch.length) break;
          const bad = verifyRows(batch, state);
          if (bad) return bad;
          if (state.expected - lastReport >= 50_000) {
            lastReport = state.expected;
            reply({ progress: [state.expected - 1, head.seq] });
          }
        }
      } finally {
        conn.exec('COMMIT');
      }
      return finishVerify(state, head);
    }
    case 'export-range':
      return exportRange(req.format, req.from, req.to, req.prev);
    case 'list-actions':
    case 'list-audit':
      throw new Error(`${req.kind} is the page thread's (services/page-worker.ts), not a storage thread's`);
  }
}

port.on('message', (m: WorkerRequest & { id: number }) => {
  const reply = (r: Omit<WorkerReply, 'id'>) => port.postMessage({ id: m.id, ...r });
  const done = (r: WorkerReply) => {
    port.postMessage(r);
    if (!closing) idle?.busy();
  };
  const failed = (e: unknown) => done(failureReply(m.id, e));
  try {
    const value = handle(m, reply);
    if (value instanceof Promise) value.then((v: unknown) => done({ id: m.id, ok: true, value: v }), failed);
    else done({ id: m.id, ok: true, value });
  } catch (e) {
    failed(e);
  }
});
