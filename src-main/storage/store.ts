import { join } from 'node:path';
import type { AuditRecord } from '../../src-shared/index.js';
import { assertJsonStrings, jcs, sealFields } from '../audit/chain.js';
import { iso, systemClock, type Clock } from '../core/clock.js';
import { applyEntries } from './apply.js';
import { newId } from '../core/ids.js';
import type { Database } from './database.js';
import { checkOps, encodeEntry, type Entry, type SealedRecord } from './entry.js';
import { nodeIO, type StorageIO } from './io.js';
import { Journal } from './journal.js';
import { captureSnapshot, persistSnapshot, type SnapshotMeta } from './snapshot.js';
import { startUp, type RecoveryInfo } from './startup.js';
import { StorageUnavailableError, type AuditDraft, type AuditRow, type Op, type SqlValue, type Store } from './types.js';

export interface OpenStoreOptions {
  dataDir: string;
  io?: StorageIO;
  /** Snapshot after this many journal entries (default 200,000). */
  snapshotEveryEntries?: number;
  /** ...or after this long if anything changed (default 10 minutes). */
  snapshotEveryMs?: number;
  clock?: Clock;
  /** Where background problems (a failed periodic snapshot) are reported. Default console.warn. */
  log?: (message: string) => void;
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

/**
 * The store: sql.js for queries, the journal for durability (SPEC 8). See `commit` for the write
 * path. Seq numbers, hashes and journal entry numbers are assigned synchronously in call order; an
 * entry is applied to the database only once it is durable, in journal order.
 */
export class SqlStore implements Store {
  private nextN: number;
  private appliedN: number;
  private tentative: Head;
  private applied: Head;
  private unapplied: Entry[] = [];
  private writableFlag = true;
  private fatal: StorageUnavailableError | null = null;
  private closing = false;
  private closed: Promise<void> | null = null;
  private sinceSnapshot = 0;
  private lastSnapshotAt: number;
  private snapshotN: number;
  private snapshotRun: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly readOk = new Set<string>();
  /**
   * The last snapshot written: its size, how long the synchronous capture held the event loop
   * (sql.js exports the whole database at once) and the whole write.
   */
  lastSnapshot: { journal_n: number; bytes: number; capture_ms: number; total_ms: number; at: string } | null = null;

  /** @internal use openStore */
  constructor(
    private readonly db: Database,
    private readonly journal: Journal,
    private readonly opts: Required<Omit<OpenStoreOptions, 'io'>> & { io: StorageIO },
    start: { meta: SnapshotMeta; snapshotN: number; lastTsMs: number },
    readonly recovery: RecoveryInfo,
  ) {
    this.appliedN = start.meta.journal_n;
    this.nextN = this.appliedN + 1;
    this.applied = { seq: start.meta.head_seq, hash: start.meta.head_hash, tsMs: start.lastTsMs };
    this.tentative = { ...this.applied };
    this.snapshotN = start.snapshotN;
    this.lastSnapshotAt = this.opts.clock.now();
    journal.setListener({ onDurable: (n) => this.onDurable(n), onFailure: (e) => this.onFailure(e) });
    const every = Math.max(1000, Math.min(this.opts.snapshotEveryMs, 60_000));
    this.timer = setInterval(() => this.periodic(), every);
    this.timer.unref();
  }

