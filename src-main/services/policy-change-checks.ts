// What refuses a policy change as it meets the current state: a running A/B test it would unmake
// (409), a workflow it names that does not exist (400), a workflow made from seed approvers that
// would replace one another policy names.
import type { ErrorDetail, Policy } from '../../src-shared/index.js';
import { GatehouseError, invalidField } from '../core/errors.js';
import type { Store } from '../storage/types.js';
import { workflowRow } from './workflow-rows.js';

/** A running A/B test a policy takes part in. */
export interface PolicyUse {
  test: string;
  role: 'control' | 'test';
}

/**
 * SPEC 12: while a test runs, its control stays an enabled, enforced policy that decides, and its
 * test policy one that decides (as the test was created with): otherwise the control matches
 * nothing or never decides, and the test goes on measuring nothing without a word. A 409: the
 * change is fine once the test is stopped.
 */
export function checkStillTestable(id: string, p: Policy, uses: ReadonlyMap<string, PolicyUse>): void {
  const issue = testableIssue(id, p, '', uses);
  if (issue) throw new GatehouseError('conflict', issue.summary, [issue.detail]);
}

/** What `checkStillTestable` refuses, with the field under `base` (an import names the policy). */
export function testableIssue(
  id: string,
  p: Policy,
  base: string,
  uses: ReadonlyMap<string, PolicyUse>,
): { summary: string; detail: ErrorDetail } | null {
  const use = uses.get(id);
  if (!use) return null;
  const control = use.role === 'control';
  const field = p.effect === 'monitor' ? 'effect' : control && p.mode !== 'enforce' ? 'mode' : control && !p.enabled ? 'enabled' : null;
  if (!field) return null;
  const what = control ? 'an enabled, enforced policy that decides' : 'a policy that decides';
  return {
    summary: `Policy '${id}' is the ${use.role} policy of the running A/B test '${use.test}': it stays ${what} until the test is stopped`,
    detail: {
      path: `${base}${field}`,
      message: `cannot become ${field === 'enabled' ? 'false' : String(p[field])} while the A/B test '${use.test}' runs`,
    },
  };
}

/** SPEC 11: a policy names an existing workflow, and only a require_approval policy names one (400 naming the field). */
export function checkWorkflow(store: Store, p: Policy, alsoKnown?: ReadonlySet<string>): void {
  const issue = workflowIssue(store, p, '', alsoKnown);
  if (issue) throw invalidField(issue.path, issue.message, 'Policy is invalid');
}

/** What `checkWorkflow` refuses, as a detail (`alsoKnown`: workflows the same import creates). */
export function workflowIssue(store: Store, p: Policy, base: string, alsoKnown?: ReadonlySet<string>): ErrorDetail | null {
  const id = p.approval?.workflow;
  if (id === undefined) return null;
  const path = `${base}approval.workflow`;
  if (p.effect !== 'require_approval') return { path, message: 'only a require_approval policy can name a workflow' };
  if (!alsoKnown?.has(id) && !workflowRow(store, id)) return { path, message: `unknown workflow '${id}'` };
  return null;
}

/**
 * A workflow made from policy `policyId`'s seed `approvers` (`<id>-approvers`) replaces a stored
 * workflow of that id only when no other policy of `set` names it: else another policy's approvers
 * would change without a word. The problem, named by `path` (the seed's `approvers`), or null.
 */
export function madeWorkflowIssue(
  store: Store,
  made: { workflow: string; policy: string; path: string },
  set: Iterable<Policy>,
): ErrorDetail | null {
  if (!workflowRow(store, made.workflow)) return null;
  const others: string[] = [];
  for (const p of set) if (p.id !== made.policy && p.approval?.workflow === made.workflow) others.push(p.id);
  if (others.length === 0) return null;
  return {
    path: made.path,
    message: `would replace the approval workflow '${made.workflow}', which ${others.length === 1 ? 'policy' : 'policies'} ${others.map((o) => `'${o}'`).join(', ')} also name${others.length === 1 ? 's' : ''}; give this policy another id`,
  };
}
