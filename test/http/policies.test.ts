import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PolicyTestResultSchema, PolicyViewSchema, SimulateResultSchema } from '../../src-shared/index.js';
import { StorageUnavailableError } from '../../src-main/storage/types.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

const policy = {
  id: 'no-prod-drop',
  name: 'No DROP in production',
  priority: 300,
  effect: 'deny',
  when: { action_type: 'database.*', environment: 'production', 'parameters.sql': { regex: '\\bDROP\\b' } },
};

describe('policy CRUD', () => {
  it('creates, reads, updates and deletes, auditing each change', async () => {
    const c = await t.json('POST', '/api/v1/policies', { body: { ...policy, when: { action_type: 'database.*' } } });
    expect(c.status).toBe(201);
    PolicyViewSchema.parse(c.body);
    expect((await t.json('GET', '/api/v1/policies/no-prod-drop')).body).toMatchObject({
      id: 'no-prod-drop',
      effect: 'deny',
      enabled: true,
      mode: 'enforce',
      hits: 0,
    });
    const u = await t.json('PUT', '/api/v1/policies/no-prod-drop', {
      body: { ...policy, when: { action_type: 'database.*' }, enabled: false },
    });
    expect(u.body).toMatchObject({ enabled: false });
    expect((await t.req('POST', '/api/v1/policies', { body: policy })).status).toBe(409);
    expect((await t.req('DELETE', '/api/v1/policies/no-prod-drop')).status).toBe(200);
    expect((await t.req('GET', '/api/v1/policies/no-prod-drop')).status).toBe(404);
    const audit = await t.json<{ items: { type: string }[] }>('GET', '/api/v1/audit?limit=20');
    const types = audit.body.items.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['policy.created', 'policy.updated', 'policy.deleted']));
  });

  it.each([
    [{ ...policy, id: 'Bad Id' }, 'id'],
    [{ ...policy, effect: 'maybe' }, 'effect'],
    [{ ...policy, priority: 5000 }, 'priority'],
    [{ ...policy, when: { resource: { regex: '([unclosed' } } }, 'resource'],
    [{ ...policy, when: { 'parameters.sql': { regex: 'DROP(?!\\s+TEMP)' } } }, 'parameters.sql.regex'], // lookaround: not linear-time
    [{ ...policy, when: { resource: { regex: '(a)\\1' } } }, 'resource.regex'], // backreference: not linear-time
    [{ ...policy, when: { resource: { frobnicate: 1 } } }, 'resource'],
  ])('rejects a malformed policy with 400 naming the field (%#)', async (body, field) => {
    const r = await t.json<{ error: { code: string; details: { path: string }[] } }>('POST', '/api/v1/policies', { body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.map((d) => d.path).join(' ')).toContain(field);
    // Nothing changed, and deciding still works.
    expect(
      (await t.req('POST', '/api/v1/actions/submit', { key: t.agentKey, body: { agent_id: 'a', action_type: 'file.read' } })).status,
    ).toBe(200);
  });

  it("names a bad condition as the body has it, on POST and PUT (not by the policy's place in the stored set)", async () => {
    type Err = { error: { details: { path: string }[] } };
    const bad = { id: 'bad-regex', effect: 'deny', when: { any: [{ resource: { regex: '([' } }] } };
    const created = await t.json<Err>('POST', '/api/v1/policies', { body: bad });
    expect(created.status).toBe(400);
    expect(created.body.error.details.map((d) => d.path)).toEqual(['when.any[0].resource.regex']);
    await t.json('POST', '/api/v1/policies', { body: { id: 'bad-regex', effect: 'deny', when: { action_type: 'x.y' } } });
    const updated = await t.json<Err>('PUT', '/api/v1/policies/bad-regex', { body: bad });
    expect(updated.status).toBe(400);
    expect(updated.body.error.details.map((d) => d.path)).toEqual(['when.any[0].resource.regex']);
    await t.req('DELETE', '/api/v1/policies/bad-regex');
  });

  it('names a bad settings patch under settings, in a draft test and in a policy file', async () => {
    type Err = { error: { details: { path: string }[] } };
    const test = await t.json<Err>('POST', '/api/v1/policies/test', {
      body: { action: { agent_id: 'a', action_type: 'x.y' }, settings: { deny_at: 5 } },
    });
    expect(test.status).toBe(400);
    expect(test.body.error.details.map((d) => d.path)).toEqual(['settings.deny_at']);
    const file = await t.json<Err>('POST', '/api/v1/policies/import', {
      body: 'version: 1\nsettings: { require_approval_at: 10 }\npolicies: []\n',
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(file.status).toBe(400);
    expect(file.body.error.details.map((d) => d.path)).toEqual(['settings.auto_allow_below']);
  });

  it('PUT refuses an id that differs from the path', async () => {
    await t.json('POST', '/api/v1/policies', { body: { id: 'p1', effect: 'allow', when: { action_type: 'x.y' } } });
    const r = await t.json('PUT', '/api/v1/policies/p1', { body: { id: 'p2', effect: 'allow' } });
    expect(r.status).toBe(400);
  });
});

/** A listed policy set as a draft: the bookkeeping the API adds is not part of a policy. */
const asDraft = (items: unknown[]) =>
  items.map((p) => {
    const {
      hits: _h,
      last_hit_at: _l,
      created_at: _c,
      updated_at: _u,
      ephemeral: _e,
      unusable: _x,
      ...rest
    } = p as Record<string, unknown>;
    return rest;
  });

describe('test and simulate', () => {
  it('explains a decision with a trace of every policy', async () => {
    await t.json('POST', '/api/v1/policies', { body: policy });
    const r = await t.json('POST', '/api/v1/policies/test', {
      body: {
        action: { agent_id: 'dba', action_type: 'database.query', environment: 'production', parameters: { sql: 'DROP TABLE users' } },
      },
    });
    expect(r.status).toBe(200);
    const res = PolicyTestResultSchema.parse(r.body);
    expect(res.decision).toBe('denied');
    expect(res.policy?.id).toBe('no-prod-drop');
    const line = res.trace.find((x) => x.policy_id === 'no-prod-drop')!;
    expect(line).toMatchObject({ matched: true, decided: true });
    expect(res.trace.find((x) => x.policy_id === 'p1')).toMatchObject({ matched: false });
  });

  it('tests against a draft set without saving it', async () => {
    const r = await t.json('POST', '/api/v1/policies/test', {
      body: {
        action: { agent_id: 'a', action_type: 'draft.thing' },
        policies: [{ id: 'draft', effect: 'deny', when: { action_type: 'draft.*' } }],
      },
    });
    expect(PolicyTestResultSchema.parse(r.body).decision).toBe('denied');
    expect((await t.req('GET', '/api/v1/policies/draft')).status).toBe(404);
  });

  it('simulates a draft against recent history and lists the changed decisions', async () => {
    for (let i = 0; i < 5; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'sim', action_type: 'file.read', resource: `/s/${i}` },
      });
    const current = (await t.json<{ items: unknown[] }>('GET', '/api/v1/policies')).body.items;
    const draft = [...asDraft(current), { id: 'sim-deny', effect: 'deny', priority: 999, when: { agent_id: 'sim' } }];
    const r = await t.json('POST', '/api/v1/policies/simulate', { body: { policies: draft, limit: 50 } });
    expect(r.status).toBe(200);
    const s = SimulateResultSchema.parse(r.body);
    expect(s.changed_count).toBeGreaterThanOrEqual(5);
    expect(
      s.changed.filter((c) => c.agent_id === 'sim').every((c) => c.before.decision === 'allowed' && c.after.decision === 'denied'),
    ).toBe(true);
  });
});

