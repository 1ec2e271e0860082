import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingApprovalSchema } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', {
    body: {
      id: 'prod-db-delete',
      name: 'Deleting from production databases needs approval',
      priority: 80,
      effect: 'require_approval',
      when: { action_type: { in: ['database.delete', 'database_delete'] }, environment: 'production' },
      approval: { timeout_s: 300, timeout_action: 'deny' },
    },
  });
});
afterAll(() => t.close());

const sqlDelete = {
  agent_id: 'data-analyst',
  action_type: 'database.delete',
  resource: 'postgres://prod/users',
  tool_name: 'postgresql',
  target_system: 'production-db',
  description: 'Delete old audit logs',
  environment: 'production',
  parameters: { sql: "DELETE FROM audit_logs WHERE created_at < '2025-01-01'" },
  context: { is_production: true, estimated_rows: 10000, has_backup: true },
};

type Status = {
  status: string;
  decision: string;
  approved: boolean | null;
  reviewed_by: string | null;
  comment: string | null;
  reason: string;
};

describe("the seeds' SQL delete flow", () => {
  it('needs approval, waits, is approved from another client, then completes', async () => {
    const d = await t.json<{ action_id: string; decision: string; approval_id: string; expires_at: string; policy: { id: string } }>(
      'POST',
      '/api/v1/actions/submit',
      { key: t.agentKey, body: sqlDelete },
    );
    expect(d.body).toMatchObject({ decision: 'pending', status: 'pending', requires_approval: true, policy: { id: 'prod-db-delete' } });
    expect(d.body.approval_id).toMatch(/^apr_/);
    expect(Date.parse(d.body.expires_at) - Date.now()).toBeGreaterThan(290_000);

    const inbox = await t.json<{ items: unknown[] }>('GET', '/api/v1/approvals?status=pending');
    const item = inbox.body.items.map((i) => PendingApprovalSchema.parse(i)).find((i) => i.action_id === d.body.action_id)!;
    expect(item.action.parameters).toMatchObject({ sql: sqlDelete.parameters.sql });
    expect(item.action.risk.factors.map((f) => f.id)).toEqual(expect.arrayContaining(['production', 'bulk']));

    const started = Date.now();
    const poll = t.json<Status>('GET', `/api/v1/actions/${d.body.action_id}/status?wait=30`, { key: t.agentKey });
    await new Promise((r) => setTimeout(r, 150));
    const ok = await t.json<Status>('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: { comment: 'backup verified' } });
    expect(ok.status).toBe(200);
    const released = await poll;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(released.body).toMatchObject({
      status: 'approved',
      decision: 'allowed',
      approved: true,
      reviewed_by: 'user',
      comment: 'backup verified',
    });

    const sdk = await t.json<{ approved: boolean; status: string }>('GET', `/api/sdk/approval/${d.body.approval_id}`, { key: t.agentKey });
    expect(sdk.body).toMatchObject({
      approval_id: d.body.approval_id,
      action_id: d.body.action_id,
      status: 'approved',
      approved: true,
      reviewed_by: 'user',
    });

    const done = await t.json<Status>('POST', `/api/v1/actions/${d.body.action_id}/complete`, {
      key: t.agentKey,
      body: { status: 'success', result: { deleted: 9876 } },
    });
    expect(done.body.status).toBe('completed');
    // What let it run still explains it: the reason does not go back to why it was held.
    expect(done.body).toMatchObject({ reason: 'Approved by user', approved: true, reviewed_by: 'user', comment: 'backup verified' });
  });

  it('a second resolution is a 409; unknown ids are 404', async () => {
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: sqlDelete });
    expect((await t.json<Status>('POST', `/api/v1/approvals/${d.body.action_id}/deny`, { body: { comment: 'no' } })).body.status).toBe(
      'rejected',
    );
    expect((await t.req('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: {} })).status).toBe(409);
    expect((await t.req('POST', '/api/v1/approvals/act_missing/approve', { body: {} })).status).toBe(404);
    const s = await t.json<Status>('GET', `/api/v1/actions/${d.body.action_id}/status`, { key: t.agentKey });
    expect(s.body).toMatchObject({ status: 'rejected', decision: 'denied', approved: false });
  });

  it('concurrent answers: exactly one wins', async () => {
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: sqlDelete });
    const codes = await Promise.all([
      t.req('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: {} }),
      t.req('POST', `/api/v1/approvals/${d.body.action_id}/deny`, { body: {} }),
    ]).then((rs) => rs.map((r) => r.status).sort());
    expect(codes).toEqual([200, 409]);
  });

  it('validates the resolve body', async () => {
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: sqlDelete });
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', `/api/v1/approvals/${d.body.action_id}/approve`, {
      body: { remember: '2h' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]!.path).toBe('remember');
    await t.req('POST', `/api/v1/approvals/${d.body.action_id}/deny`, { body: {} });
  });
});

