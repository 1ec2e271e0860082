import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStatusSchema, DecisionSchema, ErrorBodySchema } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

const read = { agent_id: 'reader', action_type: 'file.read', resource: '/home/dev/project/README.md' };

describe('submit', () => {
  it('returns the SPEC 2.2 decision body', async () => {
    const r = await t.json('POST', '/api/v1/actions/submit', { key: t.agentKey, body: read });
    expect(r.status).toBe(200);
    const d = DecisionSchema.strict().parse(r.body);
    expect(d.action_id).toMatch(/^act_/);
    expect(d.decision).toBe('allowed');
    expect(d.status).toBe('allowed');
    expect(d.requires_approval).toBe(false);
    expect(d.approval_id).toBeNull();
    expect(d.risk.factors.length).toBeGreaterThan(0);
    expect(d.risk.score).toBe(
      Math.max(
        0,
        Math.min(
          100,
          d.risk.factors.reduce((n, f) => n + f.points, 0),
        ),
      ),
    );
  });

  it('answers the seeds SDK path the same way', async () => {
    const r = await t.json('POST', '/api/authorization/agent-action', { key: t.agentKey, body: read });
    expect(r.status).toBe(200);
    DecisionSchema.parse(r.body);
  });

  it('accepts risk_context as an alias of context', async () => {
    const r = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: {
        agent_id: 'a',
        action_type: 'database_delete',
        risk_context: { is_production: true, estimated_rows: 10000, has_backup: true },
      },
    });
    const s = await t.json<{ context: Record<string, unknown>; risk: { factors: { id: string }[] } }>(
      'GET',
      `/api/v1/actions/${r.body.action_id}/status`,
      { key: t.agentKey },
    );
    expect(s.body.context).toMatchObject({ is_production: true, estimated_rows: 10000 });
    const ids = s.body.risk.factors.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['production', 'bulk', 'has-backup']));
  });

  it.each([
    [{ action_type: 'x' }, 'agent_id'],
    [{ agent_id: 'a' }, 'action_type'],
    [{ agent_id: 'a', action_type: 'x', extra_field: 1 }, 'extra_field'],
    [{ agent_id: 'bad agent!', action_type: 'x' }, 'agent_id'],
    [{ agent_id: 'a', action_type: 'x', parameters: 'not an object' }, 'parameters'],
    [{ agent_id: 'a', action_type: '' }, 'action_type'],
  ])('rejects %j with 400 naming %s', async (body, path) => {
    const r = await t.json('POST', '/api/v1/actions/submit', { key: t.agentKey, body });
    expect(r.status).toBe(400);
    const e = ErrorBodySchema.parse(r.body).error;
    expect(e.code).toBe('invalid_request');
    expect(e.details?.map((d) => d.path)).toContain(path);
  });

  it('names unknown fields in the message', async () => {
    const r = await t.json<{ error: { message: string } }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { ...read, actoin_type: 'typo' },
    });
    expect(r.body.error.message).toContain('actoin_type');
  });

  it('names each unknown field in its own detail, a nested one by its whole path', async () => {
    const r = await t.json('POST', '/api/v1/actions/submit', { key: t.agentKey, body: { ...read, actoin_type: 'typo', seesion_id: 's' } });
    expect(r.status).toBe(400);
    expect(ErrorBodySchema.parse(r.body).error.details).toEqual([
      { path: 'actoin_type', message: expect.stringMatching(/^Unknown field; allowed fields: agent_id, action_type, /) },
      { path: 'seesion_id', message: expect.stringMatching(/^Unknown field; allowed fields: .*session_id/) },
    ]);
    const p = await t.json('POST', '/api/v1/policies', {
      body: { id: 'typo-nested', name: 'n', effect: 'require_approval', when: {}, approval: { timeout_s: 60, tiemout_action: 'deny' } },
    });
    expect(p.status).toBe(400);
    expect(ErrorBodySchema.parse(p.body).error.details).toContainEqual({
      path: 'approval.tiemout_action',
      message: 'Unknown field; allowed fields: timeout_s, timeout_action, workflow',
    });
  });

  it('rejects bad JSON (400 invalid_json), a wrong media type (415) and a huge body (413)', async () => {
    expect(
      (await t.json<{ error: { code: string } }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: '{"agent_id":' })).body.error
        .code,
    ).toBe('invalid_json');
    const r415 = await t.req('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: JSON.stringify(read),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(r415.status).toBe(415);
    const huge = JSON.stringify({ ...read, description: 'x'.repeat(1_100_000) });
    const r413 = await t.req('POST', '/api/v1/actions/submit', { key: t.agentKey, body: huge });
    expect(r413.status).toBe(413);
  });

  it('returns the first result for a repeated idempotency key from the same agent', async () => {
    const body = { ...read, idempotency_key: 'once-123' };
    const [a, b] = await Promise.all([
      t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body }),
      t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body }),
    ]);
    const c = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body });
    expect(a.body.action_id).toBe(b.body.action_id);
    expect(c.body.action_id).toBe(a.body.action_id);
    const other = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { ...body, agent_id: 'someone-else' },
    });
    expect(other.body.action_id).not.toBe(a.body.action_id);
  });

  it('creates agents on first sight, unregistered, and registration marks them', async () => {
    await t.json('POST', '/api/v1/actions/submit', { key: t.agentKey, body: { agent_id: 'newbie', action_type: 'file.read' } });
    let agents = await t.json<{ items: { agent_id: string; registered: boolean; counts: { total: number } }[] }>('GET', '/api/v1/agents');
    const newbie = agents.body.items.find((a) => a.agent_id === 'newbie');
    expect(newbie).toMatchObject({ registered: false, counts: { total: 1 } });
    const reg = await t.json('POST', '/api/v1/agents/register', {
      key: t.agentKey,
      body: { agent_id: 'newbie', name: 'New', agent_type: 'supervised', capabilities: ['data_access'] },
    });
    expect(reg.status).toBe(200);
    agents = await t.json('GET', '/api/v1/agents');
    expect(agents.body.items.find((a) => a.agent_id === 'newbie')?.registered).toBe(true);
  });
});

