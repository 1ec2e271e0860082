import { AuditQuerySchema, searchPhrases, type AuditQuery, type AuditRecord } from '../../src-shared/index.js';
import type { JsonText } from '../core/json-text.js';
import { agentToken } from '../storage/audit-index.js';
import type { AuditRow, SqlValue, PageReads } from '../storage/types.js';
import { PAGE_WALK, walkSeqWindows, type WalkLimits } from '../storage/bounded-walk.js';
import { AGENT_RECORD_FILTERS, agentRecordSeqs, seqList } from './agent-records.js';
import { canonicalLine, rowToRecord } from './chain.js';
import { seqRange } from './range.js';

/** A bad audit query (unreadable cursor, invalid filter): the API answers 400 `invalid_request`. */
export class AuditQueryError extends Error {
  override readonly name = 'AuditQueryError';
  readonly code = 'invalid_request' as const;
}

/**
 * A user's free text as a safe FTS5 MATCH expression, or null when it has nothing searchable.
 * Every whitespace-separated word becomes a quoted phrase of its letter/digit runs (src-shared
 * search.ts; the unicode61 tokenizer splits `act_9f2c` the same way), so no FTS operator, quote,
 * bracket or column filter can come from the user. Each phrase's last token matches as a prefix
 * (SPEC 8: `prod` finds `production`) from 3 characters on; a shorter one (`rm`, `ls`) matches as a
 * whole word, from the term's own doclist (shorter prefixes would match half the index). Prefixes of
 * 3 to 8 characters are read from FTS5's prefix indexes; a longer one merges the doclists of the
 * terms it matches, which is fast for identifiers and rarer words. Words are ANDed.
 */
export function toFtsQuery(text: string): string | null {
  const phrases = searchPhrases(text).map((p) => `"${p.tokens.join(' ')}"${p.prefix ? '*' : ''}`);
  return phrases.length ? phrases.join(' ') : null;
}

/**
 * The MATCH of a free-text search, narrowed to one agent's records when the query names one: the
 * text in the `body` column AND the agent's token in the `agent` column, so FTS5 walks only that
 * agent's matches (the caller still compares agent_id itself). Its left operand is the table
 * (`f.audit_fts MATCH ?`).
 */
export function textMatch(match: string, agentId: string | undefined): string {
  return agentId === undefined ? `body : (${match})` : `body : (${match}) AND agent : ${agentToken(agentId)}`;
}

/** What a cursor no list gave is told (the page reader names the `cursor` field with it). */
export const BAD_CURSOR = 'cursor is not one this list gave; start again without it';

export const encodeCursor = (seq: number): string => Buffer.from(`a${seq}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const m = /^a(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new AuditQueryError(BAD_CURSOR);
  return Number(m[1]);
}

const COLUMNS =
  'a.seq, a.id, a.ts, a.type, a.actor, a.action_id, a.data, a.hash, (SELECT p.hash FROM audit p WHERE p.seq = a.seq - 1) AS prev_hash';
/** Equality filters, most selective first. Only the first present one may use its index. */
const EQUALS = ['action_id', 'agent_id', 'type', 'risk_level', 'decision', 'status'] as const;

export interface AuditPage {
  items: AuditRecord[];
  next_cursor: string | null;
}

/**
 * Audit records newest first (SPEC 5 `GET /api/v1/audit`). Filters use the `(column, seq)` indexes,
 * an agent filter that agent's index (agent-records.ts; the caller waits for the indexer first, as
 * for free text); free text goes through `audit_fts`, walked newest first by rowid (= seq) so a page
 * stops early.
 *
 * Where one index cannot answer the filters whole (two equality filters; an agent's index with a
 * filter; free text, whose words and filters may seldom meet), the walk is bounded
 * (storage/bounded-walk.ts): it goes down the seq range in windows and, when the budget is spent
 * first, answers the records found so far with a cursor at the window where it stopped.
 */
export function queryAudit(store: PageReads, input: Partial<AuditQuery>, walk: WalkLimits = PAGE_WALK): AuditPage {
  const p = auditRows(store, input, walk);
  return { items: p.rows.map(([row, prev]) => rowToRecord(row, prev)), next_cursor: p.next_cursor };
}

/**
 * queryAudit as the JSON text of the page, for the page thread: each record is its stored JSONL line
 * (SPEC 7.2: the record's JCS, its `data` the stored text), so nothing is parsed and built again.
 * The same records as queryAudit's, with their keys in JCS order.
 */
export function queryAuditText(store: PageReads, input: Partial<AuditQuery>, walk: WalkLimits = PAGE_WALK): JsonText<AuditPage> {
  const p = auditRows(store, input, walk);
  const items = p.rows.map(([row, prev]) => canonicalLine(row, prev)).join(',');
  return `{"items":[${items}],"next_cursor":${JSON.stringify(p.next_cursor)}}` as JsonText<AuditPage>;
}

/** A page's rows, each with its `prev_hash`, and the next page's cursor. */
interface RowsPage {
  rows: [AuditRow, string][];
  next_cursor: string | null;
}

function auditRows(store: PageReads, input: Partial<AuditQuery>, walk: WalkLimits): RowsPage {
  const parsed = AuditQuerySchema.safeParse(input);
  if (!parsed.success)
    throw new AuditQueryError(`invalid audit query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const q = parsed.data;
  const range = seqRange(store, q.since, q.until);
  if (q.cursor) range.hi = Math.min(range.hi, decodeCursor(q.cursor) - 1);
  if (range.lo > range.hi) return { rows: [], next_cursor: null };
  const read = readerFor(store, q);
  if (!read) return { rows: [], next_cursor: null };
  if (!read.bounded) return page(store, read.rows(range, q.limit + 1), q.limit, null);
  const scale = read.scale ?? 1;
  const sized = (n: number) => Math.max(1, Math.round(n * scale));
  const limits = { ...walk, firstWindow: sized(walk.firstWindow), maxWindow: sized(walk.maxWindow) };
  const { rows, resumeAt } = walkSeqWindows(limits, range, q.limit + 1, read.rows, `audit:${read.kind}`);
  return page(store, rows, q.limit, resumeAt);
}