describe('simulate compares the current set with the current set plus the draft', () => {
  it('does not blame the draft for a policy added after the actions were recorded', async () => {
    for (let i = 0; i < 4; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'later', action_type: 'file.read', resource: `/l/${i}` },
      });
    // Recorded as allowed; a policy saved since denies them. The draft adds something unrelated.
    await t.json('POST', '/api/v1/policies', { body: { id: 'deny-later', effect: 'deny', priority: 990, when: { agent_id: 'later' } } });
    const current = asDraft((await t.json<{ items: unknown[] }>('GET', '/api/v1/policies')).body.items);
    const unrelated = [...current, { id: 'unrelated', effect: 'deny', when: { action_type: 'nothing.recorded' } }];
    const s = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: unrelated, limit: 100 } })).body,
    );
    expect(s.replayed).toBeGreaterThanOrEqual(4);
    expect(s.changed_count).toBe(0);
    expect(s.counts.before).toEqual(s.counts.after);
    expect(s.counts.before.denied).toBeGreaterThanOrEqual(4);

    // Taking the new policy out in the draft is a change the draft makes, and the recorded decision is shown beside it.
    const without = current.filter((p) => (p as { id: string }).id !== 'deny-later');
    const r = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: without, limit: 100 } })).body,
    );
    const mine = r.changed.filter((c) => c.agent_id === 'later');
    expect(mine).toHaveLength(4);
    for (const c of mine) {
      expect(c.before).toMatchObject({ decision: 'denied', policy_id: 'deny-later' });
      expect(c.after.decision).toBe('allowed');
      expect(c.recorded.decision).toBe('allowed');
    }
  });

  it('replays more actions than one page, newest first, and counts every one', async () => {
    for (let i = 0; i < 1_203; i++)
      await t.json('POST', '/api/v1/actions/submit', {
        key: t.agentKey,
        body: { agent_id: 'many', action_type: 'file.read', resource: `/m/${i}` },
      });
    const current = asDraft((await t.json<{ items: unknown[] }>('GET', '/api/v1/policies')).body.items);
    const draft = [...current, { id: 'deny-many', effect: 'deny', priority: 999, when: { agent_id: 'many' } }];
    const s = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: draft, limit: 1_100 } })).body,
    );
    expect(s.replayed).toBe(1_100);
    expect(s.changed_count).toBe(1_100);
    expect(s.changed).toHaveLength(1_000);
    expect(s.changed[0]!.resource).toBe('/m/1202');
    const all = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: draft, limit: 100_000 } })).body,
    );
    expect(all.changed_count).toBe(1_203);
  });
});

