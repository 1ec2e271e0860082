import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStatusSchema, DecisionSchema, ErrorBodySchema } from '../../src-shared/index.js';
import { normalizePath } from '../../src-main/services/forward-auth.js';
import { startServer } from '../../src-main/server/serve.js';
import { StorageUnavailableError } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;

/** A gateway's check request in the plain form (nginx, Traefik, Caddy). */
function check(
  method: string,
  host: string,
  uri: string,
  o: { agent?: string; key?: string | null; query?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'X-Forwarded-Method': method, 'X-Forwarded-Host': host, 'X-Forwarded-Uri': uri, ...o.headers };
  if (o.agent) headers['X-Gatehouse-Agent'] = o.agent;
  return t.req('GET', `/api/v1/authz/forward${o.query ?? ''}`, { key: o.key === undefined ? t.agentKey : o.key, headers });
}

async function body(res: Response) {
  return JSON.parse(await res.text()) as Record<string, unknown>;
}

beforeAll(async () => {
  t = await openTestCore();
  const policies = [
    { id: 'no-admin-deletes', effect: 'deny', priority: 200, when: { action_type: 'http.delete', resource: '*/admin/*' } },
    { id: 'admin-area', effect: 'deny', priority: 150, when: { resource: 'shop.example/admin*' } },
    {
      id: 'payments-need-a-person',
      effect: 'require_approval',
      priority: 100,
      when: { action_type: 'http.post', resource: '*/payments*' },
    },
    { id: 'reads-ok', effect: 'allow', priority: 10, when: { action_type: { in: ['http.get', 'http.head'] } } },
  ];
  for (const p of policies) expect((await t.json('POST', '/api/v1/policies', { body: p })).status).toBe(201);
});
afterAll(() => t.close());

