import { Worker } from 'node:worker_threads';
import type { ExportFormat, VerifyResult } from '../../src-shared/index.js';
import type { SqlValue } from './types.js';
import { workerFile } from './worker-file.js';
import type { WireUnit } from './write.js';

/** Requests the storage worker threads answer (see worker.ts). */
export type WorkerRequest =
  | { kind: 'write'; units: WireUnit[] }
  | { kind: 'fts-sync' }
  | { kind: 'pragma'; text: string }
  | { kind: 'merkle-extend'; maxBlocks: number }
  | { kind: 'close' }
  | { kind: 'query'; sql: string; params: SqlValue[] }
  | { kind: 'verify'; head: { seq: number; hash: string }; start?: { seq: number; hash: string } }
  | { kind: 'export-range'; format: ExportFormat; from: number; to: number; prev: string };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; storage: boolean; sqliteCode?: number }
  | { id: number; progress: [number, number] };

/** An error from a worker thread, with what it was (a storage failure? SQLite's code). */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(
    message: string,
    readonly storage: boolean,
    readonly errcode: number | undefined,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Small heaps: a worker's garbage (export text, rows) is collected as it goes instead of piling up
 * to V8's default limit, which would count in the process's RSS (SPEC 8: memory flat at any size).
 */
const resourceLimits = {
  // The writer holds one transaction's rows at a time (≤ 4 MiB of text, store.ts MAX_TX_BYTES, or one
  // bigger commit: a burst of 50 × 2,000 records of 1 KB passes at 24 MB, test/storage/store.test.ts);
  // the reader an export chunk (≤ 1 MiB of text).
  writer: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
  // The reader's young generation holds an export chunk being built (≤ 1 MiB of text from ~2 MiB of rows):
  // at 8 MB the chunk outlived scavenges and was promoted and collected again (GC: 3.9 s of the
  // thread's 23.8 s in a profiled export); at 16 MB a 1M-record export ran ×1.3–1.7 faster (probe on
  // the same file, alternated: 68–90k → 116k rec/s; 32 MB gained nothing more).
  reader: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 16 },
};

/**
 * One storage worker thread (`writer` or `reader`, see worker.ts) and its request/reply protocol.
 * Restarted on the next call if it dies.
 */
export class StorageWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closed = false;

  constructor(
    private readonly role: 'writer' | 'reader',
    private readonly dbPath: string,
    private readonly log: (m: string) => void,
  ) {}

  get started(): boolean {
    return this.worker !== null;
  }

  /** Starts the thread now (it boots in the background), so that the first call does not wait for it. */
  start(): void {
    if (this.closed) return;
    try {
      this.ensure();
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

  /** Lets the worker finish (the writer closes its connection), then ends the thread. */
  async close(): Promise<void> {
    if (this.worker && this.role === 'writer') await this.call({ kind: 'close' }).catch(() => undefined);
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.failAll(new Error('the store is closed'));
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerFile('storage-worker'), {
      workerData: { path: this.dbPath, role: this.role },
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
      if (this.waiting.size === 0) w.unref();
      if (m.ok) waiting.resolve(m.value);
      else waiting.reject(new WorkerError(m.error, m.storage, m.sqliteCode));
    });
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (!this.closed) this.log(`gatehouse: the storage ${this.role} thread stopped (${why}); it restarts on next use`);
      this.failAll(new WorkerError(`the storage ${this.role} thread stopped: ${why}`, true, undefined));
    };
    w.on('error', (e) => lost(e.message));
    w.on('exit', (code) => lost(`exit ${code}`));
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
