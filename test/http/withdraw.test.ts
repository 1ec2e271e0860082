import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  await t.json('POST', '/api/v1/policies', {
    body: {
      id: 'hold-deploys',
      name: 'Deploys wait for a person',
      priority: 50,
      effect: 'require_approval',
      when: { action_type: 'deploy.run' },
    },
  });
});
afterAll(() => t.close());

type Status = { action_id: string; status: string; decision: string; reason: string; comment: string | null };

async function hold(): Promise<string> {
  const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'ci-bot', action_type: 'deploy.run', resource: 'prod' },
  });
  expect(d.body.decision).toBe('pending');
  return d.body.action_id;
}

describe('withdraw (SPEC 4): the agent stopped waiting', () => {
  it('ends a pending action as withdrawn and denied, wakes a long-poll, and leaves the inbox', async () => {
    const id = await hold();
    const poll = t.json<Status>('GET', `/api/v1/actions/${id}/status?wait=30`, { key: t.agentKey });
    const w = await t.json<Status>('POST', `/api/v1/actions/${id}/withdraw`, { key: t.agentKey, body: { reason: 'hook timed out' } });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ status: 'withdrawn', decision: 'denied', comment: 'hook timed out' });
    expect(w.body.reason).toMatch(/stopped waiting/);
    expect((await poll).body.status).toBe('withdrawn');
    const inbox = await t.json<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=pending');
    expect(inbox.body.items.map((i) => i.action_id)).not.toContain(id);
    const gone = await t.json<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=withdrawn');
    expect(gone.body.items.map((i) => i.action_id)).toContain(id);
  });

  it('can no longer be approved or denied (409), and withdrawing twice answers the same status', async () => {
    const id = await hold();
    expect((await t.json('POST', `/api/v1/actions/${id}/withdraw`, { key: t.agentKey })).status).toBe(200);
    expect((await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} })).status).toBe(409);
    expect((await t.json('POST', `/api/v1/approvals/${id}/deny`, { body: {} })).status).toBe(409);
    const again = await t.json<Status>('POST', `/api/v1/actions/${id}/withdraw`, { key: t.agentKey });
    expect(again.body.status).toBe('withdrawn');
  });

  it('refuses a settled action (409) and an action of another key (404); the audit log records it', async () => {
    const id = await hold();
    expect((await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} })).status).toBe(200);
    expect((await t.json('POST', `/api/v1/actions/${id}/withdraw`, { key: t.agentKey })).status).toBe(409);

    const other = await t.json<{ key: string }>('POST', '/api/v1/keys', { body: { scope: 'agent', name: 'other' } });
    const mine = await hold();
    expect((await t.json('POST', `/api/v1/actions/${mine}/withdraw`, { key: other.body.key })).status).toBe(404);
    expect((await t.json<Status>('GET', `/api/v1/actions/${mine}/status`, { key: t.agentKey })).body.status).toBe('pending');

    await t.json('POST', `/api/v1/actions/${mine}/withdraw`, { key: t.agentKey, body: { reason: 'cancelled' } });
    const audit = await t.json<{ items: { type: string; actor: string; data: { reason: string } }[] }>(
      'GET',
      `/api/v1/audit?action_id=${mine}&type=approval.withdrawn`,
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actor: 'agent:ci-bot', data: { reason: 'cancelled' } });
  });

  it('rejects unknown fields with a 400 naming them', async () => {
    const id = await hold();
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', `/api/v1/actions/${id}/withdraw`, {
      key: t.agentKey,
      body: { reson: 'typo' },
    });
    expect(r.status).toBe(400);
  });
});
