import { join } from 'node:path';
import { encodeFrame } from './framing.js';
import { writeAll, type StorageIO } from './io.js';
import { listSegments, scanSegment, segmentName, type SegmentInfo } from './segment.js';
import { StorageUnavailableError } from './types.js';

/** The journal cannot be trusted as it is (damage before its tail): start-up must stop. */
export class JournalCorruptError extends Error {
  override readonly name = 'JournalCorruptError';
}

/** Told about each flush, synchronously, before the waiting commits are settled. */
export interface JournalListener {
  /** Entries up to and including `lastN` are on disk. */
  onDurable(lastN: number): void;
  /** A flush failed: every entry not yet durable is being rejected with `error`. */
  onFailure(error: StorageUnavailableError): void;
}

export interface RecoveryReport {
  segments: number;
  entries: number;
  firstN: number | null;
  lastN: number | null;
  /** Bytes cut from the tail of the last segment (a torn or corrupt last entry). */
  droppedBytes: number;
  droppedReason: string | null;
}

interface Waiter {
  n: number;
  frame: Buffer;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The append-only write-ahead journal (SPEC 8): numbered segment files of framed entries.
 *
 * Group commit: `append` only queues; one flush at a time writes everything queued (one write),
 * fdatasyncs, then settles every waiter of that batch. Entries appended meanwhile wait for the next
 * flush. A failed write or fsync rejects the batch and everything queued behind it, and the file is
 * cut back to its last durable length before anything else is written.
 */
export class Journal {
  private active: SegmentInfo | null = null;
  private fd: number | null = null;
  private pending: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private needsRepair = false;
  private rotateWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private lastAppendedN = 0;
  private closed = false;
  private listener: JournalListener | null = null;

  private constructor(
    private readonly dir: string,
    private readonly io: StorageIO,
    private readonly segments: SegmentInfo[],
  ) {}

  static async open(dir: string, io: StorageIO): Promise<Journal> {
    await io.mkdir(dir);
    return new Journal(dir, io, await listSegments(io, dir));
  }

  setListener(listener: JournalListener): void {
    this.listener = listener;
  }

  /** The number of the first whole entry on disk (null when the journal holds none). */
  async peekFirstN(): Promise<number | null> {
    for (const seg of this.segments) {
      let first: number | null = null;
      await scanSegment(this.io, seg.path, (n) => {
        first = n;
        return 'stop';
      });
      if (first !== null) return first;
    }
    return null;
  }

  /**
   * Reads every whole entry in order, calling `onEntry` (which may throw to abort start-up).
   * A torn or corrupt tail of the last segment is cut away and reported; damage anywhere else
   * would lose acknowledged entries if cut, so it throws JournalCorruptError instead.
   */
  async recover(onEntry: (n: number, payload: Buffer) => void): Promise<RecoveryReport> {
    const report: RecoveryReport = {
      segments: this.segments.length,
      entries: 0,
      firstN: null,
      lastN: null,
      droppedBytes: 0,
      droppedReason: null,
    };
    let expected: number | null = null;
    for (const [i, seg] of this.segments.entries()) {
      let gap: string | null = null;
      const res = await scanSegment(this.io, seg.path, (n, payload) => {
        if (expected !== null && n !== expected) {
          gap = `entry ${n} where ${expected} was expected`;
          return 'stop';
        }
        onEntry(n, payload);
        seg.firstN ??= n;
        seg.lastN = n;
        report.firstN ??= n;
        report.lastN = n;
        report.entries++;
        expected = n + 1;
        return 'continue';
      });
      seg.size = res.validEnd;
      const reason = gap ?? res.stop;
      if (reason === null) continue;
      if (i !== this.segments.length - 1) {
        throw new JournalCorruptError(
          `journal segment ${seg.path} is damaged at byte ${res.validEnd} (${reason}) and newer segments follow it. ` +
            'Gatehouse will not start with part of its history missing: restore the journal/ directory from a backup, ' +
            'or move the data directory aside to start empty.',
        );
      }
      report.droppedBytes = res.fileSize - res.validEnd;
      report.droppedReason = reason;
      await this.truncateFile(seg.path, res.validEnd);
    }
    this.lastAppendedN = report.lastN ?? 0;
    await this.openActive();
    return report;
  }

  /** Deletes every segment and starts an empty one (the snapshot covers all they hold). */
  async discardAll(): Promise<void> {
    await this.closeFd();
    for (const seg of this.segments.splice(0)) await this.io.unlink(seg.path);
    await this.io.fsyncDir(this.dir);
    this.active = null;
    await this.openActive();
  }

  /** Entry number of the last durable entry (0 when none since the journal was created). */
  get durableN(): number {
    return this.active?.lastN ?? this.segments.findLast((s) => s.lastN !== null)?.lastN ?? 0;
  }

