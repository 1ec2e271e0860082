import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS as ROUTES } from '../../src-shared/api.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/** Every method and path of the SPEC 5 table, with the seeds' aliases. */
const SPEC_PATHS: [string, string][] = [
  ['get', '/health'],
  ['get', '/api/deployment-info'],
  ['post', '/api/v1/actions/submit'],
  ['post', '/api/authorization/agent-action'],
  ['get', '/api/v1/actions/{id}/status'],
  ['get', '/api/agent-action/status/{id}'],
  ['post', '/api/v1/actions/{id}/complete'],
  ['post', '/api/agent-action/{id}/complete'],
  ['get', '/api/sdk/approval/{approval_id}'],
  ['get', '/api/v1/actions'],
  ['post', '/api/v1/agents/register'],
  ['get', '/api/v1/agents'],
  ['post', '/mcp/governance/evaluate'],
  ['post', '/mcp/servers/register'],
  ['get', '/mcp/servers'],
  ['post', '/mcp/policies'],
  ['get', '/api/v1/policies'],
  ['post', '/api/v1/policies'],
  ['get', '/api/v1/policies/{id}'],
  ['put', '/api/v1/policies/{id}'],
  ['delete', '/api/v1/policies/{id}'],
  ['post', '/api/v1/policies/test'],
  ['post', '/api/v1/policies/simulate'],
  ['get', '/api/v1/policies/export'],
  ['post', '/api/v1/policies/import'],
  ['get', '/api/v1/approvals'],
  ['post', '/api/v1/approvals/{action_id}/approve'],
  ['post', '/api/v1/approvals/{action_id}/deny'],
  ['get', '/api/v1/audit'],
  ['get', '/api/v1/audit/export'],
  ['get', '/api/v1/audit/verify'],
  ['get', '/api/v1/events'],
  ['get', '/api/v1/settings'],
  ['put', '/api/v1/settings'],
  ['get', '/api/v1/keys'],
  ['post', '/api/v1/keys'],
  ['delete', '/api/v1/keys/{id}'],
  ['get', '/api/v1/webhooks'],
  ['post', '/api/v1/webhooks'],
  ['delete', '/api/v1/webhooks/{id}'],
  ['get', '/api/v1/webhooks/{id}/deliveries'],
  ['get', '/api/v1/stats'],
  ['get', '/api/v1/authz/forward'],
  ['post', '/api/v1/authz/forward'],
  ['put', '/api/v1/authz/forward'],
  ['patch', '/api/v1/authz/forward'],
  ['delete', '/api/v1/authz/forward'],
  ['get', '/api/v1/reports/brief'],
  ['get', '/api/openapi.json'],
  ['get', '/api/docs'],
];
const EXTRA_PATHS: [string, string][] = [
  ['post', '/api/v1/webhooks/{id}/test'],
  ['post', '/api/session/login'],
  ['post', '/api/session/logout'],
  ['get', '/api/session'],
  ['post', '/api/v1/console/login-url'],
  ['post', '/api/v1/actions/{id}/withdraw'],
  ['post', '/api/v1/hooks/{agent}'],
  ['get', '/api/v1/integrations'],
  ['get', '/mcp/servers/{server_id}/tools/{tool}'],
  ['post', '/mcp/servers/{server_id}/tools/{tool}/accept'],
  ['head', '/api/v1/authz/forward'],
  ['options', '/api/v1/authz/forward'],
  ['get', '/api/v1/authz/forward/{original_path}'],
  ['post', '/api/v1/authz/forward/{original_path}'],
  ['options', '/api/v1/authz/forward/{original_path}'],
];

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        security: unknown[];
        'x-gatehouse-scope': string;
        responses: Record<string, unknown>;
        parameters?: { name: string; in: string }[];
        requestBody?: unknown;
        operationId: string;
      }
    >
  >;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, Record<string, string>>;
  };
};

