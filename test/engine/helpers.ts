import {
  DEFAULT_SETTINGS,
  PolicySchema,
  type NormalizedAction,
  type Policy,
  type PolicyInput,
  type RiskRule,
  type Settings,
} from '../../src-shared/index.js';
import { expect } from 'vitest';
import { compilePolicies, PolicyValidationError, type DecideContext, type Engine } from '../../src-main/engine/index.js';

/** Local noon on a Wednesday: no off-hours factor, whatever TZ the tests run in. */
export const NOON = new Date(2026, 10, 18, 12, 0, 0);

export function ctx(overrides: Partial<DecideContext> = {}): DecideContext {
  return { now: NOON, agentRegistered: true, recentAgentActions: 0, ...overrides };
}

export function action(overrides: Partial<NormalizedAction> = {}): NormalizedAction {
  return { agent_id: 'agent-1', action_type: 'thing.do', ...overrides };
}

export function policy(input: Partial<PolicyInput> & Pick<PolicyInput, 'id'>): Policy {
  return PolicySchema.parse({ effect: 'deny', ...input });
}

export function settings(overrides: Partial<Settings> = {}): Settings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

export function engineOf(
  policies: Policy[],
  opts: { settings?: Partial<Settings>; riskRules?: RiskRule[]; budgetMs?: number } = {},
): Engine {
  return compilePolicies({
    policies,
    settings: settings(opts.settings),
    riskRules: opts.riskRules ?? [],
    ...(opts.budgetMs === undefined ? {} : { decisionBudgetMs: opts.budgetMs }),
  });
}

/** Does `when` hold for the action? (A deny policy over an otherwise low-risk decision.) */
export function holds(when: Record<string, unknown>, act: Partial<NormalizedAction> = {}, context: Partial<DecideContext> = {}): boolean {
  const engine = engineOf([policy({ id: 'probe', when })]);
  return engine.decide(action(act), ctx(context)).policy?.id === 'probe';
}

/** The trace reason of the single probe policy. */
export function whyNot(when: Record<string, unknown>, act: Partial<NormalizedAction> = {}): string {
  const engine = engineOf([policy({ id: 'probe', when })]);
  return engine.explain(action(act), ctx()).trace[0]?.reason ?? '';
}

/** The details of the PolicyValidationError `fn` throws (it must throw one). */
export function errorsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyValidationError);
    return (e as PolicyValidationError).details;
  }
  throw new Error('expected a PolicyValidationError');
}

/** The seeds' Terraform policy (seeds/004, `resource "ascend_policy" "terraform_governance"`), field for field. */
export const TERRAFORM_SEED_POLICY = {
  name: 'Terraform Production Changes',
  description: 'Require approval for production infrastructure changes',
  conditions: JSON.stringify({ action_type: 'infrastructure.apply', 'context.environment': 'production' }),
  action: 'require_approval',
  approvers: ['infra-lead', 'sre-team'],
  priority: 80,
};
