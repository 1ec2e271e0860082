// Activity's filters cannot overlap or contradict (issue 17), and an action's records read as a timeline.
import { describe, expect, it } from 'vitest';
import {
  filtersToSearch,
  parseFilters,
  patchFilters,
  statusOptions,
  toActionQuery,
  toAuditQuery,
} from '../../src-renderer/screens/activity/filters.js';
import { timelineOf } from '../../src-renderer/screens/activity/timeline.js';
import type { AuditRecord } from '../../src-shared/index.js';

// Local noon: jump dates are datetime-local values in the browser's zone.
const NOW = new Date(2026, 10, 21, 12, 0, 0).getTime();

describe('activity filters', () => {
  it('the actions view is the default and stays out of the URL; each view keeps only its own type filter', () => {
    const f = parseFilters('type=approval.resolved&action_type=shell.exec&action_id=act_1');
    expect(f.view).toBe('actions');
    expect(f.type).toBe('');
    expect(f.action_id).toBe('');
    expect(filtersToSearch(f)).toBe('action_type=shell.exec');
    const e = patchFilters(f, { view: 'events', type: 'approval.resolved' });
    expect(e.action_type).toBe('');
    expect(filtersToSearch(e)).toBe('view=events&type=approval.resolved');
  });

  it('status options follow the decision, and a decision drops a status it cannot have', () => {
    expect(statusOptions('pending')).toEqual(['pending']);
    expect(statusOptions('denied')).toContain('withdrawn');
    expect(statusOptions('denied')).not.toContain('approved');
    expect(statusOptions('')).toHaveLength(9);
    const f = parseFilters('status=approved');
    expect(patchFilters(f, { decision: 'denied' }).status).toBe('');
    expect(patchFilters(f, { decision: 'allowed' }).status).toBe('approved');
    // A contradiction in a shared URL is dropped, not sent to the server.
    expect(parseFilters('decision=pending&status=completed').status).toBe('');
  });

  it('a jump date lives inside the time range: it bounds the list from above, and a range that excludes it drops it', () => {
    const f = patchFilters(parseFilters(''), { at: '2026-11-21T10:30:00' }, NOW);
    const q = toActionQuery(f, NOW);
    expect(Date.parse(q.until!)).toBe(Date.parse('2026-11-21T10:30:01'));
    expect(q.since).toBeUndefined();
    expect(patchFilters(f, { range: '1h' }, NOW).at).toBe(''); // 10:30 is not in the last hour before 12:00
    const custom = patchFilters(f, { range: 'custom', since: '2026-11-21T10:00', until: '2026-11-21T11:00' }, NOW);
    expect(custom.at).toBe('2026-11-21T10:30:00');
    expect(Date.parse(toAuditQuery(custom, NOW).until!)).toBe(Date.parse('2026-11-21T10:30:01'));
    expect(patchFilters(custom, { until: '2026-11-21T10:15' }, NOW).at).toBe('');
  });

  it('relative ranges resolve against now, in both views', () => {
    const f = parseFilters('range=24h&risk_level=high&q=prod');
    const since = new Date(NOW - 86_400_000).toISOString();
    expect(toActionQuery(f, NOW)).toMatchObject({ since, risk_level: 'high', q: 'prod' });
    expect(toAuditQuery(f, NOW).since).toBe(since);
  });
});

const rec = (seq: number, type: string, actor: string, data: Record<string, unknown>): AuditRecord => ({
  seq,
  id: `evt_${seq}`,
  ts: new Date(NOW + seq * 1000).toISOString(),
  type,
  actor,
  action_id: 'act_1',
  data,
  prev_hash: '0'.repeat(64),
  hash: '1'.repeat(64),
});

describe('an action timeline', () => {
  it('names who did each step: the agent, the policy, you, nobody', () => {
    const steps = timelineOf([
      rec(5, 'approval.expired', 'system', { timeout_action: 'deny' }),
      rec(1, 'action.decided', 'agent:bot', {
        agent_id: 'bot',
        action_type: 'deploy.run',
        decision: 'pending',
        policy: { id: 'deploys', name: 'd', effect: 'require_approval' },
        reason: 'Matched policy',
      }),
      rec(2, 'approval.requested', 'system', { expires_at: null, timeout_action: 'deny' }),
    ]);
    expect(steps.map((s) => [s.title, s.who])).toEqual([
      ['Submitted', 'agent bot'],
      ['Held for approval', 'policy deploys'],
      ['Approval requested', 'Gatehouse'],
      ['Expired — nobody answered', 'nobody'],
    ]);
    const answered = timelineOf([rec(3, 'approval.resolved', 'user', { approved: false, comment: 'no', remember: 'once' })]);
    expect(answered[0]).toMatchObject({ title: 'Rejected', who: 'you (console or admin key)', detail: '“no”' });
  });
});
