import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyView } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * A stored policy written under older rules (0.1 accepted regex lookaround; RE2 refuses it) must
 * neither keep the server from starting nor quietly stop protecting: what could only allow is left
 * out, what holds or denies stays in force with the broken condition dropped, and an alert says so.
 */
let t: TestCore;
beforeEach(async () => {
  t = await openTestCore();
});
afterEach(async () => {
  await t.close();
});

const LOOKAHEAD = '^/(?!tmp/).*';

async function plant(policy: Record<string, unknown>): Promise<void> {
  const now = Date.now();
  await t.g.store.commit([
    {
      sql: 'INSERT INTO policies (id, body, created_ms, updated_ms) VALUES (?, ?, ?, ?)',
      params: [
        policy.id as string,
        JSON.stringify({ enabled: true, priority: 50, mode: 'enforce', expires_at: null, source: 'user', ...policy }),
        now,
        now,
      ],
    },
  ]);
}

const submit = (resource: string, action_type = 'file.delete') =>
  t.json<{ decision: string; policy: { id: string } | null; reason: string }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'a', action_type, resource },
  });

describe('stored policies that no longer compile', () => {
  it('a broken allow is left out of decisions; a broken hold is enforced more broadly; both are listed and alerted', async () => {
    await plant({
      id: 'allow-outside-tmp',
      effect: 'allow',
      priority: 90,
      when: { action_type: 'file.delete', resource: { regex: LOOKAHEAD } },
    });
    await plant({
      id: 'hold-deletes-outside-tmp',
      effect: 'require_approval',
      priority: 80,
      when: { action_type: 'file.delete', not: { resource: { regex: '^/tmp/(?=x)' } } },
    });
    await t.reopen();

    // Had the broken allow been honoured (or compiled loosely), /etc/passwd would be allowed by it.
    const etc = await submit('/etc/passwd');
    expect(etc.body.decision).toBe('pending');
    expect(etc.body.policy?.id).toBe('hold-deletes-outside-tmp');
    // The original hold excluded /tmp/x…; with its broken condition dropped it holds that too (stricter).
    const tmp = await submit('/tmp/x1');
    expect(tmp.body.decision).toBe('pending');
    // Its other conditions still apply: it does not hold what it never matched.
    const read = await submit('/etc/passwd', 'file.read');
    expect(read.body.policy?.id).not.toBe('hold-deletes-outside-tmp');

    const list = await t.json<{ items: PolicyView[] } | PolicyView[]>('GET', '/api/v1/policies');
    const items = Array.isArray(list.body) ? list.body : list.body.items;
    const byId = new Map(items.map((p) => [p.id, p]));
    expect(byId.get('allow-outside-tmp')?.unusable).toMatchObject({ handling: 'disabled', message: expect.stringContaining('lookahead') });
    expect(byId.get('hold-deletes-outside-tmp')?.unusable).toMatchObject({ handling: 'broadened' });
    // Its text is kept as the user wrote it: nothing is silently altered.
    expect(byId.get('hold-deletes-outside-tmp')?.when).toEqual({ action_type: 'file.delete', not: { resource: { regex: '^/tmp/(?=x)' } } });

    const alerts = t.g.store
      .all<{ data: string }>("SELECT data FROM audit WHERE type = 'alert.triggered'")
      .map((r) => JSON.parse(r.data) as { kind: string; policy_id: string; handling: string });
    expect(alerts.filter((a) => a.kind === 'policy-unusable').map((a) => [a.policy_id, a.handling])).toEqual(
      expect.arrayContaining([
        ['allow-outside-tmp', 'disabled'],
        ['hold-deletes-outside-tmp', 'broadened'],
      ]),
    );
  });

  it('other policies can still be changed, and fixing the broken one puts it back as written', async () => {
    await plant({
      id: 'hold-outside-tmp',
      effect: 'require_approval',
      when: { action_type: 'file.delete', resource: { regex: LOOKAHEAD } },
    });
    await t.reopen();
    const created = await t.json('POST', '/api/v1/policies', { body: { id: 'deny-x', effect: 'deny', when: { action_type: 'x' } } });
    expect(created.status).toBe(201);

    const fixed = await t.json<PolicyView>('PUT', '/api/v1/policies/hold-outside-tmp', {
      body: {
        id: 'hold-outside-tmp',
        effect: 'require_approval',
        when: { action_type: 'file.delete', not: { resource: { starts_with: '/tmp/' } } },
      },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.unusable).toBeNull();
    expect((await submit('/tmp/a')).body.policy?.id).not.toBe('hold-outside-tmp');
    expect((await submit('/etc/a')).body).toMatchObject({ decision: 'pending', policy: { id: 'hold-outside-tmp' } });
  });
});
