import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionStatusSchema, type PolicyView, type WorkflowView } from '../../src-shared/index.js';
import { openTestCore, type TestCore } from '../helpers/core.js';

/**
 * SPEC 3.4 + 11: the seeds' Terraform policy (seeds/004, `resource "ascend_policy" "terraform_governance"`)
 * keeps its `approvers`: imported, it holds a matching action for a one-step workflow in which
 * infra-lead or sre-team approves — not the console's owner. They used to be dropped without a word.
 */
const SEED_YAML = `version: 1
policies:
  - name: Terraform Production Changes
    description: Require approval for production infrastructure changes
    conditions: '{"action_type": "infrastructure.apply", "context.environment": "production"}'
    action: require_approval
    approvers: [infra-lead, sre-team]
    priority: 80
`;
const WORKFLOW_ID = 'terraform-production-changes-approvers';
const YAML = { 'Content-Type': 'application/yaml' };

interface ApiError {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

let t: TestCore;
beforeAll(async () => {
  t = await openTestCore({ defaultPolicies: true });
});
afterAll(() => t.close());

const importYaml = (text: string) =>
  t.json<{ imported: number; created: number; updated: number; unchanged: number; workflows: number } & ApiError>(
    'POST',
    '/api/v1/policies/import',
    {
      body: text,
      headers: YAML,
    },
  );
const workflows = async () => (await t.json<{ items: WorkflowView[] }>('GET', '/api/v1/workflows')).body.items;

async function submitApply(): Promise<string> {
  const d = await t.json<{ action_id: string; decision: string; policy: { id: string } }>('POST', '/api/v1/actions/submit', {
    key: t.agentKey,
    body: { agent_id: 'terraform-ci', action_type: 'infrastructure.apply', context: { environment: 'production' } },
  });
  expect(d.body).toMatchObject({ decision: 'pending', policy: { id: 'terraform-production-changes' } });
  return d.body.action_id;
}

describe('the seeds’ Terraform policy with approvers', () => {
  it('imports as a policy naming a one-step workflow of infra-lead or sre-team', async () => {
    const r = await importYaml(SEED_YAML);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 1, workflows: 1 });
    const policy = await t.json<PolicyView>('GET', '/api/v1/policies/terraform-production-changes');
    expect(policy.body).toMatchObject({ effect: 'require_approval', priority: 80, approval: { workflow: WORKFLOW_ID } });
    const wf = await t.json<WorkflowView>('GET', `/api/v1/workflows/${WORKFLOW_ID}`);
    expect(wf.status).toBe(200);
    expect(wf.body).toMatchObject({
      name: 'Terraform Production Changes',
      steps: [{ approvers: ['infra-lead', 'sre-team'], required: 1 }],
      policies: ['terraform-production-changes'],
    });
  });

