/**
 * The page thread: reads the pages of the two long lists (`GET /api/v1/actions`, `GET /api/v1/audit`)
 * on a connection of its own, so that a page read from disk never holds the main event loop
 * (SPEC 8). Warm, a page takes a few milliseconds wherever it runs; with the page cache cold, the
 * rows of one page can be a hundred random reads, 50–250 ms on the bench's 1M log, and a
 * synchronous read cannot be bounded by time. Here it holds only this thread.
 *
 * It runs the same list code as the main thread would (services/action-list.ts, audit/query.ts)
 * over `connectionReads`, answering in the storage threads' protocol (storage/workers.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { queryAuditText } from '../audit/query.js';
import { toJsonText } from '../core/json-text.js';
import { attachFullTextAsIs, configure } from '../storage/database.js';
import { connectionReads } from '../storage/log-reads.js';
import { Connection } from '../storage/sqlite.js';
import { idleTrim } from '../storage/idle-trim.js';
import { failureReply } from '../storage/worker-reply.js';
import type { SqlValue } from '../storage/types.js';
import type { PageRequest, WorkerReply } from '../storage/workers.js';
import { listActions } from './action-list.js';

const port = parentPort!;
const { path, trimMs } = workerData as { path: string; trimMs: number };
// A read can meet SQLITE_BUSY for a moment while the WAL starts over (a TRUNCATE checkpoint): it
// waits for up to 5 s, as the read worker's connection does.
const conn = new Connection(path, { timeoutMs: 5000 });
configure(conn, 'main');
attachFullTextAsIs(conn, path);
/** Gives back the page cache and the grown heap once no page has been asked for `trimMs` (storage/idle-trim.ts). */
const idle = trimMs > 0 ? idleTrim(trimMs, () => conn.exec('PRAGMA shrink_memory')) : null;

/**
 * The most row text one read of a page may hold (a page's read returns at most its limit + 1 rows).
 * Rows of ~1 MiB each (up to 100 in a page) outgrew the thread's heap, and V8 ended the whole process
 * where one allocation could not be met: past this, the read stops and the page is asked again with a
 * smaller limit (services/page-reader.ts). A page's rows, lines and text then stay within ~20 MB.
 */
const PAGE_READ_CHARS = 6 * 1024 * 1024;

/** Thrown past PAGE_READ_CHARS: the page is asked again with a smaller limit. */
class PageTooBig extends Error {
  override readonly name = 'PageTooBig';
}

const textOf = (row: unknown): number => {
  let n = 0;
  for (const v of Object.values(row as Record<string, unknown>)) if (typeof v === 'string') n += v.length;
  return n;
};

/**
 * The page as the JSON text of the response: a string crosses to the main thread as one copy, where
 * the page's objects would be cloned item by item and then serialised there again (on the bench's
 * log that was ~0.7 ms of a 2 ms page, most of it on the main thread).
 */
function handle(req: PageRequest): string {
  const reads = {
    ...connectionReads(conn, req.head),
    all: <T>(sql: string, params?: SqlValue[]): T[] => {
      const rows: T[] = [];
      let left = PAGE_READ_CHARS;
      for (const row of conn.iterate<T>(sql, params)) {
        left -= textOf(row);
        if (left < 0) throw new PageTooBig(`a read of this page holds more than ${PAGE_READ_CHARS} characters`);
        rows.push(row);
      }
      return rows;
    },
  };
  switch (req.kind) {
    case 'list-actions':
      return toJsonText(listActions(reads, req.query, req.owner));
    case 'list-audit':
      return queryAuditText(reads, req.query);
  }
}

port.on('message', (m: PageRequest & { id: number }) => {
  let reply: WorkerReply;
  try {
    reply = { id: m.id, ok: true, value: handle(m) };
  } catch (e) {
    reply = failureReply(m.id, e);
  }
  port.postMessage(reply);
  idle?.busy();
});
