import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStatusSchema, type ActionStatus, type WorkflowView } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';
import { alreadyAnswered, type StepProgress } from '../../src-main/services/workflow-progress.js';

/** SPEC 11 with the seeds' own workflow document, answered through the HTTP API by admin keys with approver names. */

const SEED_WORKFLOW = {
  name: 'High Value Transaction Workflow',
  steps: [
    { approvers: ['team-lead'], required: 1, timeout_hours: 4 },
    { approvers: ['finance-manager', 'compliance-officer'], required: 1, timeout_hours: 24 },
  ],
  escalation: { timeout_action: 'escalate', escalation_approvers: ['vp-finance'] },
};

let t: TestCore;
const keys: Record<string, string> = {};

async function adminKey(name: string, approver?: string): Promise<string> {
  const r = await t.json<{ key: string; approver: string | null }>('POST', '/api/v1/keys', {
    body: { name, scope: 'admin', ...(approver ? { approver } : {}) },
  });
  expect(r.status).toBe(201);
  expect(r.body.approver).toBe(approver ?? null);
  return r.body.key;
}

beforeAll(async () => {
  t = await openTestCore();
  for (const who of ['team-lead', 'finance-manager', 'compliance-officer', 'vp-finance']) keys[who] = await adminKey(`Key of ${who}`, who);
  keys.plain = await adminKey('No approver');
});
afterAll(() => t.close());

async function submit(action_type: string, extra: Record<string, unknown> = {}): Promise<string> {
  const d = await t.json<{ action_id: string; decision: string; expires_at: string }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'payments-bot', action_type, resource: 'acct://ops/42', ...extra },
  });
  expect(d.status).toBe(200);
  expect(d.body.decision).toBe('pending');
  return d.body.action_id;
}

async function status(id: string): Promise<ActionStatus> {
  const s = await t.json<ActionStatus>('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey });
  expect(s.status).toBe(200);
  return ActionStatusSchema.parse(s.body);
}

const answer = (id: string, who: string, verb: 'approve' | 'deny', body: Record<string, unknown> = {}) =>
  t.json<ActionStatus & { policy_id?: string | null; error?: { code: string; message: string; details: { path: string }[] } }>(
    'POST',
    `/api/v1/approvals/${id}/${verb}`,
    { key: keys[who] ?? who, body },
  );

async function auditOf(id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const r = await t.json<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', `/api/v1/audit?action_id=${id}&limit=100`);
  return r.body.items.reverse();
}

describe('workflow documents', () => {
  it('takes the seeds’ document as written, names it from its name, lists and gets it', async () => {
    const c = await t.json<WorkflowView>('POST', '/api/v1/workflows', { body: SEED_WORKFLOW });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ id: 'high-value-transaction-workflow', ...SEED_WORKFLOW, policies: [] });
    const list = await t.json<{ items: WorkflowView[] }>('GET', '/api/v1/workflows');
    expect(list.body.items.map((w) => w.id)).toContain('high-value-transaction-workflow');
    expect((await t.json('GET', '/api/v1/workflows/high-value-transaction-workflow')).status).toBe(200);
    expect((await t.json('POST', '/api/v1/workflows', { body: { ...SEED_WORKFLOW, id: 'high-value-transaction-workflow' } })).status).toBe(
      409,
    );
  });

  it('refuses a bad document with a 400 naming the field', async () => {
    const bad = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/workflows', {
      body: { ...SEED_WORKFLOW, steps: [{ approvers: ['a'], required: 0, timeout_hours: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('steps.0.required');
    const noEsc = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/workflows', {
      body: { ...SEED_WORKFLOW, escalation: { timeout_action: 'escalate' } },
    });
    expect(noEsc.status).toBe(400);
    expect(noEsc.body.error.details[0]!.path).toBe('escalation.escalation_approvers');
  });

  it('a policy naming an unknown workflow is a 400 naming approval.workflow; a named workflow cannot be deleted', async () => {
    const bad = await t.json<{ error: { details: { path: string; message: string }[] } }>('POST', '/api/v1/policies', {
      body: { id: 'ghost', effect: 'require_approval', when: { action_type: 'ghost.*' }, approval: { workflow: 'no-such-workflow' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'approval.workflow', message: "unknown workflow 'no-such-workflow'" });
    expect((await t.json('GET', '/api/v1/policies/ghost')).status).toBe(404);
    const ok = await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'high-value-payments',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'payment.*' },
        approval: { workflow: 'high-value-transaction-workflow' },
      },
    });
    expect(ok.status).toBe(201);
    const del = await t.json<{ error: { code: string } }>('DELETE', '/api/v1/workflows/high-value-transaction-workflow');
    expect(del.status).toBe(409);
    expect((await t.json<WorkflowView>('GET', '/api/v1/workflows/high-value-transaction-workflow')).body.policies).toEqual([
      'high-value-payments',
    ]);
  });
});