describe('status, complete and listing', () => {
  it('reports status (also on the seeds path) and completion', async () => {
    const d = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: read });
    const s1 = await t.json('GET', `/api/agent-action/status/${d.body.action_id}`, { key: t.agentKey });
    ActionStatusSchema.parse(s1.body);
    expect(s1.body).toMatchObject({ status: 'allowed', approved: true, reviewed_by: 'policy' });
    const c = await t.json('POST', `/api/agent-action/${d.body.action_id}/complete`, {
      key: t.agentKey,
      body: { status: 'success', result: { lines: 3 }, duration_ms: 12 },
    });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ status: 'completed', result: { lines: 3 }, duration_ms: 12 });
    expect(typeof c.body.completed_at).toBe('string');
    const again = await t.json('POST', `/api/v1/actions/${d.body.action_id}/complete`, { key: t.agentKey, body: { status: 'failure' } });
    expect(again.status).toBe(409);
  });

  it('refuses to complete a denied action (409) and 404s unknown ids', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'deny-rm', effect: 'deny', priority: 200, when: { action_type: 'danger.rm' } },
    });
    const d = await t.json<{ action_id: string; decision: string; policy: { id: string } }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'a', action_type: 'danger.rm' },
    });
    expect(d.body.decision).toBe('denied');
    expect(d.body.policy.id).toBe('deny-rm');
    expect(
      (await t.req('POST', `/api/v1/actions/${d.body.action_id}/complete`, { key: t.agentKey, body: { status: 'success' } })).status,
    ).toBe(409);
    expect((await t.req('GET', '/api/v1/actions/act_nope/status', { key: t.agentKey })).status).toBe(404);
  });

  it('lets an agent key see only the actions it submitted', async () => {
    const k = await t.json<{ key: string }>('POST', '/api/v1/keys', { body: { name: 'bot', scope: 'agent', agent_id: 'bot-1' } });
    const mine = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', {
      key: k.body.key,
      body: { action_type: 'file.read', resource: '/x' },
    });
    const theirs = await t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body: read });
    const list = await t.json<{ items: { action_id: string; agent_id: string }[] }>('GET', '/api/v1/actions?limit=100', {
      key: k.body.key,
    });
    expect(list.body.items.map((a) => a.action_id)).toEqual([mine.body.action_id]);
    expect(list.body.items[0]!.agent_id).toBe('bot-1');
    expect((await t.req('GET', `/api/v1/actions/${theirs.body.action_id}/status`, { key: k.body.key })).status).toBe(404);
    // A bound key cannot speak for another agent.
    const spoof = await t.json('POST', '/api/v1/actions/submit', {
      key: k.body.key,
      body: { agent_id: 'someone', action_type: 'file.read' },
    });
    expect(spoof.status).toBe(403);
  });

  it('pages newest first with a cursor and filters', async () => {
    for (let i = 0; i < 7; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'pager', action_type: 'file.read', resource: `/p/${i}` },
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { resource: string }[]; next_cursor: string | null } } = await t.json(
        'GET',
        `/api/v1/actions?agent_id=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((a) => a.resource));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['/p/6', '/p/5', '/p/4', '/p/3', '/p/2', '/p/1', '/p/0']);
    const q = await t.json<{ items: unknown[] }>('GET', '/api/v1/actions?q=p%2F3&agent_id=pager');
    expect(q.body.items.length).toBeGreaterThanOrEqual(1);
    expect((await t.req('GET', '/api/v1/actions?limit=0')).status).toBe(400);
  });

  it('a cursor no list gave is a 400 naming it, on actions and audit alike (it was read as the first page)', async () => {
    for (const list of ['actions', 'audit'])
      for (const cursor of [
        'garbage',
        Buffer.from('12:x').toString('base64url'),
        Buffer.from('1'.repeat(30) + ':1').toString('base64url'),
      ]) {
        const r = await t.json<{ error: { code: string; details?: { path: string }[] } }>('GET', `/api/v1/${list}?cursor=${cursor}`);
        expect(r.status, `${list} ${cursor}`).toBe(400);
        expect(r.body.error.details?.[0]?.path, `${list} ${cursor}`).toBe('cursor');
      }
  });

  it('pages free-text results newest first across cursors, inside the time window and the other filters', async () => {
    for (let i = 0; i < 9; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: {
          agent_id: i % 3 === 0 ? 'other-searcher' : 'searcher',
          action_type: 'database.query',
          resource: `postgres://production-${i}/orders`,
        },
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { resource: string }[]; next_cursor: string | null } } = await t.json(
        'GET',
        `/api/v1/actions?q=production&agent_id=searcher&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((a) => a.resource));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([8, 7, 5, 4, 2, 1].map((i) => `postgres://production-${i}/orders`));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await t.json<{ items: unknown[] }>('GET', `/api/v1/actions?q=production&since=${future}`);
    expect(none.body.items).toEqual([]);
  });
});