describe('forward-auth (SPEC 9.5), plain form', () => {
  it('allows: 200 with the action id and risk headers, and records http.<method> on <host><uri>', async () => {
    const res = await check('GET', 'shop.example', '/orders/17?expand=items', { agent: 'storefront' });
    expect(res.status).toBe(200);
    const d = DecisionSchema.parse(await body(res));
    expect(d.decision).toBe('allowed');
    expect(res.headers.get('x-gatehouse-action-id')).toBe(d.action_id);
    expect(res.headers.get('x-gatehouse-risk')).toBe(String(d.risk.score));
    expect(res.headers.get('x-gatehouse-risk-level')).toBe(d.risk.level);
    expect(res.headers.get('x-gatehouse-decision')).toBe('allowed');
    expect(res.headers.get('x-gatehouse-pending')).toBeNull();
    const s = ActionStatusSchema.parse((await t.json('GET', `/api/v1/actions/${d.action_id}/status`)).body);
    expect(s).toMatchObject({
      agent_id: 'storefront',
      action_type: 'http.get',
      resource: 'shop.example/orders/17?expand=items',
      target_system: 'shop.example',
      tool_name: 'http',
      parameters: { method: 'GET', host: 'shop.example', uri: '/orders/17?expand=items', path: '/orders/17', query: 'expand=items' },
      context: { via: 'forward-auth' },
      policy: { id: 'reads-ok' },
    });
  });

  it('accepts the nginx header names (X-Original-Method / X-Original-URI) and X-Original-URL', async () => {
    const a = await t.req('GET', '/api/v1/authz/forward', {
      key: t.agentKey,
      headers: { 'X-Original-Method': 'GET', 'X-Original-URI': '/a', 'X-Forwarded-Host': 'shop.example' },
    });
    expect(a.status).toBe(200);
    const b = await t.req('GET', '/api/v1/authz/forward', {
      key: t.agentKey,
      headers: { 'X-Original-Method': 'GET', 'X-Original-URL': 'https://Shop.Example/b?x=1' },
    });
    expect(b.status).toBe(200);
    const s = (await t.json<{ resource: string }>('GET', `/api/v1/actions/${b.headers.get('x-gatehouse-action-id')}/status`)).body;
    expect(s.resource).toBe('shop.example/b?x=1');
  });

  it('denies: 403 with the decision body naming the policy', async () => {
    const res = await check('DELETE', 'shop.example', '/admin/users/3', { agent: 'storefront' });
    expect(res.status).toBe(403);
    const d = DecisionSchema.parse(await body(res));
    expect(d.decision).toBe('denied');
    expect(d.policy?.id).toBe('no-admin-deletes');
    expect(d.reason).toMatch(/no-admin-deletes/);
    expect(res.headers.get('x-gatehouse-decision')).toBe('denied');
    expect(res.headers.get('x-gatehouse-action-id')).toBe(d.action_id);
    expect(res.headers.get('x-gatehouse-pending')).toBeNull();
  });

  it('decides on the path as nginx routes it: encoded letters, dot segments and double slashes do not slip past a policy', async () => {
    for (const uri of ['/%61dmin/users/3', '/public/../admin/users/3', '//admin//users/3', '/x/%2e%2e/admin/users/3']) {
      const res = await check('DELETE', 'shop.example', uri, { agent: 'storefront' });
      expect(res.status, uri).toBe(403);
      const d = DecisionSchema.parse(await body(res));
      const s = (await t.json<{ resource: string; parameters: { uri: string } }>('GET', `/api/v1/actions/${d.action_id}/status`)).body;
      expect(s.resource).toBe('shop.example/admin/users/3');
      expect(s.parameters.uri).toBe(uri); // the raw URI is kept, unaltered
    }
    expect(normalizePath('/a/b/../c/./d/')).toBe('/a/c/d/');
    expect(normalizePath('/a/%2F/b%20c')).toBe('/a/b c');
    expect(normalizePath('/a%00b/%zz/%E2%82')).toBe('/a%00b/%zz/%E2%82');
    expect(normalizePath('/../../etc')).toBe('/etc');
  });

  it('pending: 403 with X-Gatehouse-Pending; a retry finds the same action; an approval lets exactly one request through', async () => {
    const first = await check('POST', 'shop.example', '/payments/charge', { agent: 'billing' });
    expect(first.status).toBe(403);
    const id = first.headers.get('x-gatehouse-pending');
    expect(id).toMatch(/^act_/);
    expect(first.headers.get('x-gatehouse-action-id')).toBe(id);
    expect(first.headers.get('x-gatehouse-decision')).toBe('pending');
    expect((await body(first)).status).toBe('pending');

    const retry = await check('POST', 'shop.example', '/payments/charge', { agent: 'billing' });
    expect(retry.status).toBe(403);
    expect(retry.headers.get('x-gatehouse-pending')).toBe(id);
    // Another agent, method or resource is another question.
    const other = await check('POST', 'shop.example', '/payments/refund', { agent: 'billing' });
    expect(other.headers.get('x-gatehouse-pending')).not.toBe(id);
    const pending = (await t.json<{ items: { action_id: string }[] }>('GET', '/api/v1/approvals?status=pending')).body.items;
    expect(pending.filter((p) => p.action_id === id)).toHaveLength(1);

    // An agent key never approves.
    expect((await t.json('POST', `/api/v1/approvals/${id}/approve`, { key: t.agentKey, body: {} })).status).toBe(403);
    expect((await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} })).status).toBe(200);

    const through = await check('POST', 'shop.example', '/payments/charge', { agent: 'billing' });
    expect(through.status).toBe(200);
    expect(through.headers.get('x-gatehouse-action-id')).toBe(id);
    expect((await t.json<{ status: string }>('GET', `/api/v1/actions/${id}/status`)).body.status).toBe('completed');

    const again = await check('POST', 'shop.example', '/payments/charge', { agent: 'billing' });
    expect(again.status).toBe(403);
    const next = again.headers.get('x-gatehouse-pending');
    expect(next).toMatch(/^act_/);
    expect(next).not.toBe(id);
    await t.json('POST', `/api/v1/approvals/${next}/deny`, { body: { comment: 'not today' } });
    await t.json('POST', `/api/v1/approvals/${other.headers.get('x-gatehouse-pending')}/deny`, { body: {} });
  });

  it('a denial by a person is the answer to retries for a while (no second prompt)', async () => {
    const first = await check('POST', 'shop.example', '/payments/big', { agent: 'billing' });
    const id = first.headers.get('x-gatehouse-pending')!;
    await t.json('POST', `/api/v1/approvals/${id}/deny`, { body: { comment: 'too big' } });
    const retry = await check('POST', 'shop.example', '/payments/big', { agent: 'billing' });
    expect(retry.status).toBe(403);
    expect(retry.headers.get('x-gatehouse-pending')).toBeNull();
    expect(retry.headers.get('x-gatehouse-action-id')).toBe(id);
    const d = DecisionSchema.parse(await body(retry));
    expect(d.status).toBe('rejected');
    // The reason says who answered; the person's comment is the action's `comment` (not repeated in the reason).
    expect(d.reason).toBe('Rejected by user');
    expect((await t.json<{ comment: string }>('GET', `/api/v1/actions/${id}/status`)).body.comment).toBe('too big');
  });

  it('?wait= holds the answer until a person decides', async () => {
    const waiting = check('POST', 'shop.example', '/payments/wait', { agent: 'billing', query: '?wait=20' });
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const items = (
        await t.json<{ items: { action_id: string; action: { resource: string } }[] }>('GET', '/api/v1/approvals?status=pending')
      ).body.items;
      id = items.find((x) => x.action.resource === 'shop.example/payments/wait')?.action_id;
      if (!id) await new Promise((r) => setTimeout(r, 20));
    }
    expect(id).toBeDefined();
    await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} });
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gatehouse-action-id')).toBe(id);
  });

  it('?wait= ends with 403 + X-Gatehouse-Pending when nobody answers in time', async () => {
    const t0 = Date.now();
    const res = await check('POST', 'shop.example', '/payments/slow', { agent: 'billing', query: '?wait=0.3' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-gatehouse-pending')).toMatch(/^act_/);
    await t.json('POST', `/api/v1/approvals/${res.headers.get('x-gatehouse-pending')}/deny`, { body: {} });
  });

  it('identical requests at once become one approval', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => check('POST', 'shop.example', '/payments/burst', { agent: 'billing' })));
    const ids = new Set(all.map((r) => r.headers.get('x-gatehouse-pending')));
    expect(all.every((r) => r.status === 403)).toBe(true);
    expect(ids.size).toBe(1);
    await t.json('POST', `/api/v1/approvals/${[...ids][0]}/deny`, { body: {} });
  });

  it('misconfigured gateways get a 400 naming the header, never a 200', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/a' }, 'X-Forwarded-Method'],
      [{ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/a' }, 'X-Forwarded-Host'],
      [{ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example' }, 'X-Forwarded-Uri'],
      [{ 'X-Forwarded-Method': 'GET /x', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/a' }, 'X-Forwarded-Method'],
      [{ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop example', 'X-Forwarded-Uri': '/a' }, 'X-Forwarded-Host'],
      [{ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': 'a' }, 'X-Forwarded-Uri'],
      [
        { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/a', 'X-Gatehouse-Agent': 'bad agent' },
        'X-Gatehouse-Agent',
      ],
      [
        { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/a', 'X-Gatehouse-Wait': 'soon' },
        'X-Gatehouse-Wait',
      ],
      [
        { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/a', 'X-Gatehouse-Wait': '61' },
        'X-Gatehouse-Wait',
      ],
    ];
    for (const [headers, field] of cases) {
      const res = await t.req('GET', '/api/v1/authz/forward', { key: t.agentKey, headers });
      expect(res.status, field).toBe(400);
      const e = ErrorBodySchema.parse(await body(res));
      expect(e.error.details?.[0]?.path, JSON.stringify(headers)).toBe(field);
    }
    expect((await check('GET', 'shop.example', '/a', { query: '?wait=120' })).status).toBe(400);
    expect((await check('GET', 'shop.example', '/a', { query: '?other=1' })).status).toBe(400);
  });

  it('needs a key; a key bound to an agent cannot speak for another', async () => {
    expect((await check('GET', 'shop.example', '/a', { key: null })).status).toBe(401);
    const bound = await t.json<{ key: string }>('POST', '/api/v1/keys', { body: { name: 'gw', scope: 'agent', agent_id: 'edge-gw' } });
    const own = await check('GET', 'shop.example', '/a', { key: bound.body.key });
    expect(own.status).toBe(200);
    const s = (await t.json<{ agent_id: string }>('GET', `/api/v1/actions/${own.headers.get('x-gatehouse-action-id')}/status`)).body;
    expect(s.agent_id).toBe('edge-gw');
    expect((await check('GET', 'shop.example', '/a', { key: bound.body.key, agent: 'someone-else' })).status).toBe(403);
    // The default agent key is not bound: the agent defaults to api-gateway.
    const dflt = await check('GET', 'shop.example', '/a');
    const s2 = (await t.json<{ agent_id: string }>('GET', `/api/v1/actions/${dflt.headers.get('x-gatehouse-action-id')}/status`)).body;
    expect(s2.agent_id).toBe('api-gateway');
  });

  it('answers every method a gateway uses', async () => {
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await t.req(m, '/api/v1/authz/forward', {
        key: t.agentKey,
        headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Host': 'shop.example', 'X-Forwarded-Uri': '/m' },
      });
      expect(res.status, m).toBe(200);
    }
  });

  it('never fails open: a storage failure is a 503, not a 200', async () => {
    const store = t.g.store as { commit: (...a: unknown[]) => Promise<unknown> };
    const real = store.commit.bind(store);
    store.commit = () => Promise.reject(new StorageUnavailableError('disk full'));
    try {
      const res = await check('GET', 'shop.example', '/orders/1', { agent: 'storefront' });
      expect(res.status).toBe(503);
      expect(res.headers.get('x-gatehouse-decision')).toBeNull();
    } finally {
      store.commit = real;
    }
  });
});

describe("forward-auth, Envoy's ext_authz form (path_prefix)", () => {
  /** What Envoy sends: the original method, Host and path (after the prefix), Content-Length 0, the configured headers. */
  function envoy(method: string, host: string, path: string, headers: Record<string, string> = {}) {
    return t.app.request(`http://127.0.0.1:7077/api/v1/authz/forward${path}`, {
      method,
      headers: { host, 'content-length': '0', 'x-api-key': t.agentKey, 'x-gatehouse-agent': 'mesh', ...headers },
    });
  }

  it('takes the method, Host and path of the original request', async () => {
    const ok = await envoy('GET', 'shop.example:8080', '/orders/9?x=1');
    expect(ok.status).toBe(200);
    const s = (
      await t.json<{ action_type: string; resource: string }>('GET', `/api/v1/actions/${ok.headers.get('x-gatehouse-action-id')}/status`)
    ).body;
    expect(s).toMatchObject({ action_type: 'http.get', resource: 'shop.example:8080/orders/9?x=1' });
    const no = await envoy('DELETE', 'shop.example', '/admin/users/1');
    expect(no.status).toBe(403);
    expect(DecisionSchema.parse(await body(no)).policy?.id).toBe('no-admin-deletes');
  });

  it('the check request itself is the original: forwarded headers a client slipped through are ignored', async () => {
    const r = await envoy('DELETE', 'shop.example', '/admin/users/2', {
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/public/x',
      'x-forwarded-host': 'elsewhere.example',
      'x-original-url': 'https://elsewhere.example/public/y',
    });
    expect(r.status).toBe(403);
    const s = (
      await t.json<{ action_type: string; resource: string }>('GET', `/api/v1/actions/${r.headers.get('x-gatehouse-action-id')}/status`)
    ).body;
    expect(s).toMatchObject({ action_type: 'http.delete', resource: 'shop.example/admin/users/2' });
  });

  it('pending and X-Gatehouse-Wait work the same way', async () => {
    const first = await envoy('POST', 'shop.example', '/payments/envoy');
    expect(first.status).toBe(403);
    const id = first.headers.get('x-gatehouse-pending');
    expect(id).toMatch(/^act_/);
    const retry = await envoy('POST', 'shop.example', '/payments/envoy', { 'x-gatehouse-wait': '0.2' });
    expect(retry.headers.get('x-gatehouse-pending')).toBe(id);
    await t.json('POST', `/api/v1/approvals/${id}/approve`, { body: {} });
    expect((await envoy('POST', 'shop.example', '/payments/envoy')).status).toBe(200);
  });

  it('a foreign Host is accepted only on this form, only with a key, and never from a browser', async () => {
    // The plain path keeps the DNS-rebinding rule.
    const plain = await t.app.request('http://127.0.0.1:7077/api/v1/authz/forward', {
      headers: {
        host: 'shop.example',
        'x-api-key': t.agentKey,
        'X-Forwarded-Method': 'GET',
        'X-Forwarded-Host': 'a',
        'X-Forwarded-Uri': '/',
      },
    });
    expect(plain.status).toBe(403);
    expect(await plain.text()).toMatch(/Host/);
    const noKey = await t.app.request('http://127.0.0.1:7077/api/v1/authz/forward/x', { headers: { host: 'shop.example' } });
    expect(noKey.status).toBe(403);
    const browserish: Record<string, string>[] = [
      { origin: 'http://shop.example' },
      { 'sec-fetch-mode': 'cors' },
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const h of browserish) {
      const res = await envoy('GET', 'shop.example', '/orders/1', h);
      expect(res.status, JSON.stringify(h)).toBe(403);
      expect(res.headers.get('x-gatehouse-action-id')).toBeNull();
    }
    // Other routes never take a foreign Host, key or not.
    const other = await t.app.request('http://127.0.0.1:7077/api/v1/actions', {
      headers: { host: 'shop.example', 'x-api-key': t.adminKey },
    });
    expect(other.status).toBe(403);
  });
});

describe("forward-auth, Envoy's form over a real socket: the path as sent, not as the URL parser resolves it", () => {
  /** One check request with a raw request target (node:http sends the path exactly as given). */
  function raw(port: number, key: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'GET', path, headers: { host: 'shop.example', 'x-api-key': key } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('decides dot segments as the API behind the gateway resolves them, and refuses a path that only reaches the endpoint through them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-envoy-raw-'));
    const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    try {
      const key = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string }).agent_key;
      const admin = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { admin_key: string }).admin_key;
      const policy = { id: 'no-forward-area', effect: 'deny', priority: 100, when: { resource: 'shop.example/forward/*' } };
      const created = await fetch(`${server.url}/api/v1/policies`, {
        method: 'POST',
        headers: { 'x-api-key': admin, 'content-type': 'application/json' },
        body: JSON.stringify(policy),
      });
      expect(created.status).toBe(201);
      // Envoy appends the client's path unnormalised: the API resolves `/../forward/secret` to `/forward/secret`.
      const climb = await raw(server.port, key, '/api/v1/authz/forward/../forward/secret');
      expect(climb.status).toBe(403);
      expect(climb.body).toMatchObject({ decision: 'denied', policy: { id: 'no-forward-area' } });
      const s = await fetch(`${server.url}/api/v1/actions/${String(climb.body.action_id)}/status`, { headers: { 'x-api-key': admin } });
      expect(await s.json()).toMatchObject({ resource: 'shop.example/forward/secret', parameters: { uri: '/../forward/secret' } });
      // A target that is the endpoint only once resolved is not Envoy's form: nothing is decided.
      const around = await raw(server.port, key, '/x/../api/v1/authz/forward/orders/1');
      expect(around.status).toBe(400);
      expect(around.body).toMatchObject({ error: { code: 'invalid_request', details: [{ path: ':path' }] } });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
