import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStatusSchema, type ActionStatus, type Approval, type Brief, type EventEnvelope } from '../../src-shared/index.js';
import { Receiver } from '../events/receiver.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * SPEC 11 timeouts with real, short step timeouts (fractions of an hour): escalation, deny and
 * allow on timeout, and a restart in the middle of a workflow.
 */

const SECOND_H = 1 / 3600;
let t: TestCore;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await openTestCore();
  for (const who of ['team-lead', 'finance-manager', 'vp-finance']) {
    const r = await t.json<{ key: string }>('POST', '/api/v1/keys', { body: { name: who, scope: 'admin', approver: who } });
    keys[who] = r.body.key;
  }
});
afterAll(() => t.close());

async function workflowPolicy(id: string, steps: unknown[], escalation: unknown, approval: Record<string, unknown> = {}): Promise<void> {
  expect((await t.json('POST', '/api/v1/workflows', { body: { id, name: id, steps, escalation } })).status).toBe(201);
  const p = await t.json('POST', '/api/v1/policies', {
    body: {
      id: `${id}-policy`,
      effect: 'require_approval',
      priority: 90,
      when: { action_type: `${id}.*` },
      approval: { workflow: id, ...approval },
    },
  });
  expect(p.status).toBe(201);
}

/** Submits an action a workflow holds; its id, and the overall deadline it was given at submit. */
async function held(type: string): Promise<{ id: string; expiresAt: number }> {
  const d = await t.json<{ action_id: string; decision: string; expires_at: string }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'finance-bot', action_type: type, resource: 'ledger://q4' },
  });
  expect(d.body.decision).toBe('pending');
  return { id: d.body.action_id, expiresAt: Date.parse(d.body.expires_at) };
}
const submit = async (type: string): Promise<string> => (await held(type)).id;