/** Reads the records of a query within a seq range, newest first. */
interface RangeReader {
  kind: 'agent' | 'text' | 'rows';
  /** It may reject most of what it walks: read in bounded windows. */
  bounded: boolean;
  /** How many times the walk's window sizes suit it (cheaper positions: more of them). */
  scale?: number;
  rows(range: { lo: number; hi: number }, limit: number): PageRow[];
}

function readerFor(store: PageReads, q: AuditQuery): RangeReader | null {
  if (q.agent_id !== undefined && q.action_id === undefined && q.q === undefined) {
    const agentId = q.agent_id;
    return {
      kind: 'agent',
      bounded: AGENT_RECORD_FILTERS.some((k) => q[k] !== undefined),
      // The agent's index entries (a few dozen bytes, in seq order) hold the filters: a window of
      // seqs costs at most one entry each (~0.15 µs), not a record read (~1.5 µs).
      scale: 16,
      rows: (range, limit) => {
        const seqs = agentRecordSeqs(store, agentId, range, limit, q);
        return seqs.length
          ? store.all(`SELECT ${COLUMNS} FROM audit a WHERE a.seq IN (SELECT value FROM json_each(?)) ORDER BY a.seq DESC`, [seqList(seqs)])
          : [];
      },
    };
  }
  const where: string[] = [];
  const params: SqlValue[] = [];
  for (const k of EQUALS) {
    const v = q[k];
    if (v !== undefined) {
      // Without statistics SQLite may walk a 4-valued index (risk_level) and filter a 64-valued one
      // (agent_id) row by row; a unary + keeps every filter after the most selective off its index.
      where.push(`${where.length ? '+' : ''}a.${k} = ?`);
      params.push(v);
    }
  }
  if (q.q !== undefined) {
    const match = toFtsQuery(q.q);
    if (!match) return null;
    // CROSS JOIN keeps audit_fts as the outer loop: MATCH, rowid range and order all inside FTS5.
    const sql = `SELECT ${COLUMNS} FROM audit_fts f CROSS JOIN audit a ON a.seq = f.rowid
                 WHERE f.audit_fts MATCH ? AND f.rowid >= ? AND f.rowid <= ?${where.map((w) => ` AND ${w}`).join('')} ORDER BY f.rowid DESC LIMIT ?`;
    const text = textMatch(match, q.agent_id);
    return {
      kind: 'text',
      // Every hit of the MATCH (words and agent, intersected inside FTS5) is on the page, unless a
      // filter is tested on the record: only then may a walk reject most of what it reads.
      bounded: EQUALS.some((k) => k !== 'agent_id' && q[k] !== undefined),
      rows: (range, limit) => {
        try {
          return store.all(sql, [text, range.lo, range.hi, ...params, limit]);
        } catch (e) {
          // The query text is sanitised, so this is not expected; still never a 500 for a search box.
          throw new AuditQueryError(`search could not run: ${(e as Error).message}`);
        }
      },
    };
  }
  const sql = `SELECT ${COLUMNS} FROM audit a WHERE a.seq >= ? AND a.seq <= ?${where.map((w) => ` AND ${w}`).join('')} ORDER BY a.seq DESC LIMIT ?`;
  return {
    kind: 'rows',
    // An action's records are a handful: its index answers whatever else is asked.
    bounded: where.length > 1 && q.action_id === undefined,
    // Each position is a record read whole to test the filters after the first (~1.5 µs warm, and
    // from disk when cold): half-size windows keep a cold one near the budget.
    scale: 0.5,
    rows: (range, limit) => store.all(sql, [range.lo, range.hi, ...params, limit]),
  };
}

type PageRow = AuditRow & { prev_hash: string | null };

/**
 * A page of `limit` records from up to `limit + 1` rows read newest first (one more: is there a next
 * page?); `resumeAt`, where a bounded walk stopped short of a full page, is the next page's cursor.
 * A row without a live predecessor is the first of the live log: its `prev_hash` is the last
 * archived record's hash (SPEC 7.7), or 64 zeros for seq 1.
 */
function page(store: PageReads, rows: PageRow[], limit: number, resumeAt: number | null): RowsPage {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return {
    rows: items.map((r) => [r, r.prev_hash ?? store.hashBefore(r.seq)]),
    next_cursor: more ? encodeCursor(items[items.length - 1]!.seq) : resumeAt === null ? null : encodeCursor(resumeAt),
  };
}