  it('holds a matching action for the workflow: the owner is refused (403), infra-lead approves', async () => {
    const id = await submitApply();
    const s = await t.json('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey });
    expect(ActionStatusSchema.parse(s.body)).toMatchObject({
      status: 'pending',
      workflow: {
        id: WORKFLOW_ID,
        step: 0,
        steps: [{ approvers: ['infra-lead', 'sre-team'], required: 1, approvals: [], state: 'active' }],
      },
    });

    // The default single-user setup answers as `owner`, which a step naming approvers does not accept.
    const owner = await t.json<ApiError>('POST', `/api/v1/approvals/${id}/approve`, { key: t.adminKey, body: {} });
    expect(owner.status).toBe(403);
    expect(owner.body.error.message).toMatch(/answered by 'infra-lead' or 'sre-team'; this caller answers as 'owner'/);
    expect(owner.body.error.message).toContain('--approver infra-lead');
    expect(owner.body.error.details).toEqual([{ path: 'approver', message: 'must be one of: infra-lead, sre-team' }]);

    const key = await t.json<{ key: string }>('POST', '/api/v1/keys', { body: { name: 'Ines', scope: 'admin', approver: 'infra-lead' } });
    const ok = await t.json<{ status: string }>('POST', `/api/v1/approvals/${id}/approve`, { key: key.body.key, body: {} });
    expect(ok.status).toBe(200);
    const after = ActionStatusSchema.parse((await t.json('GET', `/api/v1/actions/${id}/status`, { key: t.agentKey })).body);
    expect(after.status).toBe('approved');
    expect(after.workflow?.steps[0]?.approvals).toMatchObject([{ approver: 'infra-lead', name: 'Ines' }]);
  });

  it('importing the same file again updates the same workflow (no duplicate)', async () => {
    const before = (await workflows()).filter((w) => w.id.startsWith('terraform-production-changes'));
    const again = await importYaml(SEED_YAML);
    expect(again.body).toMatchObject({ imported: 1, created: 0, updated: 0, unchanged: 1, workflows: 1 });
    const now = (await workflows()).filter((w) => w.id.startsWith('terraform-production-changes'));
    expect(now.map((w) => w.id)).toEqual([WORKFLOW_ID]);
    expect(now[0]!.created_at).toBe(before[0]!.created_at);
  });

  it('an export of it imports again as is (the workflow travels in the file)', async () => {
    const exported = await t.req('GET', '/api/v1/policies/export?format=yaml');
    const text = await exported.text();
    expect(text).toContain(`workflow: ${WORKFLOW_ID}`);
    const r = await importYaml(text);
    expect(r.status).toBe(200);
    expect((await t.json<WorkflowView>('GET', `/api/v1/workflows/${WORKFLOW_ID}`)).body.steps[0]?.approvers).toEqual([
      'infra-lead',
      'sre-team',
    ]);
  });

  it('a JSON export with its workflows is an import body as it is (the documented file has workflows)', async () => {
    const exported = await t.json<{ workflows?: { id: string }[] }>('GET', '/api/v1/policies/export?format=json');
    expect(exported.body.workflows?.map((w) => w.id)).toContain(WORKFLOW_ID);
    const r = await t.json('POST', '/api/v1/policies/import', { body: exported.body });
    expect(r.status).toBe(200);
  });

  it('policies.yaml in the data dir, imported at every start, keeps one workflow too', async () => {
    writeFileSync(join(t.dataDir, 'policies.yaml'), SEED_YAML.replace('Terraform Production Changes', 'TF from file'));
    await t.reopen();
    await t.reopen();
    const made = (await workflows()).filter((w) => w.id.startsWith('tf-from-file'));
    expect(made).toMatchObject([{ id: 'tf-from-file-approvers', policies: ['tf-from-file'] }]);
  });

  it('approvers on an allow policy are a 400 naming approvers, and nothing changes', async () => {
    const before = await workflows();
    const bad = await importYaml(SEED_YAML.replace('require_approval', 'allow').replace('Terraform Production Changes', 'TF allow'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      {
        path: 'policies[0](tf-allow).approvers',
        message: expect.stringMatching(/only a require_approval or escalate policy has approvers/),
      },
    ]);
    const mcp = await t.json<ApiError>('POST', '/mcp/policies', { body: { name: 'TF allow', action: 'allow', approvers: ['infra-lead'] } });
    expect(mcp.status).toBe(400);
    expect(mcp.body.error.details.map((d) => d.path)).toEqual(['approvers']);
    expect((await t.json('GET', '/api/v1/policies/tf-allow')).status).toBe(404);
    expect(await workflows()).toEqual(before);
  });

  it('POST /mcp/policies makes the workflow in the same step as the policy', async () => {
    const r = await t.json<PolicyView>('POST', '/mcp/policies', {
      body: { name: 'Deploys', conditions: { action_type: 'deploy.run' }, action: 'escalate', approvers: ['sre-team'] },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: 'deploys', effect: 'require_approval', approval: { workflow: 'deploys-approvers' } });
    expect((await t.json<WorkflowView>('GET', '/api/v1/workflows/deploys-approvers')).body).toMatchObject({
      steps: [{ approvers: ['sre-team'], required: 1 }],
      policies: ['deploys'],
    });
    const audit = await t.json<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/v1/audit?type=workflow.created');
    expect(audit.body.items.some((i) => i.data.made_from_policy === 'deploys')).toBe(true);
  });

  it('never replaces a workflow of that id another policy names (409), and leaves one behind when approvers go', async () => {
    const mine = { id: 'x-approvers', name: 'Mine', steps: [{ approvers: ['dana'], timeout_hours: 4 }] };
    expect((await t.json('POST', '/api/v1/workflows', { body: mine })).status).toBe(201);
    const other = { id: 'other', effect: 'require_approval', when: { action_type: 'other' }, approval: { workflow: 'x-approvers' } };
    expect((await t.json('POST', '/api/v1/policies', { body: other })).status).toBe(201);
    const seed = { id: 'x', name: 'X', action: 'require_approval', approvers: ['infra-lead'] };
    const viaImport = await t.json<ApiError>('POST', '/api/v1/policies/import', { body: { version: 1, policies: [seed] } });
    expect(viaImport.status).toBe(409);
    expect(viaImport.body.error.details).toEqual([
      {
        path: 'policies[0](x).approvers',
        message: expect.stringMatching(/approval workflow 'x-approvers', which policy 'other' also names/),
      },
    ]);
    expect((await t.json('POST', '/mcp/policies', { body: seed })).status).toBe(409);
    expect((await t.json<WorkflowView>('GET', '/api/v1/workflows/x-approvers')).body.steps[0]?.approvers).toEqual(['dana']);

    // Without approvers the policy names no workflow; the one its approvers made stays, named by none.
    const plain = SEED_YAML.replace('    approvers: [infra-lead, sre-team]\n', '');
    expect((await importYaml(plain)).status).toBe(200);
    expect((await t.json<PolicyView>('GET', '/api/v1/policies/terraform-production-changes')).body.approval).toBeUndefined();
    expect((await t.json<WorkflowView>('GET', `/api/v1/workflows/${WORKFLOW_ID}`)).body.policies).toEqual([]);
  });
});