describe('the seeds’ two-step workflow', () => {
  it('team-lead, then one of finance-manager / compliance-officer: approved, each answer audited', async () => {
    const id = await submit('payment.transfer', { parameters: { amount: 250000 } });
    let s = await status(id);
    expect(s.status).toBe('pending');
    // The overall deadline covers both steps (4 h + 24 h).
    expect(Date.parse(s.expires_at!) - Date.parse(s.created_at)).toBe(28 * 3_600_000);
    expect(s.workflow).toMatchObject({
      id: 'high-value-transaction-workflow',
      step: 0,
      steps: [
        { approvers: ['team-lead'], required: 1, approvals: [], state: 'active' },
        { approvers: ['finance-manager', 'compliance-officer'], required: 1, approvals: [], deadline: null, state: 'waiting' },
      ],
    });
    expect(Date.parse(s.workflow!.steps[0]!.deadline!) - Date.parse(s.created_at)).toBe(4 * 3_600_000);

    const first = await answer(id, 'team-lead', 'approve', { comment: 'ok from the lead' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', decision: 'pending' });
    expect(first.body.workflow).toMatchObject({
      step: 1,
      steps: [{ state: 'passed', approvals: [{ approver: 'team-lead' }] }, { state: 'active' }],
    });
    s = await status(id);
    expect(s.status).toBe('pending');
    expect(s.workflow!.steps[1]!.deadline).not.toBeNull();

    const second = await answer(id, 'compliance-officer', 'approve');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'approved', decision: 'allowed', approved: true, reviewed_by: 'user' });
    s = await status(id);
    expect(s.workflow!.steps.map((x) => x.state)).toEqual(['passed', 'passed']);
    expect(s.workflow!.steps[1]!.approvals.map((a) => a.approver)).toEqual(['compliance-officer']);

    const records = await auditOf(id);
    const steps = records.filter((r) => r.type === 'approval.step_answered');
    expect(steps.map((r) => [r.data.approver, r.data.step, r.data.outcome])).toEqual([
      ['team-lead', 0, 'step_passed'],
      ['compliance-officer', 1, 'approved'],
    ]);
    expect(records.find((r) => r.type === 'approval.resolved')!.data).toMatchObject({
      approved: true,
      approver: 'compliance-officer',
      workflow_id: 'high-value-transaction-workflow',
    });
    // A settled approval cannot be answered again.
    expect((await answer(id, 'finance-manager', 'approve')).status).toBe(409);
  });

  it('a wrong approver is refused with 403 and nothing changes', async () => {
    const id = await submit('payment.refund');
    const before = await status(id);
    const headBefore = (await t.json<{ records: number }>('GET', '/api/v1/audit/verify')).body.records;
    for (const who of ['finance-manager', 'vp-finance', 'plain']) {
      const r = await answer(id, who, 'approve');
      expect(r.status).toBe(403);
      expect(r.body.error!.code).toBe('forbidden');
      expect(r.body.error!.details[0]!.path).toBe('approver');
    }
    // The console's default admin key answers as `owner`: not a step approver either, for approve or deny.
    const owner = await t.json<{ error: { message: string } }>('POST', `/api/v1/approvals/${id}/deny`, { body: {} });
    expect(owner.status).toBe(403);
    expect(owner.body.error.message).toContain("'team-lead'");
    expect(await status(id)).toEqual(before);
    expect((await t.json<{ records: number }>('GET', '/api/v1/audit/verify')).body.records).toBe(headBefore);
    // The right approver still can.
    expect((await answer(id, 'team-lead', 'approve')).body.workflow!.step).toBe(1);
  });

  it('any deny rejects the action; a step answer needs distinct approvers', async () => {
    const id = await submit('payment.charge');
    expect((await answer(id, 'team-lead', 'approve')).status).toBe(200);
    const denied = await answer(id, 'finance-manager', 'deny', { comment: 'no budget' });
    expect(denied.body).toMatchObject({ status: 'rejected', decision: 'denied', approved: false });
    expect(denied.body.workflow!.steps[1]).toMatchObject({ state: 'rejected', rejected_by: { approver: 'finance-manager' } });
  });

  it('a remember choice applies only when the final step passes, and only as far as every approver agreed', async () => {
    const remembered = async () =>
      (await t.json<{ items: { id: string; source: string; expires_at: string | null }[] }>('GET', '/api/v1/policies')).body.items.filter(
        (p) => p.source === 'approval',
      );
    const id = await submit('payment.payout', { resource: 'acct://ops/remember' });
    const first = await answer(id, 'team-lead', 'approve', { remember: '12h' });
    expect(first.body).toMatchObject({ status: 'pending', policy_id: null });
    expect(await remembered()).toEqual([]);
    const last = await answer(id, 'finance-manager', 'approve', { remember: '1h' });
    expect(last.body.status).toBe('approved');
    expect(last.body.policy_id).toMatch(/^remember-allow-/);
    // The shortest of the two: 1 hour, not 12.
    const made = (await remembered()).find((p) => p.id === last.body.policy_id)!;
    expect(Date.parse(made.expires_at!) - Date.now()).toBeLessThanOrEqual(3_600_000);
    await t.json('DELETE', `/api/v1/policies/${made.id}`);

    // One approver answering once: the policy would let later requests skip them too, so none is made.
    const other = await submit('payment.payout', { resource: 'acct://ops/remember-2' });
    await answer(other, 'team-lead', 'approve', { remember: 'forever' });
    const once = await answer(other, 'compliance-officer', 'approve');
    expect(once.body).toMatchObject({ status: 'approved', policy_id: null });
    expect(await remembered()).toEqual([]);
    // The next identical request goes through the workflow again.
    const again = await submit('payment.payout', { resource: 'acct://ops/remember-2' });
    expect((await status(again)).workflow?.step).toBe(0);
  });
});

