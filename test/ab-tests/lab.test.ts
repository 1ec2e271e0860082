import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PolicyTestResultSchema,
  ResolveResultSchema,
  SimulateResultSchema,
  type AbTest,
  type ActionStatus,
  type Decision,
  type PolicyInput,
} from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * SPEC 12 meets the dry runs: `policies/test`, `policies/simulate` and the "remember" check that
 * answers waiting requests along decide as a submit does while an A/B test runs — arm included.
 */

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

async function policy(body: PolicyInput): Promise<void> {
  expect((await t.json('POST', '/api/v1/policies', { body })).status).toBe(201);
}

async function startTest(control: string, test: string, split: number): Promise<AbTest> {
  const r = await t.json<AbTest>('POST', '/api/ab-tests', {
    body: { name: `${control} vs ${test}`, control_policy: control, test_policy: test, traffic_split: split, duration_days: 1 },
  });
  expect(r.status).toBe(201);
  return r.body;
}

const stopTest = async (id: string) => expect((await t.json('POST', `/api/ab-tests/${id}/stop`, { body: {} })).status).toBe(200);

async function submit(body: Record<string, unknown>): Promise<Decision> {
  const r = await t.json<Decision>('POST', '/api/v1/actions/submit', { key: t.agentKey, body });
  expect(r.status).toBe(200);
  return r.body;
}

async function dryRun(action: Record<string, unknown>, policies?: PolicyInput[]) {
  const r = await t.json('POST', '/api/v1/policies/test', { body: { action, ...(policies ? { policies } : {}) } });
  expect(r.status).toBe(200);
  return PolicyTestResultSchema.parse(r.body);
}

describe('policies/test with an A/B test running', () => {
  // An enforced test policy that outranks its control (without the test it would decide every
  // `dry.*` action) and a shadow one (it never decides outside the test): the dry run must name
  // each exactly where a submit does, and neither elsewhere.
  const cases: { name: string; control: PolicyInput; test: PolicyInput }[] = [
    {
      name: 'enforced, outranking its control',
      control: { id: 'dry-ctl', effect: 'allow', priority: 80, when: { action_type: 'dry.*' } },
      test: { id: 'dry-tst', effect: 'deny', priority: 90, when: { action_type: 'dry.*' } },
    },
    {
      name: 'shadow',
      control: { id: 'dry2-ctl', effect: 'allow', priority: 80, when: { action_type: 'dry2.*' } },
      test: { id: 'dry2-tst', effect: 'deny', mode: 'shadow', priority: 80, when: { action_type: 'dry2.*' } },
    },
  ];

  for (const c of cases)
    it(`decides every action as its submit does, arm and all, and says which arm and why (test policy ${c.name})`, async () => {
      await policy(c.control);
      await policy(c.test);
      const test = await startTest(c.control.id, c.test.id, 50);
      const type = `${c.control.id.split('-')[0]}.op`;
      const arms = { control: 0, test: 0 };
      for (let i = 0; i < 40; i++) {
        const action = { agent_id: `bot-${i % 3}`, session_id: `s-${i % 5}`, action_type: type, resource: `r/${i}` };
        const real = await submit(action);
        const dry = await dryRun(action);
        expect({ decision: dry.decision, policy: dry.policy?.id, reason: dry.reason }).toEqual({
          decision: real.decision,
          policy: real.policy?.id,
          reason: real.reason,
        });
        const arm = real.policy?.id === c.test.id ? 'test' : 'control';
        arms[arm]++;
        expect(dry.ab_test).toMatchObject({ id: test.id, control_policy: c.control.id, test_policy: c.test.id, traffic_split: 50, arm });
        expect(dry.ab_test!.why).toMatch(/^the stable hash of its agent_id, session_id, action_type and resource is bucket \d+ of 10000/);
        // The trace: the deciding policy says it decides in its arm; the other arm's policy says why it does not.
        const entry = (id: string) => dry.trace.find((e) => e.policy_id === id)!;
        if (arm === 'test') {
          expect(entry(c.test.id)).toMatchObject({ decided: true, matched: true });
          expect(entry(c.test.id).reason).toContain(`in the test arm of A/B test ${test.id}, in place of '${c.control.id}'`);
          expect(entry(c.control.id)).toMatchObject({ decided: false, matched: true });
          expect(entry(c.control.id).reason).toContain(`A/B test ${test.id} puts this action in its test arm (${dry.ab_test!.why})`);
        } else {
          expect(entry(c.control.id)).toMatchObject({ decided: true, matched: true });
          expect(entry(c.control.id).reason).toBe(
            `matched: decides (allow) in the control arm of A/B test ${test.id} (${dry.ab_test!.why})`,
          );
          expect(entry(c.test.id)).toMatchObject({ decided: false, considered: false });
          expect(entry(c.test.id).reason).toContain(`this action falls in the control arm (${dry.ab_test!.why})`);
        }
      }
      expect(arms.control).toBeGreaterThan(0);
      expect(arms.test).toBeGreaterThan(0);
      await stopTest(test.id);
    });

  it('an action the control does not decide: no arm, and the test policy says it decides nothing else', async () => {
    await policy({ id: 'only-ctl', effect: 'allow', priority: 80, when: { action_type: 'only.op', resource: 'mine/*' } });
    await policy({ id: 'only-tst', effect: 'deny', priority: 90, when: { action_type: 'only.op' } });
    const test = await startTest('only-ctl', 'only-tst', 100);
    const action = { agent_id: 'bot', action_type: 'only.op', resource: 'theirs/1' };
    const real = await submit(action);
    const dry = await dryRun(action);
    expect(real.policy).toBeNull();
    expect(dry).toMatchObject({ decision: real.decision, policy: null, ab_test: null });
    const entry = dry.trace.find((e) => e.policy_id === 'only-tst')!;
    expect(entry).toMatchObject({ considered: false, matched: true, decided: false });
    expect(entry.reason).toContain(`test policy of A/B test ${test.id}: decides only in the test arm of the actions its control`);
    await stopTest(test.id);
  });

  it('a draft set is decided with the running tests whose two policies it holds, and without the others', async () => {
    const control: PolicyInput = { id: 'draft-ctl', effect: 'allow', priority: 80, when: { action_type: 'draft.*' } };
    const testPolicy: PolicyInput = { id: 'draft-tst', effect: 'deny', priority: 90, when: { action_type: 'draft.*' } };
    await policy(control);
    await policy(testPolicy);
    const test = await startTest('draft-ctl', 'draft-tst', 100);
    const action = { agent_id: 'bot', action_type: 'draft.op', resource: 'x' };
    // Both in the draft (the test policy edited): the test applies, and the draft's version decides in its arm.
    const both = await dryRun(action, [control, { ...testPolicy, effect: 'require_approval' }]);
    expect(both).toMatchObject({ decision: 'pending', policy: { id: 'draft-tst' }, ab_test: { id: test.id, arm: 'test' } });
    // Without the control, the test does not apply: the draft's policies decide as written.
    const noControl = await dryRun(action, [testPolicy]);
    expect(noControl).toMatchObject({ decision: 'denied', policy: { id: 'draft-tst' }, ab_test: null });
    expect(noControl.trace[0]!.reason).toBe('matched: decides (deny)');
    // Without the test policy: the control decides, no arm.
    expect(await dryRun(action, [control])).toMatchObject({ decision: 'allowed', policy: { id: 'draft-ctl' }, ab_test: null });
    await stopTest(test.id);
  });
});

