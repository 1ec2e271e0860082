import type { ActionQuery, ActionStatus } from '../../src-shared/index.js';
import { agentRecordSeqs, seqList } from '../audit/agent-records.js';
import { AuditQueryError, BAD_CURSOR, textMatch, toFtsQuery } from '../audit/query.js';
import { seqRange } from '../audit/range.js';
import { PAGE_WALK, walkSeqWindows, walkWindows, type WalkLimits } from '../storage/bounded-walk.js';
import type { SqlValue, PageReads } from '../storage/types.js';
import { SELECT_ACTIONS, toStatus, type ActionRow } from './action-rows.js';

/** The agent filter on the action row (free text also matches the agent inside the full-text index). */
const AGENT_CLAUSE = 'a.agent_id = ?';

/** A position in the actions, newest first: everything strictly below `(created_ms, seq)` comes next. */
type Position = readonly [createdMs: number, seq: number];

const encodeCursor = ([createdMs, seq]: Position) => Buffer.from(`${createdMs}:${seq}`).toString('base64url');
function decodeCursor(c: string): Position {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(c, 'base64url').toString('latin1'));
  if (!m) throw new AuditQueryError(BAD_CURSOR);
  return [Number(m[1]), Number(m[2])];
}

interface Page {
  items: ActionStatus[];
  next_cursor: string | null;
}

/**
 * A page from up to `limit + 1` rows (one more: is there a next page?); where a bounded walk stopped
 * short of a full page, the next page's cursor is where it stopped (`resumeAt`).
 */
function pageOf(rows: ActionRow[], limit: number, resumeAt: Position | null): Page {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(toStatus),
    next_cursor: more && last ? encodeCursor([last.created_ms, last.seq]) : resumeAt && encodeCursor(resumeAt),
  };
}

/**
 * GET /api/v1/actions — newest first, cursor pagination, index-backed filters.
 *
 * An agent filter without free text or a time window walks that agent's index of records
 * (agent-records.ts: its `action.decided` records are its actions), newest first by seq, testing
 * the other filters on each action (agentActions); the caller waits for the indexer first, as for
 * free text. With a status filter too, the status's index may be walked instead (agentOrStatusWalk).
 * With a time window, the window's range of `actions_created` is walked instead.
 *
 * Without free text the list walks `actions_created` (or the `(column, created_ms, seq)` index of
 * a filter) from the cursor down; the cursor is a row-value bound `(created_ms, seq) < (?, ?)`,
 * which SQLite turns into an index range, so a deep page costs what the first one does.
 *
 * With free text the walk is driven by the full-text index instead, newest first by rowid (the seq
 * of each action's `action.decided` record) inside the seq range of the time window, each hit joined
 * to its action.
 *
 * A walk that tests filters row by row (two filters, an agent's actions with another filter, free
 * text) is bounded (storage/bounded-walk.ts): when its budget is spent before the page is full, the
 * page holds what it found, maybe nothing, and a cursor where the walk stopped.
 */
export function listActions(store: PageReads, q: ActionQuery, ownerKeyId: string | null, walk: WalkLimits = PAGE_WALK): Page {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, ...values: SqlValue[]) => {
    where.push(clause);
    params.push(...values);
  };
  // Equality filters, the likely most selective first: the first one drives a bounded walk.
  const equal: { column: keyof typeof DRIVERS; value: SqlValue }[] = [];
  if (ownerKeyId) equal.push({ column: 'key_id', value: ownerKeyId });
  if (q.status) equal.push({ column: 'status', value: q.status });
  if (q.action_type) equal.push({ column: 'action_type', value: q.action_type });
  if (q.decision) equal.push({ column: 'decision', value: q.decision });
  if (q.risk_level) equal.push({ column: 'risk_level', value: q.risk_level });
  for (const e of equal) add(`a.${e.column} = ?`, e.value);
  const since = q.since ? Date.parse(q.since) : null;
  const until = q.until ? Date.parse(q.until) : null;
  if (since !== null) add('a.created_ms >= ?', since);
  if (until !== null) add('a.created_ms < ?', until);
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  if (q.agent_id && !q.q && !q.since && !q.until) {
    const choice = q.status ? agentOrStatusWalk(store, q.agent_id, q.status) : 'agent';
    if (choice === 'none') return { items: [], next_cursor: null };
    // An action's risk is fixed at submit, so its decided record's index entry carries it too: the
    // walk skips the other levels' actions in the index rather than looking each one up.
    if (choice === 'agent') return agentActions(store, q.agent_id, { risk_level: q.risk_level }, { where, params }, c, q.limit, walk);
    // Else the status's actions are walked (below: the status drives the windows), the agent tested on each.
  }
  // Filters a hit of free text can fail on its action row: the agent is matched inside the full-text index.
  const rowFilters = where.length;
  if (q.agent_id) add(AGENT_CLAUSE, q.agent_id);
  if (q.q) return textActions(store, q, { where, params }, c, walk, rowFilters > 0);
  // One equality filter (or none) is one index range: every row it walks is on the page. (No index
  // of `actions` has the agent: that filter is tested row by row.)
  if (equal.length <= 1 && !q.agent_id) {
    const bound = c ? ' AND (a.created_ms, a.seq) < (?, ?)' : '';
    const rows = store.all<ActionRow>(
      `${SELECT_ACTIONS} WHERE 1${where.map((w) => ` AND ${w}`).join('')}${bound} ORDER BY a.created_ms DESC, a.seq DESC LIMIT ?`,
      [...params, ...(c ?? []), q.limit + 1],
    );
    return pageOf(rows, q.limit, null);
  }
  return windowedActions(store, equal[0] ?? null, { where, params }, { cursor: c, since, until }, q.limit, walk);
}