describe('required counts', () => {
  it('a step with required 2 passes only after two distinct approvers', async () => {
    await t.json('POST', '/api/v1/workflows', {
      body: {
        id: 'two-of-three',
        name: 'Two of three',
        steps: [{ approvers: ['team-lead', 'finance-manager', 'compliance-officer'], required: 2, timeout_hours: 1 }],
      },
    });
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'two-sign',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'iam.grant' },
        approval: { workflow: 'two-of-three' },
      },
    });
    const id = await submit('iam.grant');
    const one = await answer(id, 'team-lead', 'approve');
    expect(one.body).toMatchObject({ status: 'pending' });
    expect(one.body.workflow!.steps[0]!.approvals).toHaveLength(1);
    expect((await answer(id, 'team-lead', 'approve')).status).toBe(409);
    expect((await answer(id, 'finance-manager', 'approve')).body.status).toBe('approved');
  });

  it('a step without approvers is answered by the owner (the default admin key and the console)', async () => {
    await t.json('POST', '/api/v1/workflows', { body: { id: 'owner-only', name: 'Owner only', steps: [{ timeout_hours: 1 }] } });
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'owner-step',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'secret.read' },
        approval: { workflow: 'owner-only' },
      },
    });
    const id = await submit('secret.read');
    expect((await answer(id, 'team-lead', 'approve')).status).toBe(403);
    const s = await status(id);
    expect(s.workflow!.steps[0]!.approvers).toEqual(['owner']);
    const ok = await t.json<ActionStatus>('POST', `/api/v1/approvals/${id}/approve`, { body: {} });
    expect(ok.body.status).toBe('approved');
  });
});

