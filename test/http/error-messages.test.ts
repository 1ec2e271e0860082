import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EVENT_NAMES } from '../../src-shared/index.js';
import { heldRequest, openTestCore, type TestCore } from '../helpers/core.js';

/**
 * SPEC 5: bad input is a 400 naming the field — and saying what to send instead. zod's own words
 * ("Invalid input", "Invalid option: expected one of \"a\"|\"b\"") are worded once for every route
 * (src-shared/schemas/issue-messages.ts); the paths stay as they were.
 */

type Detail = { path: string; message: string };
type Err = { error: { code: string; details: Detail[] } };

let t: TestCore;
let pendingId = '';
beforeAll(async () => {
  t = await openTestCore();
  pendingId = await heldRequest(t);
});
afterAll(() => t.close());

async function details(method: string, path: string, body?: unknown, key?: string): Promise<Detail[]> {
  const r = await t.json<Err>(method, path, { body, key });
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid_request');
  for (const d of r.body.error.details) expect(d.message).not.toMatch(/^Invalid (input|option)/);
  return r.body.error.details;
}

describe('400 details say what is expected', () => {
  it('an enum value inside a union lists the allowed values (webhook events)', async () => {
    const d = await details('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/h', events: ['action.allowed', 'action.bogus'] });
    expect(d).toEqual([{ path: 'events.1', message: `must be one of ${[...EVENT_NAMES, '*'].join(', ')}` }]);
  });

  it('an enum lists its values (approve with a bad remember)', async () => {
    const d = await details('POST', `/api/v1/approvals/${pendingId}/approve`, { remember: 'always' });
    expect(d).toEqual([{ path: 'remember', message: 'must be one of once, 15m, 1h, 12h, until_restart, forever' }]);
  });

  it('a wrong type names the type expected and the one sent', async () => {
    const d = await details('POST', '/api/v1/actions/submit', { action_type: 5, mcp: 'srv', parameters: [1] }, t.agentKey);
    expect(d).toEqual([
      { path: 'action_type', message: 'expected a string, got a number' },
      { path: 'parameters', message: 'expected an object, got an array' },
      { path: 'mcp', message: 'expected an object, got a string' },
    ]);
    expect(await details('POST', '/api/v1/policies', [])).toEqual([{ path: '(body)', message: 'expected an object, got an array' }]);
  });

  it('a missing field is Required', async () => {
    expect(await details('POST', '/api/v1/actions/submit', {}, t.agentKey)).toEqual([{ path: 'action_type', message: 'Required' }]);
  });

  it('a discriminated union names its forms (sinks type)', async () => {
    expect(await details('POST', '/api/v1/sinks', { type: 'kafka' })).toEqual([
      { path: 'type', message: 'must be one of splunk_hec, syslog, otlp_http, file' },
    ]);
    expect(await details('POST', '/api/v1/sinks', {})).toEqual([
      { path: 'type', message: 'Required: one of splunk_hec, syslog, otlp_http, file' },
    ]);
  });

  it('an unknown field is named, with the fields allowed there', async () => {
    const d = await details(
      'POST',
      '/api/v1/actions/submit',
      { actoin_type: 'x', action_type: 'a', mcp: { server_id: 's', toool: 't' } },
      t.agentKey,
    );
    expect(d).toContainEqual({
      path: 'actoin_type',
      message:
        'Unknown field; allowed fields: agent_id, action_type, resource, tool_name, target_system, description, environment, parameters, context, risk_context, mcp, session_id, idempotency_key',
    });
    expect(d).toContainEqual({ path: 'mcp.toool', message: 'Unknown field; allowed fields: server_id, tool, namespace, verb' });
  });

  it('a bad ISO time gives the format with an example', async () => {
    expect(await details('GET', '/api/v1/audit?since=yesterday')).toEqual([
      { path: 'since', message: 'must be an ISO 8601 time with a time zone, such as 2025-01-31T09:00:00Z' },
    ]);
  });

  it('a number out of range gives the bound', async () => {
    expect(await details('PUT', '/api/v1/settings', { auto_allow_below: 500 })).toEqual([
      { path: 'auto_allow_below', message: 'must be at most 101' },
    ]);
    expect(await details('GET', `/api/v1/actions/${pendingId}/status?wait=100`, undefined, t.agentKey)).toEqual([
      { path: 'wait', message: 'must be at most 60' },
    ]);
    expect(
      await details('POST', '/api/ab-tests', { name: 'a', control_policy: 'p', test_policy: 'q', traffic_split: 50, duration_days: 0 }),
    ).toEqual([{ path: 'duration_days', message: 'must be greater than 0' }]);
    expect(await details('POST', '/api/v1/policies', { id: 'p', effect: 'deny', priority: 1.5 })).toEqual([
      { path: 'priority', message: 'must be a whole number' },
    ]);
  });

  it('lengths and URLs say what is expected, never quoting the value sent', async () => {
    const secret = 'hunter2';
    const d = await details('POST', '/api/v1/webhooks', { url: 'ftp://127.0.0.1/x', events: [], secret });
    expect(d).toEqual([
      { path: 'url', message: 'must be a full http:// or https:// URL' },
      { path: 'events', message: 'must have at least 1 item' },
      { path: 'secret', message: 'must be at least 8 characters long' },
    ]);
    expect(JSON.stringify(d)).not.toContain(secret);
    expect(await details('POST', '/api/v1/actions/submit', { action_type: 'a', idempotency_key: '' }, t.agentKey)).toEqual([
      { path: 'idempotency_key', message: 'must not be empty' },
    ]);
  });
});

