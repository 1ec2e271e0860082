import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ActionQuery, AuditQuery, ExportFormat, VerifyResult } from '../../src-shared/index.js';
import type { SqlValue } from './types.js';
import { workerFile, type WorkerEntry } from './worker-file.js';
import type { WireUnit } from './write.js';

/** Requests the storage worker threads answer (see worker.ts). */
export type WorkerRequest =
  | { kind: 'write'; units: WireUnit[] }
  | { kind: 'fts-sync' }
  | { kind: 'fts-reach'; seq: number }
  | { kind: 'drop-retired' }
  | { kind: 'pragma'; text: string }
  | { kind: 'merkle-extend'; maxBlocks: number }
  | { kind: 'rollup-extend'; span: number }
  | { kind: 'close' }
  | { kind: 'query'; sql: string; params: SqlValue[] }
  | { kind: 'verify'; head: { seq: number; hash: string }; start?: { seq: number; hash: string } }
  | { kind: 'export-range'; format: ExportFormat; from: number; to: number; prev: string }
  | PageRequest;

/** Requests the page thread answers (services/page-worker.ts): one page of a list, read as the main thread would. */
export type PageRequest =
  | { kind: 'list-actions'; query: ActionQuery; owner: string | null; head: { seq: number; hash: string } }
  | { kind: 'list-audit'; query: Partial<AuditQuery>; head: { seq: number; hash: string } };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; storage: boolean; sqliteCode?: number; errorName?: string }
  | { id: number; progress: [number, number] };

/** An error from a worker thread, with what it was (a storage failure? SQLite's code). */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(
    message: string,
    readonly storage: boolean,
    readonly errcode: number | undefined,
    /** The name of the error the thread threw (`AuditQueryError`), or `ERR_WORKER_OUT_OF_MEMORY` when the thread ran out of heap. */
    readonly errorName?: string,
  ) {
    super(message);
  }
}

/** The thread roles: the store's three (storage/worker.ts) and the page thread (services/page-worker.ts). */
export type ThreadRole = 'writer' | 'reader' | 'indexer' | 'pages';

const ENTRY: Record<ThreadRole, WorkerEntry> = {
  writer: 'storage-worker',
  reader: 'storage-worker',
  indexer: 'storage-worker',
  pages: 'page-worker',
};

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Small heaps: a worker's garbage (export text, rows) is collected as it goes instead of piling up
 * to V8's default limit, which would count in the process's RSS (SPEC 8: memory flat at any size).
 * V8 lets a heap fill up to its limit before a full collection, so each thread's limit is roughly
 * what it keeps resident once it has done some work (bench/rss-probe.ts).
 */
const resourceLimits = {
  // The writer holds one transaction's rows at a time (≤ 4 MiB of text, store.ts MAX_TX_BYTES, or one
  // bigger commit: a burst of 50 × 2,000 records of 1 KB passes at 24 MB, test/storage/store.test.ts).
  // Its young generation is 4 MB since the server's --max-semi-space-size no longer overrides it
  // (threadsKeepOwnYoungGeneration): ~19-20 MB resident after an ingest, ~15 at 4.
  writer: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
  // The read threads' young generation holds an export piece being built (~120 KB, worker.ts
  // CHUNK_CHARS) and a read's rows. At 16 MB, sized when a piece was 1 MiB (at 8 a 1 MiB piece
  // outlived scavenges and was promoted: 1M-record export ×1.3–1.7 slower), each of the two export
  // threads stayed ~26 MB resident; at 4 MB ~19–20, and the process's peak RSS on the bench's 1M log
  // ~15 MB lower (storage bench: 241.6 → 199.0 MB with the bench's own changes). The price is
  // verification: on the bench's 1M log, alternated on a quiet machine, 129–133k rec/s at 4 MB
  // against 180–191k at 16 (export 112–150k against 100–138k: no loss). Verification is rare and
  // off the main thread; the memory is held for as long as any export or verification runs. The old
  // generation holds a query's result rows (statistics, the brief: aggregates) and a read of up to
  // 100 rows with what is made of them. A read thread of 16 MB old spent 40 % of its share of an
  // export collecting garbage; at 24 MB old a million-record export and verification ran ×1.35
  // faster at the same peak RSS (side by side on a copy of the bench's log). 48 left a thread at
  // ~56 MB resident.
  //
  // (The server's --max-semi-space-size would override these young sizes: see threadsKeepOwnYoungGeneration.)
  reader: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
  // The indexer holds one step's records (≤ 512, ≤ 2 MiB of data beyond the first) and their text,
  // and as the second read thread of an export or verification (store.ts), what a reader holds: its
  // young generation is the reader's.
  indexer: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
  // The page thread holds one page: up to 1,000 records or actions (100 by default) and what is made
  // of them, and a walk's window of candidates. Records are ~1 KB as a rule but may be 1 MiB each: a
  // page of those outgrows any small heap, and the page is then read on the main thread
  // (services/page-reader.ts). Its heap holds ~10-12 MB of its own (modules, schemas, statements):
  // at 24 MB old, under the server's --heap-growing-percent=20, V8 ran a full collection every few
  // pages (178-208 in 1,200 pages of the 1.28M log; p99 10 ms against 4 on the main thread). At 40:
  // 4 of them, p50 as on the main thread, p99 6 ms; `gatehouse serve` after 2,000 pages had grown
  // 36-37 MB against 28-32 at 24 (the same pages on the main thread: 22). Its young generation: 4 MB
  // (a page's garbage dies young; under the server's flag it had 16: ~36 MB resident, ~24 at 4).
  pages: { maxOldGenerationSizeMb: 40, maxYoungGenerationSizeMb: 4 },
};