describe('approver names are roles: required counts distinct people', () => {
  const keyIds: Record<string, string> = {};
  const dual = async (who: string, approver: string) => {
    const r = await t.json<{ key: string; id: string }>('POST', '/api/v1/keys', { body: { name: who, scope: 'admin', approver } });
    expect(r.status).toBe(201);
    keys[who] = r.body.key;
    keyIds[who] = r.body.id;
  };

  it('two people holding team-lead pass a step requiring 2; the same key twice counts once; others get 403', async () => {
    await dual('Dana', 'team-lead');
    await dual('Eve', 'team-lead');
    const wf = await t.json('POST', '/api/v1/workflows', {
      body: { id: 'two-leads', name: 'Two leads', steps: [{ approvers: ['team-lead'], required: 2, timeout_hours: 1 }] },
    });
    expect(wf.status).toBe(201);
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'two-leads-policy',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'wire.out' },
        approval: { workflow: 'two-leads' },
      },
    });
    const id = await submit('wire.out');

    const first = await answer(id, 'Dana', 'approve');
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending');
    expect(first.body.workflow!.steps[0]!.approvals).toMatchObject([{ approver: 'team-lead', by: keyIds.Dana, name: 'Dana' }]);

    // The same key again, and a key whose approver the step does not name: refused, nothing changes.
    const before = await status(id);
    const headBefore = (await t.json<{ records: number }>('GET', '/api/v1/audit/verify')).body.records;
    const again = await answer(id, 'Dana', 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error!.message).toContain('Dana');
    const outsider = await answer(id, 'finance-manager', 'approve');
    expect(outsider.status).toBe(403);
    expect(outsider.body.error!.details[0]!.path).toBe('approver');
    expect((await answer(id, 'finance-manager', 'deny')).status).toBe(403);
    expect(await status(id)).toEqual(before);
    expect((await t.json<{ records: number }>('GET', '/api/v1/audit/verify')).body.records).toBe(headBefore);

    // A second person with the same approver name passes the step.
    const second = await answer(id, 'Eve', 'approve');
    expect(second.body).toMatchObject({ status: 'approved', decision: 'allowed', approved: true, reviewed_by: 'user' });
    expect(second.body.workflow!.steps[0]!.approvals.map((a) => [a.approver, a.by, a.name])).toEqual([
      ['team-lead', keyIds.Dana, 'Dana'],
      ['team-lead', keyIds.Eve, 'Eve'],
    ]);
    const records = await auditOf(id);
    expect(records.filter((r) => r.type === 'approval.step_answered').map((r) => [r.data.approver, r.data.name, r.data.outcome])).toEqual([
      ['team-lead', 'Dana', 'counted'],
      ['team-lead', 'Eve', 'approved'],
    ]);
  });

  it('the owner through the console and through the CLI’s default admin key is one person', async () => {
    await t.json('POST', '/api/v1/workflows', {
      body: { id: 'two-owners', name: 'Two owners', steps: [{ approvers: ['owner', 'vp-finance'], required: 2, timeout_hours: 1 }] },
    });
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'two-owners-policy',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'vault.open' },
        approval: { workflow: 'two-owners' },
      },
    });
    const id = await submit('vault.open');
    // The default admin key (the CLI's) answers as owner...
    const cli = await t.json<ActionStatus>('POST', `/api/v1/approvals/${id}/approve`, { body: {} });
    expect(cli.body.workflow!.steps[0]!.approvals).toMatchObject([{ approver: 'owner', by: 'key_default_admin' }]);
    // ...and the console is the same person: it does not make a second approval.
    await expect(t.g.approvals.resolve(id, true, { remember: 'once', apply_to_pending: false })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await status(id)).workflow!.steps[0]!.approvals).toHaveLength(1);
    expect((await answer(id, 'vp-finance', 'approve')).body.status).toBe('approved');
  });
});