/**
 * Actions of several filters (or of an agent, which no index of `actions` has), in created order:
 * windows of the next `size` actions of the first equality filter (an agent key's own, a status's...)
 * in its `(column, created_ms, seq)` index, or of all actions, found on index entries only and read
 * through that same index, so that a window holds at most `size` rows to test whatever the planner
 * would have chosen (the last window has no floor). The walk starts at the cursor or at `until`,
 * whichever is older: an action created at or after `until` cannot be listed.
 */
function windowedActions(
  store: PageReads,
  driver: { column: keyof typeof DRIVERS; value: SqlValue } | null,
  filters: { where: string[]; params: SqlValue[] },
  at: { cursor: Position | null; since: number | null; until: number | null },
  limit: number,
  walk: WalkLimits,
): Page {
  const step = driver
    ? { index: DRIVERS[driver.column], where: [`a.${driver.column} = ?`], values: [driver.value] }
    : { index: 'actions_created', where: [], values: [] };
  const from = SELECT_ACTIONS.replace('FROM actions a', `FROM actions a INDEXED BY ${step.index}`);
  const { cursor, since, until } = at;
  let top: Position | null = until !== null && (cursor === null || cursor[0] >= until) ? [until, 0] : cursor;
  const rows: ActionRow[] = [];
  const end = walkWindows(
    walk,
    (size) => {
      const below = top ? ['(a.created_ms, a.seq) < (?, ?)'] : [];
      const belowValues = top ? [...top] : [];
      const conds = [...step.where, ...below];
      const floor = store.get<{ created_ms: number; seq: number }>(
        `SELECT created_ms, seq FROM actions a INDEXED BY ${step.index} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
         ORDER BY created_ms DESC, seq DESC LIMIT 1 OFFSET ?`,
        [...step.values, ...belowValues, size - 1],
      );
      const bounds = floor ? [...below, '(a.created_ms, a.seq) >= (?, ?)'] : below;
      const values = floor ? [...belowValues, floor.created_ms, floor.seq] : belowValues;
      const all = [...filters.where, ...bounds];
      rows.push(
        ...store.all<ActionRow>(`${from} WHERE ${all.join(' AND ')} ORDER BY a.created_ms DESC, a.seq DESC LIMIT ?`, [
          ...filters.params,
          ...values,
          limit + 1 - rows.length,
        ]),
      );
      if (rows.length > limit) return 'full';
      if (!floor || (since !== null && floor.created_ms < since)) return 'end';
      top = [floor.created_ms, floor.seq];
      return 'more';
    },
    `actions:${step.index}`,
  );
  return pageOf(rows, limit, end === 'budget' ? top : null);
}

/**
 * Free text: the full-text index walked newest first by rowid in seq windows, each hit joined to its
 * action. The cursor's seq is where the next page starts (its created_ms is not read here).
 * `rejecting`: some filter on the action row (other than the agent) can turn hits away, so the walk
 * is bounded.
 */
function textActions(
  store: PageReads,
  q: ActionQuery,
  filters: { where: string[]; params: SqlValue[] },
  c: Position | null,
  walk: WalkLimits,
  rejecting: boolean,
): Page {
  const fts = toFtsQuery(q.q!);
  if (!fts) return { items: [], next_cursor: null };
  const range = seqRange(store, q.since, q.until);
  if (c) range.hi = Math.min(range.hi, c[1] - 1);
  if (range.lo > range.hi) return { items: [], next_cursor: null };
  // CROSS JOIN keeps the full-text index as the outer loop: MATCH, rowid range and order inside it.
  // Each hit reaches its action through the record's action_id (the actions primary key); only the
  // action.decided record (a.seq = its seq) stands for the action, so an action is listed once.
  const sql = `SELECT a.*, au.data AS data FROM audit_fts f CROSS JOIN audit au ON au.seq = f.rowid CROSS JOIN actions a ON a.action_id = au.action_id
         WHERE f.audit_fts MATCH ? AND f.rowid >= ? AND f.rowid <= ? AND a.seq = au.seq${filters.where.map((w) => ` AND ${w}`).join('')}
         ORDER BY f.rowid DESC LIMIT ?`;
  const text = textMatch(fts, q.agent_id ?? undefined);
  const read = (w: { lo: number; hi: number }, limit: number) => store.all<ActionRow>(sql, [text, w.lo, w.hi, ...filters.params, limit]);
  // Without a filter on the action, a hit is rejected only when it is not the action's decided record.
  if (!rejecting) return pageOf(read(range, q.limit + 1), q.limit, null);
  const { rows, resumeAt } = walkSeqWindows(walk, range, q.limit + 1, read, 'actions:text');
  // The cursor's created_ms is not read on this path: only its seq.
  return pageOf(rows, q.limit, resumeAt === null ? null : [0, resumeAt]);
}

