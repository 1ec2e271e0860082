import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ZERO_HASH, type AuditRecord, type VerifyResult } from '../../src-shared/index.js';
import { assertJsonStrings, jcs, sealFields } from '../audit/chain.js';
import { formatRows, startVerify, verifyRows, finishVerify } from '../audit/scan.js';
import { iso, systemClock, type Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { hasRetired, openDatabase } from './database.js';
import { upgradeLegacyDataDir, type UpgradeReport } from './legacy/upgrade.js';
import { BLOCK, builtBlocks, StoreSubtrees } from './merkle-store.js';
import { AUDIT_COLUMNS, readAuditRows } from './audit-rows.js';
import { exportOverReaders } from './export-pipeline.js';
import { derivedReach } from './derived-reach.js';
import { rollupFloor } from './rollup.js';
import { FullTextLink } from './full-text-link.js';
import { StorageWorker, WorkerError, type WorkerRequest } from './workers.js';
import { archiveHeadOf, hashBeforeOf } from './log-reads.js';
import type { Connection } from './sqlite.js';
import { isStorageFailure } from './sqlite.js';
import { toWire, type OpError, type PendingCommit, type SealedRecord } from './write.js';
import {
  StorageUnavailableError,
  type AuditDraft,
  type AuditRow,
  type AuditScan,
  type IndexProgress,
  type Op,
  type SqlValue,
  type Store,
} from './types.js';

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
  /**
   * The indexer's half of a large verification is walked in slices of this many records (default
   * 100,000, ~0.3 s here), so that a search waits behind one slice at most.
   */
  indexerVerifyRows?: number;
  /**
   * Records per block when a large export is dealt to the two read threads (default 100: a block is
   * then one piece of text, ~120 KB, so each thread always has the next piece in the making).
   */
  exportBlockRows?: number;
  /**
   * The read thread stops after this long without a call and starts again on the next one
   * (default 30 s): an idle server does not keep the tens of MB of heap and page cache a big
   * export left behind.
   */
  readerIdleMs?: number;
  /**
   * Seqs per slice when an older database's actions are counted into the Dashboard's rollup in the
   * background (rollup.ts; default 2,048). On a copy of the storage bench's log (1,000,000 actions,
   * one per seq) the count took 4.5 s in 489 slices of p50 9 ms, 25 ms at most, which is what a
   * commit waits behind one; slices of 8,192 took 3.5 s, p50 26 ms and up to 80 ms.
   */
  rollupSpan?: number;
}

/** Alias used by the core. */
export type StoreOptions = OpenStoreOptions;

interface Head {
  seq: number;
  hash: string;
  tsMs: number;
}

const READ_RE = /^\s*(SELECT|WITH|EXPLAIN|VALUES)\b/i;
/** Commits per transaction at most; a burst beyond it is written in several back to back. */
const MAX_BATCH = 512;
/**
 * Bytes of record and op text per transaction at most (a single bigger commit still goes alone).
 * What crosses to the writer thread at once is bounded, so a burst of big commits (thousands of
 * 1 KB records each) waits its turn in this queue instead of growing the writer's heap past its
 * limit (which ended the thread).
 */
const MAX_TX_BYTES = 4 << 20;
/** Rows per slice when a scan runs on the main thread (each slice is well under a millisecond). */
const SLICE = 1000;
/**
 * Record text one slice of a scan on the main thread may hold: a slice of 1,000 records of ~1 MiB
 * each is a GB, and 12 of them held the loop ~60-110 ms. From a slice holding more on, the scan runs
 * on the read threads, whose pieces are a record or less each.
 */
const INLINE_SCAN_CHARS = 2 << 20;

