import { describe, expect, it } from 'vitest';
import type { NormalizedAction } from '../../src-shared/index.js';
import { armHash, armOf } from '../../src-main/engine/policy/ab-arm.js';
import { compilePolicies } from '../../src-main/engine/index.js';
import { DEFAULT_SETTINGS, PolicySchema } from '../../src-shared/index.js';

/** SPEC 12's arm choice, pure: a stable hash, spread as the split says, independent per test. */

const action = (i: number, o: Partial<NormalizedAction> = {}): NormalizedAction => ({
  agent_id: `agent-${i % 5}`,
  action_type: 'payment.refund',
  resource: `order/${i}`,
  session_id: `sess-${i % 3}`,
  ...o,
});
const rule = (id: string, split: number) => ({ id, control: 'ctl', test: 'tst', split, startsAtMs: 0, endsAtMs: Infinity });

describe('armOf', () => {
  it('splits 1 %, 25 % and 90 % of 20,000 distinct actions within 4 σ', () => {
    const n = 20_000;
    for (const split of [1, 25, 90]) {
      let test = 0;
      for (let i = 0; i < n; i++) if (armOf(rule(`abt_${split}`, split), action(i)) === 'test') test++;
      const p = split / 100;
      expect(Math.abs(test - n * p)).toBeLessThanOrEqual(4 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('0 % and 100 % are exact; the same action always gets the same arm; any field of the four changes the hash', () => {
    for (let i = 0; i < 1000; i++) {
      expect(armOf(rule('a', 0), action(i))).toBe('control');
      expect(armOf(rule('a', 100), action(i))).toBe('test');
      expect(armOf(rule('a', 50), action(i))).toBe(armOf(rule('a', 50), { ...action(i) }));
    }
    const base = armHash('a', action(7));
    expect(armHash('a', action(7, { agent_id: 'other' }))).not.toBe(base);
    expect(armHash('a', action(7, { session_id: undefined }))).not.toBe(base);
    expect(armHash('a', action(7, { action_type: 'payment.charge' }))).not.toBe(base);
    expect(armHash('a', action(7, { resource: 'order/8' }))).not.toBe(base);
    // Fields other than the four do not move an action between arms (a retry with new parameters stays put).
    expect(armHash('a', action(7, { parameters: { amount: 5 }, description: 'again' }))).toBe(base);
  });

  it('two tests split independently (the test id salts the hash)', () => {
    let both = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) if (armOf(rule('x', 50), action(i)) === 'test' && armOf(rule('y', 50), action(i)) === 'test') both++;
    expect(Math.abs(both - n / 4)).toBeLessThanOrEqual(4 * Math.sqrt(n * 0.25 * 0.75));
  });
});

describe('the engine with a test running', () => {
  const engine = compilePolicies({
    settings: DEFAULT_SETTINGS,
    riskRules: [],
    policies: [
      PolicySchema.parse({ id: 'ctl', effect: 'require_approval', priority: 80, when: { action_type: 'payment.*' } }),
      PolicySchema.parse({
        id: 'tst',
        effect: 'allow',
        mode: 'shadow',
        priority: 80,
        when: { action_type: 'payment.*', resource: 'order/1*' },
      }),
      PolicySchema.parse({ id: 'floor', effect: 'deny', priority: 5, when: { action_type: 'payment.*' } }),
    ],
  });
  const ctx = { now: new Date(2026, 10, 18, 14), agentRegistered: true, recentAgentActions: 0 };

  it('decides by the set with the control replaced by the test policy, and reports the other arm', () => {
    const abTests = [rule('abt', 100)];
    const matching = engine.decide(action(12), { ...ctx, abTests });
    expect(matching).toMatchObject({
      decision: 'allowed',
      policy: { id: 'tst' },
      ab: { arm: 'test', other_arm_decision: 'pending', other_arm_policy: 'ctl' },
    });
    const other = engine.decide(action(22), { ...ctx, abTests });
    expect(other).toMatchObject({ decision: 'denied', policy: { id: 'floor' }, ab: { arm: 'test', other_arm_decision: 'pending' } });
    const control = engine.decide(action(12), { ...ctx, abTests: [rule('abt', 0)] });
    expect(control).toMatchObject({
      decision: 'pending',
      policy: { id: 'ctl' },
      ab: { arm: 'control', other_arm_decision: 'allowed', other_arm_policy: 'tst' },
    });
  });

  it('a test whose test policy is not in the set (gone before it could be refused) is not applied', () => {
    const gone = engine.decide(action(12), { ...ctx, abTests: [{ ...rule('abt', 100), test: 'missing' }] });
    expect(gone).toMatchObject({ decision: 'pending', policy: { id: 'ctl' }, ab: null });
  });

  it('outside the test window, or without tests, nothing changes', () => {
    const plain = engine.decide(action(12), ctx);
    expect(plain.ab ?? null).toBeNull();
    const over = engine.decide(action(12), { ...ctx, abTests: [{ ...rule('abt', 100), endsAtMs: ctx.now.getTime() }] });
    expect(over).toMatchObject({ decision: 'pending', policy: { id: 'ctl' }, ab: null });
    const notYet = engine.decide(action(12), { ...ctx, abTests: [{ ...rule('abt', 100), startsAtMs: ctx.now.getTime() + 1 }] });
    expect(notYet.ab).toBeNull();
  });
});

describe('a test policy that is itself enabled and enforced', () => {
  // At equal priority deny beats require_approval: without the test, `strong` decides every `pay.*`.
  const engine = compilePolicies({
    settings: DEFAULT_SETTINGS,
    riskRules: [],
    policies: [
      PolicySchema.parse({ id: 'weak', effect: 'require_approval', priority: 80, when: { action_type: 'pay.*' } }),
      PolicySchema.parse({ id: 'strong', effect: 'deny', priority: 80, when: { action_type: 'pay.*' } }),
      PolicySchema.parse({ id: 'wide', effect: 'deny', priority: 90, when: { action_type: 'other.*' } }),
    ],
  });
  const ctx = { now: new Date(2026, 10, 18, 14), agentRegistered: true, recentAgentActions: 0 };
  const test = (split: number, testPolicy = 'strong') => [{ ...rule('abt', split), control: 'weak', test: testPolicy }];

  it('decides only in its arm: at 0 % the control decides everything, at 100 % the test policy does', () => {
    expect(engine.decide(action(1, { action_type: 'pay.x' }), ctx)).toMatchObject({ decision: 'denied', policy: { id: 'strong' } });
    for (let i = 0; i < 50; i++) {
      const a = action(i, { action_type: 'pay.x' });
      expect(engine.decide(a, { ...ctx, abTests: test(0) })).toMatchObject({
        decision: 'pending',
        policy: { id: 'weak' },
        ab: { arm: 'control', other_arm_decision: 'denied', other_arm_policy: 'strong' },
      });
      expect(engine.decide(a, { ...ctx, abTests: test(100) })).toMatchObject({
        decision: 'denied',
        policy: { id: 'strong' },
        ab: { arm: 'test', other_arm_decision: 'pending', other_arm_policy: 'weak' },
      });
    }
  });

  it('at 50 % each action is decided by its own arm', () => {
    const abTests = test(50);
    let inTest = 0;
    for (let i = 0; i < 400; i++) {
      const a = action(i, { action_type: 'pay.x' });
      const arm = armOf(abTests[0]!, a);
      if (arm === 'test') inTest++;
      expect(engine.decide(a, { ...ctx, abTests })).toMatchObject({
        decision: arm === 'test' ? 'denied' : 'pending',
        ab: { arm },
      });
    }
    expect(inTest).toBeGreaterThan(120);
    expect(inTest).toBeLessThan(280);
  });

  it('a test whose control policy is not in the set (a draft without it) is not applied: its test policy decides as written', () => {
    const a = action(3, { action_type: 'pay.x' });
    const out = engine.decide(a, { ...ctx, abTests: [{ ...rule('abt', 0), control: 'not-in-this-set', test: 'strong' }] });
    expect(out).toMatchObject({ decision: 'denied', policy: { id: 'strong' }, ab: null });
  });

  it('decides nothing outside its arm: an action its control does not match is decided as if it were not enforced', () => {
    const a = action(3, { action_type: 'other.x' });
    expect(engine.decide(a, ctx)).toMatchObject({ decision: 'denied', policy: { id: 'wide' } });
    const abTests = [{ ...rule('abt', 100), control: 'weak', test: 'wide' }];
    const out = engine.decide(a, { ...ctx, abTests });
    expect(out.policy).toBeNull();
    expect(out.ab ?? null).toBeNull();
  });
});
