import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../../src-shared/index.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

const submitBody = { agent_id: 'a1', action_type: 'file.read', resource: '/tmp/x' };

describe('authentication and scopes', () => {
  it('refuses API routes without a key (401, SPEC error shape)', async () => {
    const r = await t.json('POST', '/api/v1/actions/submit', { key: null, body: submitBody });
    expect(r.status).toBe(401);
    expect(ErrorBodySchema.parse(r.body).error.code).toBe('unauthenticated');
  });

  it('refuses an unknown key and accepts Bearer as well as X-API-Key', async () => {
    expect((await t.req('GET', '/api/v1/settings', { key: 'gk_admin_nope' })).status).toBe(401);
    const bearer = await t.app.request(`${BASE}/api/v1/settings`, { headers: { Authorization: `Bearer ${t.adminKey}` } });
    expect(bearer.status).toBe(200);
  });

  it.each([
    ['GET', '/api/v1/policies'],
    ['GET', '/api/v1/approvals?status=pending'],
    ['POST', '/api/v1/approvals/act_x/approve'],
    ['POST', '/api/v1/approvals/act_x/deny'],
    ['GET', '/api/v1/audit'],
    ['GET', '/api/v1/settings'],
    ['GET', '/api/v1/keys'],
    ['GET', '/api/v1/agents'],
    ['GET', '/mcp/servers'],
    ['POST', '/mcp/policies'],
  ])('an agent key gets 403 on admin route %s %s', async (method, path) => {
    const r = await t.json(method, path, { key: t.agentKey, body: method === 'POST' ? {} : undefined });
    expect(r.status).toBe(403);
    expect(ErrorBodySchema.parse(r.body).error.code).toBe('forbidden');
  });

  it('an agent key can never approve, even its own pending action', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'hold-all', effect: 'require_approval', priority: 100, when: { action_type: 'hold.*' } },
    });
    const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a1', action_type: 'hold.this' },
    });
    expect(d.body.decision).toBe('pending');
    const r = await t.json('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { key: t.agentKey, body: {} });
    expect(r.status).toBe(403);
    const s = await t.json<{ status: string }>('GET', `/api/v1/actions/${d.body.action_id}/status`, { key: t.agentKey });
    expect(s.body.status).toBe('pending');
  });

  it('a revoked key stops working at once', async () => {
    const k = await t.json<{ id: string; key: string }>('POST', '/api/v1/keys', { body: { name: 'temp', scope: 'agent' } });
    expect(k.status).toBe(201);
    expect((await t.req('POST', '/api/v1/actions/submit', { key: k.body.key, body: submitBody })).status).toBe(200);
    expect((await t.req('DELETE', `/api/v1/keys/${k.body.id}`)).status).toBe(200);
    expect((await t.req('POST', '/api/v1/actions/submit', { key: k.body.key, body: submitBody })).status).toBe(401);
  });
});

describe('DNS rebinding and drive-by protection', () => {
  it.each(['evil.example:7077', '127.0.0.1:80', 'localhost', '127.0.0.1.nip.io:7077'])('refuses Host %s with 403', async (host) => {
    const r = await t.req('GET', '/health', { key: null, headers: { Host: host } });
    expect(r.status).toBe(403);
  });

  it.each(['127.0.0.1:7077', 'localhost:7077', '[::1]:7077'])('accepts loopback Host %s', async (host) => {
    expect((await t.req('GET', '/health', { key: null, headers: { Host: host } })).status).toBe(200);
  });

  it('refuses a foreign Origin even with a valid key, and sends no CORS headers', async () => {
    const r = await t.req('POST', '/api/v1/actions/submit', { body: submitBody, headers: { Origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await t.req('GET', '/health', { key: null, headers: { Origin: BASE } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses cross-site fetch metadata on API routes', async () => {
    const r = await t.req('GET', '/api/v1/settings', { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' } });
    expect(r.status).toBe(403);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After beyond the burst, per key', async () => {
    // 1 a second (burst 2): a token comes back only after a whole second, so a slow machine between
    // two requests cannot refill the bucket (at 5 a second a 200 ms pause under CI load did).
    await t.json('PUT', '/api/v1/settings', { body: { rate_limit_per_s: 1 } });
    const results: number[] = [];
    for (let i = 0; i < 5; i++) results.push((await t.req('GET', '/api/v1/actions', { key: t.agentKey })).status);
    expect(results.slice(0, 2)).toEqual([200, 200]);
    expect(results).toContain(429);
    const limited = await t.req('GET', '/api/v1/actions', { key: t.agentKey });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key is still served.
    expect((await t.req('GET', '/api/v1/settings')).status).toBe(200);
    await t.json('PUT', '/api/v1/settings', { body: { rate_limit_per_s: 2000 } });
  });
});

describe('console pages', () => {
  it.each(['/', '/approvals', '/activity', '/policies', '/agents', '/mcp', '/dashboard', '/settings'])(
    'serves %s as the console page (no key needed)',
    async (path) => {
      const r = await t.req('GET', path, { key: null });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    },
  );
  it('keeps the MCP API behind a key', async () => {
    expect((await t.req('GET', '/mcp/servers', { key: null })).status).toBe(401);
  });
});