  get writable(): boolean {
    return this.writableFlag && !this.fatal && !this.closing;
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  head(): { seq: number; hash: string } {
    return { seq: this.applied.seq, hash: this.applied.hash };
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T[] {
    this.checkRead(sql);
    return this.db.all<T>(sql, params);
  }

  get<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): T | undefined {
    this.checkRead(sql);
    return this.db.get<T>(sql, params);
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
    const rows = this.db.rows(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, params);
    return rows.map((r) => ({
      seq: r[0] as number,
      id: r[1] as string,
      ts: r[2] as string,
      type: r[3] as string,
      actor: r[4] as string,
      action_id: r[5] as string | null,
      data: r[6] as string,
      hash: r[7] as string,
    }));
  }

  /**
   * Seals the audit drafts onto the chain, appends one journal entry and resolves after it is
   * fsynced and applied. On a write failure nothing of it is applied, the chain head rolls back
   * and the promise rejects with StorageUnavailableError. Invalid input (a NaN, a lone surrogate)
   * throws before anything is assigned.
   */
  commit(opsOrFn: Op[] | ((records: AuditRecord[]) => Op[]), audit: AuditDraft[] = []): Promise<AuditRecord[]> {
    if (this.closing) return Promise.reject(new StorageUnavailableError('the store is closed'));
    if (this.fatal) return Promise.reject(this.fatal);
    let sealed: { records: SealedRecord[]; lines: string[]; head: Head };
    let ops: Op[];
    try {
      sealed = this.seal(audit);
      // Ops may refer to the seqs just assigned (e.g. an action row pointing at its record).
      ops = typeof opsOrFn === 'function' ? opsOrFn(sealed.records.map((r) => r.record)) : opsOrFn;
      checkOps(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    const n = this.nextN++;
    const entry: Entry = { n, ops, records: sealed.records, applyError: null };
    this.tentative = sealed.head;
    this.unapplied.push(entry);
    return this.journal.append(n, encodeEntry(n, ops, sealed.lines)).then(() => {
      if (entry.applyError) throw entry.applyError;
      return entry.records.map((r) => r.record);
    });
  }

  /** Writes a snapshot now (coalesced with one already running). */
  snapshot(): Promise<void> {
    this.snapshotRun ??= this.takeSnapshot().finally(() => {
      this.snapshotRun = null;
    });
    return this.snapshotRun;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private seal(drafts: AuditDraft[]): { records: SealedRecord[]; lines: string[]; head: Head } {
    let { seq, hash, tsMs } = this.tentative;
    const records: SealedRecord[] = [];
    const lines: string[] = [];
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
      lines.push(sealedLine.line);
      seq = fields.seq;
      hash = sealedLine.hash;
    }
    return { records, lines, head: { seq, hash, tsMs } };
  }

  private onDurable(lastN: number): void {
    let count = 0;
    while (count < this.unapplied.length && this.unapplied[count]!.n <= lastN) count++;
    const batch = this.unapplied.splice(0, count);
    this.writableFlag = true;
    if (this.fatal) {
      for (const e of batch) e.applyError = this.fatal;
      return;
    }
    try {
      applyEntries(this.db, batch);
    } catch (e) {
      this.fatal = new StorageUnavailableError(
        `durable journal entries could not be applied to the database (${(e as Error).message}); restart Gatehouse to replay them`,
        { cause: e },
      );
      for (const entry of batch) entry.applyError = this.fatal;
      return;
    }
    const last = batch.findLast((e) => e.records.length)?.records;
    if (last) {
      const r = last[last.length - 1]!;
      this.applied = { seq: r.record.seq, hash: r.record.hash, tsMs: r.tsMs };
    }
    this.appliedN = lastN;
    this.sinceSnapshot += batch.length;
    if (this.sinceSnapshot >= this.opts.snapshotEveryEntries && !this.snapshotRun) this.backgroundSnapshot();
  }

  private onFailure(_error: StorageUnavailableError): void {
    // Everything not yet applied is being rejected: the chain continues from the last durable record.
    this.unapplied = [];
    this.nextN = this.appliedN + 1;
    this.tentative = { ...this.applied };
    this.writableFlag = false;
  }

  private periodic(): void {
    const due = this.opts.clock.now() - this.lastSnapshotAt >= this.opts.snapshotEveryMs;
    if (due && this.sinceSnapshot > 0 && !this.closing) this.backgroundSnapshot();
  }

  private backgroundSnapshot(): void {
    this.snapshot().catch((e: unknown) =>
      this.opts.log(`gatehouse: snapshot failed, the journal keeps everything: ${(e as Error).message}`),
    );
  }

  private async takeSnapshot(): Promise<void> {
    if (this.fatal) throw this.fatal;
    const path = join(this.opts.dataDir, 'gatehouse.sqlite');
    const meta: SnapshotMeta = {
      journal_n: this.appliedN,
      head_seq: this.applied.seq,
      head_hash: this.applied.hash,
      schema_version: this.db.schemaVersion,
    };
    if (meta.journal_n === this.snapshotN) return;
    const started = performance.now();
    const bytes = captureSnapshot(this.db, meta);
    const captureMs = performance.now() - started;
    const pendingCount = this.sinceSnapshot;
    this.sinceSnapshot = 0;
    this.lastSnapshotAt = this.opts.clock.now();
    try {
      await persistSnapshot(this.opts.io, path, bytes);
    } catch (e) {
      this.sinceSnapshot += pendingCount;
      throw e;
    }
    this.snapshotN = meta.journal_n;
    this.lastSnapshot = {
      journal_n: meta.journal_n,
      bytes: bytes.length,
      capture_ms: captureMs,
      total_ms: performance.now() - started,
      at: new Date(this.lastSnapshotAt).toISOString(),
    };
    await this.journal.rotate();
    await this.journal.dropCovered(meta.journal_n);
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.journal.idle();
    let failure: unknown = null;
    try {
      if (this.snapshotRun) await this.snapshotRun.catch(() => undefined);
      if (!this.fatal) await this.snapshot();
    } catch (e) {
      failure = e;
    }
    await this.journal.close();
    this.db.close();
    if (failure) throw failure;
  }

  private checkRead(sql: string): void {
    if (this.readOk.has(sql)) return;
    if (!READ_RE.test(sql)) throw new Error('Store.all/get run reads only; change state with commit() so that it is journaled');
    if (this.readOk.size < 10_000) this.readOk.add(sql);
  }
}

/** Opens (or creates) the store of a data directory: snapshot, then journal replay. */
export async function openStore(options: OpenStoreOptions): Promise<SqlStore> {
  const opts = {
    dataDir: options.dataDir,
    io: options.io ?? nodeIO,
    snapshotEveryEntries: options.snapshotEveryEntries ?? 200_000,
    snapshotEveryMs: options.snapshotEveryMs ?? 10 * 60_000,
    clock: options.clock ?? systemClock,
    log: options.log ?? ((m: string) => console.warn(m)),
  };
  const journal = await Journal.open(join(opts.dataDir, 'journal'), opts.io);
  const s = await startUp(opts.io, opts.dataDir, journal, opts.log);
  const store = new SqlStore(s.db, journal, opts, { meta: s.meta, snapshotN: s.snapshotN, lastTsMs: s.lastTsMs }, s.recovery);
  if (s.recovery.snapshot === 'rebuilt' || s.recovery.replayed >= opts.snapshotEveryEntries) await store.snapshot();
  return store;
}

export { StorageUnavailableError };
