import { basename } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { archiveLines, writeArchive } from '../audit/archive.js';
import { buildPrefix } from '../audit/archive-prefix.js';
import { parseCheckpoint } from '../audit/checkpoint.js';
import { BLOCK } from '../storage/merkle-store.js';
import { formatRows } from '../audit/scan.js';
import { verifyJsonlLines } from '../audit/verify.js';
import type { Clock } from '../core/clock.js';
import type { Store } from '../storage/types.js';
import type { SettingsService } from './settings.js';

/** Rows read per slice when writing an archive, and deleted per transaction afterwards. */
const READ_SLICE = 1000;
const DELETE_SLICE = 2000;
/** Checkpoint records looked at per slice when choosing what to archive. */
const CHECKPOINT_PAGE = 500;
const DAY_MS = 86_400_000;

export interface RetentionResult {
  archived: { first: number; last: number; file: string } | null;
  reason: string;
}

/**
 * Retention (SPEC 7.7): with `retention_days` set, records older than that move out of the live
 * database, in whole checkpointed ranges, to `archive/audit-<first>-<last>.jsonl.gz` with the
 * checkpoint of size <last> and the prefix (the Merkle subtrees of 1..<first - 1>) beside it.
 *
 * What is moved: the records after the last archive up to the size of the newest checkpoint whose
 * last record is older than the cutoff, that every sink has already delivered (a sink never
 * misses a record), and that holds no action still awaiting an answer (its record is read to
 * answer it). The archive is written and read back (its chain continuing from the last
 * archived hash, ending at the live record's hash) before anything is deleted. Then, in one
 * transaction, `meta.archive_head` (the last archived seq and hash: the first live record's
 * prev_hash) and the hashes of the archived records of the last incomplete 256-leaf block (which
 * proofs of live records still need; every complete block has its Merkle node); then the rows are
 * deleted 2,000 per transaction. All of it in slices: reads of 1,000 rows, gzip on libuv's pool,
 * deletes on the writer thread. A crash part-way leaves `archive_head` set, and the next run
 * finishes the deletes.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionResult> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: SettingsService,
    private readonly minSinkCursor: () => number | null,
  ) {}

  /** Looks every hour (and a minute after start). */
  start(everyMs = 3_600_000): void {
    const tick = () => void this.run().catch(() => undefined);
    const first = setTimeout(tick, Math.min(60_000, everyMs));
    first.unref();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Resolves when no run is in progress (close waits for it). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  run(): Promise<RetentionResult> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<RetentionResult> {
    await this.finishDeletes();
    const days = this.settings.get().retention_days;
    if (days === null) return { archived: null, reason: 'retention_days is not set: everything stays live' };
    if (!this.store.merkleReady) return { archived: null, reason: 'the Merkle tree is still being built' };
    const cutoff = this.clock.now() - days * DAY_MS;
    const from = this.store.archiveHead();
    const sinkMin = this.minSinkCursor();
    // An action still awaiting an answer is answered, expired and shown from its decided record
    // (the actions row joins it): that record, and so every range that holds it, stays live.
    const waiting = this.store.get<{ s: number | null }>("SELECT MIN(seq) AS s FROM actions WHERE status = 'pending'")?.s ?? null;
    // The newest checkpoint whose range ends before the cutoff and that every sink has delivered.
    // Newest first, a page at a time (a month of 10-minute checkpoints is thousands of them, all
    // newer than the cutoff): the search goes back as far as the last archive, not a fixed count.
    let target: { size: number; note: string } | null = null;
    let before = Number.MAX_SAFE_INTEGER;
    search: for (;;) {
      const page = this.store.all<{ seq: number; data: string }>(
        "SELECT seq, data FROM audit WHERE type = 'checkpoint.signed' AND seq < ? ORDER BY seq DESC LIMIT ?",
        [before, CHECKPOINT_PAGE],
      );
      for (const row of page) {
        const d = JSON.parse(row.data) as { size: number; note: string };
        if (d.size <= from.seq) break search;
        if (sinkMin !== null && d.size > sinkMin) continue;
        if (waiting !== null && d.size >= waiting) continue;
        const last = this.store.get<{ ts_ms: number }>('SELECT ts_ms FROM audit WHERE seq = ?', [d.size]);
        if (last && last.ts_ms < cutoff) {
          target = d;
          break search;
        }
      }
      if (page.length < CHECKPOINT_PAGE) break;
      before = page[page.length - 1]!.seq;
      await yieldToLoop();
    }
    if (!target)
      return {
        archived: null,
        reason:
          'no checkpointed range is entirely older than the cutoff (and delivered to every sink, with no action in it awaiting an answer)',
      };
    const first = from.seq + 1;
    const last = target.size;
    const lastHash = this.store.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [last])!.hash;
    const store = this.store;
    async function* chunks(): AsyncGenerator<string> {
      let after = first - 1;
      let prev = from.hash;
      while (after < last) {
        const rows = store.auditRows(after, Math.min(READ_SLICE, last - after));
        if (!rows.length || rows[0]!.seq !== after + 1) throw new Error(`record ${after + 1} is missing from the live log`);
        const out = formatRows(rows, 'jsonl', prev);
        prev = out.prev;
        after = rows[rows.length - 1]!.seq;
        yield out.text;
        await yieldToLoop();
      }
    }
    // The Merkle subtrees of the records before it (already archived), so it verifies on its own.
    const prefix = buildPrefix(store.merkle(), from.seq, from.hash);
    const { path: file, sha256 } = await writeArchive(store.dataDir, first, last, chunks(), { checkpoint: target.note, prefix });
    // Read it back before deleting anything: the chain runs on from the last archive to this record.
    const check = await verifyJsonlLines(archiveLines(file), { start: { seq: first, prev: from.hash } });
    if (!check.ok || check.head_hash !== lastHash || check.records !== last - first + 1) {
      throw new Error(`the archive ${basename(file)} does not read back as written (${check.error ?? 'head differs'})`);
    }
    // The leaves of the last incomplete block, kept for the proofs of live records.
    const blockStart = Math.floor(last / BLOCK) * BLOCK;
    const kept = this.store.all<{ seq: number; hash: string }>('SELECT seq, hash FROM audit WHERE seq > ? AND seq <= ?', [
      Math.max(blockStart, from.seq),
      last,
    ]);
    await this.store.commit(
      [
        {
          sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('archive_head', ?)",
          params: [JSON.stringify({ seq: last, hash: lastHash })],
        },
        { sql: 'DELETE FROM merkle_kept_leaves WHERE seq <= ?', params: [blockStart] },
        ...kept.map((k) => ({ sql: 'INSERT OR REPLACE INTO merkle_kept_leaves (seq, hash) VALUES (?, ?)', params: [k.seq, k.hash] })),
      ],
      [
        {
          type: 'audit.archived',
          actor: 'system',
          data: {
            first,
            last,
            file: `archive/${basename(file)}`,
            sha256,
            checkpoint_size: parseCheckpoint(target.note).size,
            retention_days: days,
          },
        },
      ],
    );
    await this.finishDeletes();
    return { archived: { first, last, file }, reason: `records ${first}..${last} are older than ${days} days` };
  }

  /** Deletes live rows up to the archive head, a slice per transaction. */
  private async finishDeletes(): Promise<void> {
    const upTo = this.store.archiveHead().seq;
    for (;;) {
      const lo = this.store.get<{ s: number | null }>('SELECT MIN(seq) AS s FROM audit')?.s ?? null;
      if (lo === null || lo > upTo) return;
      const hi = Math.min(upTo, lo + DELETE_SLICE - 1);
      // Their full-text rows are deleted by the indexer thread, which sees them gone (fts-tail.ts).
      await this.store.commit([{ sql: 'DELETE FROM audit WHERE seq >= ? AND seq <= ?', params: [lo, hi] }]);
      await yieldToLoop();
    }
  }
}
