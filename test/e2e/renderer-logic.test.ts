// Pure console logic that needs no browser: secret masking, Activity's URL filters, policy drafts.
import { describe, expect, it } from 'vitest';
import { splitEnd } from '../../src-renderer/lib/format.js';
import { maskSecrets, MASK } from '../../src-renderer/lib/mask.js';
import { filtersToSearch, parseFilters, toAuditQuery } from '../../src-renderer/screens/activity/filters.js';
import { viewOf } from '../../src-renderer/screens/activity/record.js';
import { issuesFor, localIssues, mergeDraft, serverIssues, simpleValue } from '../../src-renderer/screens/policies/model.js';
import type { PolicyView } from '../../src-shared/index.js';

describe('maskSecrets', () => {
  it('masks obvious secrets the server might have missed, and leaves ordinary text alone', () => {
    expect(maskSecrets('aws AKIAABCDEFGHIJKLMNOP here')).toContain(MASK);
    expect(maskSecrets('token ghp_abcdefghijklmnopqrstuvwxyz0123')).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123');
    expect(maskSecrets('psql "password=hunter22 host=db"')).toBe(`psql "password=${MASK} host=db"`);
    expect(maskSecrets('{"api_key": "abcd1234efgh"}')).toBe(`{"api_key": "${MASK}"}`);
    expect(maskSecrets('Authorization: Bearer abc.def.ghi')).toContain(`Bearer ${MASK}`);
    expect(maskSecrets('git push --force origin main')).toBe('git push --force origin main');
    expect(maskSecrets('SELECT * FROM users WHERE author = 1')).toBe('SELECT * FROM users WHERE author = 1');
  });

  it('masks a private key inside a JSON string without swallowing the rest', () => {
    const json = JSON.stringify({ key: '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n', next: 'visible' }, null, 2);
    const out = maskSecrets(json);
    expect(out).not.toContain('MIIEabc');
    expect(out).toContain('"next": "visible"');
  });

  it('keeps what the server already redacted as it is', () => {
    expect(maskSecrets('-----BEGIN PRIVATE KEY----- [redacted by Gatehouse]')).toBe('-----BEGIN PRIVATE KEY----- [redacted by Gatehouse]');
  });
});

describe('activity filters in the URL', () => {
  it('round-trips and drops since/until unless the range is custom', () => {
    const f = parseFilters('agent_id=claude-code&decision=denied&range=24h&since=2026-01-01T00:00&q=rm');
    expect(f.agent_id).toBe('claude-code');
    expect(filtersToSearch(f)).toBe('agent_id=claude-code&decision=denied&range=24h&q=rm');
    const custom = parseFilters('range=custom&since=2026-01-01T00:00&until=2026-01-02T00:00');
    expect(filtersToSearch(custom)).toBe('range=custom&since=2026-01-01T00%3A00&until=2026-01-02T00%3A00');
  });

  it('resolves relative ranges against now', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const q = toAuditQuery(parseFilters('range=1h&risk_level=high'), now);
    expect(q.since).toBe('2026-11-21T11:00:00.000Z');
    expect(q.until).toBeUndefined();
    expect(q.risk_level).toBe('high');
  });
});