/**
 * The store (SPEC 8): `gatehouse.sqlite` through node:sqlite, WAL, synchronous=FULL.
 *
 * Where the writer runs: on a worker thread of its own (worker.ts), with its own connection; the
 * main thread keeps a connection for reads. Measured here (bench/report.md, and the probes behind
 * it): a group-commit transaction of 32 commits is ~1–2 ms on a quiet disk, but its fsync alone
 * took up to ~380 ms while other processes were writing, and on the main thread that whole time
 * was an event-loop stall (and the loop spent ~46 % of its time waiting in COMMIT under load). On
 * the writer thread an fsync, however slow, stalls nothing: requests keep being parsed, decided and
 * sealed, and queue for the next transaction. The price is one message each way per transaction
 * (not per commit) and the rows cloned once; the main thread keeps the cheap part (sealing the
 * chain: seq, hashes).
 *
 * Commits: `commit` seals the records onto the chain synchronously (seq, id, ts, hashes) and
 * queues them. One transaction is in flight at a time; the commits that arrive meanwhile share the
 * next one (group commit), and each promise settles after the COMMIT that holds it returned.
 * What visits many rows (exports, verification, statistics over a big window) runs on a second,
 * read-only worker thread.
 */
export class SqliteStore implements Store {
  private durable: Head;
  private tentative: Head;
  private queue: PendingCommit[] = [];
  private flushScheduled = false;
  private inFlight: Promise<void> | null = null;
  private writableFlag = true;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly readOk = new Set<string>();
  private merkleBuilt = false;
  private merkleCatchUp: Promise<void> | null = null;
  private rollupCatchUp: Promise<void> | null = null;
  private readonly writer: StorageWorker;
  private readonly reader: StorageWorker;
  /**
   * Keeps the full-text index (its own file) up with the log, off the writer's path (fts-tail.ts),
   * and is the second read thread of a large export or verification (half the work; 2 cores): a
   * thread that is already there, rather than one more V8 heap and page cache for the job (a second
   * reader thread added ~40 MB of RSS to an export of the bench's log, at the same rate).
   */
  private readonly indexer: StorageWorker;
  /** Tells the indexer how far the log reaches, and makes a search wait for it (full-text-link.ts). */
  private readonly fullText: FullTextLink;
  /** What the last transaction did (bench and tests): commits, records, ms from send to reply. */
  lastFlush = { commits: 0, records: 0, ms: 0 };
  /** Longest transaction so far, send to reply (ms). */
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
    this.writer = new StorageWorker('writer', opts.path, opts.log);
    this.reader = new StorageWorker('reader', opts.path, opts.log, { idleMs: opts.readerIdleMs });
    this.indexer = new StorageWorker('indexer', opts.path, opts.log, { idleMs: opts.readerIdleMs });
    this.fullText = new FullTextLink(this.indexer, () => this.durable.seq);
  }

  get writable(): boolean {
    return this.writableFlag && !this.closing;
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** @internal openStore: starts the writer thread ahead of the first commit. */
  startWriter(): void {
    this.writer.start();
  }

  /** Resolves once the writer thread is up (a server's first commit, `server.started`, waits for the same). */
  async writerReady(): Promise<void> {
    await this.writer.call({ kind: 'pragma', text: 'user_version' });
  }

  /** @internal openStore: the tree was found complete. */
  markMerkleBuilt(): void {
    this.merkleBuilt = true;
  }

  /** Path of the database file. */
  get path(): string {
    return this.opts.path;
  }

  head(): { seq: number; hash: string } {
    return { seq: this.durable.seq, hash: this.durable.hash };
  }

  archiveHead(): { seq: number; hash: string } {
    return archiveHeadOf(this.conn);
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
    return (await this.reader.call({ kind: 'query', sql, params })) as T[];
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
    return readAuditRows(this.conn, `SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, params);
  }

  async *exportChunks(scan: AuditScan): AsyncGenerator<string> {
    const { format, lo, hi } = scan;
    if (lo > hi) return;
    if (hi - lo + 1 >= this.opts.offloadMinRows) {
      yield* this.exportOnThreads(format, lo, hi);
      return;
    }
    let prev = this.hashBefore(lo);
    let after = lo - 1;
    while (after < hi) {
      // A slice holding MBs of records (1,000 of ~1 MiB each is a GB) is read on the read threads, with the rest.
      if (this.holdsMoreText(after + 1, Math.min(after + SLICE, hi), INLINE_SCAN_CHARS)) {
        yield* this.exportOnThreads(format, after + 1, hi);
        return;
      }
      const rows = this.auditRows(after, Math.min(SLICE, hi - after));
      if (!rows.length) break;
      const out = formatRows(rows, format, prev);
      prev = out.prev;
      after = rows[rows.length - 1]!.seq;
      yield out.text;
    }
  }

  /** Records `lo`..`hi` exported on the read threads, in order. */
  private async *exportOnThreads(format: AuditScan['format'], lo: number, hi: number): AsyncGenerator<string> {
    // Two read threads for a range of at least two blocks (this machine class has 2 cores): the
    // reader and the indexer (if the indexer fails, the reader takes its share: export-pipeline.ts).
    const readers = hi - lo + 1 >= 2 * this.opts.exportBlockRows ? [this.reader, this.indexer] : [this.reader];
    // Neither thread stops for being idle while the consumer writes what it has (see workers.ts).
    const releases = readers.map((r) => r.hold());
    try {
      const blockRows = this.opts.exportBlockRows;
      yield* exportOverReaders(readers, { format, lo, hi, blockRows, prevBefore: (from) => this.hashBefore(from) });
    } finally {
      for (const release of releases) release();
    }
  }

  /**
   * Whether records `lo`..`hi` (a slice: at most SLICE rows) hold more than `chars` of data. octet_length
   * is read from each record's header: no overflow page is loaded.
   */
  private holdsMoreText(lo: number, hi: number, chars: number): boolean {
    const r = this.conn.get<{ n: number | null }>('SELECT sum(octet_length(data)) AS n FROM audit WHERE seq BETWEEN ? AND ?', [lo, hi]);
    return (r?.n ?? 0) > chars;
  }

  /** The `prev_hash` of a line that starts at record `seq` (log-reads.ts). */
  hashBefore(seq: number): string {
    return hashBeforeOf(this.conn, seq);
  }

  async verify(onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
    const head = this.head();
    // Archived records (SPEC 7.7) are checked by `gatehouse audit verify --archive`; the live chain
    // starts after them, from the last archived hash.
    const start = this.archiveHead();
    if (head.seq - start.seq >= 2 * this.opts.offloadMinRows && head.seq - start.seq >= 2) return this.verifyInTwo(head, start, onProgress);
    if (head.seq - start.seq >= this.opts.offloadMinRows) return this.reader.verify(head, onProgress, start);
    const state = startVerify(start);
    while (state.expected <= head.seq) {
      // A slice holding MBs of records is not hashed here: the whole range is verified on the read thread.
      if (this.holdsMoreText(state.expected, Math.min(state.expected + SLICE - 1, head.seq), INLINE_SCAN_CHARS))
        return this.reader.verify(head, onProgress, start);
      const rows = this.auditRows(state.expected - 1, Math.min(SLICE, head.seq - state.expected + 1));
      if (!rows.length) break;
      const bad = verifyRows(rows, state);
      if (bad) return bad;
      onProgress?.(state.expected - 1, head.seq);
      await yieldToLoop();
    }
    return finishVerify(state, head);
  }

  /**
   * Verification of a large range on two read threads at once, each half from its own start: the
   * second half starts after the middle record, from that record's stored hash, which the first half
   * checks. The verdict is the one a single walk gives: the first half's when it found a bad record,
   * otherwise the second half's (whose state at its start is the single walk's state there). A
   * missing middle record falls back to the single walk.
   */
  private async verifyInTwo(
    head: { seq: number; hash: string },
    start: { seq: number; hash: string },
    onProgress?: (done: number, total: number) => void,
  ): Promise<VerifyResult> {
    const midSeq = start.seq + Math.floor((head.seq - start.seq) / 2);
    const midHash = this.conn.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [midSeq])?.hash;
    if (midHash === undefined) return this.reader.verify(head, onProgress, start);
    const mid = { seq: midSeq, hash: midHash };
    let doneFirst = 0;
    let doneSecond = 0;
    const report = () => onProgress?.(start.seq + doneFirst + doneSecond, head.seq);
    const [first, second] = await Promise.all([
      this.reader.verify(mid, (d) => ((doneFirst = d - start.seq), report()), start),
      this.verifyOnIndexer(mid, head, (d) => ((doneSecond = d - midSeq), report())),
    ]);
    return first.ok ? second : first;
  }

  /**
   * The indexer's half of a verification, walked from `from` to `head` in slices of
   * `indexerVerifyRows` records. The indexer also answers searches (each first waits for the index
   * to catch up), and a walk holds its thread until it ends: a slice is the longest a search waits
   * behind it. Each slice ends at a record's stored hash, as the halves do. Should the thread fail
   * (it could not open the full-text file, say), the reader walks the rest.
   */
  private async verifyOnIndexer(
    from: { seq: number; hash: string },
    head: { seq: number; hash: string },
    onProgress: (done: number) => void,
  ): Promise<VerifyResult> {
    for (;;) {
      const end = Math.min(head.seq, from.seq + this.opts.indexerVerifyRows);
      const hash = end === head.seq ? head.hash : this.conn.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [end])?.hash;
      // A missing record there: the walk to the head finds and reports it.
      const to = hash === undefined ? head : { seq: end, hash };
      let result: VerifyResult;
      try {
        result = await this.indexer.verify(to, onProgress, from);
      } catch {
        return this.reader.verify(head, onProgress, from);
      }
      if (!result.ok || to.seq === head.seq) return result;
      from = to;
    }
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
      this.queue.push({ ops, records: sealed.records, bytes: commitBytes(ops, sealed.records), resolve, reject, opError: null });
      this.scheduleFlush();
    });
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  /** The live log's Merkle tree (SPEC 7.6), read on this thread; one per request (it caches leaves). */
  merkle(): StoreSubtrees {
    return new StoreSubtrees(this.conn);
  }

  /** True once every complete 256-leaf block of the log has its Merkle node (see catchUpMerkle). */
  get merkleReady(): boolean {
    return this.merkleBuilt;
  }

  /**
   * Builds the Merkle nodes a log written without them lacks (a 0.1 upgrade, an older 0.2), in
   * slices of 64 blocks (16,384 records, a few ms of the writer thread each: writes queue behind a
   * slice, never behind the whole build; the event loop only awaits). Resolves when caught up.
   */
  catchUpMerkle(): Promise<void> {
    this.merkleCatchUp ??= this.writerSlices<{ blocks: number; head: number }>(
      { kind: 'merkle-extend', maxBlocks: 64 },
      (r) => (r.blocks + 1) * BLOCK > r.head,
    )
      .then((done) => {
        if (done) this.merkleBuilt = true;
      })
      .finally(() => {
        this.merkleCatchUp = null;
      });
    return this.merkleCatchUp;
  }

  /**
   * Counts the actions of a database written before the Dashboard's rollup existed into it
   * (rollup.ts), in slices of `rollupSpan` seqs on the writer thread (each its own short
   * transaction: writes queue behind one slice, never behind the whole count). Resolves when done.
   */
  catchUpRollup(): Promise<void> {
    this.rollupCatchUp ??= this.writerSlices<number | null>(
      { kind: 'rollup-extend', span: this.opts.rollupSpan },
      (floor) => floor === null,
    )
      .then(() => undefined)
      .finally(() => {
        this.rollupCatchUp = null;
      });
    return this.rollupCatchUp;
  }

  /**
   * Background work on the writer thread, one slice (`req`) per turn of the event loop until `done`
   * says an answer was the last. Resolves true when done, false when the store began to close first
   * (the slice in flight then ends before the writer closes; the next start goes on from there).
   */
  private async writerSlices<T>(req: WorkerRequest, done: (answer: T) => boolean): Promise<boolean> {
    while (!this.closing) {
      if (done((await this.writer.call(req)) as T)) return true;
      await yieldToLoop();
    }
    return false;
  }

  /**
   * Resolves once every acknowledged record is in the full-text index and its agent's index (the
   * indexer thread indexes them soon after their acknowledgement; a search or an agent filter calls
   * this first, so it never misses one).
   */
  fullTextReady(): Promise<void> {
    return this.fullText.ready();
  }

  fullTextWithin(ms: number): Promise<IndexProgress | null> {
    return this.fullText.within(ms);
  }

  /**
   * Runs `fn` against a writer-thread request of the store's own (retention's slices). Kept narrow:
   * only the kinds the worker protocol names.
   */
  callWriter(req: WorkerRequest): Promise<unknown> {
    if (this.closing) return Promise.reject(new StorageUnavailableError('the store is closed'));
    return this.writer.call(req);
  }

  /**
   * Test and operations knob: caps the database file at `pages` pages (null: SQLite's default), so
   * that writes past it fail with a genuine SQLITE_FULL. Returns the cap in effect.
   */
  async setMaxPageCount(pages: number | null): Promise<number> {
    const n = pages ?? 4_294_967_294;
    return Number(await this.writer.call({ kind: 'pragma', text: `max_page_count = ${Math.max(1, Math.floor(n))}` }));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight) return;
    this.flushScheduled = true;
    // On the next turn, not now: commits issued in this turn (a burst of requests, the
    // continuations of the batch just acknowledged) share the transaction.
    setImmediate(() => void this.flush());
  }

  /**
   * Sends what is queued to the writer as one transaction (at most MAX_BATCH commits), settles the
   * promises when it answers, then sends what queued meanwhile.
   */
  private flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.inFlight || !this.queue.length) return this.inFlight ?? Promise.resolve();
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < MAX_BATCH && (n === 0 || bytes + this.queue[n]!.bytes <= MAX_TX_BYTES))
      bytes += this.queue[n++]!.bytes;
    const batch = n === this.queue.length ? this.queue : this.queue.slice(0, n);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
    const started = performance.now();
    const run = this.writer
      .call({ kind: 'write', units: batch.map(toWire) })
      .then(
        (value) => {
          const v = value as { opErrors: OpError[]; notes?: string[] };
          for (const n of v.notes ?? []) this.opts.log(n);
          this.committed(batch, v.opErrors, performance.now() - started);
          this.fullText.acknowledged();
        },
        (e: unknown) => this.fail(batch, e),
      )
      .finally(() => {
        this.inFlight = null;
        if (this.queue.length) this.scheduleFlush();
      });
    this.inFlight = run;
    return run;
  }

  /** @internal openStore: the full-text index is behind the log (or not this log's): index it in the background. */
  catchUpFullText(): void {
    this.fullText.catchUp();
  }

  private committed(batch: PendingCommit[], opErrors: OpError[], ms: number): void {
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
    for (const e of opErrors) batch[e.unit]!.opError = Object.assign(new Error(e.message), e.code === null ? {} : { errcode: e.code });
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
    // The head is what the database holds: if the writer thread died after a COMMIT but before
    // answering, that transaction is on disk (its callers were refused: nothing was allowed).
    try {
      const last = this.conn.get<{ seq: number; hash: string; ts_ms: number }>(
        'SELECT seq, hash, ts_ms FROM audit ORDER BY seq DESC LIMIT 1',
      );
      if (last && last.seq > this.durable.seq) this.durable = { seq: last.seq, hash: last.hash, tsMs: last.ts_ms };
    } catch {
      // unreadable too: keep the head we know
    }
    this.tentative = { ...this.durable };
    this.writableFlag = false;
    const why = (cause as Error)?.message ?? String(cause);
    const storage = cause instanceof WorkerError ? cause.storage : isStorageFailure(cause);
    const err = storage
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

  private async shutdown(): Promise<void> {
    // Commits already issued are written (their callers are waiting); later ones reject.
    this.closing = true;
    this.fullText.close();
    while (this.inFlight || (this.queue.length && this.writableFlag)) await (this.inFlight ?? this.flush());
    if (this.queue.length) this.fail([], new Error('the store closed while the disk could not be written'));
    // The writer folds the WAL into the database file and closes; then the other connections.
    // On a full or read-only disk that checkpoint cannot run: the WAL then stays, holding every
    // committed transaction, and the next start reads it. Nothing is lost either way, so closing
    // never throws.
    // The indexer first: its connection reads the live file, and the writer's last checkpoint
    // folds the whole WAL in only when no other connection is reading it.
    await this.indexer.close();
    await this.writer.close();
    await this.reader.close();
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

/** The text a commit sends to the writer, roughly in bytes (what bounds a transaction's size). */
function commitBytes(ops: readonly Op[], records: readonly SealedRecord[]): number {
  let n = 0;
  for (const r of records) n += r.dataText.length + 512;
  for (const op of ops) {
    n += op.sql.length;
    for (const p of op.params ?? []) n += typeof p === 'string' ? p.length : 8;
  }
  return n;
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

/** The live database of a data directory (SPEC 1). */
export const databasePath = (dataDir: string): string => join(dataDir, 'gatehouse.sqlite');

/**
 * Opens (or creates) the store of a data directory. A release 0.1 data directory (sql.js snapshot
 * + journal/) is upgraded in place first (see legacy/upgrade.ts).
 */
export async function openStore(options: OpenStoreOptions): Promise<SqliteStore> {
  const log = options.log ?? ((m: string) => console.warn(m));
  const clock = options.clock ?? systemClock;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const upgrade = await upgradeLegacyDataDir(options.dataDir, { log, clock });
  const path = databasePath(options.dataDir);
  const conn = openDatabase(path);
  const last = conn.get<{ seq: number; hash: string; ts_ms: number }>('SELECT seq, hash, ts_ms FROM audit ORDER BY seq DESC LIMIT 1');
  const head: Head = last ? { seq: last.seq, hash: last.hash, tsMs: last.ts_ms } : { seq: 0, hash: ZERO_HASH, tsMs: 0 };
  const store = new SqliteStore(
    conn,
    {
      dataDir: options.dataDir,
      path,
      clock,
      log,
      offloadMinRows: options.offloadMinRows ?? 20_000,
      exportBlockRows: options.exportBlockRows ?? 100,
      readerIdleMs: options.readerIdleMs ?? 30_000,
      indexerVerifyRows: options.indexerVerifyRows ?? 100_000,
      rollupSpan: options.rollupSpan ?? 2048,
    },
    head,
    upgrade,
  );
  // The writer thread boots while the caller goes on (a server binds its port, decides its first
  // request), instead of holding up the first commit by the ~0.1–0.3 s a thread takes to start.
  store.startWriter();
  // The full-text index catches up in the background where it is behind the log (an upgrade, a
  // crash, a replaced file, an older format), and what an older schema left in this file is dropped.
  if (derivedReach(conn) !== head.seq) store.catchUpFullText();
  if (hasRetired(conn))
    void store
      .callWriter({ kind: 'drop-retired' })
      .catch((e: unknown) => log(`gatehouse: dropping what an older schema left failed: ${(e as Error).message}`));
  // A log whose tree lags (written before the tree existed) gets it built in the background.
  if ((builtBlocks(conn) + 1) * BLOCK > head.seq) store.markMerkleBuilt();
  else void store.catchUpMerkle().catch((e: unknown) => log(`gatehouse: building the audit Merkle tree failed: ${(e as Error).message}`));
  // Actions written before the Dashboard's rollup existed are counted into it in the background.
  if (rollupFloor(conn) !== null)
    void store.catchUpRollup().catch((e: unknown) => log(`gatehouse: counting actions for the Dashboard failed: ${(e as Error).message}`));
  return store;
}

export { StorageUnavailableError };
