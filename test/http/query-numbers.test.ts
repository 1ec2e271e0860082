import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

// A number in a query string (limit, wait, seq, size) is read only as a plain decimal: what z.coerce
// would have turned into another number (0x10 → 16, 1e2 → 100, '' → 0, ' 5' → 5) is a 400 naming
// the field, like any other bad input (nothing a client sends is silently changed).
let t: TestCore;
let actionId = '';
beforeAll(async () => {
  t = await openTestCore();
  actionId = (
    await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'file.read' },
    })
  ).body.action_id;
});
afterAll(() => t.close());

async function get(
  path: string,
): Promise<{ status: number; body: { error?: { code: string; details: { path: string; message: string }[] }; items?: unknown[] } }> {
  const res = await t.app.request(`${BASE}${path}`, { headers: { 'X-API-Key': t.adminKey } });
  return { status: res.status, body: (await res.json()) as never };
}

describe('query strings', () => {
  it.each([
    ['/api/v1/audit?limit=0x10', 'limit'],
    ['/api/v1/audit?limit=1e2', 'limit'],
    ['/api/v1/audit?limit=', 'limit'],
    ['/api/v1/audit?limit=%205', 'limit'],
    ['/api/v1/audit?limit=abc', 'limit'],
    ['/api/v1/actions?limit=2.5', 'limit'],
    ['/api/v1/approvals?limit=Infinity', 'limit'],
    ['/api/v1/audit/proof?seq=0b1', 'seq'],
    ['/api/v1/audit/consistency?from=1&to=', 'to'],
    ['/api/v1/actions/ACT/status?wait=', 'wait'],
    ['/api/v1/actions/ACT/status?wait=1e1', 'wait'],
  ])('%s is a 400 naming %s', async (path, field) => {
    const r = await get(path.replace('ACT', actionId));
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('invalid_request');
    expect(r.body.error?.details).toContainEqual({ path: field, message: 'must be a decimal number' });
  });

  it('an unknown parameter is named as part of the query, not of a body', async () => {
    const r = await get('/api/v1/audit?limt=5');
    expect(r.status).toBe(400);
    expect(r.body.error?.details).toEqual([
      {
        path: 'limt',
        message: 'Unknown field; allowed fields: type, agent_id, action_id, decision, status, risk_level, since, until, q, limit, cursor',
      },
    ]);
  });

  it('a number out of range says so, not that it is no number', async () => {
    const r = await get(`/api/v1/actions/${actionId}/status?wait=61`);
    expect(r.status).toBe(400);
    expect(r.body.error?.details).toEqual([{ path: 'wait', message: 'must be at most 60' }]);
    expect((await get('/api/v1/audit?limit=0')).body.error?.details).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
  });

  it.each([
    ['/api/v1/actions?status=pending&status=allowed', 'status'],
    ['/api/v1/actions?limit=1&limit=500', 'limit'],
    ['/api/v1/audit?type=action.decided&type=policy.created', 'type'],
    ['/api/v1/actions/ACT/status?wait=0&wait=30', 'wait'],
    ['/api/v1/audit/proof?seq=1&seq=2&size=4', 'seq'],
    ['/api/v1/audit/export?format=csv&format=jsonl', 'format'],
  ])('%s (a parameter given twice) is a 400 naming %s, not one value silently kept', async (path, field) => {
    const r = await get(path.replace('ACT', actionId));
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('invalid_request');
    expect(r.body.error?.details).toEqual([{ path: field, message: 'is given more than once; send it once' }]);
  });

  it.each([
    ['/api/v1/policies?enabled=false', 'enabled'],
    ['/api/v1/agents?agent_type=autonomous', 'agent_type'],
    ['/api/v1/keys?scope=admin', 'scope'],
    ['/mcp/servers?server_id=fs', 'server_id'],
  ])('%s (a field the route does not take) is a 400 naming %s, not an unfiltered answer', async (path, field) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.error?.details).toEqual([{ path: field, message: expect.stringMatching(/^Unknown field(; allowed fields: |$)/) }]);
  });

  it('a write that takes no query refuses one before changing anything', async () => {
    const res = await t.app.request(`${BASE}/api/v1/agents/register?agent_type=autonomous`, {
      method: 'POST',
      headers: { 'X-API-Key': t.agentKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agent_id: 'q-reg', agent_type: 'supervised' }),
    });
    expect(res.status).toBe(400);
    const agents = (await get('/api/v1/agents')).body.items as { agent_id: string }[];
    expect(agents.some((a) => a.agent_id === 'q-reg')).toBe(false);
  });

  it('the OpenAPI document lists that 400 for every API route without a query, and public pages stay lenient', async () => {
    const doc = (await (await t.app.request(`${BASE}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/api/v1/policies']!.get!.responses)).toContain('400');
    expect(Object.keys(doc.paths['/api/v1/audit/verify']!.get!.responses)).toContain('400');
    expect(Object.keys(doc.paths['/health']!.get!.responses)).not.toContain('400');
    expect((await t.app.request(`${BASE}/health?probe=1`)).status).toBe(200);
  });

  it('a missing required number says so', async () => {
    const r = await get('/api/v1/audit/proof');
    expect(r.status).toBe(400);
    expect(r.body.error?.details).toContainEqual({ path: 'seq', message: 'Required' });
  });

  it('plain decimals are read as written', async () => {
    const r = await get('/api/v1/audit?limit=2');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(2);
    expect((await get('/api/v1/audit?limit=002')).body.items).toHaveLength(2);
    expect((await get(`/api/v1/actions/${actionId}/status?wait=0.5`)).status).toBe(200);
  });

  it('the OpenAPI document still gives their type, bounds and default', async () => {
    const doc = (await (await t.app.request(`${BASE}/api/openapi.json`)).json()) as {
      paths: Record<string, { get: { parameters: { name: string; schema: Record<string, unknown> }[] } }>;
    };
    const limit = doc.paths['/api/v1/audit']!.get.parameters.find((p) => p.name === 'limit');
    expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
    const wait = doc.paths['/api/v1/actions/{id}/status']!.get.parameters.find((p) => p.name === 'wait');
    expect(wait?.schema).toMatchObject({ type: 'number', minimum: 0, maximum: 60 });
  });
});
