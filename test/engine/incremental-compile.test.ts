import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicySchema, type NormalizedAction, type Policy } from '../../src-shared/index.js';
import { compilePolicies, type Engine } from '../../src-main/engine/index.js';
import { compiledBefore } from '../../src-main/engine/policy/validate.js';
import { action, ctx, NOON, settings } from './helpers.js';

/**
 * A policy change recompiles only the changed policy: the others are taken from the per-policy
 * compile cache (keyed by the policy object). An engine built that way must decide exactly as one
 * compiled from scratch (fresh copies of every policy, nothing cached) — over random sequences of
 * creates, updates and deletes.
 */

const WHENS: Record<string, unknown>[] = [
  { action_type: 'db.delete' },
  { action_type: 'db.*' },
  { action_type: { in: ['db.read', 'file.write'] } },
  { agent_id: 'agent-1', action_type: 'file.*' },
  { resource: '/srv/*' },
  { resource: '*.env' },
  { resource: '/srv/*/secret-?.txt' },
  { resource: { regex: '^/srv/(a|b)+/x$' } },
  { resource: { starts_with: '/tmp/' } },
  { resource: { contains: 'prod' } },
  { 'risk.score': { gte: 40 } },
  { any: [{ action_type: 'shell.exec' }, { 'risk.score': { gte: 70 } }] },
  { not: { agent_id: 'agent-2' } },
  { 'parameters.command': { regex: 'rm\\s+-rf' } },
  {},
];
const EFFECTS = ['allow', 'deny', 'require_approval', 'monitor'] as const;

const policyArb = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  priority: fc.constantFrom(0, 10, 50, 100),
  effect: fc.constantFrom(...EFFECTS),
  when: fc.constantFrom(...WHENS),
  enabled: fc.boolean(),
  mode: fc.constantFrom('enforce', 'enforce', 'shadow'),
  expired: fc.boolean(),
});

type Drawn = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;
type Change = { kind: 'put'; p: Drawn } | { kind: 'delete'; id: string };
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: policyArb.map((p) => ({ kind: 'put' as const, p })) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c', 'd').map((id) => ({ kind: 'delete' as const, id })) },
);

function toPolicy(p: Drawn): Policy {
  return PolicySchema.parse({
    id: p.id,
    priority: p.priority,
    effect: p.effect,
    when: p.when,
    enabled: p.enabled,
    mode: p.mode,
    expires_at: p.expired ? new Date(NOON.getTime() - 60_000).toISOString() : null,
  });
}

const ACTIONS: NormalizedAction[] = [
  action({ action_type: 'db.delete', resource: '/srv/a/x' }),
  action({ action_type: 'db.read', resource: '/srv/prod/.env' }),
  action({ action_type: 'file.write', resource: '/srv/app/secret-1.txt' }),
  action({ agent_id: 'agent-2', action_type: 'file.write', resource: '/tmp/x' }),
  action({ action_type: 'shell.exec', resource: 'rm -rf /', parameters: { command: 'rm -rf /' } }),
  action({ agent_id: 'agent-2', action_type: 'thing.do' }),
  action({ action_type: 'http.get', resource: 'https://prod.example.com/' }),
];

function decisions(engine: Engine): unknown[] {
  return ACTIONS.map((a) => {
    const { decision, policy, flags, shadow, hits, trace, reason } = engine.explain(a, ctx());
    return { decision, policy: policy?.id ?? null, flags, shadow, hits, trace, reason };
  });
}

describe('per-policy compile cache', () => {
  it('reuses an unchanged policy and compiles a changed one (a new object) afresh', () => {
    const kept = toPolicy({
      id: 'a',
      priority: 0,
      effect: 'deny',
      when: { resource: '/srv/*' },
      enabled: true,
      mode: 'enforce',
      expired: false,
    });
    const changed = toPolicy({ id: 'b', priority: 0, effect: 'allow', when: {}, enabled: true, mode: 'enforce', expired: false });
    compilePolicies({ policies: [kept, changed], settings: settings(), riskRules: [] });
    expect(compiledBefore(kept)).toBe(true);
    const edited = { ...changed, effect: 'deny' as const };
    expect(compiledBefore(edited)).toBe(false);
    const engine = compilePolicies({ policies: [kept, edited], settings: settings(), riskRules: [] });
    expect(engine.decide(action({ resource: '/tmp/x' }), ctx()).policy?.id).toBe('b');
    expect(engine.decide(action({ resource: '/tmp/x' }), ctx()).decision).toBe('denied');
  });

  it('does not keep a policy that failed to compile, and still reports a duplicate id of a cached one', () => {
    const bad = { id: 'bad', effect: 'deny', when: { resource: { regex: '(a' } } };
    expect(() => compilePolicies({ policies: [bad as unknown as Policy], settings: settings(), riskRules: [] })).toThrow(
      /policies\[0\]\(bad\)/,
    );
    expect(compiledBefore(bad)).toBe(false);
    const p = toPolicy({ id: 'a', priority: 0, effect: 'deny', when: {}, enabled: true, mode: 'enforce', expired: false });
    compilePolicies({ policies: [p], settings: settings(), riskRules: [] });
    expect(() => compilePolicies({ policies: [p, p], settings: settings(), riskRules: [] })).toThrow(/duplicate id 'a'/);
  });

  it('an engine built from cached policies decides exactly as one compiled from scratch, over random create/update/delete sequences', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 12 }), (changes) => {
        const set = new Map<string, Policy>();
        for (const change of changes) {
          if (change.kind === 'put') set.set(change.p.id, toPolicy(change.p));
          else set.delete(change.id);
          const policies = [...set.values()];
          const incremental = compilePolicies({ policies, settings: settings(), riskRules: [] });
          const full = compilePolicies({ policies: policies.map((p) => structuredClone(p)), settings: settings(), riskRules: [] });
          expect(decisions(incremental)).toEqual(decisions(full));
        }
      }),
      { numRuns: 150 },
    );
  });
});
