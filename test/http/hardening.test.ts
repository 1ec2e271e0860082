import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../helpers/core.js';

/** Regressions from outside testing of 0.1 (issue 13), each failing on 0.1. */

let t: TestCore | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function newKey(core: TestCore, scope: 'agent' | 'admin'): Promise<{ id: string; key: string }> {
  const k = await core.json<{ id: string; key: string }>('POST', '/api/v1/keys', { body: { name: `k-${scope}`, scope } });
  expect(k.status).toBe(201);
  return k.body;
}

describe('revoking a key', () => {
  it('ends the event streams opened with it at once', async () => {
    t = await openTestCore();
    const admin = await newKey(t, 'admin');
    const res = await t.req('GET', '/api/v1/events', { key: admin.key });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // retry:
    expect(t.g.sse.size).toBe(1);
    expect((await t.req('DELETE', `/api/v1/keys/${admin.id}`)).status).toBe(200);
    expect(t.g.sse.size).toBe(0);
    // What follows the revocation never reaches the stream: it ends.
    await t.json('POST', '/api/v1/policies', { body: { id: 'after-revoke', effect: 'deny', when: { action_type: 'x.y' } } });
    const chunks: string[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(new TextDecoder().decode(r.value));
    }
    expect(chunks.join('')).not.toContain('after-revoke');
  });

  it('refuses the answer to a long-poll that was waiting with it', async () => {
    t = await openTestCore();
    await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
    const agent = await newKey(t, 'agent');
    const d = await t.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
      key: agent.key,
      body: { agent_id: 'a1', action_type: 'x.hold' },
    });
    expect(d.body.decision).toBe('pending');
    const poll = t.json<{ status?: string; error?: { code: string } }>('GET', `/api/v1/actions/${d.body.action_id}/status?wait=30`, {
      key: agent.key,
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    expect((await t.req('DELETE', `/api/v1/keys/${agent.id}`)).status).toBe(200);
    await t.json('POST', `/api/v1/approvals/${d.body.action_id}/approve`, { body: {} });
    const answer = await poll;
    expect(answer.status).toBe(401);
    expect(answer.body.status).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('idempotency (SPEC 2.3)', () => {
  const submit = (core: TestCore, body: Record<string, unknown>) =>
    core.json<{ action_id: string; decision: string; error?: { code: string; details: { path: string }[] } }>(
      'POST',
      '/api/v1/actions/submit',
      { key: core.agentKey, body },
    );

  it('answers a different request with a reused key with 409, never the first decision', async () => {
    t = await openTestCore();
    const first = await submit(t, { agent_id: 'a1', action_type: 'shell.exec', resource: 'ls', idempotency_key: 'k-1' });
    expect(first.body.decision).toBe('allowed');
    const other = await submit(t, { agent_id: 'a1', action_type: 'shell.exec', resource: 'rm -rf /', idempotency_key: 'k-1' });
    expect(other.status).toBe(409);
    expect(other.body.error!.code).toBe('conflict');
    expect(other.body.error!.details[0]!.path).toBe('idempotency_key');
    const list = await t.json<{ items: unknown[] }>('GET', '/api/v1/actions');
    expect(list.body.items).toHaveLength(1);
  });

  it('answers the same request (context or its alias risk_context) with the first result', async () => {
    t = await openTestCore();
    const body = { agent_id: 'a1', action_type: 'db.query', context: { n: 1 }, idempotency_key: 'k-2' };
    const first = await submit(t, body);
    const again = await submit(t, { ...body, context: undefined, risk_context: { n: 1 } });
    expect(again.status).toBe(200);
    expect(again.body.action_id).toBe(first.body.action_id);
  });

  it('refuses a key named in both context and risk_context (one value would be dropped unseen); distinct keys are merged', async () => {
    t = await openTestCore();
    const both = await submit(t, {
      agent_id: 'a1',
      action_type: 'db.query',
      context: { is_production: false },
      risk_context: { is_production: true },
    });
    expect(both.status).toBe(400);
    expect(both.body.error?.details[0]?.path).toBe('risk_context.is_production');
    const merged = await submit(t, { agent_id: 'a1', action_type: 'db.query', context: { a: 1 }, risk_context: { is_production: true } });
    expect(merged.status).toBe(200);
    const s = await t.json<{ context: Record<string, unknown> }>('GET', `/api/v1/actions/${merged.body.action_id}/status`, {
      key: t.agentKey,
    });
    expect(s.body.context).toEqual({ a: 1, is_production: true });
  });

  it('tells concurrent retries apart too', async () => {
    t = await openTestCore();
    const [a, b, c] = await Promise.all([
      submit(t, { agent_id: 'a1', action_type: 'x.y', resource: 'one', idempotency_key: 'k-3' }),
      submit(t, { agent_id: 'a1', action_type: 'x.y', resource: 'one', idempotency_key: 'k-3' }),
      submit(t, { agent_id: 'a1', action_type: 'x.y', resource: 'two', idempotency_key: 'k-3' }),
    ]);
    expect(a.body.action_id).toBe(b.body.action_id);
    expect(c.status).toBe(409);
  });

  it("never answers another API key's decision: a reused key from another key is a 409, while deciding and after", async () => {
    t = await openTestCore();
    const other = await newKey(t, 'agent');
    const body = { agent_id: 'a1', action_type: 'x.y', resource: 'one', idempotency_key: 'k-5' };
    const send = (key: string) =>
      t!.json<{ action_id?: string; error?: { code: string; details: { path: string }[] } }>('POST', '/api/v1/actions/submit', {
        key,
        body,
      });
    // Concurrent: the first is still being decided when the other key's arrives.
    const [first, racing] = await Promise.all([send(t.agentKey), send(other.key)]);
    // After: the first is on disk.
    const later = await send(other.key);
    for (const r of [racing, later]) {
      expect(r.status).toBe(409);
      expect(r.body.action_id).toBeUndefined();
      expect(r.body.error!.code).toBe('conflict');
      expect(r.body.error!.details[0]!.path).toBe('idempotency_key');
    }
    // The key that made it still gets its first result.
    const again = await send(t.agentKey);
    expect(again.status).toBe(200);
    expect(again.body.action_id).toBe(first.body.action_id);
  });

  it('stores a hash of the key, not the key', async () => {
    t = await openTestCore();
    await submit(t, { agent_id: 'a1', action_type: 'x.y', idempotency_key: 'my-visible-idempotency-key' });
    const rows = t.g.store.all<{ idempotency_key: string }>('SELECT idempotency_key FROM actions');
    expect(rows[0]!.idempotency_key).toMatch(/^[0-9a-f]{64}$/);
    const exported = await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    expect(exported).not.toContain('my-visible-idempotency-key');
  });
});

describe('reasons', () => {
  it('do not repeat the person’s comment, which is in `comment`', async () => {
    t = await openTestCore();
    await t.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { body: { agent_id: 'a', action_type: 'x.hold' } });
    const s = await t.json<{ reason: string; comment: string }>('POST', `/api/v1/approvals/${d.body.action_id}/deny`, {
      body: { comment: 'not today' },
    });
    expect(s.body.comment).toBe('not today');
    expect(s.body.reason).toBe('Rejected by user');
  });
});

describe('HTTP edges (SPEC 5)', () => {
  it('answers a wrong method on a known path with 405 and Allow', async () => {
    t = await openTestCore();
    const get = await t.json<{ error: { code: string } }>('GET', '/api/v1/actions/submit');
    expect(get.status).toBe(405);
    expect(get.body.error.code).toBe('method_not_allowed');
    expect((await t.req('GET', '/api/v1/actions/submit')).headers.get('allow')).toBe('POST');
    const put = await t.req('PUT', '/api/v1/policies');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, HEAD');
    const del = await t.req('DELETE', '/api/v1/actions/act_x/status');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    expect((await t.req('GET', '/api/v1/nothing-here')).status).toBe(404);
  });

  it('answers a wrong method with 405 before asking for a key, and still asks for one on the right method', async () => {
    t = await openTestCore();
    for (const [method, path, allow] of [
      ['PUT', '/api/v1/actions/submit', 'POST'],
      ['DELETE', '/api/v1/audit/verify', 'GET, HEAD'],
      ['OPTIONS', '/api/v1/actions/submit', 'POST'],
      ['PATCH', '/mcp/servers', 'GET, HEAD'],
      ['GET', '/api/v1/approvals/act_x/approve', 'POST'],
    ] as const) {
      const res = await t.req(method, path, { key: null });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    // The methods the paths take, and paths the table does not know, still need the key.
    expect((await t.req('POST', '/api/v1/actions/submit', { key: null, body: {} })).status).toBe(401);
    expect((await t.req('GET', '/api/v1/audit/verify', { key: null })).status).toBe(401);
    expect((await t.req('HEAD', '/api/v1/audit/verify', { key: null })).status).toBe(401);
    expect((await t.req('GET', '/api/v1/nothing-here', { key: null })).status).toBe(401);
    // An agent key on an admin route with the right method is still a 403.
    expect((await t.req('GET', '/api/v1/audit/verify', { key: t.agentKey })).status).toBe(403);
  });

  it('gives every error the same shape, `details` included (empty when no field is at fault)', async () => {
    t = await openTestCore();
    const shape = (code: string) => ({ error: { code, message: expect.any(String) as string, details: [] } });
    expect(await (await t.req('GET', '/api/v1/audit/verify', { key: null })).json()).toEqual(shape('unauthenticated'));
    expect(await (await t.req('GET', '/api/v1/audit/verify', { key: t.agentKey })).json()).toEqual(shape('forbidden'));
    expect(await (await t.req('GET', '/api/v1/actions/act_nope/status')).json()).toEqual(shape('not_found'));
    expect(await (await t.req('PUT', '/api/v1/actions/submit')).json()).toEqual(shape('method_not_allowed'));
    const invalid = (await (await t.req('POST', '/api/v1/actions/submit', { body: { agent_id: 'a' } })).json()) as {
      error: { details: { path: string }[] };
    };
    expect(invalid.error.details.map((d) => d.path)).toEqual(['action_type']);
  });

  it('refuses a compressed body with 415 instead of reading it as garbage', async () => {
    t = await openTestCore();
    const res = await t.json<{ error: { code: string } }>('POST', '/api/v1/actions/submit', {
      body: { agent_id: 'a', action_type: 'x.y' },
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    const identity = await t.json('POST', '/api/v1/actions/submit', {
      body: { agent_id: 'a', action_type: 'x.y' },
      headers: { 'Content-Encoding': 'identity' },
    });
    expect(identity.status).toBe(200);
  });

  it('refuses an absolute-form request target naming another host', async () => {
    t = await openTestCore();
    const res = await t.app.request('http://attacker.example/api/v1/settings', {
      headers: { Host: '127.0.0.1:7077', 'X-API-Key': t.adminKey },
    });
    expect(res.status).toBe(403);
  });

  const lone = '\ud800';
  const writes: [string, string, (core: TestCore) => Promise<string> | string, unknown, string][] = [
    [
      'submit',
      'POST',
      () => '/api/v1/actions/submit',
      { agent_id: 'a', action_type: 'x.y', parameters: { v: `a${lone}b` } },
      'parameters.v',
    ],
    [
      'submit key',
      'POST',
      () => '/api/v1/actions/submit',
      { agent_id: 'a', action_type: 'x.y', context: { [`k${lone}`]: 1 } },
      'context.k',
    ],
    ['MCP evaluate', 'POST', () => '/mcp/governance/evaluate', { server_id: 's', tool: 't', parameters: { q: lone } }, 'parameters.q'],
    ['register', 'POST', () => '/api/v1/agents/register', { agent_id: 'a', agent_type: 'supervised', name: lone }, 'name'],
    ['MCP register', 'POST', () => '/mcp/servers/register', { server_id: 's', command: `x${lone}` }, 'command'],
    ['policy', 'POST', () => '/api/v1/policies', { id: 'p', effect: 'deny', when: { resource: lone } }, 'when.resource'],
    ['policy update', 'PUT', () => '/api/v1/policies/p', { effect: 'deny', description: lone }, 'description'],
    ['webhook', 'POST', () => '/api/v1/webhooks', { url: 'https://example.com/h', events: ['*'], name: lone }, 'name'],
    ['key', 'POST', () => '/api/v1/keys', { name: lone, scope: 'agent' }, 'name'],
    ['settings', 'PUT', () => '/api/v1/settings', '{"auto_allow_below": 1e400}', 'auto_allow_below'],
    [
      'approve comment',
      'POST',
      async (core) => {
        await core.json('POST', '/api/v1/policies', { body: { id: 'hold', effect: 'require_approval', when: { action_type: 'x.hold' } } });
        const d = await core.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
          body: { agent_id: 'a', action_type: 'x.hold' },
        });
        return `/api/v1/approvals/${d.body.action_id}/approve`;
      },
      { comment: `ok${lone}` },
      'comment',
    ],
  ];
  it.each(writes)(
    'answers a lone surrogate (or an overflowing number) in %s with 400 naming the field',
    async (_n, method, path, body, field) => {
      t = await openTestCore();
      await t.json('POST', '/api/v1/policies', { body: { id: 'p', effect: 'allow', when: { action_type: 'p.p' } } });
      const url = await path(t);
      // JSON.stringify writes a lone surrogate as the escape \ud800, as an attacker's client would.
      const text = JSON.stringify(body).replace('1e+400', '1e400').replace('null', '1e400');
      const res = await t.json<{ error: { code: string; details?: { path: string }[] } }>(method, url, {
        body: _n === 'settings' ? '{"auto_allow_below": 1e400}' : text,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/^invalid_(request|json)$/);
      expect(res.body.error.details?.[0]?.path ?? '').toContain(field.split('.')[0]);
      const verify = await t.json<{ ok: boolean }>('GET', '/api/v1/audit/verify');
      expect(verify.body.ok).toBe(true);
    },
  );

  it('answers a lone surrogate in an imported YAML policy file with 400', async () => {
    t = await openTestCore();
    const res = await t.json<{ error: { code: string } }>('POST', '/api/v1/policies/import', {
      body: 'version: 1\npolicies:\n  - id: y\n    effect: deny\n    description: "a\\ud800b"\n',
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(res.status).toBe(400);
  });
});

describe('key and session checks compare for real', () => {
  const flipLast = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;

  it('refuses a key that differs from a real one in its last character (same public prefix)', async () => {
    t = await openTestCore();
    expect((await t.req('GET', '/api/v1/settings', { key: t.adminKey })).status).toBe(200);
    expect((await t.req('GET', '/api/v1/settings', { key: flipLast(t.adminKey) })).status).toBe(401);
    expect((await t.req('GET', '/api/v1/settings', { key: t.adminKey.slice(0, -1) })).status).toBe(401);
    expect((await t.req('GET', '/api/v1/settings', { key: `${t.adminKey}x` })).status).toBe(401);
  });

  it('refuses a session cookie that differs from a real one in its last character', async () => {
    t = await openTestCore();
    const session = t.g.sessions.redeem(t.g.sessions.issueLoginToken())!;
    expect(t.g.sessions.bySession(session)).not.toBeNull();
    expect(t.g.sessions.bySession(flipLast(session))).toBeNull();
    t.g.sessions.end(flipLast(session));
    expect(t.g.sessions.bySession(session)).not.toBeNull();
  });
});

describe('client aborts', () => {
  it('are not logged as errors', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { connect } = await import('node:net');
    const { startServer } = await import('../../src-main/server/serve.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-abort-'));
    const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => void logged.push(a);
    try {
      const key = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agent_key: string }).agent_key;
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve) => {
          const s = connect(server.port, '127.0.0.1', () => {
            s.write(
              `POST /api/v1/actions/submit HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"agent_id": "a", "action_type": "x.y", "description": "`,
            );
            setTimeout(() => {
              s.destroy();
              resolve();
            }, 50);
          });
        });
      }
      await new Promise((r) => setTimeout(r, 200));
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      console.error = original;
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(logged).toEqual([]);
  });
});

describe('absolute-form request targets over a real socket', () => {
  it('are refused unless they name this server', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { connect } = await import('node:net');
    const { startServer } = await import('../../src-main/server/serve.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-absform-'));
    const server = await startServer({ dataDir, port: 0, defaultPolicies: false, consoleDir: null });
    const exchange = (target: string, host = `127.0.0.1:${server.port}`) =>
      new Promise<string>((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1', () => {
          s.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        });
        let out = '';
        s.on('data', (d) => (out += d.toString()));
        s.on('end', () => resolve(out));
        s.on('error', reject);
      });
    const raw = async (target: string) => (await exchange(target)).split('\r\n')[0]!;
    try {
      expect(await raw('http://evil.example/health')).toMatch(/ 403 /);
      expect(await raw(`http://127.0.0.1:${server.port}/health`)).toMatch(/ 200 /);
      expect(await raw('/health')).toMatch(/ 200 /);
      // Schemes and hosts are case-insensitive (RFC 3986 3.1, 3.2.2): this server named in capitals is still this server.
      for (const name of ['127.0.0.1', 'LOCALHOST', 'LocalHost', '[::1]'])
        for (const scheme of ['HTTP', 'Http', 'http'])
          expect(await raw(`${scheme}://${name}:${server.port}/health`), `${scheme}://${name}`).toMatch(/ 200 /);
      expect(await raw(`HTTPS://127.0.0.1:${server.port}/health`)).toMatch(/ 200 /);
      // Another host stays refused in any case, and so does a target that makes no URL.
      for (const target of [
        'HTTP://EVIL.EXAMPLE/health',
        `HTTP://evil.example:${server.port}/health`,
        `HTTP://127.0.0.1:${server.port + 1}/health`,
        `HTTP://127.0.0.1:${server.port}@evil.example/health`,
        'HTTP://[::1/health',
        `HTTPX://127.0.0.1:${server.port}/health`,
        `FTP://127.0.0.1:${server.port}/health`,
      ])
        expect(await raw(target), target).toMatch(/ 403 /);
      expect(await raw(`HTTP:/127.0.0.1:${server.port}/health`)).toMatch(/ 400 /); // Node's parser refuses it first
      // A Host that makes no URL (a trailing dot after the port) is refused like any other, with a JSON body.
      const odd = await exchange('/health', `127.0.0.1:${server.port}.`);
      expect(odd.split('\r\n')[0]).toMatch(/ 403 /);
      expect(JSON.parse(odd.slice(odd.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'forbidden' } });
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