describe('import and export', () => {
  it('round-trips YAML and applies a file atomically', async () => {
    const yaml = await (await t.req('GET', '/api/v1/policies/export?format=yaml')).text();
    const doc = parseYaml(yaml) as { version: number; policies: { id: string }[] };
    expect(doc.version).toBe(1);
    expect(doc.policies.map((p) => p.id)).toContain('no-prod-drop');
    const again = await t.json('POST', '/api/v1/policies/import', { body: yaml, headers: { 'Content-Type': 'application/yaml' } });
    expect(again.status).toBe(200);
    // The export as it stands changes no policy, and the answer says so.
    expect(again.body).toMatchObject({ imported: doc.policies.length, created: 0, updated: 0, unchanged: doc.policies.length });
    expect(await (await t.req('GET', '/api/v1/policies/export?format=yaml')).text()).toBe(yaml);
    const one = doc.policies.find((p) => p.id === 'no-prod-drop') as { id: string; priority: number };
    const changed = { ...doc, policies: doc.policies.map((p) => (p.id === one.id ? { ...one, priority: one.priority + 1 } : p)) };
    const third = await t.json('POST', '/api/v1/policies/import', { body: changed });
    expect(third.body).toMatchObject({ created: 0, updated: 1, unchanged: doc.policies.length - 1 });
  });

  it('rejects a file with one bad policy and changes nothing', async () => {
    const before = await (await t.req('GET', '/api/v1/policies/export?format=json')).text();
    const bad = JSON.stringify({
      version: 1,
      policies: [
        { id: 'good-one', effect: 'allow' },
        { id: 'bad-one', effect: 'allow', when: { resource: { regex: '(' } } },
      ],
    });
    const r = await t.json<{ error: { message: string; details: { path: string }[] } }>('POST', '/api/v1/policies/import', { body: bad });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error)).toContain('bad-one');
    expect(await (await t.req('GET', '/api/v1/policies/export?format=json')).text()).toBe(before);
  });

  it('answers every error of the file at once: schema, conditions and workflow references, each by policy id and field; nothing changes', async () => {
    const before = await (await t.req('GET', '/api/v1/policies/export?format=json')).text();
    const yaml = [
      'version: 1',
      'policies:',
      '  - { id: fine, effect: allow, when: { action_type: fine.op } }',
      '  - { id: both-kinds, effect: deny, priority: 5000, when: { resource: { regex: "[" } } }',
      '  - { id: no-flow, effect: require_approval, approval: { workflow: nowhere }, when: { tool_name: { regex: "(" } } }',
      '',
    ].join('\n');
    const r = await t.json<{ error: { code: string; details: { path: string; message: string }[] } }>('POST', '/api/v1/policies/import', {
      body: yaml,
      headers: { 'Content-Type': 'application/yaml' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.map((d) => d.path)).toEqual([
      'policies[1](both-kinds).priority',
      'policies[1](both-kinds).when.resource.regex',
      'policies[2](no-flow).when.tool_name.regex',
      'policies[2](no-flow).approval.workflow',
    ]);
    expect(r.body.error.details[3]!.message).toBe("unknown workflow 'nowhere'");
    expect((await t.json('GET', '/api/v1/policies/fine')).status).toBe(404);
    expect(await (await t.req('GET', '/api/v1/policies/export?format=json')).text()).toBe(before);
  });
});

