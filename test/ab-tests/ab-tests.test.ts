import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbTest } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/** SPEC 12 through the HTTP API: splits within a binomial bound, stable arms, per-arm reports against known traffic, stop and expiry. */

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore();
});
afterAll(() => t.close());

type Decided = { action_id: string; decision: string; policy: { id: string } | null };

async function policy(body: Record<string, unknown>): Promise<void> {
  const r = await t.json('POST', '/api/v1/policies', { body });
  expect(r.status).toBe(201);
}

async function startTest(body: Record<string, unknown>, path = '/api/ab-tests'): Promise<AbTest> {
  const r = await t.json<AbTest>('POST', path, { body });
  expect(r.status).toBe(201);
  return r.body;
}

/** Submits the actions in parallel batches (group commit) and returns the decisions in order. */
async function submitAll(bodies: Record<string, unknown>[]): Promise<Decided[]> {
  const out: Decided[] = [];
  for (let i = 0; i < bodies.length; i += 200) {
    const batch = await Promise.all(
      bodies.slice(i, i + 200).map((body) => t.json<Decided>('POST', '/api/v1/actions/submit', { key: t.agentKey, body })),
    );
    for (const r of batch) {
      expect(r.status).toBe(200);
      out.push(r.body);
    }
  }
  return out;
}

/** |observed - n·p| ≤ 4 σ of a binomial(n, p). */
function expectWithinBinomial(observed: number, n: number, p: number): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(4 * sigma);
}

async function decidedRecord(actionId: string): Promise<Record<string, unknown>> {
  const r = await t.json<{ items: { data: Record<string, unknown> }[] }>('GET', `/api/v1/audit?action_id=${actionId}&type=action.decided`);
  return r.body.items[0]!.data;
}

/** The action's status once it has left `pending` (long-polls, then polls: an expiry may be mid-commit). */
async function settled(actionId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = await t.json<{ status: string }>('GET', `/api/v1/actions/${actionId}/status?wait=5`);
    if (s.body.status !== 'pending') return s.body.status;
    await new Promise((r) => setTimeout(r, 20));
  }
  return 'pending';
}

const getTest = async (id: string) => (await t.json<AbTest>('GET', `/api/ab-tests/${id}`)).body;

