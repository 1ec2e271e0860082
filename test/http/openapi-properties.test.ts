import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS, type Endpoint } from '../../src-shared/api.js';
import { ErrorBodySchema } from '../../src-shared/index.js';
import { BASE, openTestCore, type TestCore } from '../helpers/core.js';
import { arbitraryOf, invalidFrom, type Schema } from '../helpers/openapi-arbitrary.js';

/**
 * Property-based test generated from the served OpenAPI document (issue 13): for every route it
 * lists, valid bodies and queries (generated from the document's schemas) and invalid ones
 * (mutations, lone surrogates, overflowing numbers, garbage) never get a 5xx, every status is one
 * the document lists for that route, every JSON answer is valid against the route's schema (the
 * zod schema the document was generated from), and the audit chain verifies afterwards.
 */

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

const RUNS = 25;

let t: TestCore;
let doc: Doc;
const ids: Record<string, string[]> = {};

beforeAll(async () => {
  t = await openTestCore();
  await t.g.settings.update({ rate_limit_per_s: 0 });
  doc = (await t.json<Doc>('GET', '/api/openapi.json', { key: null })).body;
  // Real things for path parameters to name, beside ids that name nothing.
  await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
  const pending = [];
  for (let i = 0; i < 6; i++) {
    pending.push(
      (await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { body: { agent_id: 'a', action_type: 'x.hold' } })).body,
    );
  }
  const allowed = (
    await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { body: { agent_id: 'a', action_type: 'x.read' } })
  ).body;
  const hook = (await t.json<{ id: string }>('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:9/h', events: ['*'] } })).body;
  const key = (await t.json<{ id: string }>('POST', '/api/v1/keys', { body: { name: 'throwaway', scope: 'agent' } })).body;
  const approvals = (await t.json<{ items: { approval_id: string }[] }>('GET', '/api/v1/approvals')).body.items;
  // An MCP server with a pinned tool, and one whose definition changed (so an accept can succeed).
  const tool = (description: string) => ({ name: 'read_file', description, inputSchema: { type: 'object' } });
  await t.json('POST', '/mcp/servers/register', { body: { server_id: 'fs', tools: [tool('Read a file'), { name: 'list_dir' }] } });
  await t.json('POST', '/mcp/servers/register', { body: { server_id: 'fs', tools: [tool('Read any file'), { name: 'list_dir' }] } });
  const nothing = ['nope', 'act_0', 'x y', '%00', '\u00e9'];
  ids.id = [...pending.map((p) => p.action_id), allowed.action_id, hook.id, key.id, 'hold', ...nothing];
  ids.action_id = [...pending.map((p) => p.action_id), allowed.action_id, ...nothing];
  ids.approval_id = [...approvals.map((a) => a.approval_id), ...nothing];
  ids.agent = ['claude-code', 'codex', 'cursor', 'nope'];
  ids.server_id = ['fs', ...nothing];
  ids.tool = ['read_file', 'list_dir', ...nothing];
  // Envoy's form: the original path after the forward-auth path (slashes included).
  ids.original_path = ['orders', 'orders/7', 'admin/../x', ''];
});
afterAll(() => t.close());

function operations(): { path: string; method: string; op: Operation; endpoint: Endpoint }[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      path,
      method,
      op,
      endpoint: ENDPOINTS.find((e) => e.path === path && e.method === method)!,
    })),
  );
}

function requestOf(path: string, op: Operation): fc.Arbitrary<{ url: string; body?: string; contentType?: string }> {
  const params = (op.parameters ?? []).filter((p) => p.in === 'path');
  const queries = (op.parameters ?? []).filter((p) => p.in === 'query');
  const pathArb = fc.record(Object.fromEntries(params.map((p) => [p.name, fc.constantFrom(...(ids[p.name] ?? ['x']))])));
  // A long-poll waits as long as it is told (up to 60 s): keep the waits short here.
  const queryValue = (q: { name: string; schema: Schema }) =>
    q.name === 'wait' ? fc.constantFrom(0, 0.05) : arbitraryOf(q.schema, doc.components.schemas);
  const validQuery = fc.record(Object.fromEntries(queries.map((q) => [q.name, queryValue(q)])), {
    requiredKeys: queries.filter((q) => q.required).map((q) => q.name),
  });
  const queryArb = fc.oneof(
    { weight: 3, arbitrary: validQuery },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.constantFrom('limit', 'zz', 'format', 'window', 'cursor', 'since'), fc.string({ maxLength: 8 }), {
        maxKeys: 2,
      }),
    },
  );
  const json = op.requestBody?.content['application/json']?.schema;
  const bodyArb: fc.Arbitrary<string | undefined> = json
    ? fc.oneof(
        { weight: 3, arbitrary: arbitraryOf(json, doc.components.schemas).map((v) => JSON.stringify(v)) },
        { weight: 2, arbitrary: invalidFrom(arbitraryOf(json, doc.components.schemas)) },
      )
    : fc.constant(undefined);
  return fc.tuple(pathArb, queryArb, bodyArb).map(([p, q, body]) => {
    const url = path.replace(/\{([^}]+)\}/g, (_m, k: string) => encodeURIComponent(String(p[k])));
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    const qs = search.toString();
    return { url: qs ? `${url}?${qs}` : url, body, contentType: body === undefined ? undefined : 'application/json' };
  });
}

