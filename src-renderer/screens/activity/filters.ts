import type { AuditQuery } from '../../../src-shared/index.js';

/** Activity filters, as they appear in the URL query string (shareable; the back button works). */
export interface ActivityFilters {
  agent_id: string;
  type: string;
  decision: string;
  status: string;
  risk_level: string;
  /** Relative range (15m, 1h, 24h, 7d, 30d), "custom" (since/until), or "" for all time. */
  range: string;
  since: string;
  until: string;
  q: string;
  action_id: string;
}

export const FILTER_KEYS: (keyof ActivityFilters)[] = [
  'agent_id',
  'type',
  'decision',
  'status',
  'risk_level',
  'range',
  'since',
  'until',
  'q',
  'action_id',
];

export const RANGES: { value: string; label: string; ms: number }[] = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

export function parseFilters(search: string): ActivityFilters {
  const p = new URLSearchParams(search);
  const f = {} as ActivityFilters;
  for (const k of FILTER_KEYS) f[k] = p.get(k) ?? '';
  return f;
}

export function filtersToSearch(f: ActivityFilters): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    if (!f[k]) continue;
    if ((k === 'since' || k === 'until') && f.range !== 'custom') continue;
    p.set(k, f[k]);
  }
  return p.toString();
}

export const activeFilterCount = (f: ActivityFilters): number =>
  FILTER_KEYS.filter((k) => f[k] && !((k === 'since' || k === 'until') && f.range !== 'custom')).length;

/** datetime-local value ("2026-11-21T12:00") → ISO with offset; invalid → undefined. */
function localToIso(v: string): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The API query for the filters (relative ranges resolved against now). */
export function toAuditQuery(f: ActivityFilters, now = Date.now()): Partial<AuditQuery> {
  const range = RANGES.find((r) => r.value === f.range);
  return {
    agent_id: f.agent_id || undefined,
    type: f.type || undefined,
    decision: (f.decision || undefined) as AuditQuery['decision'],
    status: f.status || undefined,
    risk_level: (f.risk_level || undefined) as AuditQuery['risk_level'],
    q: f.q || undefined,
    action_id: f.action_id || undefined,
    since: range ? new Date(now - range.ms).toISOString() : f.range === 'custom' ? localToIso(f.since) : undefined,
    until: f.range === 'custom' ? localToIso(f.until) : undefined,
  };
}