describe('other answers leave workflow requests alone', () => {
  it('apply_to_pending from an ordinary approval never answers a request a workflow governs', async () => {
    await t.json('POST', '/api/v1/policies', {
      body: { id: 'plain-deploys', effect: 'require_approval', priority: 90, when: { action_type: 'deploy.x', resource: 'a*' } },
    });
    await t.json('POST', '/api/v1/policies', {
      body: {
        id: 'workflow-deploys',
        effect: 'require_approval',
        priority: 90,
        when: { action_type: 'deploy.x', resource: 'b*' },
        approval: { workflow: 'high-value-transaction-workflow' },
      },
    });
    const plain = await submit('deploy.x', { resource: 'a1' });
    const governed = await submit('deploy.x', { resource: 'b1' });
    const r = await t.json<{ status: string; also_resolved: string[] }>('POST', `/api/v1/approvals/${plain}/approve`, {
      body: { remember: '1h', pattern: '*', apply_to_pending: true },
    });
    expect(r.body.status).toBe('approved');
    expect(r.body.also_resolved).not.toContain(governed);
    const s = await status(governed);
    expect(s.status).toBe('pending');
    expect(s.workflow!.steps[0]!.approvals).toEqual([]);
  });
});

describe('keys', () => {
  it('approver names are shown in the key list; only an admin key can have one', async () => {
    const list = await t.json<{ items: { name: string; approver: string | null; id: string }[] }>('GET', '/api/v1/keys');
    expect(list.body.items.find((k) => k.name === 'Key of team-lead')!.approver).toBe('team-lead');
    expect(list.body.items.find((k) => k.id === 'key_default_admin')!.approver).toBe('owner');
    const bad = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/keys', {
      body: { name: 'agent approver', scope: 'agent', approver: 'team-lead' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.path).toBe('approver');
  });
});

