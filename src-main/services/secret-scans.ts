import { Worker } from 'node:worker_threads';
import { withSecretScans, type SecretScan } from '../../src-shared/secrets.js';
import { someText } from '../core/text.js';
import type { ErrorCode, ErrorDetail } from '../../src-shared/index.js';
import { GatehouseError } from '../core/errors.js';
import { workerFileAsync } from '../storage/worker-file.js';
import { readBigBody, type BigBodyExtra, type BigBodyKind, type BigBodyRead } from './big-bodies.js';

/**
 * From this many characters of text in one body, its secrets are scanned on the secrets thread. The
 * catalogue's worst inputs (text dense with what its patterns start from: `curl -u `, `--token x `)
 * cost it up to ~60 ms a MiB for the risk factor and as much again for the mask; below this size
 * both together stay under ~4 ms on the main thread.
 */
export const OFF_LOOP_FROM = 64 * 1024;

/** The scans of a body's texts, by text. */
export type SecretScans = ReadonlyMap<string, SecretScan>;

/** What the thread is asked: the secrets of some texts, or a whole body to read (big-bodies.ts). */
export type ScanJob = { texts: string[] } | { body: { kind: BigBodyKind; text: string; maxValues: number; extra: unknown } };
export type ScanRequest = ScanJob & { id: number };
export type ScanReply =
  | { id: number; scans: { detail: string | null; masked: string | null }[] }
  | { id: number; read: unknown }
  /** The body is refused (a 400 or 413), as the main thread would have refused it. */
  | { id: number; refused: { code: ErrorCode; message: string; details?: ErrorDetail[] } }
  /** The thread failed: the work is done on the main thread instead. */
  | { id: number; error: string };

/** Deeper than any body the API accepts (64 levels): what lies past it is masked whole by the redactor anyway. */
const MAX_DEPTH = 80;

/**
 * Shorter texts stay on the main thread: the submit endpoints take at most 10,000 values, so they add
 * up to ~160 KB at most there, and collecting a body of 500,000 one-letter values would cost more than scanning them.
 */
const MIN_TEXT = 16;

/** The distinct texts of `values` (strings and object keys at any depth) of MIN_TEXT characters or more, and their total length. */
export function textsOf(values: readonly unknown[]): { texts: string[]; chars: number } {
  const seen = new Set<string>();
  let chars = 0;
  someText(
    values,
    (s) => {
      if (s.length >= MIN_TEXT && !seen.has(s)) {
        seen.add(s);
        chars += s.length;
      }
      return false;
    },
    MAX_DEPTH,
  );
  return { texts: [...seen], chars };
}

/** Whether the texts textsOf collects from `values` reach `limit` characters (repeats counted): reads only that far, allocates nothing. */
export function textReaches(values: readonly unknown[], limit: number): boolean {
  let left = limit;
  return someText(values, (s) => s.length >= MIN_TEXT && (left -= s.length) <= 0, MAX_DEPTH);
}

export interface SecretScannerOptions {
  log: (m: string) => void;
  /** Bodies with at least this many characters of text are scanned on the thread (OFF_LOOP_FROM). */
  from?: number;
  /** The thread stops after this long without work, and starts again on the next big body (default 60 s). */
  idleMs?: number;
}

/**
 * Scans the secrets of big bodies on a thread of its own (SPEC 8: no request holds the event loop
 * over 50 ms), so that deciding and masking a 1 MiB body costs the main thread lookups instead of
 * two passes of the catalogue. Fails safe: when the thread cannot answer, the texts are scanned on
 * the main thread as before (slower, never looser).
 */
