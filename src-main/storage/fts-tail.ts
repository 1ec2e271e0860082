import type { JsonObject } from '../../src-shared/index.js';
import { textFields } from './audit-index.js';
import { FTS_FORMAT, FTS_SCHEMA_SQL } from './schema.js';
import type { Connection } from './sqlite.js';
import { transaction } from './write.js';

/**
 * The transactions here write the full-text file only and read the live one: `BEGIN`, not IMMEDIATE,
 * which would take the live file's write lock too, from under the writer (see write.ts transaction).
 *
 * FTS5's own merging (automerge) folds segments together whenever a level fills up, up to a whole
 * level at once: an indexing step that happened to trigger it took 60-110 ms at a million records.
 * Instead every indexing step does a bounded slice of merge work itself (MERGE_SLICE); crisismerge
 * stays as a far-off safety net. Set once per full-text file.
 */
function useStepMerging(conn: Connection): void {
  const config = conn.all<{ k: string; v: number }>("SELECT k, v FROM audit_fts_config WHERE k IN ('automerge', 'crisismerge')");
  const has = (k: string, v: number) => config.some((c) => c.k === k && c.v === v);
  if (!has('automerge', 0) || !has('crisismerge', 64))
    transaction(
      conn,
      () => {
        conn.run("INSERT INTO audit_fts(audit_fts, rank) VALUES ('automerge', 0)");
        conn.run("INSERT INTO audit_fts(audit_fts, rank) VALUES ('crisismerge', 64)");
      },
      'BEGIN',
    );
}

/** A record's full-text row (seq, body, agent token). */
const INSERT_FTS = 'INSERT INTO audit_fts(rowid, body, agent) VALUES (?, ?, ?)';
/** A record's row in its agent's index (schema.ts `audit_agent`). */
const INSERT_AGENT = 'INSERT OR REPLACE INTO audit_agent(agent_id, seq, type, risk_level, decision, status) VALUES (?, ?, ?, ?, ?, ?)';
/** One more action of an agent and type (schema.ts `agent_types`). */
const COUNT_TYPE =
  'INSERT INTO agent_types(agent_id, action_type, n) VALUES (?, ?, 1) ON CONFLICT (agent_id, action_type) DO UPDATE SET n = n + 1';
const META = 'SELECT key, value FROM fts_meta';
const SET_META = 'INSERT OR REPLACE INTO fts_meta(key, value) VALUES (?, ?)';

/** What an indexing step reads of a record. */
interface IndexedRow {
  seq: number;
  type: string;
  actor: string;
  action_id: string | null;
  agent_id: string | null;
  risk_level: string | null;
  decision: string | null;
  status: string | null;
  data: string;
  hash: string;
}

/**
 * The full-text index of the live log, each agent's index of records (`audit_agent`) and its counts
 * of actions by type (`agent_types`), kept by their own thread (the `indexer`, worker.ts) in their
 * own file (`gatehouse-fts.sqlite`, see schema.ts FTS_SCHEMA_SQL), on a connection that has the live
 * database attached as `live`.
 *
 * It trails the acknowledged transactions: the store tells it how far the log reaches after each
 * one, and it reads the new records back from `live.audit` and indexes them in steps of its own
 * transactions, which carry how far it got (`fts_seq`, and that record's hash). Neither the writer
 * nor an acknowledgement ever waits for it; a search first waits for it to catch up (worker.ts `catchUp`), so it
 * never misses an acknowledged record. Nothing is lost on a crash: everything past `fts_seq` is
 * indexed again from the table. An index that is not this log's (its record at `fts_seq` has another
 * hash, or the log is shorter: a database restored or replaced), or of another format, is emptied
 * and built again.
 *
 * Records that retention moved out of the live log are deleted from the full-text index a slice at
 * a time (their `audit_agent` rows stay: see schema.ts).
 */
export class FullTextTail {
  private indexed = 0;
  /** The lowest rowid the index may still hold (below it, retention's deletes are done). */
  private low = 1;
  /** The live log reaches at least this far (what the store last said). */
  private target = 0;

  constructor(private readonly conn: Connection) {
    conn.exec(FTS_SCHEMA_SQL);
    useStepMerging(conn);
    const meta = new Map(conn.all<{ key: string; value: string }>(META).map((r) => [r.key, r.value]));
    const top = this.liveTop();
    const seq = Number(meta.get('fts_seq') ?? 0);
    const stored = seq > 0 ? conn.get<{ hash: string }>('SELECT hash FROM live.audit WHERE seq = ?', [seq]) : undefined;
    const ours =
      meta.get('format') === FTS_FORMAT && seq <= top && (seq === 0 || stored === undefined || stored.hash === meta.get('fts_hash'));
    if (ours) {
      this.indexed = seq;
      this.low = Number(meta.get('fts_low') ?? 1);
    } else {
      // Emptied: nothing below the live log's first record is left to delete.
      this.low = conn.get<{ seq: number | null }>('SELECT min(seq) AS seq FROM live.audit')?.seq ?? 1;
      transaction(
        conn,
        () => {
          conn.run("INSERT INTO audit_fts(audit_fts) VALUES ('delete-all')");
          conn.run('DELETE FROM audit_agent');
          conn.run('DELETE FROM agent_types');
          conn.run('DELETE FROM fts_meta');
          conn.run(SET_META, ['format', FTS_FORMAT]);
          conn.run(SET_META, ['fts_low', String(this.low)]);
        },
        'BEGIN',
      );
    }
    this.target = top;
  }