describe('workflows travel in the policy file (SPEC 3.4, 11)', () => {
  it('an export names the workflows its policies use, and imports whole into another install', async () => {
    expect((await t.json('POST', '/api/v1/workflows', { body: { ...SEED_WORKFLOW, id: 'file-flow' } })).status).toBe(201);
    expect(
      (
        await t.json('POST', '/api/v1/policies', {
          body: {
            id: 'file-flow-policy',
            effect: 'require_approval',
            priority: 90,
            when: { action_type: 'file.flow' },
            approval: { workflow: 'file-flow' },
          },
        })
      ).status,
    ).toBe(201);
    const yaml = await (await t.req('GET', '/api/v1/policies/export?format=yaml')).text();
    expect(yaml).toContain('workflows:');

    const other = await openTestCore();
    try {
      const r = await other.json<{ workflows: number }>('POST', '/api/v1/policies/import', {
        body: yaml,
        headers: { 'Content-Type': 'application/yaml' },
      });
      expect(r.status).toBe(200);
      expect(r.body.workflows).toBeGreaterThanOrEqual(1);
      const wf = await other.json<WorkflowView>('GET', '/api/v1/workflows/file-flow');
      expect(wf.body).toMatchObject({
        name: SEED_WORKFLOW.name,
        steps: [{ approvers: ['team-lead'] }, {}],
        policies: ['file-flow-policy'],
      });
      const d = await other.json<{ action_id: string; decision: string }>('POST', '/api/v1/actions/submit', {
        key: other.agentKey,
        body: { agent_id: 'importer', action_type: 'file.flow' },
      });
      expect(d.body.decision).toBe('pending');
      const s = await other.json<ActionStatus>('GET', `/api/v1/actions/${d.body.action_id}/status`, { key: other.agentKey });
      expect(s.body.workflow?.id).toBe('file-flow');
      // Round trip: the import exports the same file.
      expect(await (await other.req('GET', '/api/v1/policies/export?format=yaml')).text()).toBe(yaml);
    } finally {
      await other.close();
    }
  });

  it('a workflow without an id, or a policy naming one the file and the install lack, fails the whole file', async () => {
    const before = await (await t.req('GET', '/api/v1/policies/export?format=json')).text();
    const noId = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/policies/import', {
      body: { version: 1, workflows: [SEED_WORKFLOW], policies: [] },
    });
    expect(noId.status).toBe(400);
    expect(noId.body.error.details[0]?.path).toBe('workflows[0].id');
    const unknown = await t.json<{ error: { details: { path: string }[] } }>('POST', '/api/v1/policies/import', {
      body: {
        version: 1,
        workflows: [{ ...SEED_WORKFLOW, id: 'flow-in-file' }],
        policies: [
          { id: 'needs-other', effect: 'require_approval', when: { action_type: 'x.y' }, approval: { workflow: 'flow-elsewhere' } },
        ],
      },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]?.path).toBe('policies[0](needs-other).approval.workflow');
    expect((await t.json('GET', '/api/v1/workflows/flow-in-file')).status).toBe(404);
    expect(await (await t.req('GET', '/api/v1/policies/export?format=json')).text()).toBe(before);
  });
});

describe('step numbering', () => {
  /** Every object schema in the document that has both `step` and `steps`: the status body's `workflow` block. */
  function workflowBlocks(node: unknown, out: { properties: Record<string, { description?: string }> }[] = []) {
    if (Array.isArray(node)) for (const n of node) workflowBlocks(n, out);
    else if (node && typeof node === 'object') {
      const o = node as { properties?: Record<string, { description?: string }> };
      if (o.properties?.step && o.properties.steps) out.push({ properties: o.properties });
      for (const v of Object.values(node)) workflowBlocks(v, out);
    }
    return out;
  }

  it('workflow.step is a 0-based index into steps, and the OpenAPI document says so (the console shows step + 1)', async () => {
    const id = await submit('payment.transfer', { resource: 'acct://ops/numbering' });
    const s = await status(id);
    expect(s.workflow!.step).toBe(0);
    expect(s.workflow!.steps[s.workflow!.step]!.state).toBe('active');
    const doc = (await t.json('GET', '/api/openapi.json', { key: null })).body;
    const blocks = workflowBlocks(doc);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(b.properties.step!.description).toMatch(/0-based index into `steps`.*step 1 of 2/);
  });
});

describe('who already answered a step', () => {
  const step = (approvals: StepProgress['approvals']): StepProgress => ({
    approvers: ['team-lead'],
    required: 2,
    timeout_ms: 1,
    approvals,
    deadline_ms: 1,
    state: 'active',
    escalation: false,
    rejected_by: null,
  });
  const dana = { approver: 'team-lead', by: 'key_dana', name: 'Dana' };

  it('counts a key once, another key with the same approver name as another person', () => {
    const s = step([{ ...dana, at_ms: 1 }]);
    expect(alreadyAnswered(s, dana)).toBe(true);
    expect(alreadyAnswered(s, { approver: 'team-lead', by: 'key_eve', name: 'Eve' })).toBe(false);
  });

  it('an answer recorded before the person was kept stands for every holder of its approver name (never counted twice)', () => {
    const s = step([{ approver: 'team-lead', at_ms: 1 }]);
    expect(alreadyAnswered(s, dana)).toBe(true);
    expect(alreadyAnswered(s, { approver: 'finance-manager', by: 'key_fm', name: 'Fay' })).toBe(false);
  });
});