describe('policy drafts', () => {
  const view = (id: string, extra: Partial<PolicyView> = {}): PolicyView => ({
    id,
    name: id,
    enabled: true,
    priority: 50,
    effect: 'allow',
    mode: 'enforce',
    when: {},
    expires_at: null,
    source: 'user',
    hits: 3,
    last_hit_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ephemeral: false,
    unusable: null,
    ...extra,
  });

  it('merges a draft into the stored set (replacing its own id, skipping in-memory policies)', () => {
    const set = mergeDraft([view('a'), view('b'), view('tmp', { ephemeral: true })], { id: 'b', effect: 'deny' }, 'b');
    expect(set).toEqual([expect.objectContaining({ id: 'a' }), { id: 'b', effect: 'deny' }]);
    expect(JSON.stringify(set)).not.toContain('hits');
    expect(mergeDraft([view('a')], { id: 'new', effect: 'deny' }, null)).toHaveLength(2);
  });

  it('maps local and server issues to form fields', () => {
    expect(Object.keys(localIssues({ id: 'Bad Id', effect: 'allow' }))).toContain('id');
    // The server's size limit on a written policy's conditions, said as the draft is typed (not only on save).
    const list = (n: number) => ({ id: 'hosts', effect: 'deny', when: { resource: { in: Array.from({ length: n }, (_, i) => `h${i}`) } } });
    expect(localIssues(list(9_000))).toEqual({});
    expect(localIssues(list(10_000)).when?.[0]).toMatch(/holds more than 10,000 values/);
    const server = serverIssues([{ path: 'policies[0](x).when.resource.regex', message: 'invalid regex' }]);
    expect(issuesFor(server, 'when.resource')).toEqual(['invalid regex']);
    expect(simpleValue({ eq: 'npm test' })).toBe('npm test');
    expect(simpleValue({ regex: '^rm' })).toBeNull();
  });
});

describe('splitEnd (the end a middle ellipsis always shows)', () => {
  it('keeps a short value whole, as head', () => {
    expect(splitEnd('postgres://prod/users')).toEqual(['postgres://prod/users', '']);
  });
  it('ends a long value at its last separator, and the two parts make the value again', () => {
    const v = 'postgres://prod/eu-west-1/analytics-warehouse/customers';
    expect(splitEnd(v)).toEqual(['postgres://prod/eu-west-1/analytics-warehouse', '/customers']);
    expect(splitEnd('rm -rf /home/dev/projects/app-12/build-output-of-today')[1]).toBe('/build-output-of-today');
    expect(splitEnd('https://api.example.com/v1/orders?customer=42')[1]).toBe('=42');
    expect(splitEnd('git push --force origin staging-eu-west')[1]).toBe(' staging-eu-west');
    // An action type keeps its last part (its verb), from the dot on; no dot near the end keeps half the width.
    expect(splitEnd('aws.cloudformation.delete_stack_instances', 24, /[.:/]/)).toEqual(['aws.cloudformation', '.delete_stack_instances']);
    expect(splitEnd('database.delete', 24, /[.:/]/)).toEqual(['database.delete', '']);
    expect(splitEnd('tool.a_very_long_tool_name_without_any_dot_in_it', 24, /[.:/]/)[1]).toBe('ny_dot_in_it');
    expect(splitEnd('set -e\nnpm run build:production:all-targets')[1]).toBe(':all-targets');
    expect(splitEnd('psql -c "DELETE FROM t"\nexit-with-the-status')[1]).toBe('exit-with-the-status');
  });
  it('takes the last half of the window when the end has no separator in reach', () => {
    const [head, end] = splitEnd(`s3://bucket/${'x'.repeat(40)}`);
    expect(end).toBe('x'.repeat(12));
    expect(head + end).toBe(`s3://bucket/${'x'.repeat(40)}`);
  });
  it('never splits a character made of two UTF-16 units', () => {
    const v = `/data/${'😀'.repeat(30)}`;
    const [head, end] = splitEnd(v);
    expect(head + end).toBe(v);
    expect(end).toBe('😀'.repeat(12));
  });
});

describe('viewOf (the raw events row)', () => {
  const rec = (type: string, actor: string, data: Record<string, unknown>) =>
    ({ seq: 1, id: 'evt_1', ts: '2026-11-29T12:00:00.000Z', type, actor, action_id: 'act_1', data, prev_hash: '0', hash: '1' }) as const;
  it('names the person who answered and the agent they answered, not the agent alone', () => {
    expect(viewOf(rec('approval.resolved', 'user', { agent_id: 'claude-code', approved: true })).who).toBe('you · claude-code');
  });
  it('names the agent where the agent or the system acted', () => {
    expect(viewOf(rec('action.decided', 'agent:claude-code', { agent_id: 'claude-code' })).who).toBe('claude-code');
    expect(viewOf(rec('approval.expired', 'system', { agent_id: 'claude-code' })).who).toBe('claude-code');
    expect(viewOf(rec('policy.created', 'user', { policy: {} })).who).toBe('user');
  });
});
