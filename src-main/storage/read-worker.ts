import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ExportFormat, VerifyResult } from '../../src-shared/index.js';
import type { SqlValue } from './types.js';

/** Requests the read worker answers (see worker.ts). */
export type WorkerRequest =
  | { kind: 'query'; sql: string; params: SqlValue[] }
  | { kind: 'checkpoint' }
  | { kind: 'verify'; head: { seq: number; hash: string } }
  | { kind: 'export-open'; format: ExportFormat; lo: number; hi: number; prev: string }
  | { kind: 'export-next'; cursor: number }
  | { kind: 'export-close'; cursor: number };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; sqliteCode?: number }
  | { id: number; progress: [number, number] };

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The worker's code: in a build, storage-worker.js beside the entry point (dist/cli/, out/main/) or
 * one level up from a code-split chunk; from source (tests, benches), worker.ts through tsx.
 */
/**
 * A small heap: the worker's garbage (export text, rows) is collected as it goes instead of piling
 * up to V8's default limit, which would count in the process's RSS (SPEC 8: memory flat at any size).
 */
const resourceLimits = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };

function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const src = new URL('./worker.ts', here).href;
    const boot = `(async () => { (await import('tsx/esm/api')).register(); await import(${JSON.stringify(src)}); })()`;
    return new Worker(boot, { eval: true, workerData, resourceLimits });
  }
  for (const rel of ['./storage-worker.js', '../storage-worker.js']) {
    const url = new URL(rel, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData, resourceLimits });
  }
  throw new Error('the storage worker (storage-worker.js) is missing from the build; rebuild Gatehouse');
}

/**
 * The read worker: a worker thread with its own connection to the database, for what would hold
 * the event loop (exports, verification, statistics over a big window, WAL checkpoints). Started on
 * first use, so a small data directory never pays for it; restarted if it dies.
 */
export class ReadWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly log: (m: string) => void,
  ) {}

  call(req: WorkerRequest, onProgress?: (done: number, total: number) => void): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onProgress });
      w.postMessage({ id, ...req });
    });
  }

  verify(head: { seq: number; hash: string }, onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
    return this.call({ kind: 'verify', head }, onProgress) as Promise<VerifyResult>;
  }

  /** Export chunks pulled one at a time (the worker formats the next while this one is written). */
  async *exportChunks(o: { format: ExportFormat; lo: number; hi: number; prev: string }): AsyncGenerator<string> {
    const cursor = (await this.call({ kind: 'export-open', ...o })) as number;
    let done = false;
    try {
      let next = this.call({ kind: 'export-next', cursor }) as Promise<{ text: string; done: boolean }>;
      for (;;) {
        const chunk = await next;
        if (chunk.done) {
          done = true;
          if (chunk.text) yield chunk.text;
          return;
        }
        next = this.call({ kind: 'export-next', cursor }) as Promise<{ text: string; done: boolean }>;
        next.catch(() => undefined); // read by the next turn; an abandoned export must not leave it unhandled
        yield chunk.text;
      }
    } finally {
      if (!done) await this.call({ kind: 'export-close', cursor }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.failAll(new Error('the store is closed'));
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker({ path: this.dbPath });
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const waiting = this.waiting.get(m.id);
      if (!waiting) return;
      if ('progress' in m) {
        waiting.onProgress?.(m.progress[0], m.progress[1]);
        return;
      }
      this.waiting.delete(m.id);
      if (m.ok) waiting.resolve(m.value);
      else waiting.reject(Object.assign(new Error(m.error), m.sqliteCode === undefined ? {} : { errcode: m.sqliteCode }));
    });
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      if (!this.closed) this.log(`gatehouse: the storage read worker stopped (${why}); it restarts on next use`);
      this.failAll(new Error(`the storage read worker stopped: ${why}`));
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