  /** Every record up to this seq is in the full-text index. */
  get seq(): number {
    return this.indexed;
  }

  /** Records known to be past what is indexed. */
  get behind(): number {
    return Math.max(0, this.target - this.indexed);
  }

  /** The live log now reaches `seq` (the store's word after an acknowledged transaction). */
  reach(seq: number): void {
    if (seq > this.target) this.target = seq;
  }

  /**
   * Indexes the next records past `fts_seq` (at most BATCH_ROWS, and BATCH_BYTES of record data
   * beyond the first) in one transaction, with a slice of merge work and of retention's deletes.
   * False when there was nothing to do.
   */
  step(): boolean {
    const conn = this.conn;
    const sizes = conn.all<{ seq: number; n: number }>(
      'SELECT seq, octet_length(data) AS n FROM live.audit WHERE seq > ? ORDER BY seq LIMIT ?',
      [this.indexed, BATCH_ROWS],
    );
    const first = conn.get<{ seq: number | null }>('SELECT min(seq) AS seq FROM live.audit')?.seq ?? this.indexed + 1;
    const prune = first > this.low;
    if (!sizes.length && !prune) {
      this.target = this.indexed;
      return false;
    }
    let take = 0;
    for (let bytes = 0; take < sizes.length && (take === 0 || bytes + sizes[take]!.n <= BATCH_BYTES); take++) bytes += sizes[take]!.n;
    const rows = take
      ? conn.all<IndexedRow>(
          'SELECT seq, type, actor, action_id, agent_id, risk_level, decision, status, data, hash FROM live.audit WHERE seq > ? AND seq <= ? ORDER BY seq',
          [this.indexed, sizes[take - 1]!.seq],
        )
      : [];
    const low = prune ? Math.min(first, this.low + DELETE_ROWS) : this.low;
    transaction(
      conn,
      () => {
        for (const r of rows) {
          const data = JSON.parse(r.data) as JsonObject;
          const f = textFields({ ...r, data });
          conn.run(INSERT_FTS, [r.seq, f.body, f.agent]);
          if (r.agent_id === null) continue;
          conn.run(INSERT_AGENT, [r.agent_id, r.seq, r.type, r.risk_level, r.decision, r.status]);
          if (r.type === 'action.decided' && typeof data.action_type === 'string') conn.run(COUNT_TYPE, [r.agent_id, data.action_type]);
        }
        const last = rows[rows.length - 1];
        if (last) {
          conn.run(SET_META, ['fts_seq', String(last.seq)]);
          conn.run(SET_META, ['fts_hash', last.hash]);
        }
        if (prune) {
          conn.run('DELETE FROM audit_fts WHERE rowid >= ? AND rowid < ?', [this.low, low]);
          conn.run(SET_META, ['fts_low', String(low)]);
        }
        conn.run(MERGE_SLICE, [MERGE_PAGES]);
      },
      'BEGIN',
    );
    if (rows.length) this.indexed = rows[rows.length - 1]!.seq;
    this.low = low;
    this.reach(this.indexed);
    return true;
  }

  /** The target becomes everything the live log holds now (a search is about to wait for it). */
  reachAll(): void {
    this.reach(this.liveTop());
  }

  private liveTop(): number {
    return this.conn.get<{ seq: number | null }>('SELECT max(seq) AS seq FROM live.audit')?.seq ?? 0;
  }
}

/**
 * Records per indexing step (and at most BATCH_BYTES of their data beyond the first: records can
 * be 1 MiB each): FTS5 writes a new segment per transaction, so bigger steps cost less per record,
 * and on its own thread a step holds up no acknowledgement. A search that asks the index to catch
 * up waits for the steps still to do.
 */
export const BATCH_ROWS = 512;
const BATCH_BYTES = 2 << 20;
/**
 * Merge work per step, in pages (FTS5 'merge' command: it runs only where a level holds at least
 * 'usermerge' segments). At 100 pages per 128 records this kept the segment count flat at a million
 * records with searches as fast as with automerge; steps are 4× that now, and so is this.
 */
const MERGE_PAGES = 400;
const MERGE_SLICE = "INSERT INTO audit_fts(audit_fts, rank) VALUES ('merge', ?)";
/** Rows of records moved out by retention deleted from the index per step. */
const DELETE_ROWS = 2_000;
