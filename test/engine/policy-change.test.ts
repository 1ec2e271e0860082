import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicySchema, type Policy } from '../../src-shared/index.js';
import { compilePolicies, PolicyValidationError, type DecideContext, type Engine } from '../../src-main/engine/index.js';
import { action, ctx, settings } from './helpers.js';
import { ACTIONS, changeArbOf, policyArbOf, toPolicy } from './random-policies.js';

/**
 * A policy change makes the next engine from the current one (`withPolicy`: the one policy compiled,
 * a free rank between its neighbours, only its index buckets copied). Whatever the sequence of
 * creates, priority changes, disables, mode changes, expiries and deletes, the engine so made must
 * decide (and explain) exactly as a compile of the same set from scratch — and the engine it was
 * made from must go on deciding as before.
 */

const IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
const policyArb = policyArbOf(IDS);
const changeArb = changeArbOf(IDS);

/** Plain decisions, and with an A/B test between two of the ids (applied where both are in the set). */
const CONTEXTS: DecideContext[] = [
  ctx(),
  ctx({ abTests: [{ id: 'abt_1', control: 'a', test: 'b', split: 50, startsAtMs: 0, endsAtMs: Number.MAX_SAFE_INTEGER }] }),
];

function decisions(engine: Engine): unknown[] {
  return CONTEXTS.flatMap((c) =>
    ACTIONS.map((a) => {
      const { decision, policy, flags, shadow, hits, trace, reason, ab } = engine.explain(a, c);
      const decided = engine.decide(a, c);
      return { decision, policy: policy?.id ?? null, flags, shadow, hits, trace, reason, ab, decided };
    }),
  );
}

/** The set compiled from scratch: fresh copies of every policy, nothing taken from a cache. */
const fresh = (set: Map<string, Policy>): Engine =>
  compilePolicies({ policies: [...set.values()].map((p) => structuredClone(p)), settings: settings(), riskRules: [] });

describe('one policy change (Engine.withPolicy)', () => {
  it('decides exactly as a compile of the changed set from scratch, over random change sequences; the engine before is unchanged', () => {
    fc.assert(
      fc.property(fc.array(policyArb, { maxLength: 8 }), fc.array(changeArb, { minLength: 1, maxLength: 20 }), (initial, changes) => {
        const set = new Map<string, Policy>();
        for (const p of initial) set.set(p.id, toPolicy(p));
        let engine = compilePolicies({ policies: [...set.values()], settings: settings(), riskRules: [] });
        for (const change of changes) {
          const before = engine;
          const beforeDecisions = decisions(before);
          if (change.kind === 'put') {
            const p = toPolicy(change.p);
            set.set(p.id, p);
            engine = engine.withPolicy(p.id, p);
          } else {
            set.delete(change.id);
            engine = engine.withPolicy(change.id, null);
          }
          expect(decisions(engine)).toEqual(decisions(fresh(set)));
          expect(decisions(before)).toEqual(beforeDecisions);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('re-ranks the neighbours when no rank is free between them, and still decides as a fresh compile', () => {
    // Each new policy goes right after the last one added and before 'zz-next' (same priority and
    // effect, ids in order): the free ranks between them halve with every insert until there are
    // none, again and again (a window of neighbours is re-ranked each time).
    const set = new Map<string, Policy>();
    const put = (p: Policy) => set.set(p.id, p);
    put(PolicySchema.parse({ id: 'zz-next', priority: 50, effect: 'deny', when: { resource: '/srv/*' } }));
    put(PolicySchema.parse({ id: 'aa-first', priority: 50, effect: 'deny', when: { action_type: 'db.*' } }));
    put(PolicySchema.parse({ id: 'other', priority: 10, effect: 'allow', when: {} }));
    let engine = compilePolicies({ policies: [...set.values()], settings: settings(), riskRules: [] });
    // Matched by 'zz-next', by 'other', and by the new policies of agent-n whose shape holds ('aa-first' does not).
    const probe = (n: number) => action({ agent_id: `agent-${n}`, action_type: 'file.read', resource: '/srv/x.env' });
    const shapes: Record<string, unknown>[] = [{ resource: '/srv/*' }, { action_type: 'db.*' }, {}, { resource: { ends_with: '.env' } }];
    for (let k = 0; k < 200; k++) {
      const p = PolicySchema.parse({
        id: `m-${String(k).padStart(4, '0')}`,
        priority: 50,
        effect: 'deny',
        mode: k % 5 === 4 ? 'shadow' : 'enforce',
        when: { ...shapes[k % shapes.length], agent_id: `agent-${k}` },
      });
      put(p);
      engine = engine.withPolicy(p.id, p);
      if (k % 20 === 19) {
        const scratch = fresh(set);
        for (let n = 0; n <= k; n++) {
          const a = probe(n);
          expect(engine.explain(a, ctx())).toEqual(scratch.explain(a, ctx()));
        }
      }
    }
    // Deleting them again, one by one, from the middle out.
    const ids = [...set.keys()].filter((id) => id.startsWith('m-'));
    for (const id of ids.slice(50, 150)) {
      set.delete(id);
      engine = engine.withPolicy(id, null);
    }
    const scratch = fresh(set);
    for (let n = 0; n < 200; n += 3) expect(engine.explain(probe(n), ctx())).toEqual(scratch.explain(probe(n), ctx()));
  });

  it('refuses a policy that does not compile, naming its field, and leaves the engine as it was', () => {
    const kept = PolicySchema.parse({ id: 'a', effect: 'deny', when: { resource: '/srv/*' } });
    const engine = compilePolicies({ policies: [kept], settings: settings(), riskRules: [] });
    const bad = { ...kept, when: { resource: { regex: '(a' } } } as Policy;
    expect(() => engine.withPolicy('a', bad)).toThrow(PolicyValidationError);
    expect(() => engine.withPolicy('a', bad)).toThrow(/when\.resource\.regex/);
    expect(engine.decide(action({ resource: '/srv/x' }), ctx()).policy?.id).toBe('a');
  });
});