describe('remember', () => {
  const push = {
    agent_id: 'claude-code',
    action_type: 'shell.exec',
    resource: 'git push --force origin main',
    parameters: { command: 'git push --force origin main' },
  };

  it('1h creates an expiring allow policy that decides the next identical action', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'force-push', effect: 'require_approval', priority: 90, when: { resource: 'git push --force*' } },
    });
    const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: push });
    expect(d.body.decision).toBe('pending');
    await t.json('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: { remember: '1h' } });
    const policies = await t.json<{ items: { id: string; source: string; effect: string; expires_at: string | null; priority: number }[] }>(
      'GET',
      '/api/v1/policies',
    );
    const made = policies.body.items.find((p) => p.source === 'approval')!;
    expect(made.effect).toBe('allow');
    expect(Math.abs(Date.parse(made.expires_at!) - (Date.now() + 3_600_000))).toBeLessThan(10_000);
    const next = await t.json<{ decision: string; policy: { id: string } }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: push,
    });
    expect(next.body).toMatchObject({ decision: 'allowed', policy: { id: made.id } });
    // A different resource is still held.
    const other = await t.json<{ decision: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { ...push, resource: 'git push --force origin release' },
    });
    expect(other.body.decision).toBe('pending');
    await t.req('DELETE', `/api/v1/policies/${made.id}`);
  });

  it('forever + pattern creates a permanent deny policy matching the wider pattern', async () => {
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: push });
    await t.json('POST', `/api/v1/approvals/${d.body.action_id}/deny`, { body: { remember: 'forever', pattern: 'git push --force *' } });
    const next = await t.json<{ decision: string; reason: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { ...push, resource: 'git push --force origin feature' },
    });
    expect(next.body.decision).toBe('denied');
  });

  it('until_restart is held in memory only', async () => {
    const body = { agent_id: 'eph', action_type: 'shell.exec', resource: 'git push --force origin eph', parameters: { command: 'x' } };
    const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body });
    expect(d.body.decision).toBe('pending');
    await t.json('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: { remember: 'until_restart' } });
    const listed = await t.json<{ items: { id: string; ephemeral: boolean }[] }>('GET', '/api/v1/policies');
    const eph = listed.body.items.find((p) => p.ephemeral)!;
    expect(eph).toBeTruthy();
    expect((await t.json<{ decision: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body })).body.decision).toBe('allowed');
    const exported = await (await t.req('GET', '/api/v1/policies/export?format=json')).text();
    expect(exported).not.toContain(eph.id);
    await t.reopen();
    const after = await t.json<{ items: { id: string }[] }>('GET', '/api/v1/policies');
    expect(after.body.items.map((p) => p.id)).not.toContain(eph.id);
    expect((await t.json<{ decision: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body })).body.decision).toBe('pending');
  });
});

describe('expiry', () => {
  it('expires with the timeout action and releases the long-poll', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'quick',
        effect: 'require_approval',
        priority: 95,
        when: { action_type: 'quick.*' },
        approval: { timeout_s: 1, timeout_action: 'deny' },
      },
    });
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'quick.deny' },
    });
    const s = await t.json<Status>('GET', `/api/v1/actions/${d.body.action_id}/status?wait=10`, { key: t.agentKey });
    expect(s.body).toMatchObject({ status: 'expired', decision: 'denied', approved: false, reviewed_by: 'timeout' });
  });

  it('timeout_action allow lets it through on expiry', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'quick-allow',
        effect: 'require_approval',
        priority: 96,
        when: { action_type: 'quickallow.*' },
        approval: { timeout_s: 1, timeout_action: 'allow' },
      },
    });
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'quickallow.x' },
    });
    const s = await t.json<Status>('GET', `/api/v1/actions/${d.body.action_id}/status?wait=10`, { key: t.agentKey });
    expect(s.body).toMatchObject({ status: 'expired', decision: 'allowed' });
    // Allowed by the timeout, it may run and be reported; its reason stays the timeout's.
    const done = await t.json<Status>('POST', `/api/v1/actions/${d.body.action_id}/complete`, {
      key: t.agentKey,
      body: { status: 'failure' },
    });
    expect(done.body).toMatchObject({ status: 'failed', reviewed_by: 'timeout', reason: expect.stringMatching(/timeout action: allow/) });
  });
});

describe('restart', () => {
  it('a pending approval is still pending after a restart, and expires on time across one', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'slow', effect: 'require_approval', priority: 97, when: { action_type: 'slow.*' }, approval: { timeout_s: 2 } },
    });
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'long', effect: 'require_approval', priority: 97, when: { action_type: 'long.*' }, approval: { timeout_s: 600 } },
    });
    const shortOne = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'slow.x' },
    });
    const longOne = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'long.x' },
    });
    await t.reopen();
    expect((await t.json<Status>('GET', `/api/v1/actions/${longOne.body.action_id}/status`, { key: t.agentKey })).body.status).toBe(
      'pending',
    );
    const s = await t.json<Status>('GET', `/api/v1/actions/${shortOne.body.action_id}/status?wait=10`, { key: t.agentKey });
    expect(s.body.status).toBe('expired');
    // The restarted server can still answer the long one.
    expect((await t.json<Status>('POST', `/api/v1/approvals/${longOne.body.action_id}/approve`, { body: {} })).body.status).toBe(
      'approved',
    );
  });
});

describe('answered approvals', () => {
  it('are listed by state, most recent first', async () => {
    const approved = await t.json<{ items: { status: string; approved: boolean; action: { action_id: string } }[] }>(
      'GET',
      '/api/v1/approvals?status=approved',
    );
    expect(approved.status).toBe(200);
    expect(approved.body.items.length).toBeGreaterThan(0);
    expect(approved.body.items.every((i) => i.status === 'approved' && i.approved)).toBe(true);
    const rejected = await t.json<{ items: { status: string }[] }>('GET', '/api/v1/approvals?status=rejected');
    expect(rejected.body.items.every((i) => i.status === 'rejected')).toBe(true);
    const expired = await t.json<{ items: { status: string }[] }>('GET', '/api/v1/approvals?status=expired');
    expect(expired.body.items.length).toBeGreaterThanOrEqual(2);
    expect(expired.body.items.every((i) => i.status === 'expired')).toBe(true);
  });
});