describe('free text reaches inside an action', () => {
  it('finds the words of its parameters, context, environment, MCP server and flags, never a masked secret, and not past the cap', async () => {
    const submit = (body: Record<string, unknown>) =>
      t.json<{ action_id: string }>('POST', '/api/v1/actions/submit', { key: t.agentKey, body });
    const watch = { id: 'pelicanwatch', name: 'Watch the DBA bot', effect: 'monitor', priority: 10, when: { agent_id: 'dba-bot' } };
    expect((await t.json('POST', '/api/v1/policies', { body: watch })).status).toBe(201);
    const sql = await submit({
      agent_id: 'dba-bot',
      action_type: 'database.query',
      resource: 'postgres://db/main',
      environment: 'staging',
      parameters: { sql: 'SELECT * FROM zebracustomers', opts: [{ note: 'nightlyreport' }], key: 'AKIAIOSFODNN7EXAMPLE' },
      context: { ticket: 'OPS-8841' },
    });
    const mcp = await t.json<{ action_id: string }>('POST', '/mcp/governance/evaluate', {
      key: t.agentKey,
      body: { server_id: 'quokka-files', tool: 'read_file', parameters: { path: 'notes.txt' } },
    });
    // A big value (a file's content) is indexed only up to the cap: a word past it is not found.
    const big = await submit({
      agent_id: 'writer-bot',
      action_type: 'file.write',
      resource: 'big.txt',
      parameters: { content: `${'lorem '.repeat(1000)} wombatword` },
    });
    const ids = async (q: string) =>
      (await t.json<{ items: { action_id: string }[] }>('GET', `/api/v1/actions?q=${encodeURIComponent(q)}`)).body.items.map(
        (a) => a.action_id,
      );
    expect(await ids('zebracust')).toEqual([sql.body.action_id]); // a prefix of a word in parameters.sql
    expect(await ids('nightlyreport')).toEqual([sql.body.action_id]); // nested in a list
    expect(await ids('OPS-8841')).toEqual([sql.body.action_id]); // context
    expect(await ids('staging')).toContain(sql.body.action_id); // environment
    expect(await ids('quokka')).toEqual([mcp.body.action_id]); // mcp.server_id
    expect(await ids('pelicanwatch')).toEqual([sql.body.action_id]); // flags: monitor:pelicanwatch
    expect(await ids('AKIAIOSFODNN7EXAMPLE')).toEqual([]); // masked before it was stored
    expect(await ids('lorem')).toEqual([big.body.action_id]);
    expect(await ids('wombatword')).toEqual([]);
  });
});