/**
 * `gatehouse serve` starts the process with --max-semi-space-size=5 (bin/server-runtime.mjs) for the
 * main thread's young generation, and V8 sizes every isolate by that flag when it is set, over the
 * worker's own `maxYoungGenerationSizeMb`: each storage thread had a 16 MB new space whatever
 * resourceLimits said. The flag is read when an isolate is made, so clearing it once the main
 * isolate runs (before the first thread starts) keeps the main thread's 5 MB semi-spaces and lets
 * each thread have its own size. Measured (bench/rss-probe.ts, 200,000-record log + 50,000 more
 * ingested): the page thread 36 → 24 MB resident, the writer 19 → 15.
 */
let ownYoungGeneration = false;
function threadsKeepOwnYoungGeneration(): void {
  if (ownYoungGeneration) return;
  ownYoungGeneration = true;
  setFlagsFromString('--max-semi-space-size=0');
}

/**
 * A thread gives back its page cache and the heap it grew once it has had no work for this long
 * (storage/idle-trim.ts). The writer waits longer: a commit that arrives during a trim (~10-30 ms of
 * collection) waits for it, so a server committing every second or two does not trim between them.
 */
const TRIM_MS: Record<ThreadRole, number> = { writer: 5_000, reader: 1_000, indexer: 1_000, pages: 5_000 };

export interface StorageWorkerOptions {
  /** A thread trims after this long without work (default TRIM_MS by role; 0: never). */
  trimMs?: number;
  /**
   * A reader thread stops once it has had no call for this long (an export in progress counts as a
   * call), and starts again on the next one: its heap, page cache and connection are returned
   * instead of kept for a job that may not come. Default: never (the writer).
   */
  idleMs?: number;
}

/**
 * One storage worker thread (`writer`, `reader` or `indexer`, see worker.ts) and its request/reply protocol.
 * Restarted on the next call if it dies.
 */
export class StorageWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closed = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Jobs of several calls using this thread (an export): it does not stop for being idle between two of them. */
  private holds = 0;

  constructor(
    private readonly role: ThreadRole,
    private readonly dbPath: string,
    private readonly log: (m: string) => void,
    private readonly opts: StorageWorkerOptions = {},
  ) {}

  get started(): boolean {
    return this.worker !== null;
  }

  /**
   * Starts the thread now (it boots in the background), so that the first call does not wait for
   * it. A thread with an idle stop stops after that long if no call comes.
   */
  start(): void {
    if (this.closed) return;
    try {
      this.ensure();
      this.scheduleIdleStop();
    } catch {
      // reported by the first call
    }
  }

  call(req: WorkerRequest, onProgress?: (done: number, total: number) => void): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    let w: Worker;
    try {
      w = this.ensure();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.cancelIdleStop();
    const id = this.nextId++;
    // Referenced while a call is pending (a CLI awaiting a commit must not exit under it), not
    // otherwise (an idle store does not keep the process alive).
    if (this.waiting.size === 0) w.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onProgress });
      w.postMessage({ id, ...req });
    });
  }

  verify(
    head: { seq: number; hash: string },
    onProgress?: (done: number, total: number) => void,
    start?: { seq: number; hash: string },
  ): Promise<VerifyResult> {
    return this.call({ kind: 'verify', head, start }, onProgress) as Promise<VerifyResult>;
  }

  /** Keeps the thread from stopping for being idle until the returned function is called (once). */
  hold(): () => void {
    this.holds++;
    this.cancelIdleStop();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.scheduleIdleStop();
    };
  }

  /** Lets the worker finish (the writer and the indexer close their connection), then ends the thread. */
  async close(): Promise<void> {
    if (this.worker && (this.role === 'writer' || this.role === 'indexer')) await this.call({ kind: 'close' }).catch(() => undefined);
    this.closed = true;
    this.cancelIdleStop();
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.failAll(new Error('the store is closed'));
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    threadsKeepOwnYoungGeneration();
    const w = new Worker(workerFile(ENTRY[this.role]), {
      workerData: { path: this.dbPath, role: this.role, trimMs: this.opts.trimMs ?? TRIM_MS[this.role] },
      resourceLimits: resourceLimits[this.role],
    });
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const waiting = this.waiting.get(m.id);
      if (!waiting) return;
      if ('progress' in m) {
        waiting.onProgress?.(m.progress[0], m.progress[1]);
        return;
      }
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) {
        w.unref();
        this.scheduleIdleStop();
      }
      if (m.ok) waiting.resolve(m.value);
      else waiting.reject(new WorkerError(m.error, m.storage, m.sqliteCode, m.errorName));
    });
    const lost = (why: string, errorName?: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (!this.closed) this.log(`gatehouse: the storage ${this.role} thread stopped (${why}); it restarts on next use`);
      this.failAll(new WorkerError(`the storage ${this.role} thread stopped: ${why}`, true, undefined, errorName));
    };
    w.on('error', (e) => lost(e.message, (e as NodeJS.ErrnoException).code));
    w.on('exit', (code) => lost(`exit ${code}`));
    this.worker = w;
    return w;
  }

  private scheduleIdleStop(): void {
    const ms = this.opts.idleMs;
    if (ms === undefined || this.idleTimer || !this.worker || this.waiting.size || this.holds) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const w = this.worker;
      if (!w || this.waiting.size || this.holds) return;
      // Not `closed`: the next call starts a new thread (a reader keeps no state between calls).
      this.worker = null;
      void w.terminate();
    }, ms);
    this.idleTimer.unref();
  }

  private cancelIdleStop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