let t: TestCore;
let doc: Doc;
beforeAll(async () => {
  t = await openTestCore();
  const res = await t.req('GET', '/api/openapi.json', { key: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = JSON.parse(await res.text()) as Doc;
});
afterAll(() => t.close());

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document with components and security schemes', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBe('Gatehouse API');
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(30);
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.Session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'gatehouse_session' });
  });

  it.each([...SPEC_PATHS, ...EXTRA_PATHS])('documents %s %s', (method, path) => {
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path}`).toBeDefined();
    const params = (op!.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
    expect(params).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
  });

  it('marks public routes public and the rest with their scope', () => {
    const pub = ['/health', '/api/deployment-info', '/api/openapi.json', '/api/docs'];
    for (const p of pub) expect(doc.paths[p]!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/actions/submit']!.post!['x-gatehouse-scope']).toBe('agent');
    expect(doc.paths['/api/v1/webhooks']!.post!['x-gatehouse-scope']).toBe('admin');
    expect(doc.paths['/api/v1/webhooks']!.post!.security).toEqual([{ ApiKey: [] }, { Bearer: [] }, { Session: [] }]);
  });

  it('resolves every $ref and has unique operation ids', () => {
    for (const r of refs(doc)) {
      const [, , kind, name] = r.split('/');
      expect(['schemas', 'responses']).toContain(kind);
      expect(doc.components[kind as 'schemas' | 'responses'][name!], r).toBeDefined();
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('generates its schemas from the zod contract', () => {
    const submit = doc.components.schemas.ActionRequest as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(submit.required).toEqual(['action_type']);
    expect(submit.additionalProperties).toBe(false);
    expect(Object.keys(submit.properties)).toEqual(
      expect.arrayContaining(['agent_id', 'resource', 'context', 'risk_context', 'idempotency_key']),
    );
    const create = doc.components.schemas.WebhookCreate as { properties: { format: { enum: string[] } }; required: string[] };
    expect(create.properties.format.enum).toEqual(['json', 'slack']);
    expect(create.required).toEqual(['url', 'events']); // defaults make format/enabled optional on input
    const stats = doc.components.schemas.Stats as { required: string[] };
    expect(stats.required).toEqual(expect.arrayContaining(['totals', 'timeline', 'approval_latency']));
  });

  it('hand-written request examples are valid bodies', () => {
    const withExamples = ROUTES.filter((r) => r.example !== undefined);
    expect(withExamples.length).toBeGreaterThan(5);
    for (const r of withExamples) expect(r.body!.schema.safeParse(r.example).success, `${r.method} ${r.path}`).toBe(true);
  });

  it('every documented route exists in the app', async () => {
    for (const r of ROUTES) {
      if (r.produces?.includes('text/event-stream')) continue;
      const path = r.path.replace(/\{[^}]+\}/g, 'doc_probe');
      const res = await t.req(r.method.toUpperCase(), path, {
        body: ['get', 'head', 'delete', 'options'].includes(r.method) ? undefined : {},
      });
      const text = await res.text();
      expect(text, `${r.method} ${r.path}`).not.toMatch(/No route for/);
    }
  });

  it('documents every API route the app registers', () => {
    // `{id}` and `:id` alike, and a rest parameter (`:original_path{.*}`) too.
    const shape = (p: string) => p.replace(/\{[^}]+\}|:[A-Za-z_]+(\{[^}]*\})?/g, '{}');
    const documented = new Set(ROUTES.map((r) => `${r.method} ${shape(r.path)}`));
    // Every method (middleware is registered as ALL), wildcard paths included.
    const registered = t.app.routes
      .filter((r) => r.method !== 'ALL' && /^\/(api|mcp|health)/.test(r.path))
      .map((r) => `${r.method.toLowerCase()} ${shape(r.path)}`);
    expect(registered.length).toBeGreaterThan(60);
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
    // And the other way round: every entry is mounted (HEAD is answered by the GET route of its path).
    const mounted = new Set(registered);
    expect(ROUTES.filter((r) => !mounted.has(`${r.method === 'head' ? 'get' : r.method} ${shape(r.path)}`)).map((r) => r.path)).toEqual([]);
  });
});

describe('statuses and shapes the document promises (issue 13)', () => {
  const op = (method: string, path: string) => doc.paths[path]![method]!;
  it('lists the 409s, the login 401, 405 everywhere, 413/415 with bodies and 503 on writes', () => {
    for (const [m, p] of [
      ['post', '/api/v1/approvals/{action_id}/approve'],
      ['post', '/api/v1/approvals/{action_id}/deny'],
      ['post', '/api/v1/actions/{id}/complete'],
      ['post', '/api/v1/actions/{id}/withdraw'],
      ['post', '/api/v1/policies'],
      ['post', '/api/v1/actions/submit'],
    ] as const)
      expect(Object.keys(op(m, p).responses), `${m} ${p}`).toContain('409');
    expect(Object.keys(op('post', '/api/session/login').responses)).toEqual(expect.arrayContaining(['200', '400', '401', '413', '415']));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [m, o] of Object.entries(ops)) {
        expect(Object.keys(o.responses), `${m} ${path}`).toContain('405');
        if (o.requestBody) expect(Object.keys(o.responses), `${m} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
        if (m !== 'get') expect(Object.keys(o.responses), `${m} ${path}`).toContain('503');
      }
    }
  });

  it('lists the 409 a policy delete answers while a running A/B test uses the policy', async () => {
    for (const [id, effect] of [
      ['ab-control', 'require_approval'],
      ['ab-test', 'allow'],
    ])
      expect((await t.json('POST', '/api/v1/policies', { body: { id, effect, when: { action_type: 'refund.issue' } } })).status).toBe(201);
    const ab = await t.json('POST', '/api/v1/ab-tests', {
      body: { name: 'refunds', control_policy: 'ab-control', test_policy: 'ab-test', traffic_split: 10, duration_days: 1 },
    });
    expect(ab.status).toBe(201);
    const del = await t.json<{ error: { code: string } }>('DELETE', '/api/v1/policies/ab-control');
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('conflict');
    expect(Object.keys(op('delete', '/api/v1/policies/{id}').responses)).toContain(String(del.status));
  });

  it('types the JSON policy export as an object and does not require what the server fills in', () => {
    const ok = op('get', '/api/v1/policies/export').responses['200'] as { content: Record<string, { schema: Record<string, string> }> };
    const ref = ok.content['application/json']!.schema.$ref!;
    expect((doc.components.schemas[ref.split('/').pop()!] as { type: string }).type).toBe('object');
    expect(ok.content['application/yaml']!.schema.type).toBe('string');
    // POST and PUT take a policy or the seeds' Terraform / MCP form (SPEC 3.4): both are documented.
    type Form = { required?: string[]; $ref?: string };
    const forms = (name: string) => (doc.components.schemas[name] as { anyOf: Form[] }).anyOf;
    expect(forms('PolicyCreate').map((f) => f.$ref ?? f.required)).toEqual([['id', 'effect'], '#/components/schemas/SeedPolicy']);
    expect(forms('PolicyUpdate').map((f) => f.$ref ?? f.required)).toEqual([['effect'], '#/components/schemas/SeedPolicy']);
    const importBody = doc.components.schemas.PolicyImport as { anyOf: unknown[] };
    expect(importBody.anyOf.length).toBe(3);
  });
});

describe('GET /api/docs', () => {
  it('is a self-contained page listing every endpoint with its scope', async () => {
    const res = await t.req('GET', '/api/docs', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|<iframe|src=/i);
    expect(html).not.toMatch(/(href|src)="(https?:)?\/\//i);
    for (const [method, path] of [...SPEC_PATHS, ...EXTRA_PATHS]) {
      expect(html, `${method} ${path}`).toContain(`<span class="m ${method}">${method}</span>${path}`);
    }
    expect(html).toContain('scope: admin');
    expect(html).toContain('scope: agent');
    expect(html).toContain('&quot;action_type&quot;: &quot;database.delete&quot;'); // the submit example
    expect(html).toContain('id="schema-Decision"');
  });
});