describe('union wording', () => {
  it('names the alternatives in words; a value of the right kind for one is told what is wrong inside it', () => {
    const s = z.union([z.string().max(3), z.array(z.string()), z.object({ content: z.string() }).strict()]);
    expect(s.safeParse(5).error?.issues[0]?.message).toBe('expected a string, an array or an object with content');
    expect(s.safeParse('long').error?.issues[0]?.message).toBe('must be at most 3 characters long');
    expect(s.safeParse({ content: 1 }).error?.issues[0]?.message).toBe('content: expected a string, got a number');
    expect(z.union([z.literal('*'), z.number()]).safeParse('x').error?.issues[0]?.message).toBe('must be * or a number');
  });
});

describe('a flood of wrong items is answered at once, with a bounded list', () => {
  const many = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

  it('an array longer than its field takes is refused as such, not item by item (webhook events)', async () => {
    const d = await details('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/h', events: many(100, 'x') });
    expect(d).toEqual([{ path: 'events', message: 'must have at most 64 items' }]);
  });

  it('a policy file of 20,000 wrong policies lists 100 of them and counts the rest', async () => {
    const r = await t.json<Err>('POST', '/api/v1/policies/import', { body: { version: 1, policies: many(20_000, 1) } });
    expect(r.status).toBe(400);
    const d = r.body.error.details;
    expect(d).toHaveLength(101);
    expect(d[0]!.path).toBe('policies[0]');
    expect(d[100]).toEqual({ path: '(more)', message: '19,900 more problems are not listed' });
  });

  it('5,000 wrong risk rules in a file: 100 details and a count', async () => {
    const r = await t.json<Err>('POST', '/api/v1/policies/import', { body: { version: 1, risk_rules: many(5_000, 1), policies: [] } });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toHaveLength(101);
    expect(r.body.error.details[100]).toEqual({ path: '(more)', message: '4,900 more problems are not listed' });
  });

  it('a body of more JSON values than its endpoint takes is a 413 before it is checked (an agent registering 60,000 metadata keys held the event loop ~220 ms)', async () => {
    const keys = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    for (const [method, path, body, key] of [
      ['POST', '/api/v1/agents/register', { agent_id: 'flood', agent_type: 'supervised', metadata: keys }, t.agentKey],
      ['POST', '/api/v1/agents/register', { agent_id: 'flood', agent_type: 'supervised', ...keys }, t.agentKey],
      ['PUT', '/api/v1/settings', { risk_weights: keys }, undefined],
    ] as const) {
      const r = await t.json<Err>(method, path, { body, key });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('too_large');
    }
    expect((await t.json('GET', '/api/v1/agents')).body).not.toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ agent_id: 'flood' })]),
    });
  });

  it('endpoints that take whole documents still take big ones (a result of 50,000 rows)', async () => {
    const id = (
      await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'a', action_type: 'file.read', resource: 'r' },
      })
    ).body.action_id;
    const r = await t.json('POST', `/api/v1/actions/${id}/complete`, {
      key: t.agentKey,
      body: { status: 'success', result: { rows: many(50_000, 1) } },
    });
    expect(r.status).toBe(200);
  });
});
