import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type LiveServer } from '../integrations/helpers.js';
import { GATEWAY_POLICIES } from './harness.js';

/**
 * The AWS Lambda authorizer example, invoked locally (as the Lambda runtime calls it: `handler(event)`)
 * with API Gateway REQUEST-authorizer event fixtures, against a running `gatehouse serve`.
 */
interface AuthorizerResult {
  principalId: string;
  policyDocument: { Version: string; Statement: { Action: string; Effect: 'Allow' | 'Deny'; Resource: string }[] };
  context: Record<string, string | number | boolean>;
}
type Handler = (event: unknown) => Promise<AuthorizerResult>;

const DIR = join(ROOT, 'examples/gateways/aws-lambda');
const fixture = (name: string) => JSON.parse(readFileSync(join(DIR, 'events', name), 'utf8')) as Record<string, unknown>;
const ENV = ['GATEHOUSE_URL', 'GATEHOUSE_API_KEY', 'GATEHOUSE_AGENT', 'GATEHOUSE_WAIT_S', 'GATEHOUSE_TIMEOUT_MS'];

let gh: LiveServer;
let handler: Handler;
const saved: Record<string, string | undefined> = {};

/** A REST API event for another method and path (methodArn, path and requestContext kept consistent). */
function restEvent(method: string, path: string): Record<string, unknown> {
  const e = fixture('rest-api-request.json');
  const ctx = e.requestContext as Record<string, unknown>;
  e.httpMethod = method;
  e.path = path;
  e.methodArn = `arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/${method}${path}`;
  e.queryStringParameters = null;
  e.multiValueQueryStringParameters = null;
  ctx.httpMethod = method;
  ctx.path = `/test${path}`;
  return e;
}

beforeAll(async () => {
  for (const k of ENV) saved[k] = process.env[k];
  gh = await startServer();
  for (const p of [...GATEWAY_POLICIES]) await gh.admin('POST', '/api/v1/policies', p);
  process.env.GATEHOUSE_URL = gh.url;
  process.env.GATEHOUSE_API_KEY = gh.agentKey;
  delete process.env.GATEHOUSE_AGENT;
  delete process.env.GATEHOUSE_WAIT_S;
  handler = ((await import(pathToFileURL(join(DIR, 'authorizer.mjs')).href)) as { handler: Handler }).handler;
}, 120_000);

afterAll(async () => {
  for (const k of ENV)
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  await gh?.stop();
});

describe('AWS Lambda REQUEST authorizer (examples/gateways/aws-lambda)', () => {
  it('allows the REST API fixture as-is: an Allow policy for exactly its method ARN', async () => {
    const event = fixture('rest-api-request.json');
    const r = await handler(event);
    expect(r.principalId).toBe('aws-lambda-agent');
    expect(r.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    });
    expect(r.context.gatehouse_decision).toBe('allowed');
    for (const v of Object.values(r.context)) expect(['string', 'number', 'boolean']).toContain(typeof v);
    const s = await gh.admin<Record<string, unknown>>('GET', `/api/v1/actions/${r.context.gatehouse_action_id}/status`);
    expect(s).toMatchObject({
      agent_id: 'aws-lambda-agent',
      action_type: 'http.get',
      resource: 'abcdef123.execute-api.us-east-1.amazonaws.com/orders/17?expand=items',
      parameters: { client_ip: '203.0.113.7', proto: 'https' },
      policy: { id: 'reads-ok' },
    });
  });

  it('denies what a policy denies', async () => {
    const r = await handler(restEvent('DELETE', '/admin/users/3'));
    expect(r.policyDocument.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Resource: expect.stringContaining('/test/DELETE/admin/users/3'),
    });
    expect(r.context.gatehouse_decision).toBe('denied');
    expect(r.context.gatehouse_reason).toMatch(/no-admin-deletes/);
  });

  it('a held call (HTTP API payload 2.0 fixture) is denied with the pending id; after approval the retry is allowed', async () => {
    const event = fixture('http-api-request.json');
    const first = await handler(event);
    expect(first.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: event.routeArn });
    expect(first.context.gatehouse_decision).toBe('pending');
    const id = first.context.gatehouse_pending as string;
    expect(id).toMatch(/^act_/);
    const s = await gh.admin<Record<string, unknown>>('GET', `/api/v1/actions/${id}/status`);
    expect(s).toMatchObject({
      action_type: 'http.post',
      resource: 'abcdef123.execute-api.us-east-1.amazonaws.com/payments/charge?currency=EUR',
    });

    expect((await handler(event)).context.gatehouse_pending).toBe(id);
    await gh.admin('POST', `/api/v1/approvals/${id}/approve`, {});
    const after = await handler(event);
    expect(after.policyDocument.Statement[0]!.Effect).toBe('Allow');
    expect(after.context.gatehouse_action_id).toBe(id);
  });

  it('GATEHOUSE_WAIT_S waits for the person', async () => {
    process.env.GATEHOUSE_WAIT_S = '20';
    try {
      const answer = handler(restEvent('POST', '/payments/refund'));
      const id = await gh.resolveWhenPending(
        (a) => a.resource === 'abcdef123.execute-api.us-east-1.amazonaws.com/payments/refund',
        'approve',
      );
      const r = await answer;
      expect(r.policyDocument.Statement[0]!.Effect).toBe('Allow');
      expect(r.context.gatehouse_action_id).toBe(id);
    } finally {
      delete process.env.GATEHOUSE_WAIT_S;
    }
  });

  it('never fails open: a wrong key, a missing key or an unreachable Gatehouse is a Deny', async () => {
    const event = fixture('rest-api-request.json');
    process.env.GATEHOUSE_API_KEY = 'gk_agent_wrong_wrong_wrong_wrong_wrong';
    expect((await handler(event)).policyDocument.Statement[0]!.Effect).toBe('Deny');
    delete process.env.GATEHOUSE_API_KEY;
    expect((await handler(event)).policyDocument.Statement[0]!.Effect).toBe('Deny');
    process.env.GATEHOUSE_API_KEY = gh.agentKey;
    process.env.GATEHOUSE_URL = 'http://127.0.0.1:9';
    const r = await handler(event);
    expect(r.policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect(r.context.gatehouse_reason).toMatch(/could not be asked/);
    process.env.GATEHOUSE_URL = gh.url;
  });
});
