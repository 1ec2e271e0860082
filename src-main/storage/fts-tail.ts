import type { JsonObject } from '../../src-shared/index.js';
import { indexFields } from './audit-index.js';
import type { Connection } from './sqlite.js';
import { INSERT_FTS, transaction } from './write.js';

/**
 * FTS5's own merging (automerge) folds segments together whenever a level fills up, up to a whole
 * level at once: an indexing step that happened to trigger it took 60-110 ms at a million records,
 * and the next acknowledged transaction waited behind it. Instead every indexing step does a
 * bounded slice of merge work itself (MERGE_SLICE); crisismerge stays as a far-off safety net.
 * Set once per database (the 0.1 upgrade sets it on the file it builds).
 */
export function useStepMerging(conn: Connection): void {
  const config = conn.all<{ k: string; v: number }>("SELECT k, v FROM audit_fts_config WHERE k IN ('automerge', 'crisismerge')");
  const has = (k: string, v: number) => config.some((c) => c.k === k && c.v === v);
  if (!has('automerge', 0) || !has('crisismerge', 64))
    transaction(conn, () => {
      conn.run("INSERT INTO audit_fts(audit_fts, rank) VALUES ('automerge', 0)");
      conn.run("INSERT INTO audit_fts(audit_fts, rank) VALUES ('crisismerge', 64)");
    });
}

/** Entries a queued record takes: seq, body, agent token. */
const ENTRY = 3;

/**
 * Full text trails the acknowledged transaction (on the writer thread). FTS5 is most of what a small
 * transaction costs the writer (its pending terms are flushed as a new segment at every COMMIT, and
 * the segments merged again and again); indexed a few hundred records at a time it costs a fraction.
 * So the acknowledged transaction stores the records and their ops, and their text is indexed right
 * after it, in batches, in transactions of its own that carry `meta.fts_seq` (every record up to it is
 * indexed). Nothing is lost on a crash: the text is derived from the stored record, and whatever
 * lies past `fts_seq` is indexed again from the `audit` table when the writer starts. A search first
 * asks for the index to catch up (`sync`), so it never misses an acknowledged record.
 */
export class FullTextTail {
  private queue: (number | string | null)[] = [];
  private queuedChars = 0;
  private indexed: number;
  /** Records past `indexed` that are in the table but not queued (a restart, a writer that died). */
  private backlogTo: number;

  constructor(private readonly conn: Connection) {
    useStepMerging(conn);
    const stored = conn.get<{ value: string }>("SELECT value FROM meta WHERE key = 'fts_seq'");
    const top = conn.get<{ seq: number | null }>('SELECT max(seq) AS seq FROM audit')?.seq ?? 0;
    if (stored) {
      this.indexed = Number(stored.value);
      this.backlogTo = top;
    } else {
      // A database from before this (text indexed in the same transaction), or a new one.
      this.indexed = top;
      this.backlogTo = top;
      conn.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_seq', ?)", [String(top)]);
    }
  }

  /** Every record up to this seq is in the full-text index. */
  get seq(): number {
    return this.indexed;
  }

  /** Whether there is text waiting to be indexed. */
  get pending(): boolean {
    return this.queue.length > 0 || this.backlogTo > this.indexed;
  }

  /** Whether the queue has grown to a batch worth indexing now. */
  get full(): boolean {
    return this.queue.length >= ENTRY * BATCH_ROWS || this.queuedChars >= BATCH_CHARS;
  }

  /** The records of a committed transaction (seq, then body and agent token at `bodyAt`, in seq order). */
  add(rows: readonly (readonly (string | number | null)[])[], bodyAt: number): void {
    if (!rows.length) return;
    if (this.backlogTo > this.indexed) {
      // Indexed from the table with the backlog, which now reaches these too.
      this.backlogTo = Math.max(this.backlogTo, rows[rows.length - 1]![0] as number);
      return;
    }
    for (const row of rows) {
      const seq = row[0] as number;
      const body = String(row[bodyAt] ?? '');
      this.queue.push(seq, body, row[bodyAt + 1] ?? null);
      this.queuedChars += body.length;
    }
  }

  /**
   * Indexes one batch (what is queued, else a slice of the backlog) in its own transaction; false
   * when there was nothing to do. The transaction is not fsynced on its own (the next acknowledged
   * COMMIT's fsync covers its WAL frames; lost, it is redone from the table).
   */
  step(): boolean {
    if (this.queue.length) {
      const entries = this.queue;
      const last = entries[entries.length - ENTRY] as number;
      this.queue = [];
      this.queuedChars = 0;
      try {
        this.write(entries, last);
      } catch (e) {
        // Not lost: read back from the table by a later step (a sync, the timer, the next start).
        this.backlogTo = Math.max(this.backlogTo, last);
        throw e;
      }
      return true;
    }
    if (this.backlogTo > this.indexed) {
      const rows = this.conn.all<{ seq: number; type: string; actor: string; action_id: string | null; data: string }>(
        'SELECT seq, type, actor, action_id, data FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
        [this.indexed, this.backlogTo, BATCH_ROWS],
      );
      if (!rows.length) {
        this.write([], this.backlogTo);
        return true;
      }
      const entries: (number | string | null)[] = [];
      for (const r of rows) {
        const f = indexFields({ ...r, data: JSON.parse(r.data) as JsonObject });
        entries.push(r.seq, f.body, f.agent);
      }
      this.write(entries, rows[rows.length - 1]!.seq);
      return true;
    }
    return false;
  }

  /** Indexes everything there is. */
  drain(): number {
    while (this.step());
    return this.indexed;
  }

  /** Indexes what is queued in memory, not the backlog (a clean stop). */
  drainQueue(): void {
    while (this.queue.length) this.step();
  }

  private write(entries: readonly (number | string | null)[], upTo: number): void {
    const conn = this.conn;
    conn.exec('PRAGMA synchronous = NORMAL');
    try {
      transaction(conn, () => {
        // Retention moves the oldest records out: one still queued below the first live one is not indexed.
        const first = conn.get<{ seq: number | null }>('SELECT min(seq) AS seq FROM audit')?.seq ?? Number.POSITIVE_INFINITY;
        for (let i = 0; i < entries.length; i += ENTRY)
          if ((entries[i] as number) >= first) conn.run(INSERT_FTS, [entries[i]!, entries[i + 1]!, entries[i + 2] ?? null]);
        conn.run("UPDATE meta SET value = ? WHERE key = 'fts_seq'", [String(upTo)]);
        conn.run(MERGE_SLICE, [MERGE_PAGES]);
      });
    } finally {
      conn.exec('PRAGMA synchronous = FULL');
    }
    this.indexed = Math.max(this.indexed, upTo);
  }
}

/**
 * Records per indexing step: what was queued is indexed once it holds this many (or BATCH_CHARS of
 * text), else 50 ms after the last write (worker.ts): a few ms of FTS5 work, which is what the
 * writer's next transaction may wait.
 */
const BATCH_ROWS = 128;
const BATCH_CHARS = 1 << 20;
/**
 * Merge work per step, in pages (FTS5 'merge' command: it runs only where a level holds at least
 * 'usermerge' segments). At a million records (128 records a step) this kept the index's segment
 * count flat and a step's p99 at ~30 ms, max ~50 ms, with searches as fast as with automerge.
 */
const MERGE_PAGES = 100;
const MERGE_SLICE = "INSERT INTO audit_fts(audit_fts, rank) VALUES ('merge', ?)";