describe('MCP governance API', () => {
  it('answers upper-case decisions for the seeds evaluate shape', async () => {
    const r = await t.json<{ decision: string; action_id: string; risk_score: number; reason: string }>(
      'POST',
      '/mcp/governance/evaluate',
      {
        key: t.agentKey,
        body: {
          server_id: 'mcp-enterprise-tools',
          namespace: 'database',
          verb: 'query',
          resource: 'database://analytics',
          parameters: { sql: 'SELECT 1' },
        },
      },
    );
    expect(r.status).toBe(200);
    expect(['ALLOW', 'DENY', 'REQUIRE_APPROVAL']).toContain(r.body.decision);
    expect(r.body.action_id).toMatch(/^act_/);
    expect(typeof r.body.risk_score).toBe('number');
  });

  it('registers servers and raises an alert when a known server changes its tools', async () => {
    const events: string[] = [];
    const off = t.g.bus.subscribe((e) => events.push(e.event));
    const tools = [{ name: 'read_file', description: 'Read' }];
    expect(
      (await t.json('POST', '/mcp/servers/register', { key: t.agentKey, body: { server_id: 'fs', name: 'Filesystem', tools } })).status,
    ).toBe(200);
    await t.json('POST', '/mcp/servers/register', { key: t.agentKey, body: { server_id: 'fs', tools } });
    expect(events).not.toContain('alert.triggered');
    await t.json('POST', '/mcp/servers/register', {
      key: t.agentKey,
      body: { server_id: 'fs', tools: [...tools, { name: 'delete_everything' }] },
    });
    await new Promise((r) => setTimeout(r, 50));
    off();
    expect(events).toContain('alert.triggered');
    const list = await t.json<{ items: { server_id: string; tools: unknown[]; tools_changed_at: string | null }[] }>('GET', '/mcp/servers');
    const fs = list.body.items.find((s) => s.server_id === 'fs')!;
    expect(fs.tools).toHaveLength(2);
    // Calls through the proxy's path (submit with mcp.server_id) count on the server.
    await t.json('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'mcp-client', action_type: 'mcp.tool_call', tool_name: 'read_file', mcp: { server_id: 'fs', tool: 'read_file' } },
    });
    await new Promise((r) => setTimeout(r, 50));
    const after = await t.json<{ items: { server_id: string; calls: number }[] }>('GET', '/mcp/servers');
    expect(after.body.items.find((s) => s.server_id === 'fs')!.calls).toBe(1);
    expect(fs.tools_changed_at).not.toBeNull();
  });

  it('maps the seeds Terraform-style policy on POST /mcp/policies', async () => {
    const r = await t.json<{ id: string; effect: string; priority: number }>('POST', '/mcp/policies', {
      body: {
        name: 'Terraform Production Changes',
        conditions: { action_type: 'infrastructure.apply', 'context.environment': 'production' },
        action: 'require_approval',
        approvers: ['infra-lead'],
        priority: 80,
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ effect: 'require_approval', priority: 80 });
    const d = await t.json<{ decision: string; policy: { id: string } }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'tf', action_type: 'infrastructure.apply', context: { environment: 'production' } },
    });
    expect(d.body.decision).toBe('pending');
    expect(d.body.policy.id).toBe(r.body.id);
  });

  it('the seeds’ example, sent as is to an install with the default policies, is created under the next free id (it was a 409)', async () => {
    const fresh = await openTestCore({ defaultPolicies: true });
    try {
      const seed = {
        name: 'Terraform Production Changes',
        description: 'Require approval for production infrastructure changes',
        conditions: { action_type: 'infrastructure.apply', 'context.environment': 'production' },
        action: 'require_approval',
        approvers: ['infra-lead', 'sre-team'],
        priority: 80,
      };
      const first = await fresh.json<{ id: string }>('POST', '/mcp/policies', { body: seed });
      expect(first.status).toBe(201);
      expect(first.body.id).toBe('terraform-production-changes-2');
      expect((await fresh.json<{ id: string }>('POST', '/mcp/policies', { body: seed })).body.id).toBe('terraform-production-changes-3');
      // An id the client names is its own: taken, it is still a 409.
      expect((await fresh.json('POST', '/mcp/policies', { body: { ...seed, id: 'terraform-production-changes' } })).status).toBe(409);
    } finally {
      await fresh.close();
    }
  });
});
