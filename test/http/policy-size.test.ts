import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAB_BODY_VALUES } from '../../src-shared/api.js';
import { MAX_CONDITION_VALUES } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

// A policy is compiled whole, on the main thread, at every change of the set (SPEC 8: no request
// may hold the event loop over 50 ms): a 1 MiB `in` list held it 120-880 ms to create, 50 ms to
// import and 270-590 ms to delete. Written policies' conditions hold at most MAX_CONDITION_VALUES
// values (a 400 naming the field, nothing changed); policies already stored load whatever their size.

let t: TestCore;
beforeEach(async () => {
  t = await openTestCore();
});
afterEach(async () => {
  await t.close();
});

/** `resource` in a list of `n` names (the `when` then holds n + 2 values). */
const listPolicy = (id: string, n: number, effect = 'deny') => ({
  id,
  effect,
  priority: 90,
  when: { resource: { in: Array.from({ length: n }, (_, i) => `host-${i}.example`) } },
});
const submit = (resource: string) =>
  t.json<{ decision: string; policy: { id: string } | null }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'a', action_type: 'http.request', resource },
  });
const policyIds = async () => (await t.json<{ items: { id: string }[] }>('GET', '/api/v1/policies')).body.items.map((p) => p.id);

describe('the size of a written policy', () => {
  it('a list at the limit is created and decides; one past it is a 400 naming `when`, and nothing is created', async () => {
    const ok = await t.json('POST', '/api/v1/policies', { body: listPolicy('at-limit', MAX_CONDITION_VALUES - 2) });
    expect(ok.status).toBe(201);
    expect((await submit(`host-${MAX_CONDITION_VALUES - 3}.example`)).body.policy?.id).toBe('at-limit');
    expect((await submit('elsewhere.example')).body.policy?.id).not.toBe('at-limit');

    const before = t.g.store.head().seq;
    const r = await t.json<{ error: { code: string; details: { path: string; message: string }[] } }>('POST', '/api/v1/policies', {
      body: listPolicy('past-limit', MAX_CONDITION_VALUES),
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details[0]).toMatchObject({ path: 'when', message: expect.stringMatching(/more than 10,000 values/) });
    expect(await policyIds()).not.toContain('past-limit');
    expect(t.g.store.head().seq).toBe(before);
  });

  it('an update past it is refused and the policy stays as it was', async () => {
    expect((await t.json('POST', '/api/v1/policies', { body: listPolicy('grows', 10) })).status).toBe(201);
    const r = await t.json<{ error: { details: { path: string }[] } }>('PUT', '/api/v1/policies/grows', {
      body: listPolicy('grows', 15_000),
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]!.path).toBe('when');
    // A body past twice the limit is not even parsed.
    const huge = await t.json<{ error: { code: string } }>('PUT', '/api/v1/policies/grows', {
      body: listPolicy('grows', 2 * MAX_CONDITION_VALUES),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('too_large');
    expect((await submit('host-5.example')).body.policy?.id).toBe('grows');
    expect((await submit('host-15.example')).body.policy?.id).not.toBe('grows');
  });

  it('a policy file is refused whole, naming the policy (and a risk rule) at fault', async () => {
    const file = {
      version: 1,
      risk_rules: [{ id: 'many-hosts', points: 10, when: { resource: { in: Array.from({ length: 10_001 }, (_, i) => `r${i}`) } } }],
      policies: [listPolicy('small', 3), listPolicy('huge', 15_000)],
    };
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/policies/import', { body: file });
    expect(r.status).toBe(400);
    const paths = r.body.error.details.map((d) => d.path);
    expect(paths).toContain('policies[1](huge).when');
    expect(paths).toContain('risk_rules[0](many-hosts).when');
    expect(await policyIds()).not.toContain('small');
  });

  it("the seeds' form is refused naming its `conditions`", async () => {
    const r = await t.json<{ error: { details: { path: string }[] } }>('POST', '/mcp/policies', {
      body: { name: 'Block hosts', conditions: { resource: Array.from({ length: 12_000 }, (_, i) => `r${i}`) }, action: 'deny' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]!.path).toBe('conditions');
  });

  it('a bigger policy stored before the limit still loads and enforces (a limit never turns a stored deny into nothing)', async () => {
    const big = listPolicy('stored-big', 30_000);
    const now = Date.now();
    await t.g.store.commit([
      {
        sql: 'INSERT INTO policies (id, body, created_ms, updated_ms) VALUES (?, ?, ?, ?)',
        params: [big.id, JSON.stringify({ enabled: true, mode: 'enforce', expires_at: null, source: 'user', ...big }), now, now],
      },
    ]);
    await t.reopen();
    const hit = await submit('host-29999.example');
    expect(hit.body).toMatchObject({ decision: 'denied', policy: { id: 'stored-big' } });
    expect((await submit('elsewhere.example')).body.policy?.id).not.toBe('stored-big');
  });

  it('the policy lab tests a draft set of thousands, and refuses a body past LAB_BODY_VALUES before parsing it', async () => {
    const drafts = Array.from({ length: 3_000 }, (_, i) => ({ id: `d${i}`, effect: 'deny', when: { action_type: `x.t${i}` } }));
    const tested = await t.json<{ policy: { id: string } | null }>('POST', '/api/v1/policies/test', {
      body: { action: { action_type: 'x.t2999', resource: 'r' }, policies: drafts },
    });
    expect(tested.status).toBe(200);
    expect(tested.body.policy?.id).toBe('d2999');
    const nested = Array.from({ length: LAB_BODY_VALUES / 3 }, () => [[1]]);
    for (const [path, body] of [
      ['/api/v1/policies/test', { action: { action_type: 'x.read', parameters: { nested } } }],
      ['/api/v1/policies/simulate', { policies: [{ id: 'p', effect: 'deny', when: { resource: { in: nested } } }] }],
    ] as const) {
      const r = await t.json<{ error: { code: string } }>('POST', path, { body });
      expect(r.status, path).toBe(413);
      expect(r.body.error.code).toBe('too_large');
    }
  });
});
