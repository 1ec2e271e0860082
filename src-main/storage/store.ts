import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ZERO_HASH, type AuditRecord, type VerifyResult } from '../../src-shared/index.js';
import { assertJsonStrings, jcs, sealFields } from '../audit/chain.js';
import { formatRows, startVerify, verifyRows, finishVerify } from '../audit/scan.js';
import { iso, systemClock, type Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { openDatabase } from './database.js';
import { upgradeLegacyDataDir, type UpgradeReport } from './legacy/upgrade.js';
import { ReadWorker } from './read-worker.js';
import type { Connection } from './sqlite.js';
import { isStorageFailure } from './sqlite.js';
import { writeBatch, type PendingCommit, type SealedRecord } from './write.js';
import { StorageUnavailableError, type AuditDraft, type AuditRow, type AuditScan, type Op, type SqlValue, type Store } from './types.js';

export interface OpenStoreOptions {
  dataDir: string;
  clock?: Clock;
  /** Where background problems (a failed checkpoint) are reported. Default console.warn. */
  log?: (message: string) => void;
  /**
   * Exports, verification and statistics visiting at least this many rows run on the read worker
   * (default 20,000); smaller ones run here in slices, which is cheaper than a worker round trip.
   */
  offloadMinRows?: number;
  /** Checkpoint (on the read worker) once the WAL file passes this many bytes (default 16 MB). */
  checkpointWalBytes?: number;
}

/** Alias used by the core. */
export type StoreOptions = OpenStoreOptions;

interface Head {
  seq: number;
  hash: string;
  tsMs: number;
}

const READ_RE = /^\s*(SELECT|WITH|EXPLAIN|VALUES)\b/i;
const AUDIT_COLUMNS = 'seq, id, ts, type, actor, action_id, data, hash';
/** Commits per transaction at most; a burst beyond it is written in several back to back. */
const MAX_BATCH = 512;
/** A checkpoint this close to the end of the WAL (frames) finishes with writes paused. */
const CATCH_UP_FRAMES = 2000;
/** Rows per slice when a scan runs on the main thread (each slice is well under a millisecond). */
const SLICE = 1000;

/**
 * The store (SPEC 8): `gatehouse.sqlite` through node:sqlite, WAL, synchronous=FULL.
 *
 * Where the writer runs: on the main thread. Measured here (see bench/report.md), a group-commit
 * transaction of 32 `action.decided` commits takes ~1–2 ms including its fsync, and a serial
 * commit ~0.4 ms; a writer worker would add a structured-clone round trip (~0.1 ms each way) to
 * every acknowledgement, which alone spends a fifth of the serial-submit budget (0.5 ms p50), for
 * no gain in stall time at these sizes: no write transaction here is large (at most 512 commits,
 * a few ms). What can be long is moved off the main thread instead: WAL checkpoints (the writer
 * never checkpoints; the read worker does, PASSIVE, when the WAL grows) and big reads (exports,
 * verification, statistics over big windows) on the read worker's own connection.
 *
 * Commits: `commit` seals the records onto the chain synchronously (seq, id, ts, hashes) and
 * queues them; one flush per turn of the event loop writes everything queued in one transaction
 * (group commit) and settles the promises after COMMIT returned.
 */
export class SqliteStore implements Store {
  private durable: Head;
  private tentative: Head;
  private queue: PendingCommit[] = [];
  private flushScheduled = false;
  private writableFlag = true;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly readOk = new Set<string>();
  private readonly worker: ReadWorker;
  private readonly timer: NodeJS.Timeout;
  private checkpointRunning = false;
  private pausedForCheckpoint = false;
  /** WAL restarts so far (bench and tests). */
  checkpoints = 0;
  /** What the last flush did (bench and tests). */
  lastFlush = { commits: 0, records: 0, ms: 0 };
  /** Longest flush so far (ms). */
  longestFlushMs = 0;

  /** @internal use openStore */
  constructor(
    private readonly conn: Connection,
    private readonly opts: Required<Omit<OpenStoreOptions, 'dataDir'>> & { dataDir: string; path: string },
    head: Head,
    readonly upgrade: UpgradeReport | null,
  ) {
    this.durable = head;
    this.tentative = { ...head };
    this.worker = new ReadWorker(opts.path, opts.log);
    this.timer = setInterval(() => void this.maybeCheckpoint(), 500);
    this.timer.unref();
  }

  get writable(): boolean {
    return this.writableFlag && !this.closing;
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** Path of the database file. */
  get path(): string {
    return this.opts.path;
  }

  head(): { seq: number; hash: string } {
    return { seq: this.durable.seq, hash: this.durable.hash };
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T[] {
    this.checkRead(sql);
    return this.conn.all<T>(sql, params);
  }

  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T | undefined {
    this.checkRead(sql);
    return this.conn.get<T>(sql, params);
  }

  async allAsync<T = Record<string, unknown>>(sql: string, params: SqlValue[] = [], opts: { rowsHint?: number } = {}): Promise<T[]> {
    this.checkRead(sql);
    if ((opts.rowsHint ?? 0) < this.opts.offloadMinRows) return this.conn.all<T>(sql, params);
    return (await this.worker.call({ kind: 'query', sql, params })) as T[];
  }

  auditRows(afterSeq: number, limit: number, filter?: { sinceMs?: number; untilMs?: number }): AuditRow[] {
    const where = ['seq > ?'];
    const params: SqlValue[] = [afterSeq];
    if (filter?.sinceMs !== undefined) {
      where.push('ts_ms >= ?');
      params.push(filter.sinceMs);
    }
    if (filter?.untilMs !== undefined) {
      where.push('ts_ms <= ?');
      params.push(filter.untilMs);
    }
    params.push(limit);
    return this.conn.all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, params);
  }

  async *exportChunks(scan: AuditScan): AsyncGenerator<string> {
    const { format, lo, hi } = scan;
    if (lo > hi) return;
    let prev = lo <= 1 ? ZERO_HASH : (this.conn.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [lo - 1])?.hash ?? ZERO_HASH);
    if (hi - lo + 1 >= this.opts.offloadMinRows) {
      yield* this.worker.exportChunks({ format, lo, hi, prev });
      return;
    }
    let after = lo - 1;
    while (after < hi) {
      const rows = this.auditRows(after, Math.min(SLICE, hi - after));
      if (!rows.length) break;
      const out = formatRows(rows, format, prev);
      prev = out.prev;
      after = rows[rows.length - 1]!.seq;
      yield out.text;
    }
  }

  async verify(onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
    const head = this.head();
    if (head.seq >= this.opts.offloadMinRows) return this.worker.verify(head, onProgress);
    const state = startVerify();
    while (state.expected <= head.seq) {
      const rows = this.auditRows(state.expected - 1, Math.min(SLICE, head.seq - state.expected + 1));
      if (!rows.length) break;
      const bad = verifyRows(rows, state);
      if (bad) return bad;
      onProgress?.(state.expected - 1, head.seq);
      await yieldToLoop();
    }
    return finishVerify(state, head);
  }

  commit(opsOrFn: Op[] | ((records: AuditRecord[]) => Op[]), audit: AuditDraft[] = []): Promise<AuditRecord[]> {
    if (this.closing) return Promise.reject(new StorageUnavailableError('the store is closed'));
    let sealed: { records: SealedRecord[]; head: Head };
    let ops: Op[];
    try {
      sealed = this.seal(audit);
      // Ops may refer to the seqs just assigned (e.g. an action row pointing at its record).
      ops = typeof opsOrFn === 'function' ? opsOrFn(sealed.records.map((r) => r.record)) : opsOrFn;
      checkOps(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    this.tentative = sealed.head;
    return new Promise<AuditRecord[]>((resolve, reject) => {
      this.queue.push({ ops, records: sealed.records, resolve, reject, opError: null });
      this.scheduleFlush();
    });
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  /**
   * Test and operations knob: caps the database file at `pages` pages (null: SQLite's default), so
   * that writes past it fail with a genuine SQLITE_FULL. Returns the cap in effect.
   */
  setMaxPageCount(pages: number | null): number {
    const n = pages ?? 4_294_967_294;
    return Number(this.conn.pragma(`max_page_count = ${Math.max(1, Math.floor(n))}`));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // On the next turn, not now: commits issued in this turn (a burst of requests, the
    // continuations of the batch just acknowledged) share the transaction.
    setImmediate(() => this.flush());
  }

  /**
   * Writes what is queued in one transaction (at most MAX_BATCH commits; the rest on the next turn,
   * so that a burst never holds the loop for more than one transaction) and settles the promises.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (!this.queue.length || (this.pausedForCheckpoint && !this.closing)) return;
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    const started = performance.now();
    try {
      writeBatch(this.conn, batch);
    } catch (e) {
      this.fail(batch, e);
      return;
    }
    const ms = performance.now() - started;
    let records = 0;
    for (const c of batch) records += c.records.length;
    this.lastFlush = { commits: batch.length, records, ms };
    if (ms > this.longestFlushMs) this.longestFlushMs = ms;
    const last = batch.findLast((c) => c.records.length)?.records;
    if (last) {
      const r = last[last.length - 1]!;
      this.durable = { seq: r.record.seq, hash: r.record.hash, tsMs: r.tsMs };
    }
    this.writableFlag = true;
    if (this.queue.length) this.scheduleFlush();
    for (const c of batch) {
      if (c.opError) c.reject(c.opError);
      else c.resolve(c.records.map((r) => r.record));
    }
  }

  /**
   * The transaction did not commit: nothing of it is stored. Everything queued behind it was sealed
   * on top of it, so it is rejected too, and the chain continues from the last durable record.
   */
  private fail(batch: PendingCommit[], cause: unknown): void {
    const rest = this.queue;
    this.queue = [];
    this.tentative = { ...this.durable };
    this.writableFlag = false;
    const why = (cause as Error)?.message ?? String(cause);
    const err = isStorageFailure(cause)
      ? new StorageUnavailableError(`the database cannot be written: ${why}`, { cause })
      : new StorageUnavailableError(`the write failed: ${why}`, { cause });
    for (const c of batch) c.reject(err);
    for (const c of rest) c.reject(err);
  }

  private seal(drafts: AuditDraft[]): { records: SealedRecord[]; head: Head } {
    let { seq, hash, tsMs } = this.tentative;
    const records: SealedRecord[] = [];
    for (const d of drafts) {
      tsMs = Math.max(this.opts.clock.now(), tsMs); // the chain's timestamps never go backwards
      const dataText = jcs(d.data);
      const fields = {
        seq: seq + 1,
        id: newId('evt', tsMs),
        ts: iso(tsMs),
        type: d.type,
        actor: d.actor,
        action_id: d.action_id ?? null,
        dataText,
        prevHash: hash,
      };
      assertJsonStrings(fields.type, fields.actor, fields.action_id); // lone surrogates are rejected like JCS does
      const sealedLine = sealFields(fields);
      const record: AuditRecord = {
        seq: fields.seq,
        id: fields.id,
        ts: fields.ts,
        type: fields.type,
        actor: fields.actor,
        action_id: fields.action_id,
        data: d.data,
        prev_hash: hash,
        hash: sealedLine.hash,
      };
      records.push({ record, dataText, tsMs });
      seq = fields.seq;
      hash = sealedLine.hash;
    }
    return { records, head: { seq, hash, tsMs } };
  }

  /**
   * WAL checkpoints, never on the main thread. The read worker copies the WAL into the database
   * file with PASSIVE checkpoints while writes go on. Under continuous writes a checkpoint never
   * catches up with the last frame, and SQLite restarts the WAL from its beginning only after a
   * checkpoint that did; so once the worker is close behind, writes pause for one short PASSIVE
   * checkpoint of the few frames left (commits queue meanwhile; the event loop stays free), and the
   * next transaction starts the WAL over. The WAL file so stays near `checkpointWalBytes`.
   */
  private async maybeCheckpoint(): Promise<void> {
    if (this.checkpointRunning || this.closing) return;
    this.checkpointRunning = true;
    try {
      const size = (await stat(`${this.opts.path}-wal`).catch(() => null))?.size ?? 0;
      if (size < this.opts.checkpointWalBytes) return;
      let r = await this.checkpointStep();
      for (let i = 0; i < 8 && r.log - r.checkpointed > CATCH_UP_FRAMES && !this.closing; i++) r = await this.checkpointStep();
      if (r.log === 0 || this.closing) return;
      // Close behind: pause writes for the last step, so that it reaches the end of the WAL.
      this.pausedForCheckpoint = true;
      try {
        r = await this.checkpointStep();
      } finally {
        this.pausedForCheckpoint = false;
        if (this.queue.length) this.scheduleFlush();
      }
      this.checkpoints++;
    } catch (e) {
      this.opts.log(`gatehouse: WAL checkpoint failed (it is retried): ${(e as Error).message}`);
    } finally {
      this.checkpointRunning = false;
    }
  }

  private async checkpointStep(): Promise<{ busy: number; log: number; checkpointed: number }> {
    const r = (await this.worker.call({ kind: 'checkpoint' })) as { busy: number; log: number; checkpointed: number } | null;
    return r ?? { busy: 0, log: 0, checkpointed: 0 };
  }

  private async shutdown(): Promise<void> {
    // Commits already issued are written (their callers are waiting); later ones reject.
    this.closing = true;
    while (this.queue.length && this.writableFlag) this.flush();
    if (this.queue.length) this.fail([], new Error('the store closed while the disk could not be written'));
    clearInterval(this.timer);
    await this.worker.close();
    // Closing the last connection checkpoints the WAL into the database file and removes it. On a
    // full or read-only disk that checkpoint cannot run: the WAL then stays, holding every committed
    // transaction, and the next start reads it. Nothing is lost either way, so closing never throws.
    try {
      this.conn.close();
    } catch (e) {
      this.opts.log(`gatehouse: the database closed with its WAL kept (${(e as Error).message}); the next start reads it`);
    }
  }

  private checkRead(sql: string): void {
    if (this.readOk.has(sql)) return;
    if (!READ_RE.test(sql)) throw new Error('Store.all/get run reads only; change state with commit()');
    if (this.readOk.size < 10_000) this.readOk.add(sql);
  }
}

/** Checks op parameters: strings, finite numbers and null only. */
function checkOps(ops: readonly Op[]): void {
  for (const op of ops) {
    if (typeof op.sql !== 'string' || !op.sql) throw new TypeError('op.sql must be a non-empty string');
    for (const p of op.params ?? []) {
      const ok = p === null || typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p));
      if (!ok) throw new TypeError(`op parameter ${String(p)} is not a string, finite number or null (in: ${op.sql.slice(0, 80)})`);
    }
  }
}

/**
 * Opens (or creates) the store of a data directory. A release 0.1 data directory (sql.js snapshot
 * + journal/) is upgraded in place first (see legacy/upgrade.ts).
 */
export async function openStore(options: OpenStoreOptions): Promise<SqliteStore> {
  const log = options.log ?? ((m: string) => console.warn(m));
  const clock = options.clock ?? systemClock;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const upgrade = await upgradeLegacyDataDir(options.dataDir, { log, clock });
  const path = join(options.dataDir, 'gatehouse.sqlite');
  const conn = openDatabase(path);
  const last = conn.get<{ seq: number; hash: string; ts_ms: number }>('SELECT seq, hash, ts_ms FROM audit ORDER BY seq DESC LIMIT 1');
  const head: Head = last ? { seq: last.seq, hash: last.hash, tsMs: last.ts_ms } : { seq: 0, hash: ZERO_HASH, tsMs: 0 };
  return new SqliteStore(
    conn,
    {
      dataDir: options.dataDir,
      path,
      clock,
      log,
      offloadMinRows: options.offloadMinRows ?? 20_000,
      checkpointWalBytes: options.checkpointWalBytes ?? 16 << 20,
    },
    head,
    upgrade,
  );
}

export { StorageUnavailableError };
