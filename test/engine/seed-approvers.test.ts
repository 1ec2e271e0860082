import { describe, expect, it } from 'vitest';
import { approversWorkflowId, parsePolicyDocument, parsePolicyFile, seedToPolicy } from '../../src-main/engine/index.js';
import { errorsOf, TERRAFORM_SEED_POLICY } from './helpers.js';

const TERRAFORM = TERRAFORM_SEED_POLICY;

/** SPEC 3.4 + 11: a seed policy's `approvers` become a one-step workflow the policy names (they used to be dropped). */
describe('seed approvers → approval workflow', () => {
  it('the Terraform policy names a one-step workflow in which one of infra-lead or sre-team approves', () => {
    const file = parsePolicyDocument({ version: 1, policies: [TERRAFORM] });
    expect(file.policies[0]).toMatchObject({
      id: 'terraform-production-changes',
      effect: 'require_approval',
      approval: { workflow: 'terraform-production-changes-approvers' },
    });
    expect(file.workflows).toEqual([
      {
        id: 'terraform-production-changes-approvers',
        name: 'Terraform Production Changes',
        description: expect.stringContaining("approvers of policy 'terraform-production-changes'"),
        steps: [{ approvers: ['infra-lead', 'sre-team'], required: 1, timeout_hours: 300 / 3600 }],
        escalation: { timeout_action: 'deny', escalation_approvers: [] },
      },
    ]);
    expect(file.madeWorkflows).toEqual([
      {
        workflow: 'terraform-production-changes-approvers',
        policy: 'terraform-production-changes',
        path: 'policies[0](terraform-production-changes).approvers',
      },
    ]);
  });

  it('the step waits as long as an approval does: the current settings, or the file’s own', () => {
    const current = parsePolicyDocument([TERRAFORM], { approval: { approval_timeout_s: 7200, timeout_action: 'allow' } });
    expect(current.workflows?.[0]).toMatchObject({ steps: [{ timeout_hours: 2 }], escalation: { timeout_action: 'allow' } });
    const own = parsePolicyFile(JSON.stringify({ version: 1, settings: { approval_timeout_s: 3600 }, policies: [TERRAFORM] }), {
      approval: { approval_timeout_s: 7200, timeout_action: 'allow' },
    });
    expect(own.workflows?.[0]).toMatchObject({ steps: [{ timeout_hours: 1 }], escalation: { timeout_action: 'allow' } });
  });

  it('escalate with approvers is an approval too; no approvers (or an empty list) makes no workflow', () => {
    const { policy, workflow } = seedToPolicy({ name: 'Esc', action: 'escalate', approvers: ['vp'] });
    expect(policy).toMatchObject({ effect: 'require_approval', approval: { workflow: 'esc-approvers' } });
    expect(workflow?.steps).toEqual([{ approvers: ['vp'], required: 1, timeout_hours: 300 / 3600 }]);
    for (const approvers of [undefined, []]) {
      const plain = seedToPolicy({ name: 'Plain', action: 'require_approval', ...(approvers ? { approvers } : {}) });
      expect(plain.workflow).toBeNull();
      expect(plain.policy.approval).toBeUndefined();
    }
    expect(seedToPolicy({ name: 'Fine', action: 'allow', approvers: [] }).workflow).toBeNull();
  });

  it.each(['allow', 'approve', 'deny', 'block', 'monitor'])(
    'approvers on a %s policy are a 400 naming approvers (not dropped)',
    (action) => {
      expect(errorsOf(() => seedToPolicy({ name: 'x', action, approvers: ['infra-lead'] }))).toEqual([
        {
          path: 'approvers',
          message: expect.stringMatching(new RegExp(`only a require_approval or escalate policy has approvers; action '${action}'`)),
        },
      ]);
      expect(errorsOf(() => parsePolicyDocument([{ id: 'p', name: 'x', action, approvers: ['a'] }]))[0]?.path).toBe(
        'policies[0](p).approvers',
      );
    },
  );

  it('a bad or repeated approver name is named', () => {
    expect(errorsOf(() => seedToPolicy({ ...TERRAFORM, approvers: ['ok', 'not ok'] }))[0]?.path).toBe('approvers[1]');
    expect(errorsOf(() => seedToPolicy({ ...TERRAFORM, approvers: ['a', 'a'] }))).toEqual([
      { path: 'approvers', message: 'names an approver twice' },
    ]);
  });

  it('a workflow id the file lists itself (or another seed policy makes) is a problem, not a silent replacement', () => {
    const listed = {
      id: 'terraform-production-changes-approvers',
      name: 'Mine',
      steps: [{ approvers: ['someone'], timeout_hours: 1 }],
    };
    expect(errorsOf(() => parsePolicyDocument({ version: 1, workflows: [listed], policies: [TERRAFORM] }))).toEqual([
      {
        path: 'policies[0](terraform-production-changes).approvers',
        message: expect.stringMatching(
          /^would make the approval workflow 'terraform-production-changes-approvers', which the file's workflows list also has/,
        ),
      },
    ]);
  });

  it('the workflow id fits the id syntax whatever the policy id', () => {
    const long = 'p'.repeat(64);
    expect(approversWorkflowId(long)).toHaveLength(64);
    expect(seedToPolicy({ ...TERRAFORM, id: long }).workflow?.id).toBe(`${'p'.repeat(54)}-approvers`);
  });
});