async function status(id: string): Promise<ActionStatus> {
  return ActionStatusSchema.parse((await t.json('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey })).body);
}

/** Polls the status until `ok` holds (the timer fires on its own; this only looks). */
async function until(id: string, ok: (s: ActionStatus) => boolean, ms = 15_000): Promise<ActionStatus> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await status(id);
    if (ok(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting; last status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The events the bus publishes from now on (what SSE and webhooks send). */
function recordEvents(): { events: EventEnvelope[]; stop: () => void } {
  const events: EventEnvelope[] = [];
  const stop = t.g.bus.subscribe((e) => events.push(e));
  return { events, stop };
}

async function auditOf(id: string): Promise<{ type: string; actor: string; data: Record<string, unknown> }[]> {
  const r = await t.json<{ items: { type: string; actor: string; data: Record<string, unknown> }[] }>(
    'GET',
    `/api/v1/audit?action_id=${id}&limit=100`,
  );
  return r.body.items.reverse();
}

/** The approval's own state, as the SDK route and the approvals list answer it. */
async function approvalOf(s: ActionStatus): Promise<Approval> {
  return (await t.json<Approval>('GET', `/api/sdk/approval/${s.approval_id!}`, { key: t.agentKey })).body;
}
const listed = async (state: string, id: string): Promise<boolean> =>
  (await t.json<{ items: { action_id: string }[] }>('GET', `/api/v1/approvals?status=${state}`)).body.items.some((a) => a.action_id === id);

const approve = (id: string, who: string) => t.json<ActionStatus>('POST', `/api/v1/approvals/${id}/approve`, { key: keys[who], body: {} });

describe('a step past its timeout', () => {
  it('escalate: adds a step for the escalation approvers, sends approval.escalated to webhooks, then continues', async () => {
    const rx = await Receiver.start(() => 200);
    try {
      const hook = await t.json<{ id: string }>('POST', '/api/v1/webhooks', { body: { url: rx.url, events: ['approval.escalated'] } });
      expect(hook.status).toBe(201);
      await workflowPolicy(
        'esc',
        [
          { approvers: ['team-lead'], required: 1, timeout_hours: 1 * SECOND_H },
          { approvers: ['finance-manager'], required: 1, timeout_hours: 1 },
        ],
        { timeout_action: 'escalate', escalation_approvers: ['vp-finance'], timeout_hours: 1 },
      );
      const { id, expiresAt } = await held('esc.pay');
      const s = await until(id, (x) => x.workflow!.step === 1);
      expect(s.status).toBe('pending');
      expect(s.workflow!.steps.map((x) => [x.approvers, x.state, x.escalation])).toEqual([
        [['team-lead'], 'timed_out', false],
        [['vp-finance'], 'active', true],
        [['finance-manager'], 'waiting', false],
      ]);
      // The overall deadline moved to cover the escalation step and the step after it.
      expect(Date.parse(s.expires_at!)).toBeGreaterThan(expiresAt);
      // The team lead is too late now; the VP answers the escalation step.
      expect((await approve(id, 'team-lead')).status).toBe(403);
      expect((await approve(id, 'vp-finance')).body.workflow!.step).toBe(2);
      expect((await approve(id, 'finance-manager')).body.status).toBe('approved');

      await rx.waitFor(1);
      const event = JSON.parse(rx.received[0]!.body) as { event: string; data: { action_id: string; escalation_approvers: string[] } };
      expect(event.event).toBe('approval.escalated');
      expect(event.data).toMatchObject({ action_id: id, escalation_approvers: ['vp-finance'] });
      const audit = await t.json<{ items: { type: string; data: Record<string, unknown> }[] }>(
        'GET',
        `/api/v1/audit?action_id=${id}&type=approval.escalated`,
      );
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]!.data).toMatchObject({ step: 0, escalated_to_step: 1, escalation_approvers: ['vp-finance'] });
    } finally {
      await rx.close();
    }
  });

  it('an escalation step that times out too expires the approval with its own timeout_action, default deny (no loop)', async () => {
    await workflowPolicy('esc2', [{ approvers: ['team-lead'], timeout_hours: 1 * SECOND_H }], {
      timeout_action: 'escalate',
      escalation_approvers: ['vp-finance'],
      timeout_hours: 1 * SECOND_H,
    });
    const rec = recordEvents();
    const id = await submit('esc2.pay');
    const s = await until(id, (x) => x.status !== 'pending');
    rec.stop();
    expect(s).toMatchObject({ status: 'expired', decision: 'denied', approved: false, reviewed_by: 'timeout' });
    expect(s.workflow!.steps.map((x) => x.state)).toEqual(['timed_out', 'expired']);
    expect(rec.events.filter((e) => e.data.action_id === id).map((e) => e.event)).toEqual([
      'action.submitted',
      'approval.requested',
      'approval.escalated',
      'action.expired',
    ]);
    expect((await approvalOf(s)).status).toBe('expired');
    expect((await auditOf(id)).find((r) => r.type === 'approval.expired')!.data).toMatchObject({ timeout_action: 'deny', step: 1 });
  });

  it('an escalation step that times out follows the approval’s timeout_action allow only where the policy asks for it', async () => {
    await workflowPolicy(
      'esc3',
      [{ approvers: ['team-lead'], timeout_hours: 1 * SECOND_H }],
      { timeout_action: 'escalate', escalation_approvers: ['vp-finance'], timeout_hours: 1 * SECOND_H },
      { timeout_action: 'allow' },
    );
    const id = await submit('esc3.pay');
    const s = await until(id, (x) => x.status !== 'pending');
    expect(s).toMatchObject({ status: 'expired', decision: 'allowed', approved: true, reviewed_by: 'timeout' });
    expect(s.workflow!.steps.map((x) => x.state)).toEqual(['timed_out', 'expired']);
  });

  it('deny: the step timeout rejects the action, as an answer would (events, audit, approval)', async () => {
    await workflowPolicy(
      'tdeny',
      [
        { approvers: ['team-lead'], timeout_hours: 1 * SECOND_H },
        { approvers: ['vp-finance'], timeout_hours: 1 },
      ],
      {
        timeout_action: 'deny',
      },
    );
    const rec = recordEvents();
    const id = await submit('tdeny.pay');
    // The agent's long-poll is released by the step timeout, long before the overall deadline.
    const s = ActionStatusSchema.parse((await t.json('GET', `/api/v1/actions/${id}/status?wait=15`, { key: t.agentKey })).body);
    rec.stop();
    expect(s).toMatchObject({ status: 'rejected', decision: 'denied', approved: false, reviewed_by: 'timeout' });
    expect(s.reason).toBe('A workflow step timed out; timeout action: deny');
    expect(s.comment).toBe("Step 1 of workflow 'tdeny' timed out; its timeout action rejected the request");
    expect(s.workflow!.steps.map((x) => x.state)).toEqual(['timed_out', 'waiting']);
    const mine = rec.events.filter((e) => e.data.action_id === id);
    expect(mine.map((e) => e.event)).toEqual(['action.submitted', 'approval.requested', 'action.rejected']);
    expect(mine[2]!.data).toMatchObject({ status: 'rejected', reviewed_by: 'timeout' });
    const resolved = (await auditOf(id)).filter((r) => r.type === 'approval.resolved' || r.type === 'approval.expired');
    expect(resolved).toMatchObject([
      {
        type: 'approval.resolved',
        actor: 'system',
        data: { approved: false, reviewed_by: 'timeout', timeout_action: 'deny', workflow_id: 'tdeny', step: 0 },
      },
    ]);
    expect((await approvalOf(s)).status).toBe('rejected');
    expect(await listed('rejected', id)).toBe(true);
    expect(await listed('expired', id)).toBe(false);
    // Settled: nobody can answer it any more.
    expect((await approve(id, 'team-lead')).status).toBe(409);
  });

  it('allow: the step timeout approves the action, as an answer would; it then runs and stays approved', async () => {
    await workflowPolicy('tallow', [{ approvers: ['team-lead'], timeout_hours: 1 * SECOND_H }], { timeout_action: 'allow' });
    const rec = recordEvents();
    const id = await submit('tallow.pay');
    const s = ActionStatusSchema.parse((await t.json('GET', `/api/v1/actions/${id}/status?wait=15`, { key: t.agentKey })).body);
    rec.stop();
    expect(s).toMatchObject({ status: 'approved', decision: 'allowed', approved: true, reviewed_by: 'timeout' });
    expect(s.reason).toBe('A workflow step timed out; timeout action: allow');
    expect(s.comment).toContain('timed out');
    expect(rec.events.filter((e) => e.data.action_id === id).map((e) => e.event)).toContain('action.approved');
    expect((await auditOf(id)).find((r) => r.type === 'approval.resolved')!.data).toMatchObject({
      approved: true,
      reviewed_by: 'timeout',
      timeout_action: 'allow',
    });
    const done = await t.json<ActionStatus>('POST', `/api/v1/actions/${id}/complete`, { key: t.agentKey, body: { status: 'success' } });
    expect(done.body).toMatchObject({ status: 'completed', reviewed_by: 'timeout', reason: 'No answer in time; timeout action: allow' });
    expect((await approvalOf(s)).status).toBe('approved');
    expect(await listed('approved', id)).toBe(true);
    expect(await listed('expired', id)).toBe(false);
  });

  it('the executive brief counts held actions by their approval’s state, as the approvals list does', async () => {
    const brief = await t.json<Brief>('GET', '/api/v1/reports/brief?window=7d&format=json');
    expect(brief.status).toBe(200);
    const count = async (state: string) =>
      (await t.json<{ items: unknown[] }>('GET', `/api/v1/approvals?status=${state}`)).body.items.length;
    const states = { approved: await count('approved'), rejected: await count('rejected'), expired: await count('expired') };
    // The deny and allow step timeouts above settled one each; escalation steps that timed out expired.
    expect(states.approved).toBeGreaterThan(0);
    expect(states.rejected).toBeGreaterThan(0);
    expect(brief.body.totals).toMatchObject(states);
  });
});

describe('restart mid-workflow', () => {
  it('keeps the answers given, continues with the next step, and keeps step deadlines across the restart', async () => {
    await workflowPolicy(
      'rs',
      [
        { approvers: ['team-lead'], timeout_hours: 1 },
        { approvers: ['finance-manager'], timeout_hours: 2 * SECOND_H },
      ],
      { timeout_action: 'escalate', escalation_approvers: ['vp-finance'], timeout_hours: 1 },
    );
    await workflowPolicy(
      'rs2',
      [
        { approvers: ['team-lead'], timeout_hours: 1 },
        { approvers: ['finance-manager'], timeout_hours: 1 },
      ],
      {
        timeout_action: 'deny',
      },
    );
    const timed = await submit('rs.pay');
    const answered = await submit('rs2.pay');
    expect((await approve(timed, 'team-lead')).body.workflow!.step).toBe(1);
    expect((await approve(answered, 'team-lead')).body.workflow!.step).toBe(1);
    await t.reopen();
    // The new server knows the step reached and who answered it...
    const s = await status(answered);
    expect(s.status).toBe('pending');
    expect(s.workflow!.steps[0]!.approvals.map((a) => a.approver)).toEqual(['team-lead']);
    expect((await approve(answered, 'team-lead')).status).toBe(403);
    expect((await approve(answered, 'finance-manager')).body.status).toBe('approved');
    // ...and escalates a step whose deadline falls after the restart.
    const e = await until(timed, (x) => x.workflow!.step === 2);
    expect(e.workflow!.steps[2]).toMatchObject({ approvers: ['vp-finance'], escalation: true, state: 'active' });
  });
});