describe('settings', () => {
  it('reads, updates (audited) and validates', async () => {
    const s = await t.json<Record<string, unknown>>('GET', '/api/v1/settings');
    expect(s.body).toMatchObject({
      enforcement: 'enforce',
      auto_allow_below: 30,
      require_approval_at: 70,
      deny_at: null,
      approval_timeout_s: 300,
      timeout_action: 'deny',
      rate_limit_per_s: 2000,
    });
    expect((await t.json('PUT', '/api/v1/settings', { body: { deny_at: 95 } })).body).toMatchObject({ deny_at: 95 });
    const bad = await t.json<{ error: { details: { path: string }[] } }>('PUT', '/api/v1/settings', { body: { auto_allow_below: 90 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('auto_allow_below');
    expect((await t.json('PUT', '/api/v1/settings', { body: { enforcement: 'sometimes' } })).status).toBe(400);
    const audit = await t.json<{ items: { type: string }[] }>('GET', '/api/v1/audit?type=settings.changed');
    expect(audit.body.items.length).toBe(1);
    await t.json('PUT', '/api/v1/settings', { body: { deny_at: null } });
  });

  it('monitor enforcement records what would have been denied and allows', async () => {
    await t.json('PUT', '/api/v1/settings', { body: { enforcement: 'monitor' } });
    const d = await t.json<{ decision: string; flags: string[] }>('POST', '/api/v1/actions/submit', {
      key: t.agentKey,
      body: { agent_id: 'dba', action_type: 'database.query', environment: 'production', parameters: { sql: 'DROP TABLE x' } },
    });
    expect(d.body.decision).toBe('allowed');
    expect(d.body.flags).toContain('would_deny');
    await t.json('PUT', '/api/v1/settings', { body: { enforcement: 'enforce' } });
  });
});

describe('keys', () => {
  it('shows a secret once and never again', async () => {
    const c = await t.json<{ id: string; key: string; prefix: string }>('POST', '/api/v1/keys', { body: { name: 'ci', scope: 'admin' } });
    expect(c.body.key).toMatch(/^gk_admin_/);
    const list = await t.req('GET', '/api/v1/keys');
    const text = await list.text();
    expect(text).not.toContain(c.body.key);
    expect(text).not.toContain(t.adminKey);
    expect(text).toContain(c.body.id);
    const audit = await (await t.req('GET', '/api/v1/audit/export?format=jsonl')).text();
    expect(audit).not.toContain(c.body.key);
    expect(audit).not.toContain(t.adminKey);
    expect((await t.req('DELETE', '/api/v1/keys/key_nope')).status).toBe(404);
    expect((await t.req('POST', '/api/v1/keys', { body: { name: 'x', scope: 'root' } })).status).toBe(400);
  });
});

describe('settings patches', () => {
  it('change only the keys they name', async () => {
    await t.json('PUT', '/api/v1/settings', { body: { enforcement: 'monitor', approval_timeout_s: 120 } });
    const after = await t.json<Record<string, unknown>>('PUT', '/api/v1/settings', { body: { deny_at: 95 } });
    expect(after.body).toMatchObject({ enforcement: 'monitor', approval_timeout_s: 120, deny_at: 95 });
    const test = await t.json<{ flags: string[] }>('POST', '/api/v1/policies/test', {
      body: { action: { agent_id: 'a', action_type: 'danger.thing' }, settings: { deny_at: 30 } },
    });
    // The draft settings keep monitor mode: a would-be denial is only flagged.
    expect(test.body.flags).toContain('would_deny');
    await t.json('PUT', '/api/v1/settings', { body: { enforcement: 'enforce', approval_timeout_s: 300, deny_at: null } });
  });
});

describe('policy file import is all or nothing', () => {
  it('a file with policies and settings applies both in one commit: a storage failure applies neither', async () => {
    const file = {
      version: 1,
      settings: { approval_timeout_s: 777 },
      policies: [{ id: 'atomic-import', name: 'n', effect: 'deny', when: { action_type: 'atomic.*' } }],
    };
    const store = t.g.store as { commit: (ops: { sql: string }[], ...rest: unknown[]) => Promise<unknown> };
    const real = store.commit.bind(store);
    // The disk fails for any commit that writes the settings.
    store.commit = (ops, ...rest) =>
      ops.some((o) => o.sql.includes("'settings'")) ? Promise.reject(new StorageUnavailableError('disk full')) : real(ops, ...rest);
    try {
      expect((await t.req('POST', '/api/v1/policies/import', { body: file })).status).toBe(503);
    } finally {
      store.commit = real;
    }
    expect((await t.req('GET', '/api/v1/policies/atomic-import')).status).toBe(404);
    expect((await t.json<{ approval_timeout_s: number }>('GET', '/api/v1/settings')).body.approval_timeout_s).not.toBe(777);

    const ok = await t.json<{ settings_changed: boolean }>('POST', '/api/v1/policies/import', { body: file });
    expect(ok.status).toBe(200);
    expect(ok.body.settings_changed).toBe(true);
    expect((await t.req('GET', '/api/v1/policies/atomic-import')).status).toBe(200);
    expect((await t.json<{ approval_timeout_s: number }>('GET', '/api/v1/settings')).body.approval_timeout_s).toBe(777);
    const audit = await t.json<{ items: { type: string }[] }>('GET', '/api/v1/audit?limit=2');
    expect(audit.body.items.map((r) => r.type).sort()).toEqual(['policy.imported', 'settings.changed']);
  });
});

describe('the seeds’ Terraform / MCP form on POST and PUT /api/v1/policies (SPEC 3.4)', () => {
  // seeds/004 `resource "ascend_policy"`: what a Terraform provider would send to the policies CRUD endpoint.
  const conditions = { action_type: 'infrastructure.apply', 'context.environment': 'production' };
  const terraform = {
    name: 'Terraform Production Changes',
    description: 'Require approval for production infrastructure changes',
    conditions: JSON.stringify(conditions), // jsonencode({...})
    action: 'require_approval',
    approvers: ['infra-lead', 'sre-team'],
    priority: 80,
  };
  type Err = { error: { code: string; details: { path: string }[] } };
  const bookkeeping = ['hits', 'last_hit_at', 'created_at', 'updated_at', 'ephemeral', 'unusable', 'source'];
  const bare = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => !bookkeeping.includes(k)));
  const bareWorkflow = (w: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(w).filter(([k]) => !['created_at', 'updated_at', 'policies'].includes(k)));

  let api: TestCore;
  let imported: TestCore;
  beforeAll(async () => {
    [api, imported] = await Promise.all([openTestCore(), openTestCore()]);
  });
  afterAll(() => Promise.all([api.close(), imported.close()]));

  /** The policy and workflow a policy file import makes of `item` (on a core of its own, so the id is the same). */
  async function importedFrom(item: unknown, id: string) {
    const r = await imported.json('POST', '/api/v1/policies/import', { body: { version: 1, policies: [item] } });
    expect(r.status).toBe(200);
    const policy = (await imported.json(`GET`, `/api/v1/policies/${id}`)).body;
    const workflow = (await imported.json('GET', `/api/v1/workflows/${id}-approvers`)).body;
    return { policy: bare(policy), workflow: bareWorkflow(workflow) };
  }

  it.each([
    ['a JSON string (jsonencode)', terraform],
    ['an object', { ...terraform, name: 'Terraform Production Changes Object', conditions }],
  ])('POST creates, with conditions as %s, the policy and approvers workflow import makes of it', async (_what, body) => {
    const id = body.name.toLowerCase().replace(/ /g, '-');
    const c = await api.json('POST', '/api/v1/policies', { body });
    expect(c.status).toBe(201);
    PolicyViewSchema.parse(c.body);
    expect(c.body).toMatchObject({
      id,
      effect: 'require_approval',
      priority: 80,
      source: 'user',
      approval: { workflow: `${id}-approvers` },
    });
    const workflow = await api.json('GET', `/api/v1/workflows/${id}-approvers`);
    expect(workflow.body).toMatchObject({ steps: [{ approvers: ['infra-lead', 'sre-team'], required: 1 }], policies: [id] });
    const fromImport = await importedFrom(body, id);
    expect(bare(c.body)).toEqual(fromImport.policy);
    expect(bareWorkflow(workflow.body)).toEqual(fromImport.workflow);
    // It decides as the seed says: a production apply waits for infra-lead or sre-team.
    const d = await api.json('POST', '/api/v1/actions/submit', {
      key: api.agentKey,
      body: { agent_id: 'terraform-ci', action_type: 'infrastructure.apply', context: { environment: 'production' } },
    });
    expect(d.body).toMatchObject({ decision: 'pending' });
  });

  it('PUT replaces a policy from the seed form, updating its approvers workflow as a re-import does', async () => {
    const id = 'terraform-production-changes';
    const body = { ...terraform, approvers: ['platform-lead'], priority: 90 };
    const u = await api.json('PUT', `/api/v1/policies/${id}`, { body });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id, priority: 90, approval: { workflow: `${id}-approvers` } });
    const workflow = await api.json('GET', `/api/v1/workflows/${id}-approvers`);
    expect(workflow.body).toMatchObject({ steps: [{ approvers: ['platform-lead'] }] });
    const fromImport = await importedFrom(body, id);
    expect(bare(u.body)).toEqual(fromImport.policy);
    expect(bareWorkflow(workflow.body)).toEqual(fromImport.workflow);
    const other = await api.json<Err>('PUT', `/api/v1/policies/${id}`, { body: { ...body, id: 'another' } });
    expect(other.status).toBe(400);
    expect(other.body.error.details.map((d) => d.path)).toEqual(['id']);
  });

  it.each([
    [{ ...terraform, conditions: '{"action_type": ' }, 'conditions'],
    [{ ...terraform, conditions: { resource: { frobnicate: 1 } } }, 'conditions.resource.frobnicate'],
    [{ ...terraform, action: 'deny' }, 'approvers'],
    [{ ...terraform, action: 'maybe' }, 'action'],
    [{ ...terraform, approvers: ['infra-lead', 'infra-lead'] }, 'approvers'],
    [{ ...terraform, owner: 'me' }, 'owner'],
    [{ ...terraform, name: undefined }, 'name'],
    // A body with `effect` stays a Gatehouse policy: the seed's fields are unknown to it.
    [{ ...policy, id: 'with-effect', action: 'deny' }, 'action'],
  ])('POST and PUT refuse a bad one with 400 naming the field, changing nothing (%#)', async (body, field) => {
    const before = await (await api.req('GET', '/api/v1/policies/export?format=json')).text();
    for (const [method, path] of [
      ['POST', '/api/v1/policies'],
      ['PUT', '/api/v1/policies/terraform-production-changes'],
    ] as const) {
      const r = await api.json<Err>(method, path, { body });
      expect(r.status, method).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(
        r.body.error.details.map((d) => d.path),
        method,
      ).toContain(field);
    }
    expect(await (await api.req('GET', '/api/v1/policies/export?format=json')).text()).toBe(before);
  });
});
