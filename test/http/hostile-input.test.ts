import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, heldRequest, openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
let pendingId = 'act_none';
beforeAll(async () => {
  t = await openTestCore();
  pendingId = await heldRequest(t);
});
afterAll(() => t.close());

const WRITE_ROUTES: [string, string][] = [
  ['POST', '/api/v1/actions/submit'],
  ['POST', '/api/authorization/agent-action'],
  ['POST', '/api/v1/actions/ACT/complete'],
  ['POST', '/api/agent-action/ACT/complete'],
  ['POST', '/api/v1/agents/register'],
  ['POST', '/mcp/governance/evaluate'],
  ['POST', '/mcp/servers/register'],
  ['POST', '/mcp/policies'],
  ['POST', '/api/v1/policies'],
  ['PUT', '/api/v1/policies/hold'],
  ['POST', '/api/v1/policies/test'],
  ['POST', '/api/v1/policies/simulate'],
  ['POST', '/api/v1/policies/import'],
  ['POST', '/api/v1/approvals/ACT/approve'],
  ['POST', '/api/v1/approvals/ACT/deny'],
  ['PUT', '/api/v1/settings'],
  ['POST', '/api/v1/keys'],
  ['POST', '/api/v1/webhooks'],
];

const READ_ROUTES = [
  '/api/v1/actions',
  '/api/v1/audit',
  '/api/v1/stats',
  '/api/v1/actions/ACT/status',
  '/api/v1/approvals',
  '/api/v1/policies/export',
];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '💥',
    '\u0000',
    'NaN',
    '-1',
    '1e309',
    '${jndi:x}',
    "' OR 1=1 --",
    '"*"',
    'MATCH',
    'AND OR NOT',
    '(',
    '.*',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const field = fc.constantFrom(
  'agent_id',
  'action_type',
  'resource',
  'parameters',
  'context',
  'risk_context',
  'status',
  'remember',
  'id',
  'effect',
  'when',
  'priority',
  'policies',
  'action',
  'url',
  'events',
  'scope',
  'name',
  'server_id',
  'tools',
  'enforcement',
  'limit',
  'pattern',
  '__proto__',
  'constructor',
);
const hostileObject = fc.dictionary(
  field,
  fc.oneof(nasty, fc.array(nasty, { maxLength: 5 }), fc.dictionary(fc.string(), nasty, { maxKeys: 5 })),
  { maxKeys: 8 },
);

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

const rawBodies: (string | Uint8Array)[] = [
  '',
  '{',
  '}',
  'null',
  '[]',
  '"string"',
  '12',
  deep(100_000),
  `{"a":${deep(5000)}}`,
  '{"__proto__":{"polluted":true},"agent_id":"a","action_type":"x"}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  new Uint8Array([0xc3, 0x28]),
  `{"agent_id":"a","action_type":"x","parameters":{"s":"${'x'.repeat(900_000)}"}}`,
];

async function send(
  method: string,
  path: string,
  body: string | Uint8Array,
  key: string,
  contentType = 'application/json',
): Promise<number> {
  const res = await t.app.request(`${BASE}${path.replace('ACT', pendingId)}`, {
    method,
    headers: { 'X-API-Key': key, 'Content-Type': contentType },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('hostile input never crashes the server', () => {
  it('answers only 4xx (or 2xx for what happens to be valid) to fixed hostile bodies on every write route', async () => {
    for (const [method, path] of WRITE_ROUTES) {
      for (const body of rawBodies) {
        for (const key of [t.adminKey, t.agentKey]) {
          const status = await send(method, path, body, key);
          expect(status, `${method} ${path}`).toBeLessThan(500);
        }
      }
    }
  });

  it('answers < 500 to thousands of generated bodies', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITE_ROUTES), hostileObject, fc.boolean(), async ([method, path], obj, admin) => {
        count++;
        const status = await send(method, path, JSON.stringify(obj), admin ? t.adminKey : t.agentKey);
        return status < 500;
      }),
      { numRuns: 2500 },
    );
    expect(count).toBeGreaterThanOrEqual(2500);
  });

  it('answers < 500 to hostile query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...READ_ROUTES),
        fc.dictionary(
          fc.constantFrom(
            'q',
            'limit',
            'cursor',
            'since',
            'until',
            'agent_id',
            'type',
            'status',
            'decision',
            'wait',
            'window',
            'format',
            'risk_level',
          ),
          fc.oneof(nasty.map(String), fc.string()),
        ),
        async (path, q) => {
          const qs = new URLSearchParams(q as Record<string, string>).toString();
          const res = await t.app.request(`${BASE}${path.replace('ACT', pendingId)}?${qs}`, { headers: { 'X-API-Key': t.adminKey } });
          await res.arrayBuffer();
          return res.status < 500;
        },
      ),
      { numRuns: 600 },
    );
  });

  it('is healthy afterwards, nothing polluted, the chain verifies', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await t.req('GET', '/health', { key: null })).status).toBe(200);
    const v = await t.json<{ ok: boolean }>('GET', '/api/v1/audit/verify');
    expect(v.body.ok).toBe(true);
  });
});
