import type { DecisionValue, Policy, PolicyRef, Risk, Settings, TimeoutAction } from '../../../src-shared/index.js';
import type { CompiledPolicy } from './compiled-policy.js';

/** A decision before monitoring mode and flags from monitor policies are applied. */
export interface Verdict {
  decision: DecisionValue;
  policy: PolicyRef | null;
  reason: string;
  flags: string[];
  approval: { timeout_s: number; timeout_action: TimeoutAction; workflow?: string } | null;
}

export const MEDIUM_RISK_FLAG = 'medium-risk';
export const WOULD_DENY_FLAG = 'would_deny';
export const WOULD_REQUIRE_APPROVAL_FLAG = 'would_require_approval';
export const monitorFlag = (policyId: string): string => `monitor:${policyId}`;

function approvalTerms(policy: Policy | null, settings: Settings): NonNullable<Verdict['approval']> {
  const terms: NonNullable<Verdict['approval']> = {
    timeout_s: policy?.approval?.timeout_s ?? settings.approval_timeout_s,
    timeout_action: policy?.approval?.timeout_action ?? settings.timeout_action,
  };
  // SPEC 11: the workflow whose steps answer this approval.
  if (policy?.approval?.workflow !== undefined) terms.workflow = policy.approval.workflow;
  return terms;
}

/** SPEC 3.3 step 2: the highest-ranked matching enforce policy decides. */
export function policyVerdict(decider: CompiledPolicy, settings: Settings): Verdict {
  const { policy, ref } = decider;
  const reason = `Matched policy '${policy.id}' (priority ${policy.priority})`;
  switch (policy.effect) {
    case 'deny':
      return { decision: 'denied', policy: ref, reason, flags: [], approval: null };
    case 'require_approval':
      return { decision: 'pending', policy: ref, reason, flags: [], approval: approvalTerms(policy, settings) };
    default:
      return { decision: 'allowed', policy: ref, reason, flags: [], approval: null };
  }
}

/** SPEC 3.3 step 3: no policy decides, the thresholds in the settings do. */
export function riskVerdict(risk: Risk, settings: Settings): Verdict {
  const shown = `Risk ${risk.score} (${risk.level})`;
  if (risk.score < settings.auto_allow_below) {
    return {
      decision: 'allowed',
      policy: null,
      reason: `${shown} < auto_allow_below ${settings.auto_allow_below}`,
      flags: [],
      approval: null,
    };
  }
  if (settings.deny_at !== null && risk.score >= settings.deny_at) {
    return { decision: 'denied', policy: null, reason: `${shown} ≥ deny_at ${settings.deny_at}`, flags: [], approval: null };
  }
  if (risk.score >= settings.require_approval_at) {
    return {
      decision: 'pending',
      policy: null,
      reason: `${shown} ≥ require_approval_at ${settings.require_approval_at}`,
      flags: [],
      approval: approvalTerms(null, settings),
    };
  }
  return {
    decision: 'allowed',
    policy: null,
    reason: `${shown} < require_approval_at ${settings.require_approval_at}`,
    flags: [MEDIUM_RISK_FLAG],
    approval: null,
  };
}

/** SPEC 3.3 step 5: in monitoring mode deny and require-approval become flags on an allowed action. */
export function underEnforcement(verdict: Verdict, settings: Settings): Verdict {
  if (settings.enforcement !== 'monitor' || verdict.decision === 'allowed') return verdict;
  const flag = verdict.decision === 'denied' ? WOULD_DENY_FLAG : WOULD_REQUIRE_APPROVAL_FLAG;
  const would = verdict.decision === 'denied' ? 'would deny' : 'would require approval';
  return {
    decision: 'allowed',
    policy: verdict.policy,
    reason: `Monitoring mode, ${would}: ${verdict.reason}`,
    flags: [...verdict.flags, flag],
    approval: null,
  };
}
