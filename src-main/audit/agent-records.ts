import { derivedReach } from '../storage/derived-reach.js';
import type { SqlValue, PageReads } from '../storage/types.js';

/** What an agent's records can be narrowed by on their index entry (`fts.audit_agent`). */
export interface AgentRecordFilter {
  type?: string;
  risk_level?: string;
  decision?: string;
  status?: string;
}

export const AGENT_RECORD_FILTERS = ['type', 'risk_level', 'decision', 'status'] as const;

/**
 * The seqs of one agent's audit records within [lo, hi] that pass `filter`, newest first, at most
 * `limit` of them.
 *
 * The agent's index (`fts.audit_agent`, storage/schema.ts) holds every record up to derivedReach;
 * the indexer thread writes it a step behind the acknowledged log. The records past it are read from
 * the live table, newest first, filtered row by row: a few hundred records where the caller first
 * waited for the indexer (the routes do, as for a search), a whole log while the indexer builds its
 * file again. A caller that cannot wait bounds that walk to the `tailRows` newest records (records
 * older than those and not yet indexed are then left out).
 */
export function agentRecordSeqs(
  store: PageReads,
  agentId: string,
  range: { lo: number; hi: number },
  limit: number,
  filter: AgentRecordFilter = {},
  tailRows = Number.POSITIVE_INFINITY,
): number[] {
  const reach = derivedReach(store);
  const keys = AGENT_RECORD_FILTERS.filter((k) => filter[k] !== undefined);
  const values: SqlValue[] = keys.map((k) => filter[k]!);
  const seqs: number[] = [];
  if (range.hi > reach) {
    const lo = Math.max(range.lo, reach + 1, range.hi - tailRows + 1);
    // `+`: the seq range is the walk; no other index of the table may drive it.
    const tail = store.all<{ seq: number }>(
      `SELECT seq FROM audit WHERE seq >= ? AND seq <= ? AND +agent_id = ?${keys.map((k) => ` AND +${k} = ?`).join('')} ORDER BY seq DESC LIMIT ?`,
      [lo, range.hi, agentId, ...values, limit],
    );
    for (const r of tail) seqs.push(r.seq);
  }
  if (seqs.length < limit && range.lo <= reach) {
    const indexed = store.all<{ seq: number }>(
      `SELECT seq FROM fts.audit_agent WHERE agent_id = ? AND seq >= ? AND seq <= ?${keys.map((k) => ` AND ${k} = ?`).join('')} ORDER BY seq DESC LIMIT ?`,
      [agentId, range.lo, Math.min(range.hi, reach), ...values, limit - seqs.length],
    );
    for (const r of indexed) seqs.push(r.seq);
  }
  return seqs;
}

/** The seqs as one bound parameter: `seq IN (SELECT value FROM json_each(?))` (one statement whatever their number). */
export const seqList = (seqs: readonly number[]): string => JSON.stringify(seqs);
