import { createHash } from 'node:crypto';
import type { JsonObject } from '../../src-shared/index.js';

/**
 * What an audit record contributes to the `audit` row's filter columns (filterFields, on the main
 * thread as it is sealed) and to `audit_fts` (textFields, on the indexer thread). Derived from the
 * record alone, so live commits, the 0.1 upgrade and a rebuilt index agree.
 */
export interface FilterFields {
  agent_id: string | null;
  decision: string | null;
  status: string | null;
  risk_level: string | null;
}

export interface TextFields {
  body: string;
  /** The `audit_fts.agent` column: agentToken(agent_id), or null. */
  agent: string | null;
}

const tokens = new Map<string, string>();

/**
 * One full-text token standing for an agent id ("ag" and 10 hex digits of its SHA-256: letters and
 * digits only, so the tokenizer keeps it whole). A search within one agent's records ANDs it with
 * the text. Two ids may share a token (2^-40): the query still compares agent_id itself, so that
 * costs a few rows read, never a wrong one.
 */
export function agentToken(agentId: string): string {
  let t = tokens.get(agentId);
  if (t === undefined) {
    t = `ag${createHash('sha256').update(agentId).digest('hex').slice(0, 10)}`;
    if (tokens.size >= 4096) tokens.clear(); // agents are few; a flood of ids must not grow this
    tokens.set(agentId, t);
  }
  return t;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** Data fields that are worth finding by free text, in the order they are indexed. */
const TEXT_FIELDS = [
  'agent_id',
  'action_type',
  'resource',
  'description',
  'tool_name',
  'reason',
  'comment',
  'policy_id',
  'policy_name',
  'name',
  'environment',
  'target_system',
  'error',
] as const;
const MAX_FIELD = 2000;
/** Objects whose string values are indexed too (an SQL statement, a path, a URL, an MCP server). */
const NESTED_FIELDS = ['parameters', 'context', 'mcp'] as const;
/** At most this many characters and values from them, in all: a file's content must not bloat the index. */
const MAX_NESTED_CHARS = 2000;
const MAX_NESTED_VALUES = 200;

/** The string values inside `roots`, depth first, within the budget above. */
function nestedStrings(roots: unknown[]): string[] {
  const out: string[] = [];
  let chars = MAX_NESTED_CHARS;
  let values = MAX_NESTED_VALUES;
  const stack: unknown[] = roots.filter((r) => r !== null && typeof r === 'object').reverse();
  while (stack.length && chars > 0 && values > 0) {
    const v = stack.pop();
    values--;
    if (typeof v === 'string') {
      if (v) out.push(v.slice(0, chars));
      chars -= v.length;
    } else if (v !== null && typeof v === 'object') {
      const items = Array.isArray(v) ? v : Object.values(v);
      for (let i = Math.min(items.length, values) - 1; i >= 0; i--) stack.push(items[i]);
    }
  }
  return out;
}

export function filterFields(d: JsonObject): FilterFields {
  return { agent_id: str(d.agent_id), decision: str(d.decision), status: str(d.status), risk_level: str(obj(d.risk)?.level) };
}

export function textFields(rec: { type: string; actor: string; action_id: string | null; data: JsonObject }): TextFields {
  const d = rec.data;
  const policy = obj(d.policy);
  const words: string[] = [rec.type, rec.actor];
  if (rec.action_id) words.push(rec.action_id);
  for (const k of TEXT_FIELDS) {
    const v = str(d[k]);
    if (v) words.push(v.slice(0, MAX_FIELD));
  }
  if (policy) {
    for (const k of ['id', 'name'] as const) {
      const v = str(policy[k]);
      if (v) words.push(v.slice(0, MAX_FIELD));
    }
  }
  if (Array.isArray(d.flags)) for (const f of d.flags) if (typeof f === 'string') words.push(f);
  words.push(...nestedStrings(NESTED_FIELDS.map((k) => d[k])));
  const agentId = str(d.agent_id);
  return { body: words.join(' '), agent: agentId === null ? null : agentToken(agentId) };
}
