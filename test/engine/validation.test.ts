import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src-shared/index.js';
import { checkPolicy, compilePolicies, PolicyValidationError, type ValidationDetail } from '../../src-main/engine/index.js';
import { action, ctx } from './helpers.js';

function detailsOf(policies: unknown[], riskRules: unknown[] = [], settings: unknown = DEFAULT_SETTINGS): ValidationDetail[] {
  try {
    compilePolicies({ policies: policies as never, riskRules: riskRules as never, settings: settings as never });
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyValidationError);
    return (e as PolicyValidationError).details;
  }
  throw new Error('expected a PolicyValidationError');
}

const base = { effect: 'deny' };

describe('compilePolicies rejects malformed policies, naming policy and field', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['bad regex', { when: { resource: { regex: '(' } } }, 'when.resource.regex', /invalid regex/],
    ['bad regex flags', { when: { resource: { regex: '/x/g' } } }, 'when.resource.regex', /flag 'g' is not supported/],
    ['unknown operator', { when: { resource: { matches: 'x' } } }, 'when.resource.matches', /unknown operator 'matches'/],
    ['nested object hint', { when: { parameters: { sql: 'x' } } }, 'when.parameters.sql', /write 'parameters.sql'/],
    ['unknown field', { when: { resourse: 'x' } }, 'when.resourse', /unknown field 'resourse'/],
    ['empty operator object', { when: { resource: {} } }, 'when.resource', /needs an operator/],
    ['gt needs a number', { when: { 'context.rows': { gt: '10' } } }, 'when.context.rows.gt', /gt needs a number/],
    ['in needs a list', { when: { action_type: { in: 'x' } } }, 'when.action_type.in', /non-empty list/],
    ['in needs scalars', { when: { action_type: { in: [{}] } } }, 'when.action_type.in', /in\[0\]/],
    ['exists needs a boolean', { when: { resource: { exists: 'yes' } } }, 'when.resource.exists', /true or false/],
    ['glob needs strings', { when: { resource: { glob: 3 } } }, 'when.resource.glob', /pattern/],
    ['starts_with needs a string', { when: { resource: { starts_with: 3 } } }, 'when.resource.starts_with', /needs a string/],
    ['contains needs a scalar', { when: { resource: { contains: ['a'] } } }, 'when.resource.contains', /contains needs/],
    ['null value', { when: { resource: null } }, 'when.resource', /exists: false/],
    ['empty list', { when: { resource: [] } }, 'when.resource', /empty list/],
    ['object in a list', { when: { resource: ['a', { b: 1 }] } }, 'when.resource', /\[1\]/],
    ['all needs a list', { when: { all: { resource: 'x' } } }, 'when.all', /list of conditions/],
    ['any needs one', { when: { any: [] } }, 'when.any', /at least one/],
    [
      'nested bad regex',
      { when: { any: [{ resource: 'x' }, { not: { resource: { regex: '[' } } }] } },
      'when.any[1].not.resource.regex',
      /invalid regex/,
    ],
    ['bad risk level', { when: { 'risk.level': 'hgih' } }, 'when.risk.level', /not a risk level/],
    ['bad weekday', { when: { 'time.weekday': 'monday' } }, 'when.time.weekday', /not a weekday/],
    ['bad hour', { when: { 'time.hour': 24 } }, 'when.time.hour', /not an hour/],
    ['ordering weekdays', { when: { 'time.weekday': { gt: 'mon' } } }, 'when.time.weekday.gt', /not defined/],
    ['when not an object', { when: 'x' }, 'when', /.+/],
    ['bad effect', { effect: 'block' }, 'effect', /.+/],
    ['priority out of range', { priority: 5000 }, 'priority', /.+/],
    ['priority wrong type', { priority: 'high' }, 'priority', /.+/],
    ['unknown key', { colour: 'red' }, '', /colour/],
    ['bad expires_at', { expires_at: 'tomorrow' }, 'expires_at', /.+/],
  ];
  it.each(cases)('%s', (_name, overrides, field, message) => {
    const details = detailsOf([
      { id: 'ok', ...base },
      { id: 'prod-db-delete', ...base, ...overrides },
    ]);
    const prefix = 'policies[1](prod-db-delete)';
    const detail = details.find((d) => d.path === (field ? `${prefix}.${field}` : prefix));
    expect(detail, JSON.stringify(details)).toBeDefined();
    expect(`${detail?.message} ${detail?.path}`).toMatch(message);
  });

  it('duplicate ids', () => {
    const details = detailsOf([
      { id: 'a', ...base },
      { id: 'b', ...base },
      { id: 'a', ...base },
    ]);
    expect(details).toEqual([{ path: 'policies[2](a).id', message: "duplicate id 'a' (also policies[0])" }]);
  });

  it('a bad id', () => {
    const details = detailsOf([{ id: 'Not Valid', ...base }]);
    expect(details[0]?.path).toBe('policies[0](Not Valid).id');
  });

  it('collects every problem, not only the first', () => {
    const details = detailsOf([
      { id: 'x', ...base, when: { resource: { regex: '(' }, agent_id: { foo: 1 } } },
      { id: 'y', ...base, priority: -1 },
    ]);
    expect(details.map((d) => d.path)).toEqual([
      'policies[0](x).when.resource.regex',
      'policies[0](x).when.agent_id.foo',
      'policies[1](y).priority',
    ]);
  });

  it('the error message names the first problem', () => {
    expect(() =>
      compilePolicies({
        policies: [{ id: 'x', ...base, when: { resource: { regex: '(' } } }] as never,
        riskRules: [],
        settings: DEFAULT_SETTINGS,
      }),
    ).toThrow(/Invalid policies: policies\[0\]\(x\)\.when\.resource\.regex: invalid regex/);
  });

  it('risk rules are validated the same way', () => {
    const details = detailsOf(
      [],
      [
        { id: 'r1', when: { resource: { regex: ')' } }, points: 5 },
        { id: 'r1', when: {}, points: 5 },
        { id: 'secrets', when: {}, points: 5 },
        { id: 'r4', when: {}, points: 500 },
      ],
    );
    expect(details.map((d) => d.path)).toEqual([
      'risk_rules[0](r1).when.resource.regex',
      'risk_rules[1](r1).id',
      'risk_rules[2](secrets).id',
      'risk_rules[3](r4).points',
    ]);
  });

  it('settings are validated', () => {
    const details = detailsOf([], [], { ...DEFAULT_SETTINGS, enforcement: 'loud' });
    expect(details[0]?.path).toBe('settings.enforcement');
  });

  it('a valid set compiles, and decide never throws for odd actions', () => {
    const engine = compilePolicies({
      policies: [
        {
          id: 'p',
          effect: 'deny',
          enabled: true,
          priority: 1,
          mode: 'enforce',
          when: { 'parameters.a.b': { regex: 'x' } },
          expires_at: null,
          source: 'user',
        },
      ],
      riskRules: [],
      settings: DEFAULT_SETTINGS,
    });
    for (const parameters of [{ a: null }, { a: [1, 2] }, { a: { b: 3 } }, { a: { b: ['x'] } }]) {
      expect(() => engine.decide(action({ parameters }), ctx())).not.toThrow();
    }
  });
});

describe('checkPolicy (editor validation)', () => {
  it('is empty for a valid policy', () => expect(checkPolicy({ id: 'x', effect: 'allow', when: { resource: '/tmp/*' } })).toEqual([]));
  it('names the field relative to the policy', () => {
    expect(checkPolicy({ id: 'x', effect: 'allow', when: { resource: { regex: '(' } } })).toEqual([
      { path: 'when.resource.regex', message: expect.stringMatching(/invalid regex/) },
    ]);
  });
});