/**
 * One agent's actions newest first (seq order) from before the cursor's seq, those that pass the
 * other filters (SQL on the action row): the agent's index is walked in bounded windows until a page
 * is full, the agent's history ends or the budget is spent. The cursor is the last action of the
 * page, or the last one the walk looked at.
 */
function agentActions(
  store: PageReads,
  agentId: string,
  indexed: { risk_level?: string },
  filters: { where: string[]; params: SqlValue[] },
  c: Position | null,
  limit: number,
  walk: WalkLimits,
): Page {
  const lo = store.archiveHead().seq + 1;
  let hi = c ? c[1] - 1 : store.head().seq;
  if (hi < lo) return { items: [], next_cursor: null };
  const more = filters.where.map((w) => ` AND ${w}`).join('');
  const rows: ActionRow[] = [];
  const end = walkWindows(
    { ...walk, firstWindow: Math.min(walk.firstWindow, Math.max(limit + 1, 32)), maxWindow: Math.min(walk.maxWindow, AGENT_CHUNK) },
    (size) => {
      const seqs = agentRecordSeqs(store, agentId, { lo, hi }, size, { ...indexed, type: 'action.decided' });
      if (seqs.length) {
        const got = store.all<ActionRow>(`${SELECT_BY_SEQ} WHERE a.seq IN (SELECT value FROM json_each(?))${more} ORDER BY a.seq DESC`, [
          seqList(seqs),
          ...filters.params,
        ]);
        rows.push(...got.slice(0, limit + 1 - rows.length));
      }
      if (rows.length > limit) return 'full';
      if (seqs.length < size) return 'end';
      hi = seqs[seqs.length - 1]! - 1;
      return hi < lo ? 'end' : 'more';
    },
    'actions:agent',
  );
  if (end !== 'budget') return pageOf(rows, limit, null);
  // The cursor of the last action looked at (its created_ms, for a next page that walks another index).
  const at = hi + 1;
  const ms = store.get<{ ms: number }>(
    'SELECT COALESCE((SELECT created_ms FROM actions WHERE seq = ?), (SELECT ts_ms FROM audit WHERE seq = ?)) AS ms',
    [at, at],
  );
  return pageOf(rows, limit, [ms?.ms ?? 0, at]);
}
/** The most action records one window of agentActions reads (each is looked up: ~2-4 µs warm). */
const AGENT_CHUNK = 1_024;

/** The `(column, created_ms, seq)` index of each equality filter (storage/schema.ts). */
const DRIVERS = {
  key_id: 'actions_key',
  status: 'actions_status',
  action_type: 'actions_type',
  decision: 'actions_decision',
  risk_level: 'actions_risk',
} as const;

/**
 * The agent's walk looks its actions up by seq. Without the hint SQLite walks the index of an
 * equality filter instead (`decision = 'denied'`: every denied action in the log, per chunk) and
 * tests each row against the seq list: 61 ms for one page on the bench's 1M log instead of 4.
 */
const SELECT_BY_SEQ = SELECT_ACTIONS.replace('FROM actions a', 'FROM actions a INDEXED BY actions_seq');

/**
 * An agent's actions of one status are in two sets: the agent's actions (its index of records) and
 * the status's (`actions_status`, the agent tested on each row). The smaller one is walked, so that
 * a dominant agent's rare status (claude-code's approved actions) does not walk the agent's whole
 * history, nor a rare agent's common status every action of that status: a walk reads about its
 * set's size over the matches per page, and the matches are in both. The sizes come from
 * `agent_counts` (exact, kept by triggers): 'none' when the agent has no action of that status.
 * (On the bench's 1M log, an agent of 15,644 actions and no approved one: 37 ms warm through its
 * index, 0.1 ms from the counts; a dominant agent of a million actions would have held the loop seconds.)
 */
function agentOrStatusWalk(store: PageReads, agentId: string, status: string): 'none' | 'agent' | 'status' {
  const n = store.get<{ both: number | null; agent: number; status: number }>(
    `SELECT (SELECT n FROM agent_counts WHERE agent_id = ? AND status = ?) AS both,
            (SELECT total(n) FROM agent_counts WHERE agent_id = ?) AS agent,
            (SELECT total(n) FROM agent_counts WHERE status = ?) AS status`,
    [agentId, status, agentId, status],
  )!;
  if (!n.both) return 'none';
  return n.agent <= n.status ? 'agent' : 'status';
}
