import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS as ROUTES } from '../../src-shared/api.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

/** Every route of the API, from the same table the OpenAPI document is generated from. */
const routes = ROUTES.map((r) => ({ ...r, url: r.path.replace(/\{[^}]+\}/g, 'x_1'), method: r.method.toUpperCase() }));
const secured = routes.filter((r) => r.scope !== 'none');
const adminOnly = routes.filter((r) => r.scope === 'admin' && !r.path.startsWith('/api/session'));

let t: TestCore;
let revoked = '';
beforeAll(async () => {
  t = await openTestCore();
  const k = await t.json<{ id: string; key: string }>('POST', '/api/v1/keys', { body: { name: 'soon revoked', scope: 'admin' } });
  revoked = k.body.key;
  await t.req('DELETE', `/api/v1/keys/${k.body.id}`);
});
afterAll(() => t.close());

async function call(method: string, url: string, headers: Record<string, string>): Promise<Response> {
  const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : '{}';
  const res = await t.app.request(`${BASE}${url}`, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body,
  });
  await res.body?.cancel().catch(() => undefined);
  return res;
}

describe('every route', () => {
  it('is covered: the table lists every SPEC 5 path', () => {
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const p of [
      'GET /health',
      'GET /api/deployment-info',
      'POST /api/v1/actions/submit',
      'POST /api/authorization/agent-action',
      'GET /api/v1/actions/{id}/status',
      'GET /api/agent-action/status/{id}',
      'POST /api/v1/actions/{id}/complete',
      'POST /api/agent-action/{id}/complete',
      'GET /api/sdk/approval/{approval_id}',
      'GET /api/v1/actions',
      'POST /api/v1/agents/register',
      'GET /api/v1/agents',
      'POST /mcp/governance/evaluate',
      'POST /mcp/servers/register',
      'GET /mcp/servers',
      'POST /mcp/policies',
      'GET /api/v1/policies',
      'POST /api/v1/policies',
      'GET /api/v1/policies/{id}',
      'PUT /api/v1/policies/{id}',
      'DELETE /api/v1/policies/{id}',
      'POST /api/v1/policies/test',
      'POST /api/v1/policies/simulate',
      'GET /api/v1/policies/export',
      'POST /api/v1/policies/import',
      'GET /api/v1/approvals',
      'POST /api/v1/approvals/{action_id}/approve',
      'POST /api/v1/approvals/{action_id}/deny',
      'GET /api/v1/audit',
      'GET /api/v1/audit/export',
      'GET /api/v1/audit/verify',
      'GET /api/v1/events',
      'GET /api/v1/settings',
      'PUT /api/v1/settings',
      'GET /api/v1/keys',
      'POST /api/v1/keys',
      'DELETE /api/v1/keys/{id}',
      'GET /api/v1/webhooks',
      'POST /api/v1/webhooks',
      'DELETE /api/v1/webhooks/{id}',
      'GET /api/v1/webhooks/{id}/deliveries',
      'GET /api/v1/stats',
      'GET /api/openapi.json',
      'GET /api/docs',
    ]) {
      const [m, p2] = p.split(' ');
      const loose = [...paths].some(
        (x) => x.split(' ')[0] === m && x.split(' ')[1]!.replace(/\{[^}]+\}/g, '{}') === p2!.replace(/\{[^}]+\}/g, '{}'),
      );
      expect(loose, p).toBe(true);
    }
  });

  it.each(secured.map((r) => [r.method, r.url]))('%s %s without a key → 401', async (method, url) => {
    expect((await call(method, url, {})).status).toBe(401);
  });

  it.each(secured.map((r) => [r.method, r.url]))('%s %s with a revoked key → 401', async (method, url) => {
    expect((await call(method, url, { 'X-API-Key': revoked })).status).toBe(401);
  });

  it.each(adminOnly.map((r) => [r.method, r.url]))('%s %s with an agent key → 403', async (method, url) => {
    expect((await call(method, url, { 'X-API-Key': t.agentKey })).status).toBe(403);
  });

  // Envoy's form of forward-auth keeps the original Host for a gateway's check (a key, no sign of a
  // browser: gateway-host.ts); a browser's request there is refused like anywhere else.
  it.each(routes.map((r) => [r.method, r.url, r.pathRest ? 'cors' : null]))(
    '%s %s with a foreign Host (DNS rebinding) → 403 (Sec-Fetch-Mode: %s)',
    async (method, url, fetchMode) => {
      const headers = { 'X-API-Key': t.adminKey, Host: 'attacker.example:7077', ...(fetchMode ? { 'Sec-Fetch-Mode': fetchMode } : {}) };
      expect((await call(method, url, headers)).status).toBe(403);
    },
  );

  it.each(routes.filter((r) => r.pathRest).map((r) => [r.method, r.url]))(
    '%s %s with a foreign Host and no key → 403 (the gateway exception needs a key)',
    async (method, url) => {
      expect((await call(method, url, { Host: 'attacker.example:7077' })).status).toBe(403);
    },
  );

  it.each(routes.map((r) => [r.method, r.url]))('%s %s with a foreign Origin → 403', async (method, url) => {
    const res = await call(method, url, { 'X-API-Key': t.adminKey, Origin: 'http://127.0.0.1:8080' });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
