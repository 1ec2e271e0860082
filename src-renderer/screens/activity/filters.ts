import { ActionStatusValueSchema, type ActionQuery, type AuditQuery } from '../../../src-shared/index.js';

/**
 * Activity filters, as they appear in the URL query string (shareable; the back button works).
 *
 * The filters are built so that they never overlap or contradict one another:
 * - `view` picks what a row is: one action (default) or one raw audit record. Each view has its own
 *   "type" filter (`action_type` for actions, `type` — the record type — for events), and the other
 *   view's one is dropped when switching;
 * - `status` is a refinement of `decision`: only the statuses that can carry the chosen decision are
 *   offered, and changing the decision drops a status it cannot have;
 * - the time range (`range`, or `since`/`until` when custom) bounds the list; `at` (jump to a date)
 *   only moves the starting point inside that range, and is dropped when the range no longer holds it.
 */
export type ActivityView = 'actions' | 'events';

export interface ActivityFilters {
  view: ActivityView;
  agent_id: string;
  /** Actions view: exact action type (`shell.exec`). */
  action_type: string;
  /** Events view: audit record type (`approval.resolved`). */
  type: string;
  decision: string;
  status: string;
  risk_level: string;
  /** Relative range (15m, 1h, 24h, 7d, 30d), "custom" (since/until), or "" for all time. */
  range: string;
  since: string;
  until: string;
  q: string;
  /** Events view: the records of one action. */
  action_id: string;
  /** Jump to a date: the list starts at this moment (datetime-local) and goes back in time. */
  at: string;
}

export const FILTER_KEYS: (keyof ActivityFilters)[] = [
  'view',
  'agent_id',
  'action_type',
  'type',
  'decision',
  'status',
  'risk_level',
  'range',
  'since',
  'until',
  'q',
  'action_id',
  'at',
];

export const RANGES: { value: string; label: string; ms: number }[] = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

export const DECISIONS = ['allowed', 'denied', 'pending'] as const;
export const RISKS = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Which statuses can go with which decision (SPEC 2.3): `decision` is the go/no-go, `status` the
 * lifecycle step. An expired approval follows its timeout action, so `expired` is under both.
 */
export const STATUSES_BY_DECISION: Record<(typeof DECISIONS)[number], readonly string[]> = {
  allowed: ['allowed', 'approved', 'completed', 'failed', 'expired'],
  denied: ['denied', 'rejected', 'expired', 'withdrawn'],
  pending: ['pending'],
};
export const ALL_STATUSES: readonly string[] = ActionStatusValueSchema.options;

/** The statuses the status filter offers for a decision ("" = any decision: all of them). */
export function statusOptions(decision: string): readonly string[] {
  return STATUSES_BY_DECISION[decision as keyof typeof STATUSES_BY_DECISION] ?? ALL_STATUSES;
}

const VIEW_ONLY: Record<ActivityView, (keyof ActivityFilters)[]> = {
  actions: ['action_type'],
  events: ['type', 'action_id'],
};

export function parseFilters(search: string): ActivityFilters {
  const p = new URLSearchParams(search);
  const f = {} as ActivityFilters;
  for (const k of FILTER_KEYS) (f as unknown as Record<string, string>)[k] = p.get(k) ?? '';
  f.view = p.get('view') === 'events' ? 'events' : 'actions';
  return normalize(f);
}

/** datetime-local value ("2026-11-21T12:00") → epoch ms; invalid or empty → null. */
export function localToMs(v: string): number | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** epoch ms → datetime-local value with seconds, in the browser's time zone ("2026-11-21T12:00:05"). */
export function msToLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The time range the filters select, as epoch ms bounds (null = open). */
export function rangeBounds(f: ActivityFilters, now: number): { since: number | null; until: number | null } {
  const rel = RANGES.find((r) => r.value === f.range);
  if (rel) return { since: now - rel.ms, until: null };
  if (f.range === 'custom') return { since: localToMs(f.since), until: localToMs(f.until) };
  return { since: null, until: null };
}

