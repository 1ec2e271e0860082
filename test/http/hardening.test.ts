import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

/** Regressions from outside testing of 0.1 (issue 13), each failing on 0.1. */

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function newKey(core: TestCore, scope: 'agent' | 'admin'): Promise<{ id: string; key: string }> {
  const k = await core.json<{ id: string; key: string }>('POST', '/api/v1/keys', { body: { name: `k-${scope}`, scope } });
  expect(k.status).toBe(201);
  return k.body;
}

describe('revoking a key', () => {
  it('ends the event streams opened with it at once', async () => {
    t = await openTestCore();
    const admin = await newKey(t, 'admin');
    const res = await t.req('GET', '/api/v1/events', { key: admin.key });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // retry:
    expect(t.g.sse.size).toBe(1);
    expect((await t.req('DELETE', `/api/v1/keys/${admin.id}`)).status).toBe(200);
    expect(t.g.sse.size).toBe(0);
    // What follows the revocation never reaches the stream: it ends.
    await t.json('POST', '/api/v1/policies', { body: { id: 'after-revoke', effect: 'deny', when: { action_type: 'x.y' } } });
    const chunks: string[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(new TextDecoder().decode(r.value));
    }
    expect(chunks.join('')).not.toContain('after-revoke');
  });

  it('refuses the answer to a long-poll that was waiting with it', async () => {
    t = await openTestCore();
    await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
    const agent = await newKey(t, 'agent');
    const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
      key: agent.key,
      body: { agent_id: 'a1', action_type: 'x.hold' },
    });
    expect(d.body.decision).toBe('pending');
    const poll = t.json<{ status?: string; error?: { code: string } }>('GET', `/api/v1/actions/${d.body.action_id}/status?wait=30`, {
      key: agent.key,
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    expect((await t.req('DELETE', `/api/v1/keys/${agent.id}`)).status).toBe(200);
    await t.json('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: {} });
    const answer = await poll;
    expect(answer.status).toBe(401);
    expect(answer.body.status).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
