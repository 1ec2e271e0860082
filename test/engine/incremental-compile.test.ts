import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src-shared/index.js';
import { compilePolicies, type Engine } from '../../src-main/engine/index.js';
import { compiledBefore } from '../../src-main/engine/policy/validate.js';
import { action, ctx, settings } from './helpers.js';
import { ACTIONS, changeArbOf, toPolicy } from './random-policies.js';

/**
 * A policy change recompiles only the changed policy: the others are taken from the per-policy
 * compile cache (keyed by the policy object). An engine built that way must decide exactly as one
 * compiled from scratch (fresh copies of every policy, nothing cached) — over random sequences of
 * creates, updates and deletes.
 */

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const changeArb = changeArbOf(IDS);

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
