import type { ActionQuery, AuditQuery } from '../../src-shared/index.js';
import { AuditQueryError, BAD_CURSOR, queryAuditText, type AuditPage } from '../audit/query.js';
import { GatehouseError } from '../core/errors.js';
import { toJsonText, type JsonText } from '../core/json-text.js';
import type { Store } from '../storage/types.js';
import { StorageWorker, WorkerError, type PageRequest } from '../storage/workers.js';
import { listActions } from './action-list.js';

type ActionPage = ReturnType<typeof listActions>;

export interface PageReaderOptions {
  /** The database file the page thread opens (the store's). */
  path: string;
  log: (m: string) => void;
  /**
   * The thread stops after this long without a page and starts again on the next one (default 5 min:
   * starting it takes ~200 ms here, most of it loading the API's schemas, which a console that is
   * being used should not wait for on every visit; idle, it holds ~25-35 MB).
   */
  idleMs?: number;
}

/**
 * The pages of the two long lists, read on the page thread (services/page-worker.ts) so that a
 * page read from a cold disk never holds the main event loop. What the thread answers is what the
 * same code answers on the main thread: a bad cursor or query is the same 400. A page too big for
 * the thread's small heap (100 records of up to 1 MiB each) is read again with a smaller limit (see read).
 */
export class PageReader {
  private readonly thread: StorageWorker;

  constructor(
    private readonly store: Store,
    opts: PageReaderOptions,
  ) {
    this.thread = new StorageWorker('pages', opts.path, opts.log, { idleMs: opts.idleMs ?? 300_000 });
  }

  /** Starts the page thread in the background (a server that has just started), so that the first page does not wait for it. */
  warm(): void {
    this.thread.start();
  }

  /** Whether the page thread is running now (it stops after `idleMs` without a page). */
  get threadStarted(): boolean {
    return this.thread.started;
  }

  /** A page of `GET /api/v1/actions`, as the JSON text of the response. */
  actions(query: ActionQuery, owner: string | null): Promise<JsonText<ActionPage>> {
    return this.read({ kind: 'list-actions', query, owner, head: this.store.head() }, (r) =>
      toJsonText(listActions(this.store, r.query, owner)),
    );
  }

  /** A page of `GET /api/v1/audit`, as the JSON text of the response. */
  audit(query: Partial<AuditQuery>): Promise<JsonText<AuditPage>> {
    return this.read({ kind: 'list-audit', query, head: this.store.head() }, (r) => queryAuditText(this.store, r.query));
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  /**
   * `req` read on the page thread. A page whose rows are too big for the thread (records of up to 1 MiB
   * each: the thread stops reading them, services/page-worker.ts) is asked again with a quarter of its
   * limit, on the thread, down to one record: a page may hold fewer items than its limit, and its
   * `next_cursor` leads to the rest. Only a single record too big for the thread is read here
   * (a whole page of such records read here held the event loop ~85 ms with 12 of them).
   */
  private async read<R extends PageRequest, T>(req: R, here: (req: R) => JsonText<T>): Promise<JsonText<T>> {
    for (let r = req; ;) {
      try {
        return (await this.thread.call(r)) as JsonText<T>;
      } catch (e) {
        if (!(e instanceof WorkerError)) throw e;
        if (e.errorName === 'AuditQueryError') throw invalidQuery(e);
        if (e.errorName === 'PageTooBig' || e.errorName === 'ERR_WORKER_OUT_OF_MEMORY') {
          const limit = r.query.limit ?? DEFAULT_PAGE_LIMIT;
          if (limit > 1) {
            r = { ...r, query: { ...r.query, limit: Math.max(1, Math.floor(limit / 4)) } };
            continue;
          }
          try {
            return here(r);
          } catch (inner) {
            throw inner instanceof AuditQueryError ? invalidQuery(inner) : inner;
          }
        }
        if (e.storage) throw new GatehouseError('unavailable', 'The log cannot be read right now. Retry shortly.', undefined, 1);
        throw e;
      }
    }
  }
}

/** The lists' default page size (their schemas' `limit` default). */
const DEFAULT_PAGE_LIMIT = 100;

const invalidQuery = (e: Error) =>
  new GatehouseError('invalid_request', e.message, e.message === BAD_CURSOR ? [{ path: 'cursor', message: e.message }] : undefined);