  /** Queues an entry; resolves once it is fsynced, rejects with StorageUnavailableError. */
  append(n: number, payload: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the journal is closed'));
    if (n <= this.lastAppendedN) return Promise.reject(new Error(`journal entry ${n} appended after ${this.lastAppendedN}`));
    this.lastAppendedN = n;
    const frame = encodeFrame(payload);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ n, frame, resolve, reject });
      this.kick();
    });
  }

  /** Starts a new segment at the next flush boundary (after a snapshot). */
  rotate(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.rotateWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Deletes closed segments whose entries are all <= n (covered by a snapshot). */
  async dropCovered(n: number): Promise<number> {
    const doomed = this.segments.filter((s) => s !== this.active && (s.lastN === null || s.lastN <= n));
    for (const seg of doomed) {
      await this.io.unlink(seg.path);
      this.segments.splice(this.segments.indexOf(seg), 1);
    }
    if (doomed.length) await this.io.fsyncDir(this.dir);
    return doomed.length;
  }

  segmentFiles(): string[] {
    return this.segments.map((s) => s.path);
  }

  /** Resolves when nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Waits for queued entries, then closes the file. Later appends reject. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.closeFd();
  }

  private kick(): void {
    if (!this.flushing && (this.pending.length || this.rotateWaiters.length)) {
      // Start on the next turn of the event loop, not now: commits issued in the same turn (the
      // continuations of the batch just acknowledged, a burst of requests) then share this flush.
      this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.flushLoop())
        .finally(() => {
          this.flushing = null;
          this.kick();
        });
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length || this.rotateWaiters.length) {
      if (this.rotateWaiters.length) await this.rotateNow();
      if (!this.pending.length) continue;
      const batch = this.pending;
      this.pending = [];
      const seg = this.active;
      let written = 0;
      try {
        if (this.needsRepair) await this.repair();
        if (!seg || this.fd === null) throw new Error('no open journal segment');
        const buf = batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((w) => w.frame));
        written = buf.length;
        await writeAll(this.io, this.fd, buf, seg.size);
        await this.io.fdatasync(this.fd);
      } catch (e) {
        this.fail(batch, e);
        continue;
      }
      seg.size += written;
      seg.firstN ??= batch[0]!.n;
      seg.lastN = batch[batch.length - 1]!.n;
      this.listener?.onDurable(seg.lastN);
      for (const w of batch) w.resolve();
    }
  }

  private fail(batch: Waiter[], cause: unknown): void {
    const queued = this.pending;
    this.pending = [];
    this.needsRepair = true;
    this.lastAppendedN = this.durableN;
    const why = cause instanceof Error ? cause.message : String(cause);
    const err = new StorageUnavailableError(`journal write failed: ${why}`, { cause });
    this.listener?.onFailure(err);
    for (const w of batch) w.reject(err);
    for (const w of queued) w.reject(err);
  }

  /** Cuts the active segment back to its durable length on a fresh descriptor. */
  private async repair(): Promise<void> {
    const seg = this.active;
    if (!seg) return;
    await this.closeFd().catch(() => undefined);
    this.fd = await this.io.open(seg.path, 'r+');
    await this.io.ftruncate(this.fd, seg.size);
    await this.io.fdatasync(this.fd);
    this.needsRepair = false;
  }

  private async rotateNow(): Promise<void> {
    const waiters = this.rotateWaiters;
    this.rotateWaiters = [];
    try {
      if (this.needsRepair) await this.repair();
      if (this.active && this.active.firstN !== null) {
        const num = this.active.num + 1;
        const path = join(this.dir, segmentName(num));
        const fd = await this.io.open(path, 'wx');
        await this.io.fsyncDir(this.dir);
        await this.closeFd().catch(() => undefined);
        this.fd = fd;
        this.active = { num, path, firstN: null, lastN: null, size: 0 };
        this.segments.push(this.active);
      }
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e as Error);
    }
  }

  private async openActive(): Promise<void> {
    let seg = this.segments[this.segments.length - 1];
    if (!seg) {
      seg = { num: 1, path: join(this.dir, segmentName(1)), firstN: null, lastN: null, size: 0 };
      const fd = await this.io.open(seg.path, 'wx');
      await this.io.close(fd);
      await this.io.fsyncDir(this.dir);
      this.segments.push(seg);
    }
    this.active = seg;
    this.fd = await this.io.open(seg.path, 'r+');
  }

  private async truncateFile(path: string, length: number): Promise<void> {
    const fd = await this.io.open(path, 'r+');
    try {
      await this.io.ftruncate(fd, length);
      await this.io.fdatasync(fd);
    } finally {
      await this.io.close(fd);
    }
  }

  private async closeFd(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await this.io.close(fd);
  }
}
