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
 * The page as the JSON text of the response: a string crosses to the main thread as one copy, where
 * the page's objects would be cloned item by item and then serialised there again (on the bench's
 * log that was ~0.7 ms of a 2 ms page, most of it on the main thread).
 */
function handle(req: PageRequest): string {
  const reads = connectionReads(conn, req.head);
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