describe('policies/simulate with an A/B test running', () => {
  it('"before" is what submits decide now, arm included; a draft that drops the test policy changes exactly the test arm', async () => {
    const control: PolicyInput = { id: 'sim-ctl', effect: 'allow', priority: 80, when: { action_type: 'sim.*' } };
    const testPolicy: PolicyInput = { id: 'sim-tst', effect: 'deny', mode: 'shadow', priority: 80, when: { action_type: 'sim.*' } };
    await policy(control);
    await policy(testPolicy);
    const test = await startTest('sim-ctl', 'sim-tst', 50);
    const decided: Decision[] = [];
    for (let i = 0; i < 40; i++)
      decided.push(await submit({ agent_id: 'sim-bot', session_id: `s${i % 4}`, action_type: 'sim.op', resource: `r/${i}` }));
    const denied = decided.filter((d) => d.decision === 'denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.length).toBeLessThan(decided.length);

    const same = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: [control, testPolicy], limit: decided.length } })).body,
    );
    expect(same.replayed).toBe(decided.length);
    expect(same.counts.before).toEqual({ allowed: decided.length - denied.length, denied: denied.length, pending: 0 });
    expect(same.counts.after).toEqual(same.counts.before);
    expect(same.changed_count).toBe(0);

    const dropped = SimulateResultSchema.parse(
      (await t.json('POST', '/api/v1/policies/simulate', { body: { policies: [control], limit: decided.length } })).body,
    );
    expect(dropped.counts.after).toEqual({ allowed: decided.length, denied: 0, pending: 0 });
    expect(dropped.changed.map((c) => c.action_id).sort()).toEqual(denied.map((d) => d.action_id).sort());
    expect(dropped.changed.every((c) => c.before.policy_id === 'sim-tst' && c.after.policy_id === 'sim-ctl')).toBe(true);
    await stopTest(test.id);
  });
});

describe('remember + apply_to_pending with an A/B test running', () => {
  it('answers along the waiting requests the remembered policy decides in real traffic (a policy under test does not outrank it)', async () => {
    // Without the test, `rem-tst` (950) would outrank a remembered answer (900); under test at 0 %,
    // it decides nothing, so the remembered answer decides these requests as a submit now shows.
    await policy({ id: 'rem-ctl', effect: 'require_approval', priority: 40, when: { action_type: 'rem.op' } });
    await policy({ id: 'rem-tst', effect: 'deny', priority: 950, when: { action_type: 'rem.op' } });
    const test = await startTest('rem-ctl', 'rem-tst', 0);
    const action = { agent_id: 'rem-bot', action_type: 'rem.op', resource: 'rem://a' };
    const first = await submit(action);
    const like = await submit({ ...action, parameters: { n: 2 } });
    expect([first.policy?.id, like.policy?.id]).toEqual(['rem-ctl', 'rem-ctl']);
    const answer = ResolveResultSchema.parse(
      (await t.json('POST', `/api/v1/approvals/${first.action_id}/approve`, { body: { remember: '1h', apply_to_pending: true } })).body,
    );
    // The same request sent now is allowed by the remembered policy: the one waiting is answered along.
    const again = await submit({ ...action, parameters: { n: 3 } });
    expect(again).toMatchObject({ decision: 'allowed', policy: { id: answer.policy_id } });
    expect(answer.also_resolved).toEqual([like.action_id]);
    const st = await t.json<ActionStatus>('GET', `/api/v1/actions/${like.action_id}/status`, { key: t.agentKey });
    expect(st.body.status).toBe('approved');
    await stopTest(test.id);
  });
});
