/**
 * The storage worker threads (see workers.ts), each with its own connection to `gatehouse.sqlite`:
 *
 * - `writer`: the only connection that writes. It runs each group-commit transaction (the COMMIT
 *   returns after the WAL fsync, synchronous=FULL) and the WAL checkpoints, so that neither an
 *   fsync nor a checkpoint ever holds the main event loop, however slow the disk is that moment.
 * - `reader`: reads that visit many rows (exports, verification, statistics over a big window).
 *   It never changes table data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExportFormat } from '../../src-shared/index.js';
import { finishVerify, formatRows, startVerify, verifyRows } from '../audit/scan.js';
import { configure } from './database.js';
import { Connection, isStorageFailure, sqliteCode } from './sqlite.js';
import type { AuditRow } from './types.js';
import type { WorkerReply, WorkerRequest } from './workers.js';
import { extendMerkle } from './merkle-store.js';
import { BODY_AT, transaction, writeRows, type WireUnit } from './write.js';
import { FullTextTail } from './fts-tail.js';

const port = parentPort!;
const { path, role } = workerData as { path: string; role: 'reader' | 'writer' };
const conn = new Connection(path, { timeoutMs: role === 'reader' ? 5000 : 0 });
configure(conn, role);

const ROWS = 'SELECT seq, id, ts, type, actor, action_id, data, hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?';
/** Rows per batch: big enough to amortise the call, small enough for its strings to die young. */
const BATCH = 500;
/**
 * An export chunk handed to the main thread ends after this many records or this much text. Under
 * V8's large-object size (128 KiB): a bigger string is a large object in both threads, which only a
 * full collection frees, so a 1 MiB chunk per message left tens of MB of spent chunks resident on the
 * main thread and in the reader during an export (bench/rss-probe.ts: main large-object space 20–33 MB;
 * peak RSS of the 200,000-record storage bench 339 → 316 MB at 120 KB, export rate within noise).
 */
const CHUNK = 2000;
const CHUNK_CHARS = 120_000;

interface ExportCursor {
  format: ExportFormat;
  after: number;
  hi: number;
  prev: string;
}
const cursors = new Map<number, ExportCursor>();
let nextCursor = 1;

const rows = (after: number, hi: number, limit: number): AuditRow[] => conn.all<AuditRow>(ROWS, [after, hi, limit]);

/** The writer's full-text tail (made on first use: reading `meta` may fail on a failing disk). */
let tail: FullTextTail | null = null;
const fullText = (): FullTextTail => (tail ??= new FullTextTail(conn));
/** Full text still to index is indexed this long after the last write, one batch per turn. */
const FTS_DELAY_MS = 50;
let ftsTimer: NodeJS.Timeout | null = null;

/** After a write is acknowledged: index a full batch now, or what is left a little later. */
function afterWrite(): void {
  const t = fullText();
  if (t.full) t.step();
  if (t.pending && !ftsTimer) ftsTimer = setTimeout(indexSome, FTS_DELAY_MS);
}

function indexSome(): void {
  ftsTimer = null;
  try {
    if (tail?.step() && tail.pending) ftsTimer = setTimeout(indexSome, 0);
  } catch {
    // The disk refused it: the next search's sync, or the next start, does it again.
  }
}

function handle(req: WorkerRequest, reply: (m: Omit<WorkerReply, 'id'>) => void): unknown {
  switch (req.kind) {
    case 'write': {
      // The COMMIT returns after the WAL fsync; SQLite's automatic checkpoint runs in it when the
      // WAL is long (see database.ts), here, off the main thread.
      const started = performance.now();
      const notes: string[] = [];
      const units = req.units as WireUnit[];
      const t = fullText();
      const opErrors = writeRows(conn, units, (m) => notes.push(m));
      for (const u of units) t.add(u.rows, BODY_AT);
      return { opErrors, ms: performance.now() - started, notes, ftsSeq: t.seq };
    }
    case 'fts-sync': {
      if (ftsTimer) clearTimeout(ftsTimer);
      ftsTimer = null;
      return fullText().drain();
    }
    case 'merkle-extend': {
      // One slice of building the tree of a log that has none yet (its own short transaction).
      let out = { blocks: 0, head: 0 };
      transaction(conn, () => {
        out = extendMerkle(conn, req.maxBlocks);
      });
      return out;
    }
    case 'pragma':
      return conn.pragma(req.text);
    case 'close':
      // Index what is still queued in memory (a backlog read from the table, as after an upgrade,
      // waits for the next start rather than holding the stop), then fold the WAL into the
      // database file while this thread is still the one waiting for it.
      if (ftsTimer) clearTimeout(ftsTimer);
      ftsTimer = null;
      try {
        tail?.drainQueue();
      } catch {
        // a full or read-only disk: the next start indexes it from the stored records
      }
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
          const batch = rows(state.expected - 1, head.seq, BATCH);
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
    case 'export-open': {
      const id = nextCursor++;
      cursors.set(id, { format: req.format, after: req.lo - 1, hi: req.hi, prev: req.prev });
      return id;
    }
    case 'export-next': {
      const c = cursors.get(req.cursor);
      if (!c) throw new Error('unknown export cursor');
      let text = '';
      let n = 0;
      while (n < CHUNK && text.length < CHUNK_CHARS && c.after < c.hi) {
        // Records can be large (1 MiB request bodies): few rows per read once the chunk has text.
        const batch = rows(c.after, c.hi, text.length ? Math.min(50, CHUNK - n) : Math.min(BATCH, CHUNK - n));
        if (!batch.length) {
          c.after = c.hi;
          break;
        }
        const out = formatRows(batch, c.format, c.prev);
        text += out.text;
        c.prev = out.prev;
        c.after = batch[batch.length - 1]!.seq;
        n += batch.length;
      }
      const done = c.after >= c.hi;
      if (done) cursors.delete(req.cursor);
      return { text, done };
    }
    case 'export-close':
      cursors.delete(req.cursor);
      return null;
  }
}

port.on('message', (m: WorkerRequest & { id: number }) => {
  const reply = (r: Omit<WorkerReply, 'id'>) => port.postMessage({ id: m.id, ...r });
  try {
    const value = handle(m, reply);
    port.postMessage({ id: m.id, ok: true, value });
    if (m.kind === 'write') {
      try {
        afterWrite();
      } catch {
        // Full text is redone from the table (see fts-tail.ts); the write itself is acknowledged.
      }
    }
  } catch (e) {
    const code = sqliteCode(e);
    port.postMessage({
      id: m.id,
      ok: false,
      error: (e as Error).message,
      storage: isStorageFailure(e),
      ...(code === null ? {} : { sqliteCode: code }),
    });
  }
});