describe('every route of the served OpenAPI document', () => {
  it('has one operation per endpoint of the API table', () => {
    expect(operations().every((o) => o.endpoint)).toBe(true);
    expect(operations()).toHaveLength(ENDPOINTS.length);
  });

  it('never answers 5xx, answers only documented statuses with bodies valid against the document, and keeps the chain valid', async () => {
    const seen = new Map<string, Set<number>>();
    for (const { path, method, op, endpoint } of operations()) {
      await fc.assert(
        fc.asyncProperty(requestOf(path, op), async (r) => {
          const headers: Record<string, string> = { 'X-API-Key': t.adminKey };
          if (r.contentType) headers['Content-Type'] = r.contentType;
          // Forward-auth as a gateway calls it: the original request in forwarded headers (or, in Envoy's form, the Host).
          if (path.startsWith('/api/v1/authz/forward'))
            Object.assign(headers, {
              Host: new URL(BASE).host,
              'X-Forwarded-Method': 'GET',
              'X-Forwarded-Host': 'shop.example',
              'X-Forwarded-Uri': '/orders',
            });
          const started = Date.now();
          const res = await t.app.request(`${BASE}${r.url}`, { method: method.toUpperCase(), headers, body: r.body });
          const where = `${method.toUpperCase()} ${r.url} ${r.body?.slice(0, 200) ?? ''} → ${res.status}`;
          (seen.get(`${method} ${path}`) ?? seen.set(`${method} ${path}`, new Set()).get(`${method} ${path}`)!).add(res.status);
          expect(res.status, where).toBeLessThan(500);
          // No request hangs. A PDF brief starts a headless Chromium (another process, not this event
          // loop), which takes several seconds on a loaded 2-core machine: it gets a longer bound.
          expect(Date.now() - started, where).toBeLessThan(r.url.includes('format=pdf') ? 30_000 : 5_000);
          expect(Object.keys(op.responses), where).toContain(String(res.status));
          const type = res.headers.get('content-type') ?? '';
          if (type.startsWith('text/event-stream')) {
            await res.body?.cancel();
            return;
          }
          const text = await res.text();
          if (method === 'head') {
            expect(text, where).toBe(''); // a HEAD answer has the GET's status and headers, no body
            return;
          }
          if (res.status >= 400) {
            const json: unknown = JSON.parse(text);
            // Forward-auth's "no" is a 403 with the Decision (the document says so); every other error is the error body.
            const refusal = res.status === 403 && !!endpoint.refusal && endpoint.response!.schema.safeParse(json).success;
            expect(ErrorBodySchema.safeParse(json).success || refusal, where).toBe(true);
            if (res.status === 405) expect(res.headers.get('allow'), where).toBeTruthy();
          } else if (type.startsWith('application/json') && endpoint.response) {
            const parsed = endpoint.response.schema.safeParse(JSON.parse(text));
            expect(parsed.success, `${where}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
          }
          // A settings change may have turned the rate limit on; keep it off so later routes are reached.
          if (t.g.settings.get().rate_limit_per_s !== 0) await t.g.settings.update({ rate_limit_per_s: 0 });
        }),
        { numRuns: RUNS, seed: 4242 + path.length },
      );
    }
    if (process.env.SHOW_STATUSES) console.log([...seen].map(([k, v]) => `${k}: ${[...v].sort().join(',')}`).join('\n'));
    // Valid requests got through to the handlers: the suite is not only a wall of 400s.
    const succeeded = [...seen.entries()].filter(([, s]) => [...s].some((x) => x < 300)).length;
    expect(succeeded).toBeGreaterThan(ENDPOINTS.length * 0.6);
    const verify = await t.json<{ ok: boolean; records: number }>('GET', '/api/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
    expect(verify.body.records).toBeGreaterThan(20);
  }, 120_000);

  it('requires no field the server does not: a body accepted whole is refused without any field the document calls required', async () => {
    let checked = 0;
    for (const { path, method, op } of operations()) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema || !op.requestBody) continue;
      const resolved = (typeof schema.$ref === 'string' ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema) as Schema;
      const required = (resolved.required ?? []) as string[];
      if (required.length === 0) continue;
      const url = path.replace(/\{([^}]+)\}/g, (_m, k: string) => encodeURIComponent(ids[k]?.[0] ?? 'x'));
      for (const body of fc.sample(arbitraryOf(resolved, doc.components.schemas), { numRuns: 12, seed: 7 })) {
        const send = (b: unknown) =>
          t.app.request(`${BASE}${url}`, {
            method: method.toUpperCase(),
            headers: { 'X-API-Key': t.adminKey, 'Content-Type': 'application/json' },
            body: JSON.stringify(b),
          });
        const whole = await send(body);
        await whole.body?.cancel();
        if (whole.status >= 300) continue;
        for (const field of required) {
          const { [field]: _gone, ...rest } = body as Record<string, unknown>;
          const res = await send(rest);
          await res.body?.cancel();
          expect(res.status, `${method} ${path} without ${field}`).toBe(400);
          checked++;
        }
        break;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