export class SecretScanner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: ScanReply) => void; reject: (e: Error) => void }>();
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly from: number;
  private readonly idleMs: number;

  constructor(private readonly opts: SecretScannerOptions) {
    this.from = opts.from ?? OFF_LOOP_FROM;
    this.idleMs = opts.idleMs ?? 60_000;
  }

  /** The scans of the texts of `values` when they are big enough for the thread; null: scan them as they are used. */
  async prepare(...values: unknown[]): Promise<SecretScans | null> {
    const { texts, chars } = textsOf(values);
    if (chars < this.from) return null;
    try {
      const reply = await this.ask({ texts });
      if (!('scans' in reply)) throw new Error('error' in reply ? reply.error : 'the secrets thread answered a scan with something else');
      return new Map(texts.map((t, i) => [t, { detail: reply.scans[i]!.detail, masked: reply.scans[i]!.masked ?? t }]));
    } catch (e) {
      this.opts.log(
        `The secrets thread could not scan a body (${e instanceof Error ? e.message : String(e)}); it is scanned on the main thread`,
      );
      return null;
    }
  }

  /**
   * Runs `work` (synchronous: it decides or masks) after scanning the texts of `values` on the thread,
   * with those scans as the catalogue's answers; at once, where they are too small for the thread
   * (every ordinary request: no promise, no allocation).
   */
  around<T>(values: unknown[], work: () => T): T | Promise<T> {
    if (!textReaches(values, this.from)) return work();
    return this.prepare(...values).then((scans) => (scans ? withSecretScans(scans, work) : work()));
  }

  /**
   * A body read whole and reduced by its reader (big-bodies.ts): on the thread when it is big, since
   * a body may hold hundreds of thousands of values (a whole query result, a generated tool schema)
   * that would hold the main thread for a quarter of a second; refused with the error the main
   * thread would give. When the thread cannot answer, it is read here (slower, never different).
   */
  async readBody<K extends BigBodyKind>(kind: K, text: string, maxValues: number, extra: BigBodyExtra<K>): Promise<BigBodyRead<K>> {
    if (text.length < this.from) return readBigBody(kind, text, maxValues, extra);
    let reply: ScanReply;
    try {
      reply = await this.ask({ body: { kind, text, maxValues, extra } });
      if ('error' in reply) throw new Error(reply.error);
    } catch (e) {
      this.opts.log(
        `The secrets thread could not read a body (${e instanceof Error ? e.message : String(e)}); it is read on the main thread`,
      );
      return readBigBody(kind, text, maxValues, extra);
    }
    if ('refused' in reply) throw new GatehouseError(reply.refused.code, reply.refused.message, reply.refused.details);
    if (!('read' in reply)) throw new Error('the secrets thread answered a body with scans');
    return reply.read as BigBodyRead<K>;
  }

  /** Whether the thread is running now (it starts on the first big body and stops when idle). */
  get threadStarted(): boolean {
    return this.worker !== null;
  }

  close(): void {
    this.stop(new Error('the server is stopping'));
  }

  private async ask(job: ScanJob): Promise<ScanReply> {
    const worker = this.worker ?? (await this.start());
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise<ScanReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...job } satisfies ScanRequest);
    });
  }

  private async start(): Promise<Worker> {
    const file = await workerFileAsync('secret-scan-worker');
    if (this.worker) return this.worker;
    const worker = new Worker(file);
    worker.unref();
    worker.on('message', (reply: ScanReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      w?.resolve(reply);
      if (this.waiting.size === 0) this.idleTimer = setTimeout(() => this.stop(null), this.idleMs).unref();
    });
    const ended = (e: Error): void => {
      if (this.worker === worker) this.stop(e);
    };
    worker.once('error', ended);
    worker.once('exit', (code) => ended(new Error(`the secrets thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private stop(reason: Error | null): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(reason ?? new Error('the secrets thread stopped'));
    this.waiting.clear();
    if (worker) void worker.terminate();
  }
}

/** `scanner.around(values, work)`, or `work()` inline where a service runs without a scanner (tests of the service alone). */
export const aroundScans = <T>(scanner: SecretScanner | undefined, values: unknown[], work: () => T): T | Promise<T> =>
  scanner ? scanner.around(values, work) : work();
