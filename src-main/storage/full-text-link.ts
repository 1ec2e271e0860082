import { StorageUnavailableError, type IndexProgress } from './types.js';
import { BATCH_ROWS } from './fts-tail.js';
import type { StorageWorker } from './workers.js';

/**
 * How long acknowledged records may wait before the indexer is told about them, unless a whole
 * indexing step's worth (BATCH_ROWS) is waiting. Telling it after every transaction cost the main
 * thread a message and a reply per serial submit (a quarter of its postMessage time in a profile of
 * 3,300 HTTP submits); the indexer itself waits up to 100 ms to gather a step (worker.ts), and a
 * search never depends on this: it asks the indexer to catch up first (`ready`).
 */
export const TELL_EVERY_MS = 50;
/** While the indexer works through a backlog it is asked again this often (which also keeps it from stopping for being idle). */
const BACKLOG_POKE_MS = 1000;
/** How long `within` waits for the indexer to say how far it has got. */
const PROGRESS_WAIT_MS = 250;

/**
 * The store's side of the full-text indexer thread (fts-tail.ts): it tells the thread how far the
 * acknowledged log reaches, at most one small message at a time and at most every TELL_EVERY_MS,
 * and makes a search wait until every acknowledged record is indexed.
 */
export class FullTextLink {
  /** Every record up to this seq is known to be in the full-text index (the indexer's word). */
  private indexedSeq = 0;
  private sync: Promise<void> | null = null;
  /** The last seq the indexer was told the log reaches, and whether that message is on its way. */
  private reachSent = 0;
  private reaching = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private closed = false;

  constructor(
    private readonly indexer: StorageWorker,
    /** The last acknowledged seq. */
    private readonly durableSeq: () => number,
  ) {}

  /** A transaction was acknowledged. */
  acknowledged(): void {
    if (this.durableSeq() - this.reachSent >= BATCH_ROWS) this.tell();
    else this.tellIn(TELL_EVERY_MS);
  }

  /** The index is behind the log (or not this log's) at open: index it in the background. */
  catchUp(): void {
    this.tell(true);
  }

  /**
   * Resolves once every acknowledged record is in the full-text index; a search calls this first,
   * so it never misses a record it was told about. Concurrent callers share one request.
   */
  async ready(): Promise<void> {
    const upTo = this.durableSeq();
    // A request already on its way may have been sent before `upTo` was acknowledged: then the next.
    for (let tries = 0; this.indexedSeq < upTo && tries < 3; tries++) {
      if (this.closed) throw new StorageUnavailableError('the store is closed');
      this.sync ??= this.indexer
        .call({ kind: 'fts-sync' })
        .then(
          (seq) => {
            if (typeof seq === 'number' && seq > this.indexedSeq) this.indexedSeq = seq;
          },
          (e: unknown) => {
            throw new StorageUnavailableError(`the full-text index cannot catch up: ${(e as Error).message}`, { cause: e });
          },
        )
        .finally(() => {
          this.sync = null;
        });
      await this.sync;
    }
  }

  /**
   * `ready`, for a request that cannot wait long: resolves null once every acknowledged record is
   * indexed, or, when `ms` pass first, how far the index reaches (`indexed` of `head` records). The
   * catch-up goes on either way.
   */
  async within(ms: number): Promise<IndexProgress | null> {
    const head = this.durableSeq();
    if (this.indexedSeq >= head) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    const caughtUp = this.ready().then(() => 'ready' as const);
    // After `late` has won, a failed catch-up is the next request's to report.
    caughtUp.catch(() => undefined);
    try {
      if ((await Promise.race([caughtUp, late])) === 'ready') return null;
    } finally {
      clearTimeout(timer);
    }
    // The indexer may have got there between `late` and its answer: then nothing is missing.
    const indexed = await this.reached();
    return indexed >= head ? null : { indexed, head };
  }

  /**
   * How far the indexer has got, asked now (it answers between two of its steps); what it last said
   * if it does not answer within PROGRESS_WAIT_MS (a step held by a busy file).
   */
  private async reached(): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const asked = this.indexer.call({ kind: 'fts-reach', seq: this.durableSeq() }).then(
      (v) => {
        const seq = (v as { seq: number }).seq;
        if (seq > this.indexedSeq) this.indexedSeq = seq;
      },
      () => undefined,
    );
    await Promise.race([asked, new Promise((resolve) => (timer = setTimeout(resolve, PROGRESS_WAIT_MS)))]);
    clearTimeout(timer);
    return this.indexedSeq;
  }

  /** No more messages (the store is closing; it closes the thread itself). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Tells the indexer in `ms` at the latest (an earlier tell already planned stands). */
  private tellIn(ms: number, again = false): void {
    const due = performance.now() + ms;
    if (this.closed || (this.timer && this.timerDue <= due)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tell(again);
    }, ms);
    this.timer.unref();
  }

  /** Tells the indexer how far the log reaches now (`again`: even if it was told so already). */
  private tell(again = false): void {
    const seq = this.durableSeq();
    if (this.reaching || this.closed || (!again && seq <= this.reachSent)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.reaching = true;
    this.reachSent = seq;
    let behind = 0;
    this.indexer
      .call({ kind: 'fts-reach', seq })
      .then(
        (v) => {
          const r = v as { seq: number; behind: number };
          if (r.seq > this.indexedSeq) this.indexedSeq = r.seq;
          behind = r.behind;
        },
        () => undefined, // a search's sync reports what is wrong; the next transaction tries again
      )
      .finally(() => {
        this.reaching = false;
        if (this.durableSeq() > this.reachSent) this.acknowledged();
        else if (behind > 0) this.tellIn(BACKLOG_POKE_MS, true);
      });
  }
}