/**
 * Drops what contradicts the rest: another view's type filter, a status the decision cannot have,
 * since/until outside a custom range, a jump date outside the range. Relative ranges are checked
 * against `now`.
 */
export function normalize(f: ActivityFilters, now = Date.now()): ActivityFilters {
  const out = { ...f };
  const other: ActivityView = out.view === 'actions' ? 'events' : 'actions';
  for (const k of VIEW_ONLY[other]) (out as unknown as Record<string, string>)[k] = '';
  if (out.decision && !(DECISIONS as readonly string[]).includes(out.decision)) out.decision = '';
  if (out.status && !statusOptions(out.decision).includes(out.status)) out.status = '';
  if (out.range !== 'custom') {
    out.since = '';
    out.until = '';
  }
  const at = localToMs(out.at);
  if (out.at && at === null) out.at = '';
  if (at !== null) {
    const b = rangeBounds(out, now);
    if ((b.since !== null && at < b.since) || (b.until !== null && at > b.until)) out.at = '';
  }
  return out;
}

/** Applies a change from the filter bar and drops whatever it now contradicts. */
export function patchFilters(f: ActivityFilters, patch: Partial<ActivityFilters>, now = Date.now()): ActivityFilters {
  return normalize({ ...f, ...patch }, now);
}

export function filtersToSearch(f: ActivityFilters): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    if (!f[k]) continue;
    if (k === 'view' && f.view === 'actions') continue;
    if ((k === 'since' || k === 'until') && f.range !== 'custom') continue;
    p.set(k, f[k]);
  }
  return p.toString();
}

/** Filters that narrow the list (the view and a jump date are not filters). */
export const activeFilterCount = (f: ActivityFilters): number =>
  FILTER_KEYS.filter((k) => k !== 'view' && k !== 'at' && f[k] && !((k === 'since' || k === 'until') && f.range !== 'custom')).length;

/** Filters cleared, view and nothing else kept. */
export const clearedSearch = (f: ActivityFilters): string => (f.view === 'events' ? 'view=events' : '');

const isoOf = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/** The upper time bound: the range's end or the jump date, whichever is earlier (the jump is inside the range). */
function upper(f: ActivityFilters, now: number): number | null {
  const b = rangeBounds(f, now);
  const at = localToMs(f.at);
  // The jump input has second precision: "jump to 14:05:07" includes everything during that second.
  const atEnd = at === null ? null : at + 1000;
  if (b.until === null) return atEnd;
  if (atEnd === null) return b.until;
  return Math.min(b.until, atEnd);
}

/** The API query of the actions view (relative ranges resolved against now). */
export function toActionQuery(f: ActivityFilters, now = Date.now()): Partial<ActionQuery> {
  return {
    agent_id: f.agent_id || undefined,
    action_type: f.action_type || undefined,
    decision: (f.decision || undefined) as ActionQuery['decision'],
    status: (f.status || undefined) as ActionQuery['status'],
    risk_level: (f.risk_level || undefined) as ActionQuery['risk_level'],
    q: f.q || undefined,
    since: isoOf(rangeBounds(f, now).since),
    until: isoOf(upper(f, now)),
  };
}

/** The API query of the raw event view (relative ranges resolved against now). */
export function toAuditQuery(f: ActivityFilters, now = Date.now()): Partial<AuditQuery> {
  return {
    agent_id: f.agent_id || undefined,
    type: f.type || undefined,
    decision: (f.decision || undefined) as AuditQuery['decision'],
    status: f.status || undefined,
    risk_level: (f.risk_level || undefined) as AuditQuery['risk_level'],
    q: f.q || undefined,
    action_id: f.action_id || undefined,
    since: isoOf(rangeBounds(f, now).since),
    until: isoOf(upper(f, now)),
  };
}
