import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Policy, type RiskRule } from '../../src-shared/index.js';
import {
  exportPolicyFile,
  MissingAgentError,
  normalizeAction,
  parsePolicyDocument,
  parsePolicyFile,
  seedToPolicy,
  slugify,
} from '../../src-main/engine/index.js';
import { errorsOf, policy, TERRAFORM_SEED_POLICY } from './helpers.js';

const YAML_FILE = `
version: 1
settings:
  require_approval_at: 60
  risk_weights: { secrets: 40 }
risk_rules:
  - id: customer-data
    when: { resource: "*customers*" }
    points: 20
    detail: touches customer data
policies:
  - id: prod-db-delete
    name: Deleting from production databases needs approval
    priority: 80
    effect: require_approval
    when:
      action_type: { in: [database.delete, database_delete] }
      environment: production
    approval: { timeout_s: 300, timeout_action: deny }
  - id: reads
    effect: allow
    priority: 10
    when: { action_type: file.read }
    source: user
`;

describe('parsePolicyFile', () => {
  it('reads YAML with settings, risk rules and policies (defaults applied)', () => {
    const file = parsePolicyFile(YAML_FILE);
    expect(file.settings).toEqual({ require_approval_at: 60, risk_weights: { secrets: 40 } });
    expect(file.risk_rules).toEqual([
      { id: 'customer-data', when: { resource: '*customers*' }, points: 20, detail: 'touches customer data' },
    ]);
    expect(file.policies).toHaveLength(2);
    expect(file.policies[0]).toMatchObject({ id: 'prod-db-delete', enabled: true, mode: 'enforce', source: 'import', expires_at: null });
    expect(file.policies[1]?.source).toBe('user');
  });

  it('reads JSON', () => {
    const file = parsePolicyFile(JSON.stringify({ version: 1, policies: [{ id: 'a', effect: 'deny' }] }), { defaultSource: 'user' });
    expect(file.policies[0]).toMatchObject({ id: 'a', source: 'user', priority: 50 });
    expect(file.risk_rules).toBeUndefined();
    expect(file.settings).toBeUndefined();
  });

  it('reads a bare list as the policies', () => {
    expect(parsePolicyFile('- id: a\n  effect: allow\n').policies[0]?.id).toBe('a');
  });

  it('names the file itself, (file), when the document is no policy file at all', () => {
    for (const text of ['5', '"policies"', 'null'])
      expect(() => parsePolicyFile(text)).toThrow(
        expect.objectContaining({ details: [expect.objectContaining({ path: '(file)' })] }) as Error,
      );
  });

  it('reports YAML syntax errors with their position', () => {
    const details = errorsOf(() => parsePolicyFile('policies:\n  - id: a\n   effect: [\n'));
    expect(details[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('collects every error of the file, named by policy id and field', () => {
    const details = errorsOf(() =>
      parsePolicyFile(`
version: 2
extra: true
settings: { enforcement: loud }
risk_rules:
  - { id: r, when: { resource: { regex: "(" } }, points: 1 }
policies:
  - { id: ok, effect: allow }
  - { id: bad-regex, effect: deny, when: { resource: { regex: "[" } } }
  - { id: ok, effect: deny }
  - { id: bad-effect, effect: explode }
  - { name: Seed with bad JSON, conditions: "{not json", action: deny }
`),
    );
    expect(details.map((d) => d.path)).toEqual([
      'extra',
      'version',
      'settings.enforcement',
      'risk_rules[0](r).when.resource.regex',
      'policies[1](bad-regex).when.resource.regex',
      'policies[2](ok).id',
      'policies[3](bad-effect).effect',
      'policies[4](seed-with-bad-json).conditions',
    ]);
  });

  it('refuses a risk rule that tests risk.score or risk.level: rules run before the score exists, so it could never hold', () => {
    const details = errorsOf(() =>
      parsePolicyFile(`
version: 1
risk_rules:
  - { id: late, when: { risk.score: { gte: 50 } }, points: 10 }
  - { id: nested, when: { any: [{ environment: prod }, { not: { risk.level: low } }] }, points: 5 }
  - { id: fine, when: { environment: prod }, points: 5 }
policies: []
`),
    );
    expect(details.map((d) => d.path)).toEqual(['risk_rules[0](late).when.risk.score', 'risk_rules[1](nested).when.any[1].not.risk.level']);
    expect(details[0]!.message).toMatch(/before the score exists/);
  });

  it('lists a policy’s schema errors and its condition errors together, with what the YAML itself says', () => {
    const details = errorsOf(() =>
      parsePolicyFile(`
version: 1
policies:
  - { id: both, effect: allow, priority: 5000, when: { resource: { regex: "[" }, tool_name: { frob: 1 } } }
  - { id: twice, effect: allow, effect: deny, when: { resource: { regex: "(" } } }
  - { name: Seed both, action: explode, conditions: { resource: { regex: "(" } } }
  - { id: BAD ID, effect: deny, when: { resource: { regex: "(" } } }
`),
    );
    expect(details.map((d) => d.path)).toEqual([
      'policies[1](twice).effect',
      'policies[0](both).priority',
      'policies[0](both).when.resource.regex',
      'policies[0](both).when.tool_name.frob',
      'policies[1](twice).when.resource.regex',
      'policies[2](seed-both).action',
      'policies[2](seed-both).conditions.resource.regex',
      'policies[3](BAD ID).id',
      'policies[3](BAD ID).when.resource.regex',
    ]);
  });

  it('names a key written twice by its field, where YAML would keep the last', () => {
    const details = errorsOf(() =>
      parsePolicyFile(
        'version: 1\npolicies:\n  - id: p1\n    name: a\n    effect: allow\n    effect: deny\n    when: { tool_name: x, tool_name: y }\n',
      ),
    );
    expect(details).toEqual([
      { path: 'policies[0](p1).effect', message: "duplicate key 'effect'" },
      { path: 'policies[0](p1).when.tool_name', message: "duplicate key 'tool_name'" },
    ]);
  });

  it('names an unquoted `*…` value, which YAML reads as an alias of an anchor the file lacks, by its field', () => {
    const details = errorsOf(() =>
      parsePolicyFile('version: 1\npolicies:\n  - id: p1\n    effect: deny\n    when: { action_type: *.delete }\n'),
    );
    expect(details).toEqual([
      { path: 'policies[0](p1).when.action_type', message: expect.stringContaining("quote it ('*.delete')") as string },
    ]);
    // Anchors and aliases that resolve are still YAML a user may write.
    const ok = parsePolicyFile(
      'version: 1\npolicies:\n  - id: p1\n    effect: deny\n    when: &w { action_type: a.delete }\n  - id: p2\n    effect: deny\n    when: *w\n',
    );
    expect(ok.policies[1]!.when).toEqual({ action_type: 'a.delete' });
  });

  it('refuses a number a double would change, naming its field; keeps those it holds as written', () => {
    const file = (n: string) => `policies:\n  - id: big\n    effect: allow\n    when: { context.n: ${n} }\n`;
    for (const [n, message] of [
      ['9007199254740993', /integer 9007199254740993 is beyond ±2\^53 and would be rounded; quote it/],
      ['9007199254740993.0', /would be rounded to 9007199254740992/],
      ['-9007199254740993e0', /would be rounded/],
      ['0x20000000000001', /integer 0x20000000000001 is beyond/],
      ['1e400', /too large for a double/],
      ['.inf', /not a finite number/],
    ] as const) {
      const details = errorsOf(() => parsePolicyFile(file(n)));
      expect(details).toHaveLength(1);
      expect(details[0]!.path).toBe('policies[0](big).when.context.n');
      expect(details[0]!.message).toMatch(message);
    }
    for (const [n, value] of [
      ['9007199254740991', 9007199254740991],
      ['9007199254740992', 9007199254740992],
      ['-9007199254740992', -9007199254740992],
      ['0x20000000000000', 9007199254740992],
      ['1e20', 1e20],
      ['1.5e300', 1.5e300],
      ['0.1', 0.1],
      ['"9007199254740993"', '9007199254740993'],
    ] as const) {
      expect(parsePolicyFile(file(n)).policies[0]!.when).toEqual({ 'context.n': value });
    }
  });

  it('policies must be a list', () => {
    expect(errorsOf(() => parsePolicyDocument({ version: 1, policies: 'x' }))).toEqual([{ path: 'policies', message: 'must be a list' }]);
  });
});

describe('seed policy forms (SPEC 3.4)', () => {
  it('maps the Terraform form: conditions as a JSON string, action, priority, approvers', () => {
    const file = parsePolicyFile(
      JSON.stringify({
        version: 1,
        policies: [TERRAFORM_SEED_POLICY],
      }),
    );
    expect(file.policies[0]).toEqual({
      id: 'terraform-production-changes',
      name: 'Terraform Production Changes',
      description: 'Require approval for production infrastructure changes',
      enabled: true,
      priority: 80,
      effect: 'require_approval',
      mode: 'enforce',
      when: { action_type: 'infrastructure.apply', 'context.environment': 'production' },
      // The approvers are kept: a one-step workflow of theirs answers the approval (seed-approvers.test.ts).
      approval: { workflow: 'terraform-production-changes-approvers' },
      expires_at: null,
      source: 'import',
    });
    expect(file.workflows?.map((w) => w.steps)).toEqual([
      [{ approvers: ['infra-lead', 'sre-team'], required: 1, timeout_hours: 300 / 3600 }],
    ]);
  });

  it.each([
    ['approve', 'allow'],
    ['allow', 'allow'],
    ['block', 'deny'],
    ['deny', 'deny'],
    ['escalate', 'require_approval'],
    ['require_approval', 'require_approval'],
    ['monitor', 'monitor'],
  ] as const)('action %s → effect %s', (seedAction, effect) => {
    expect(seedToPolicy({ name: 'X', action: seedAction }).policy.effect).toBe(effect);
  });

  it('maps the MCP form onto the fields the MCP proxy and the MCP evaluate route fill', () => {
    const ns = (n: string) => ({
      any: [{ 'mcp.server_id': n }, { 'mcp.tool': { regex: `^${n}(?:[_./-]|$)` } }, { action_type: `${n}.*` }, { 'mcp.namespace': n }],
    });
    const verb = (v: string) => ({
      any: [{ 'mcp.tool': { regex: `(?:^|[_./-])${v}(?:[_./-]|$)` } }, { action_type: `*.${v}` }, { 'mcp.verb': v }],
    });
    expect(
      seedToPolicy({ name: 'Block DB writes', server_id: 'mcp-enterprise-tools', namespace: 'database', verb: 'execute', action: 'deny' })
        .policy.when,
    ).toEqual({ 'mcp.server_id': 'mcp-enterprise-tools', all: [ns('database'), verb('execute')] });
    expect(seedToPolicy({ name: 'x', server_id: 'fs', tool: 'write_file', action: 'require_approval' }).policy.when).toEqual({
      'mcp.server_id': 'fs',
      'mcp.tool': 'write_file',
    });
    expect(seedToPolicy({ name: 'x', verb: 'execute', action: 'deny' }).policy.when).toEqual(verb('execute'));
    expect(seedToPolicy({ name: 'x', namespace: 'database', action: 'deny' }).policy.when).toEqual(ns('database'));
    // Regex characters in a name are literal; `*` and `?` stay wildcards (SPEC 3.2).
    expect(seedToPolicy({ name: 'x', namespace: 'db+(1)*', action: 'deny' }).policy.when).toMatchObject({
      any: [
        { 'mcp.server_id': 'db+(1)*' },
        { 'mcp.tool': { regex: '^db\\+\\(1\\)[\\s\\S]*(?:[_./-]|$)' } },
        { action_type: 'db+(1)*.*' },
        { 'mcp.namespace': 'db+(1)*' },
      ],
    });
    // The rule is in the policy's description, after the seed's own.
    const described = seedToPolicy({ name: 'x', description: 'Mine.', namespace: 'database', verb: 'execute', action: 'deny' }).policy;
    expect(described.description).toMatch(/^Mine\.\n\nMCP match: namespace 'database' matches .*; and verb 'execute' matches /);
    expect(seedToPolicy({ name: 'x', tool: 'write_file', action: 'deny' }).policy.description).toBeUndefined();
  });

  it('combines conditions and MCP fields that name the same key', () => {
    const when = seedToPolicy({ name: 'x', server_id: 'fs', conditions: { 'mcp.server_id': 'other' }, action: 'deny' }).policy.when;
    expect(when).toEqual({ all: [{ 'mcp.server_id': 'other' }, { 'mcp.server_id': 'fs' }] });
  });

  it('gives unique ids to seed policies with the same name', () => {
    const file = parsePolicyDocument({
      version: 1,
      policies: [
        { name: 'Same', action: 'deny' },
        { name: 'Same', action: 'allow' },
        { id: 'same-2', effect: 'allow' },
      ],
    });
    expect(file.policies.map((p) => p.id)).toEqual(['same', 'same-3', 'same-2']);
  });

  it('names a seed policy without an id by the id its name gives it in a file’s errors (SPEC 3.4)', () => {
    const details = errorsOf(() =>
      parsePolicyDocument({
        version: 1,
        policies: [
          { name: 'Terraform Production Changes', conditions: '{not json', action: 'require_approval' },
          { name: 'Block writes', action: 'explode' },
          { name: 'Block writes', conditions: { resource: { regex: '(' } }, action: 'deny' },
        ],
      }),
    );
    expect(details.map((d) => d.path)).toEqual([
      'policies[0](terraform-production-changes).conditions',
      'policies[1](block-writes).action',
      'policies[2](block-writes-2).conditions.resource.regex',
    ]);
  });

  it('seedToPolicy rejects invalid conditions naming the field', () => {
    expect(errorsOf(() => seedToPolicy({ name: 'x', conditions: { resource: { regex: '(' } }, action: 'deny' }))).toEqual([
      { path: 'conditions.resource.regex', message: expect.stringMatching(/invalid regex/) },
    ]);
    expect(errorsOf(() => seedToPolicy({ name: 'x', action: 'nope' }))[0]?.path).toBe('action');
    // The seeds' JSON-string form (Terraform's jsonencode) names the same field, without a stray dot.
    expect(errorsOf(() => seedToPolicy({ name: 'x', conditions: '{not json', action: 'deny' }))).toEqual([
      { path: 'conditions', message: expect.stringMatching(/not valid JSON/) },
    ]);
    expect(errorsOf(() => seedToPolicy({ name: 'x', conditions: '[1]', action: 'deny' }))[0]?.path).toBe('conditions');
  });

  it.each([
    ['Terraform Production Changes', 'terraform-production-changes'],
    ['  Héllo, Wörld!  ', 'hello-world'],
    ['!!!', 'policy'],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('slugify(%j) = %j', (name, slug) => expect(slugify(name)).toBe(slug));
});

describe('exportPolicyFile round-trips', () => {
  const policies: Policy[] = [
    policy({
      id: 'prod-db-delete',
      name: 'Prod deletes',
      description: 'multi\nline: "quoted"',
      priority: 80,
      effect: 'require_approval',
      when: {
        action_type: { in: ['database.delete'] },
        'context.environment': 'production',
        any: [{ resource: { regex: '^(?:a|b)\\d+$' } }, { 'parameters.n': { gte: 3.5 } }],
      },
      approval: { timeout_s: 60, timeout_action: 'allow' },
    }),
    policy({
      id: 'yes-no',
      effect: 'allow',
      when: { environment: ['yes', 'no', 'null', 'true', '0123', '*'] },
      expires_at: '2030-01-01T00:00:00.000Z',
      source: 'approval',
    }),
    policy({ id: 'off', effect: 'monitor', enabled: false, mode: 'shadow' }),
  ];
  const riskRules: RiskRule[] = [{ id: 'r', when: { resource: '*x*' }, points: -5 }];
  const settings = { ...DEFAULT_SETTINGS, deny_at: 95, risk_weights: { secrets: 40 } };

  it.each(['yaml', 'json'] as const)('%s', (format) => {
    const text = exportPolicyFile({ policies, settings, riskRules }, format);
    const back = parsePolicyFile(text);
    expect(back.policies).toEqual(policies);
    expect(back.risk_rules).toEqual(riskRules);
    expect(back.settings).toEqual(settings);
    expect(
      exportPolicyFile(
        { policies: back.policies, settings: { ...DEFAULT_SETTINGS, ...back.settings }, riskRules: back.risk_rules ?? [] },
        format,
      ),
    ).toBe(text);
  });

  it('opens a YAML file with a line saying what it is and how to import it, in words its reader has (no spec section)', () => {
    const first = exportPolicyFile({ policies, settings, riskRules }, 'yaml').split('\n')[0]!;
    expect(first).toMatch(/^# Gatehouse policy file .*gatehouse policy import FILE/);
    expect(first).not.toMatch(/SPEC/);
  });

  it('accepts positional arguments too', () => {
    expect(exportPolicyFile(policies, settings, riskRules, 'json')).toBe(exportPolicyFile({ policies, settings, riskRules }, 'json'));
  });
});

describe('normalizeAction', () => {
  it('folds risk_context into context (context wins) and takes the bound agent', () => {
    const a = normalizeAction(
      {
        agent_id: 'body-agent',
        action_type: 'database_delete',
        risk_context: { is_production: true, database: 'production' },
        context: { database: 'staging' },
      },
      'bound-agent',
    );
    expect(a).toEqual({ agent_id: 'bound-agent', action_type: 'database_delete', context: { is_production: true, database: 'staging' } });
    expect(a).not.toHaveProperty('risk_context');
  });
  it('uses risk_context alone', () => {
    expect(normalizeAction({ agent_id: 'a', action_type: 'x', risk_context: { n: 1 } }).context).toEqual({ n: 1 });
  });
  it('uses the body agent without a binding', () => {
    expect(normalizeAction({ agent_id: 'a', action_type: 'x' }).agent_id).toBe('a');
  });
  it('needs an agent', () => {
    expect(() => normalizeAction({ action_type: 'x' })).toThrow(MissingAgentError);
  });
  it('keeps every other field', () => {
    const req = {
      agent_id: 'a',
      action_type: 'x',
      resource: 'r',
      tool_name: 't',
      target_system: 's',
      description: 'd',
      environment: 'e',
      parameters: { p: 1 },
      mcp: { server_id: 'm' },
      session_id: 'sid',
      idempotency_key: 'k',
    };
    expect(normalizeAction(req)).toEqual(req);
  });
});