describe('traffic split', () => {
  it('10 %: a few thousand distinct actions split within 4 σ, each decision records its arm, the report counts them', async () => {
    await policy({ id: 'ten-control', effect: 'deny', priority: 80, when: { action_type: 'ten.*' } });
    await policy({ id: 'ten-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'ten.*' } });
    const test = await startTest({
      name: 'Ten percent',
      control_policy: 'ten-control',
      test_policy: 'ten-test',
      traffic_split: 10,
      duration_days: 7,
    });
    expect(test).toMatchObject({ status: 'running', traffic_split: 10, control_policy: 'ten-control', test_policy: 'ten-test' });
    const n = 3000;
    const bodies = Array.from({ length: n }, (_, i) => ({
      agent_id: `agent-${i % 7}`,
      session_id: `s-${i % 13}`,
      action_type: 'ten.op',
      resource: `res://${i}`,
    }));
    const decided = await submitAll(bodies);
    const inTest = decided.filter((d) => d.decision === 'allowed');
    const inControl = decided.filter((d) => d.decision === 'denied');
    expect(inTest.length + inControl.length).toBe(n);
    expectWithinBinomial(inTest.length, n, 0.1);
    expect(inTest.every((d) => d.policy!.id === 'ten-test')).toBe(true);
    expect(inControl.every((d) => d.policy!.id === 'ten-control')).toBe(true);

    // The reason says which test and arm decided.
    const st = await t.json<{ reason: string }>('GET', `/api/v1/actions/${inTest[0]!.action_id}/status`);
    expect(st.body.reason).toBe(`Matched policy 'ten-test' (priority 80) (A/B test ${test.id}: test arm)`);
    expect(await decidedRecord(inTest[0]!.action_id)).toMatchObject({
      ab_test: { id: test.id, arm: 'test', other_arm_decision: 'denied', other_arm_policy: 'ten-control' },
    });
    expect(await decidedRecord(inControl[0]!.action_id)).toMatchObject({
      ab_test: { id: test.id, arm: 'control', other_arm_decision: 'allowed', other_arm_policy: 'ten-test' },
    });

    const report = await getTest(test.id);
    expect(report.arms.test).toMatchObject({
      actions: inTest.length,
      decisions: { allowed: inTest.length, denied: 0, pending: 0 },
      approvals_asked: 0,
      approval_rate: null,
      other_arm_would_differ: inTest.length,
    });
    expect(report.arms.control).toMatchObject({
      actions: inControl.length,
      decisions: { allowed: 0, denied: inControl.length, pending: 0 },
      other_arm_would_differ: inControl.length,
    });

    // The same action (a retry) always lands in the same arm.
    const again = await submitAll(bodies.slice(0, 400));
    expect(again.map((d) => d.decision)).toEqual(decided.slice(0, 400).map((d) => d.decision));
    expect((await getTest(test.id)).arms.test.actions).toBe(inTest.length + again.filter((d) => d.decision === 'allowed').length);
  });

  it('50 %: within 4 σ, and the seeds’ and the v1 paths answer the same', async () => {
    await policy({ id: 'half-control', effect: 'allow', priority: 80, when: { action_type: 'half.*' } });
    await policy({ id: 'half-test', effect: 'deny', enabled: false, priority: 80, when: { action_type: 'half.*' } });
    const test = await startTest(
      { name: 'Half', control_policy: 'half-control', test_policy: 'half-test', traffic_split: 50, duration_days: 1 },
      '/api/v1/ab-tests',
    );
    const n = 2000;
    const decided = await submitAll(
      Array.from({ length: n }, (_, i) => ({ agent_id: 'half-bot', action_type: 'half.op', resource: `r/${i}` })),
    );
    const denied = decided.filter((d) => d.decision === 'denied').length;
    expectWithinBinomial(denied, n, 0.5);
    const v1 = await t.json<AbTest>('GET', `/api/v1/ab-tests/${test.id}`);
    expect(v1.body).toEqual(await getTest(test.id));
    expect(v1.body.arms.test.actions).toBe(denied);
    const list = await t.json<{ items: AbTest[] }>('GET', '/api/ab-tests');
    expect(list.body.items.map((x) => x.id)).toContain(test.id);
    expect((await t.json<{ items: AbTest[] }>('GET', '/api/v1/ab-tests')).body.items.length).toBe(list.body.items.length);
  });
});

describe('per-arm report against known traffic', () => {
  it('counts decisions, approvals asked and answered, approval rate, median latency and the other arm’s differing decisions', async () => {
    // Control holds every `rep.*` action for a person; the test policy allows those on /even/ paths;
    // below both, a deny decides what neither does (the test arm's fallback).
    await policy({ id: 'rep-control', effect: 'require_approval', priority: 80, when: { action_type: 'rep.*' } });
    await policy({ id: 'rep-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'rep.*', resource: '*/even/*' } });
    await policy({ id: 'rep-floor', effect: 'deny', priority: 10, when: { action_type: 'rep.*' } });
    const test = await startTest({
      name: 'Report',
      control_policy: 'rep-control',
      test_policy: 'rep-test',
      traffic_split: 50,
      duration_days: 7,
    });
    const n = 120;
    const bodies = Array.from({ length: n }, (_, i) => ({
      agent_id: 'rep-bot',
      action_type: 'rep.op',
      resource: `x/${i % 2 ? 'odd' : 'even'}/${i}`,
    }));
    const decided = await submitAll(bodies);
    const arms = await Promise.all(decided.map(async (d) => ((await decidedRecord(d.action_id)).ab_test as { arm: string }).arm));
    const idx = (arm: string, even: boolean) => decided.map((_, i) => i).filter((i) => arms[i] === arm && (i % 2 === 0) === even);
    const ctlEven = idx('control', true);
    const ctlOdd = idx('control', false);
    const tstEven = idx('test', true);
    const tstOdd = idx('test', false);
    // What each arm decided: control holds everything; the test arm allows /even/ and the floor denies the rest.
    for (const i of [...ctlEven, ...ctlOdd]) expect(decided[i]!.decision).toBe('pending');
    for (const i of tstEven) expect(decided[i]!.decision).toBe('allowed');
    for (const i of tstOdd) expect(decided[i]!.decision).toBe('denied');

    // A person answers some held ones: 3 approvals, 2 denials, after known delays.
    const held = [...ctlEven, ...ctlOdd].map((i) => decided[i]!.action_id);
    expect(held.length).toBeGreaterThanOrEqual(5);
    for (const [k, verb] of (['approve', 'approve', 'deny', 'approve', 'deny'] as const).entries()) {
      await new Promise((r) => setTimeout(r, 20));
      expect((await t.json('POST', `/api/v1/approvals/${held[k]}/${verb}`, { body: {} })).status).toBe(200);
    }

    // The report visits every action of the test: it reads on the read thread, never the event loop's.
    const store = t.g.store;
    const onLoop: string[] = [];
    const all = store.all.bind(store);
    store.all = ((sql: string, params?: never[]) => {
      if (sql.includes('ab_test_actions')) onLoop.push(sql);
      return all(sql, params);
    }) as typeof store.all;
    const report = await getTest(test.id).finally(() => {
      store.all = all;
    });
    expect(onLoop).toEqual([]);
    expect(report.arms.control).toMatchObject({
      actions: ctlEven.length + ctlOdd.length,
      // Final decisions: the three approved count as allowed, the two rejected as denied.
      decisions: { allowed: 3, denied: 2, pending: ctlEven.length + ctlOdd.length - 5 },
      approvals_asked: ctlEven.length + ctlOdd.length,
      approvals_answered: 5,
      approved: 3,
      approval_rate: 0.6,
      // The test arm would allow the /even/ ones and deny the odd ones: both differ from "pending".
      other_arm_would_differ: ctlEven.length + ctlOdd.length,
    });
    // Median of the five answer latencies, from the actions' own times.
    const latencies: number[] = [];
    for (const id of held.slice(0, 5)) {
      const s = (await t.json<{ created_at: string; reviewed_at: string }>('GET', `/api/v1/actions/${id}/status`)).body;
      latencies.push(Date.parse(s.reviewed_at) - Date.parse(s.created_at));
    }
    latencies.sort((a, b) => a - b);
    expect(report.arms.control.median_approval_latency_ms).toBe(latencies[2]);
    expect(report.arms.test).toMatchObject({
      actions: tstEven.length + tstOdd.length,
      decisions: { allowed: tstEven.length, denied: tstOdd.length, pending: 0 },
      approvals_asked: 0,
      approvals_answered: 0,
      approval_rate: null,
      median_approval_latency_ms: null,
      other_arm_would_differ: tstEven.length + tstOdd.length,
    });
  });

  it('an action both arms decide alike is not counted as differing', async () => {
    await policy({ id: 'same-control', effect: 'deny', priority: 80, when: { action_type: 'same.*' } });
    await policy({ id: 'same-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'same.*', resource: '*/even/*' } });
    await policy({ id: 'same-floor', effect: 'deny', priority: 10, when: { action_type: 'same.*' } });
    const test = await startTest({
      name: 'Same',
      control_policy: 'same-control',
      test_policy: 'same-test',
      traffic_split: 50,
      duration_days: 7,
    });
    const decided = await submitAll(
      Array.from({ length: 100 }, (_, i) => ({
        agent_id: 'same-bot',
        action_type: 'same.op',
        resource: `y/${i % 2 ? 'odd' : 'even'}/${i}`,
      })),
    );
    const arms = await Promise.all(decided.map(async (d) => ((await decidedRecord(d.action_id)).ab_test as { arm: string }).arm));
    const count = (arm: string, even: boolean) => arms.filter((a, i) => a === arm && (i % 2 === 0) === even).length;
    const report = await getTest(test.id);
    // Control denies everything; the test arm allows only /even/: only the /even/ ones differ, in either arm.
    expect(report.arms.control.other_arm_would_differ).toBe(count('control', true));
    expect(report.arms.test.other_arm_would_differ).toBe(count('test', true));
    expect(report.arms.control.actions).toBe(count('control', true) + count('control', false));
  });
});

describe('final outcomes', () => {
  it('decisions count each held action’s final decision: approved, rejected, withdrawn and expired ones leave pending', async () => {
    await policy({
      id: 'fin-control',
      effect: 'require_approval',
      priority: 80,
      when: { action_type: 'fin.*' },
      approval: { timeout_s: 1, timeout_action: 'deny' },
    });
    await policy({ id: 'fin-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'fin.*' } });
    const test = await startTest({
      name: 'Final',
      control_policy: 'fin-control',
      test_policy: 'fin-test',
      traffic_split: 0,
      duration_days: 7,
    });
    const held = await submitAll(Array.from({ length: 6 }, (_, i) => ({ agent_id: 'fin-bot', action_type: 'fin.op', resource: `f/${i}` })));
    expect(held.every((d) => d.decision === 'pending')).toBe(true);
    const [approved, rejected, withdrawn] = held.map((d) => d.action_id);
    expect((await t.json('POST', `/api/v1/approvals/${approved}/approve`, { body: {} })).status).toBe(200);
    expect((await t.json('POST', `/api/v1/approvals/${rejected}/deny`, { body: {} })).status).toBe(200);
    expect((await t.json('POST', `/api/v1/actions/${withdrawn}/withdraw`, { key: t.agentKey, body: {} })).status).toBe(200);
    // The approved one runs and completes: still an allowed decision.
    expect((await t.json('POST', `/api/v1/actions/${approved}/complete`, { key: t.agentKey, body: { status: 'success' } })).status).toBe(
      200,
    );
    // The other three expire after their 1 s (timeout_action deny).
    for (const d of held.slice(3)) expect(await settled(d.action_id)).toBe('expired');
    const report = await getTest(test.id);
    expect(report.arms.control).toMatchObject({
      actions: 6,
      decisions: { allowed: 1, denied: 5, pending: 0 },
      approvals_asked: 6,
      approvals_answered: 2,
      approved: 1,
      approval_rate: 0.5,
      // The test policy would have allowed all six, instead of holding them.
      other_arm_would_differ: 6,
    });
    expect(report.arms.test.actions).toBe(0);
  });
});

describe('an enforced test policy', () => {
  it('decides only its arm’s share, even where it would win normal evaluation; the report counts both arms', async () => {
    // At equal priority deny beats require_approval: outside a test, `enf-test` decides every `enf.*` action.
    await policy({ id: 'enf-control', effect: 'require_approval', priority: 80, when: { action_type: 'enf.*' } });
    await policy({ id: 'enf-test', effect: 'deny', priority: 80, when: { action_type: 'enf.*' } });
    const [before] = await submitAll([{ agent_id: 'enf-bot', action_type: 'enf.op', resource: 'before' }]);
    expect(before).toMatchObject({ decision: 'denied', policy: { id: 'enf-test' } });
    const test = await startTest({
      name: 'Enforced',
      control_policy: 'enf-control',
      test_policy: 'enf-test',
      traffic_split: 30,
      duration_days: 7,
    });
    const n = 600;
    const decided = await submitAll(
      Array.from({ length: n }, (_, i) => ({ agent_id: 'enf-bot', action_type: 'enf.op', resource: `e/${i}` })),
    );
    const denied = decided.filter((d) => d.decision === 'denied');
    const held = decided.filter((d) => d.decision === 'pending');
    expect(denied.length + held.length).toBe(n);
    expectWithinBinomial(denied.length, n, 0.3);
    expect(denied.every((d) => d.policy!.id === 'enf-test')).toBe(true);
    expect(held.every((d) => d.policy!.id === 'enf-control')).toBe(true);
    expect(await decidedRecord(held[0]!.action_id)).toMatchObject({
      ab_test: { id: test.id, arm: 'control', other_arm_decision: 'denied' },
    });
    expect(await decidedRecord(denied[0]!.action_id)).toMatchObject({
      ab_test: { id: test.id, arm: 'test', other_arm_decision: 'pending' },
    });
    const report = await getTest(test.id);
    expect(report.arms.test).toMatchObject({ actions: denied.length, decisions: { allowed: 0, denied: denied.length, pending: 0 } });
    expect(report.arms.control).toMatchObject({
      actions: held.length,
      decisions: { allowed: 0, denied: 0, pending: held.length },
      approvals_asked: held.length,
      other_arm_would_differ: held.length,
    });
    // Stopped, it takes part in normal evaluation again.
    expect((await t.json('POST', `/api/ab-tests/${test.id}/stop`, { body: {} })).status).toBe(200);
    const [after] = await submitAll([{ agent_id: 'enf-bot', action_type: 'enf.op', resource: 'e/0' }]);
    expect(after).toMatchObject({ decision: 'denied', policy: { id: 'enf-test' } });
  });

  it('a policy under test cannot be another running test’s control, nor a running control be tested (409 naming the field)', async () => {
    for (const id of ['ovl-a', 'ovl-b', 'ovl-c']) await policy({ id, effect: 'deny', priority: 80, when: { action_type: `${id}.*` } });
    const running = await startTest({ name: 'Ovl', control_policy: 'ovl-a', test_policy: 'ovl-b', traffic_split: 10, duration_days: 7 });
    const cases: [Record<string, unknown>, string][] = [
      [{ control_policy: 'ovl-b', test_policy: 'ovl-c' }, 'control_policy'],
      [{ control_policy: 'ovl-c', test_policy: 'ovl-a' }, 'test_policy'],
    ];
    for (const [arms, path] of cases) {
      const r = await t.json<{ error: { code: string; message: string; details: { path: string }[] } }>('POST', '/api/ab-tests', {
        body: { name: 'Ovl 2', traffic_split: 10, duration_days: 7, ...arms },
      });
      expect(r.status, JSON.stringify(arms)).toBe(409);
      expect(r.body.error.details[0]!.path).toBe(path);
      expect(r.body.error.message).toContain(running.id);
    }
    // Another test may try the same candidate against a different control.
    await startTest({ name: 'Ovl 3', control_policy: 'ovl-c', test_policy: 'ovl-b', traffic_split: 10, duration_days: 7 });
  });
});

describe('lifecycle', () => {
  it('stop: later actions are decided by the control policy alone and carry no arm; stopping twice is a 409', async () => {
    await policy({ id: 'stop-control', effect: 'deny', priority: 80, when: { action_type: 'stop.*' } });
    await policy({ id: 'stop-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'stop.*' } });
    const test = await startTest({
      name: 'Stop me',
      control_policy: 'stop-control',
      test_policy: 'stop-test',
      traffic_split: 100,
      duration_days: 7,
    });
    const [during] = await submitAll([{ agent_id: 'stop-bot', action_type: 'stop.op', resource: 'a' }]);
    expect(during!.decision).toBe('allowed');
    const stopped = await t.json<AbTest>('POST', `/api/ab-tests/${test.id}/stop`, { body: {} });
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    expect(stopped.body.stopped_at).not.toBeNull();
    const [after] = await submitAll([{ agent_id: 'stop-bot', action_type: 'stop.op', resource: 'a' }]);
    expect(after!.decision).toBe('denied');
    expect((await decidedRecord(after!.action_id)).ab_test).toBeUndefined();
    expect((await t.json('POST', `/api/v1/ab-tests/${test.id}/stop`, { body: {} })).status).toBe(409);
    expect((await getTest(test.id)).arms.test.actions).toBe(1);
  });

  it('expiry: a test ends by itself after duration_days, across a restart too', async () => {
    await policy({ id: 'exp-control', effect: 'deny', priority: 80, when: { action_type: 'exp.*' } });
    await policy({ id: 'exp-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'exp.*' } });
    const test = await startTest({
      name: 'Short',
      control_policy: 'exp-control',
      test_policy: 'exp-test',
      traffic_split: 100,
      duration_days: 1.5 / 86_400,
    });
    expect(Date.parse(test.ends_at) - Date.parse(test.started_at)).toBe(1500);
    const [during] = await submitAll([{ agent_id: 'exp-bot', action_type: 'exp.op' }]);
    expect(during!.decision).toBe('allowed');
    await t.reopen();
    expect((await getTest(test.id)).status).toBe('running');
    await new Promise((r) => setTimeout(r, 1600));
    expect((await getTest(test.id)).status).toBe('completed');
    const [after] = await submitAll([{ agent_id: 'exp-bot', action_type: 'exp.op' }]);
    expect(after!.decision).toBe('denied');
    expect((await t.json('POST', `/api/ab-tests/${test.id}/stop`, { body: {} })).status).toBe(409);
  });

  it('neither arm of a running test can be deleted (409 naming the test); once it is stopped, both can', async () => {
    await policy({ id: 'gone-control', effect: 'deny', priority: 80, when: { action_type: 'gone.*' } });
    await policy({ id: 'gone-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'gone.*' } });
    const test = await startTest({
      name: 'Gone',
      control_policy: 'gone-control',
      test_policy: 'gone-test',
      traffic_split: 100,
      duration_days: 7,
    });
    for (const [id, arm] of [
      ['gone-test', 'test'],
      ['gone-control', 'control'],
    ]) {
      const r = await t.json<{ error: { code: string; message: string } }>('DELETE', `/api/v1/policies/${id}`);
      expect(r.status).toBe(409);
      expect(r.body.error.message).toContain(`the running A/B test '${test.id}' (as its ${arm} policy)`);
    }
    expect((await submitAll([{ agent_id: 'gone-bot', action_type: 'gone.op' }]))[0]!.decision).toBe('allowed');
    expect((await t.json('POST', `/api/ab-tests/${test.id}/stop`, { body: {} })).status).toBe(200);
    expect((await t.json('DELETE', '/api/v1/policies/gone-test')).status).toBe(200);
    expect((await t.json('DELETE', '/api/v1/policies/gone-control')).status).toBe(200);
  });

  it("a running test's control stays enabled, enforced and deciding, its test policy deciding (409 naming the field); other edits go through", async () => {
    const base = { effect: 'deny', priority: 80, when: { action_type: 'keep.*' } };
    await policy({ id: 'keep-control', ...base });
    await policy({ id: 'keep-test', ...base, effect: 'allow', mode: 'shadow' });
    const test = await startTest({
      name: 'Keep',
      control_policy: 'keep-control',
      test_policy: 'keep-test',
      traffic_split: 50,
      duration_days: 7,
    });
    for (const [id, body, field] of [
      ['keep-control', { ...base, mode: 'shadow' }, 'mode'],
      ['keep-control', { ...base, enabled: false }, 'enabled'],
      ['keep-control', { ...base, effect: 'monitor' }, 'effect'],
      ['keep-test', { ...base, effect: 'monitor', mode: 'shadow' }, 'effect'],
    ] as const) {
      const r = await t.json<{ error: { code: string; message: string; details: { path: string }[] } }>('PUT', `/api/v1/policies/${id}`, {
        body,
      });
      expect(r.status, `${id} ${field}`).toBe(409);
      expect(r.body.error.message).toContain(`the running A/B test '${test.id}'`);
      expect(r.body.error.details.map((d) => d.path)).toEqual([field]);
    }
    // The same through a policy file: a 409 naming the policy and field, and nothing imported.
    const file = {
      version: 1,
      policies: [
        { id: 'keep-new', ...base },
        { id: 'keep-control', ...base, mode: 'shadow' },
      ],
    };
    const imp = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/policies/import', { body: file });
    expect(imp.status).toBe(409);
    expect(imp.body.error.details.map((d) => d.path)).toEqual(['policies[1](keep-control).mode']);
    expect((await t.json('GET', '/api/v1/policies/keep-new')).status).toBe(404);
    const unchanged = await t.json<{ mode: string; enabled: boolean; effect: string }>('GET', '/api/v1/policies/keep-control');
    expect([unchanged.body.mode, unchanged.body.enabled, unchanged.body.effect]).toEqual(['enforce', true, 'deny']);
    // Its priority, its conditions, the test policy's mode: edits that keep the test meaningful.
    expect((await t.json('PUT', '/api/v1/policies/keep-control', { body: { ...base, priority: 90 } })).status).toBe(200);
    expect((await t.json('PUT', '/api/v1/policies/keep-test', { body: { ...base, effect: 'allow' } })).status).toBe(200);
    expect((await t.json('POST', `/api/ab-tests/${test.id}/stop`, { body: {} })).status).toBe(200);
    expect((await t.json('PUT', '/api/v1/policies/keep-control', { body: { ...base, mode: 'shadow' } })).status).toBe(200);
  });

  it('refuses bad tests with a 400 naming the field, a second test on the same control with a 409, and agent keys with a 403', async () => {
    await policy({ id: 'val-control', effect: 'deny', priority: 80, when: { action_type: 'val.*' } });
    await policy({ id: 'val-test', effect: 'allow', mode: 'shadow', priority: 80, when: { action_type: 'val.*' } });
    const base = { name: 'Val', control_policy: 'val-control', test_policy: 'val-test', traffic_split: 10, duration_days: 7 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, control_policy: 'nope' }, 'control_policy'],
      [{ ...base, test_policy: 'nope' }, 'test_policy'],
      [{ ...base, control_policy: 'val-test', test_policy: 'val-control' }, 'control_policy'],
      [{ ...base, test_policy: 'val-control' }, 'test_policy'],
      [{ ...base, traffic_split: 101 }, 'traffic_split'],
      [{ ...base, duration_days: 0 }, 'duration_days'],
      [{ ...base, extra: 1 }, 'extra'],
    ];
    for (const [body, path] of cases) {
      const r = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/ab-tests', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.details[0]!.path).toBe(path);
    }
    expect((await t.json('POST', '/api/ab-tests', { key: t.agentKey, body: base })).status).toBe(403);
    expect((await t.json('GET', '/api/ab-tests', { key: t.agentKey })).status).toBe(403);
    expect((await t.json('GET', '/api/ab-tests', { key: null })).status).toBe(401);
    await startTest(base);
    expect((await t.json('POST', '/api/ab-tests', { body: base })).status).toBe(409);
    expect((await t.json('GET', '/api/ab-tests/abt_nope')).status).toBe(404);
  });
});
