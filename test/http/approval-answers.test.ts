import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolveResultSchema, type ActionStatus, type Decision } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// SPEC 4: the answer body ({action_id, status, policy_id, also_resolved}) and apply_to_pending.
let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
  const created = await t.json('POST', '/api/v1/policies', {
    body: {
      id: 'deletes-need-approval',
      name: 'Deletes need approval',
      effect: 'require_approval',
      when: { action_type: 'database.delete' },
    },
  });
  expect(created.status).toBe(201);
});
afterAll(() => t.close());

let n = 0;
async function hold(over: Record<string, unknown> = {}): Promise<string> {
  const d = await t.json<Decision>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: {
      agent_id: 'data-pipeline',
      action_type: 'database.delete',
      resource: 'postgres://prod/customers',
      parameters: { n: n++ },
      ...over,
    },
  });
  expect(d.body.decision).toBe('pending');
  return d.body.action_id;
}
const status = async (id: string) => (await t.json<ActionStatus>('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey })).body;

describe('approve / deny answers', () => {
  it('answer once: the status body plus policy_id null and no also_resolved; the identical one waits on', async () => {
    const a = await hold();
    const b = await hold();
    const r = await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: { comment: 'ok' } });
    expect(r.status).toBe(200);
    const body = ResolveResultSchema.parse(r.body);
    expect(body).toMatchObject({
      action_id: a,
      status: 'approved',
      decision: 'allowed',
      approved: true,
      policy_id: null,
      also_resolved: [],
    });
    expect((await status(b)).status).toBe('pending');
    await t.json('POST', `/api/v1/approvals/${b}/deny`, {});
  });

  it('remember + apply_to_pending answers every pending request the new policy matches, in one commit, and no other', async () => {
    const first = await hold();
    const same1 = await hold();
    const same2 = await hold();
    const otherResource = await hold({ resource: 'postgres://prod/orders' });
    const otherAgent = await hold({ agent_id: 'etl' });
    const before = (await t.json<{ items: unknown[] }>('GET', '/api/v1/audit?type=approval.resolved&limit=1000')).body.items.length;

    const r = await t.json('POST', `/api/v1/approvals/${first}/deny`, {
      body: { remember: '1h', apply_to_pending: true, comment: 'not today' },
    });
    expect(r.status).toBe(200);
    const body = ResolveResultSchema.parse(r.body);
    expect(body.status).toBe('rejected');
    expect(body.policy_id).toMatch(/^remember-deny-/);
    expect(body.also_resolved.sort()).toEqual([same1, same2].sort());
    for (const id of [same1, same2]) {
      expect(await status(id)).toMatchObject({ status: 'rejected', reviewed_by: 'user', comment: 'not today' });
    }
    expect((await status(otherResource)).status).toBe('pending');
    expect((await status(otherAgent)).status).toBe('pending');

    // One audit record per answered request; the ones answered along name the request answered.
    const audit = await t.json<{ items: { action_id: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/v1/audit?type=approval.resolved&limit=1000',
    );
    expect(audit.body.items.length - before).toBe(3);
    const along = audit.body.items.find((i) => i.action_id === same1)!;
    expect(along.data).toMatchObject({ answered_with: first, policy_id: body.policy_id, approved: false });
    // A second answer to one of them is a 409.
    expect((await t.json('POST', `/api/v1/approvals/${same2}/approve`, {})).status).toBe(409);
    await t.json('POST', `/api/v1/approvals/${otherResource}/deny`, {});
    await t.json('POST', `/api/v1/approvals/${otherAgent}/deny`, {});
    await t.json('DELETE', `/api/v1/policies/${body.policy_id}`);
  });

  it('a widened pattern answers the waiting requests it matches', async () => {
    const first = await hold({ resource: 'postgres://staging/a' });
    const match = await hold({ resource: 'postgres://staging/b' });
    const noMatch = await hold({ resource: 'postgres://prod/a' });
    const none = await hold({ resource: undefined });
    const r = await t.json('POST', `/api/v1/approvals/${first}/approve`, {
      body: { remember: 'until_restart', pattern: 'postgres://staging/*', apply_to_pending: true },
    });
    const body = ResolveResultSchema.parse(r.body);
    expect(body.also_resolved).toEqual([match]);
    expect((await status(match)).status).toBe('approved');
    expect((await status(noMatch)).status).toBe('pending');
    expect((await status(none)).status).toBe('pending');
    for (const id of [noMatch, none]) await t.json('POST', `/api/v1/approvals/${id}/deny`, {});
    await t.json('DELETE', `/api/v1/policies/${body.policy_id}`);
  });

  it('answers exactly the waiting requests the remembered policy matches, as the engine evaluates it (one mechanism)', async () => {
    // Resources at the edges of the wildcard: another segment, a deeper path, case, a prefix, none at all.
    const resources = ['s3://logs/2024/a', 's3://logs/2024/b/c', 'S3://logs/2024/a', 's3://logs/2024', 's3://logs/2024/', undefined];
    const first = await hold({ resource: 's3://logs/2024/x' });
    const waiting = [];
    for (const resource of resources) waiting.push({ id: await hold({ resource }), resource });
    const other = await hold({ resource: 's3://logs/2024/z', agent_id: 'someone-else' });
    const r = ResolveResultSchema.parse(
      (
        await t.json('POST', `/api/v1/approvals/${first}/deny`, {
          body: { remember: 'until_restart', pattern: 's3://logs/2024/*', apply_to_pending: true },
        })
      ).body,
    );
    for (const w of [...waiting, { id: other, resource: 's3://logs/2024/z' }]) {
      const s = await status(w.id);
      // What the policy decides for this very request from now on (nothing is recorded by a test).
      const test = await t.json<{ trace: { policy_id: string; matched: boolean }[] }>('POST', '/api/v1/policies/test', {
        body: { action: { agent_id: s.agent_id, action_type: s.action_type, resource: w.resource } },
      });
      const matched = test.body.trace.some((e) => e.policy_id === r.policy_id && e.matched);
      expect(r.also_resolved.includes(w.id), `${s.agent_id} ${w.resource}`).toBe(matched);
      expect(s.status, `${s.agent_id} ${w.resource}`).toBe(matched ? 'rejected' : 'pending');
    }
    expect(r.also_resolved.length).toBeGreaterThan(0);
    expect(r.also_resolved.length).toBeLessThan(waiting.length);
    for (const w of [...waiting.map((x) => x.id), other])
      if ((await status(w)).status === 'pending') await t.json('POST', `/api/v1/approvals/${w}/deny`, {});
    await t.json('DELETE', `/api/v1/policies/${r.policy_id}`);
  });

  it('a request without a resource is remembered by its parameters: the same command again, not every command', async () => {
    const sh = (command: string) =>
      hold({ agent_id: 'shell-agent', action_type: 'database.delete', resource: undefined, parameters: { sql: command } });
    const a = await sh('DELETE FROM t WHERE id = 1');
    const same = await sh('DELETE FROM t WHERE id = 1');
    const other = await sh('DELETE FROM users');
    const body = ResolveResultSchema.parse(
      (await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: { remember: '1h', apply_to_pending: true } })).body,
    );
    expect(body.also_resolved).toEqual([same]);
    expect((await status(other)).status).toBe('pending');
    const policy = (await t.json<{ when: Record<string, unknown> }>('GET', `/api/v1/policies/${body.policy_id}`)).body;
    expect(policy.when).toMatchObject({ resource: { exists: false }, 'parameters.sql': { eq: 'DELETE FROM t WHERE id = 1' } });
    // From now on: the same request is allowed by it, another one still waits for a person.
    const again = await t.json<Decision>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'shell-agent', action_type: 'database.delete', parameters: { sql: 'DELETE FROM t WHERE id = 1' } },
    });
    expect(again.body).toMatchObject({ decision: 'allowed', policy: { id: body.policy_id } });
    const different = await t.json<Decision>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'shell-agent', action_type: 'database.delete', parameters: { sql: 'DROP TABLE users' } },
    });
    expect(different.body.decision).toBe('pending');
  });

  it('a request without a resource whose parameters cannot be matched exactly is not remembered: a 400, nothing answered', async () => {
    const a = await hold({ agent_id: 'argv-agent', resource: undefined, parameters: { command: ['rm', '-rf', '/'] } });
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', `/api/v1/approvals/${a}/approve`, {
      body: { remember: 'forever' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]?.path).toBe('remember');
    expect((await status(a)).status).toBe('pending');
    expect((await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: {} })).status).toBe(200);
  });

  it('answers along only where the remembered policy would decide now: a stronger policy that held a request keeps it with the person', async () => {
    // Two rules outrank a remembered answer (priority 900): one on the request's context, one on a
    // secret in its parameters (masked in the record, so only the record of what held it can tell).
    for (const body of [
      { id: 'huge-deletes-always-ask', effect: 'require_approval', priority: 950, when: { 'context.estimated_rows': { gte: 1_000_000 } } },
      { id: 'aws-keys-always-ask', effect: 'require_approval', priority: 950, when: { 'parameters.key': { ends_with: 'EXAMPLE' } } },
    ])
      expect((await t.json('POST', '/api/v1/policies', { body })).status).toBe(201);
    const resource = 'postgres://prod/strong';
    const first = await hold({ resource });
    const like = await hold({ resource });
    const huge = await hold({ resource, context: { estimated_rows: 5_000_000 } });
    const secret = await hold({ resource, parameters: { key: 'AKIAIOSFODNN7EXAMPLE' } });
    for (const [id, policy] of [
      [huge, 'huge-deletes-always-ask'],
      [secret, 'aws-keys-always-ask'],
    ] as const)
      expect((await status(id)).policy?.id).toBe(policy);

    const body = ResolveResultSchema.parse(
      (await t.json('POST', `/api/v1/approvals/${first}/approve`, { body: { remember: '1h', apply_to_pending: true } })).body,
    );
    expect(body.also_resolved).toEqual([like]);
    expect((await status(huge)).status).toBe('pending');
    expect((await status(secret)).status).toBe('pending');
    // The same requests sent again now are still held by those rules: the answer along matched the engine.
    const again = await t.json<Decision>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'data-pipeline', action_type: 'database.delete', resource, context: { estimated_rows: 5_000_000 } },
    });
    expect(again.body.policy?.id).toBe('huge-deletes-always-ask');
    // Still answerable by hand, and tracked as before.
    for (const id of [huge, secret, again.body.action_id])
      expect((await t.json('POST', `/api/v1/approvals/${id}/deny`, {})).status).toBe(200);
    for (const id of [body.policy_id, 'huge-deletes-always-ask', 'aws-keys-always-ask']) await t.json('DELETE', `/api/v1/policies/${id}`);
  });

  it('without apply_to_pending, remember leaves the waiting ones waiting', async () => {
    const a = await hold({ resource: 'postgres://x/1' });
    const b = await hold({ resource: 'postgres://x/1' });
    const body = ResolveResultSchema.parse((await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: { remember: '15m' } })).body);
    expect(body.also_resolved).toEqual([]);
    expect((await status(b)).status).toBe('pending');
    await t.json('POST', `/api/v1/approvals/${b}/deny`, {});
    await t.json('DELETE', `/api/v1/policies/${body.policy_id}`);
  });

  it('apply_to_pending with remember once is a 400 naming the field, and answers nothing', async () => {
    const a = await hold();
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', `/api/v1/approvals/${a}/approve`, {
      body: { apply_to_pending: true },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]!.path).toBe('apply_to_pending');
    expect((await status(a)).status).toBe('pending');
    expect((await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: { apply_to_pending: 'yes' } })).status).toBe(400);
    await t.json('POST', `/api/v1/approvals/${a}/deny`, {});
  });

  it('a pattern with remember once is a 400 naming it, and answers nothing (no policy would hold the pattern)', async () => {
    const a = await hold();
    for (const body of [{ pattern: 'postgres://prod/*' }, { remember: 'once', pattern: 'postgres://prod/*' }]) {
      const r = await t.json<{ error: { details: { path: string }[] } }>('POST', `/api/v1/approvals/${a}/approve`, { body });
      expect(r.status).toBe(400);
      expect(r.body.error.details[0]!.path).toBe('pattern');
    }
    expect((await status(a)).status).toBe('pending');
    await t.json('POST', `/api/v1/approvals/${a}/deny`, {});
  });

  it('withdrawn requests are not answered along', async () => {
    const a = await hold({ resource: 'postgres://w/1' });
    const b = await hold({ resource: 'postgres://w/1' });
    expect((await t.json('POST', `/api/v1/actions/${b}/withdraw`, { key: t.agentKey, body: { reason: 'gave up' } })).status).toBe(200);
    const body = ResolveResultSchema.parse(
      (await t.json('POST', `/api/v1/approvals/${a}/approve`, { body: { remember: '1h', apply_to_pending: true } })).body,
    );
    expect(body.also_resolved).toEqual([]);
    expect((await status(b)).status).toBe('withdrawn');
    await t.json('DELETE', `/api/v1/policies/${body.policy_id}`);
  });
});

describe('answer_grace_s', () => {
  it('defaults to 4, accepts 0–60 and refuses anything else', async () => {
    expect((await t.json<{ answer_grace_s: number }>('GET', '/api/v1/settings')).body.answer_grace_s).toBe(4);
    expect((await t.json('PUT', '/api/v1/settings', { body: { answer_grace_s: 0 } })).body).toMatchObject({ answer_grace_s: 0 });
    for (const bad of [-1, 61, 2.5, '4']) {
      const r = await t.json<{ error: { details: { path: string }[] } }>('PUT', '/api/v1/settings', { body: { answer_grace_s: bad } });
      expect(r.status).toBe(400);
      expect(r.body.error.details[0]!.path).toBe('answer_grace_s');
    }
    expect((await t.json('PUT', '/api/v1/settings', { body: { answer_grace_s: 4 } })).body).toMatchObject({ answer_grace_s: 4 });
  });
});
