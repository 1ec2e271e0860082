/** Answers of the API → ActionDecision. Anything the SDK does not recognise reads as a no. */
import type { ActionDecision, ActionStatusValue, Decision, RiskFactor } from './types.js';

type Raw = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** The seeds' MCP endpoint answers in capitals. */
const MCP_DECISIONS: Record<string, Decision> = { ALLOW: 'allowed', DENY: 'denied', REQUIRE_APPROVAL: 'pending' };

function decisionOf(v: unknown): Decision {
  if (v === 'allowed' || v === 'denied' || v === 'pending') return v;
  return (typeof v === 'string' && MCP_DECISIONS[v]) || 'denied';
}

/** A decision, status or MCP evaluate body → ActionDecision. */
export function toDecision(raw: Raw): ActionDecision {
  const risk = (raw.risk ?? {}) as Raw;
  const decision = decisionOf(raw.decision);
  const reason = typeof raw.reason === 'string' ? raw.reason : '';
  const comment = strOrNull(raw.comment);
  return {
    decision,
    actionId: strOrNull(raw.action_id),
    status: (typeof raw.status === 'string' ? raw.status : decision) as ActionStatusValue,
    reason,
    riskScore: num(risk.score) ?? num(raw.risk_score),
    riskLevel: strOrNull(risk.level) ?? strOrNull(raw.risk_level),
    riskFactors: Array.isArray(risk.factors) ? (risk.factors as RiskFactor[]) : [],
    requiresApproval: typeof raw.requires_approval === 'boolean' ? raw.requires_approval : decision === 'pending',
    approvalId: strOrNull(raw.approval_id),
    policy: (raw.policy as ActionDecision['policy']) ?? null,
    flags: Array.isArray(raw.flags) ? (raw.flags as string[]) : [],
    expiresAt: strOrNull(raw.expires_at),
    approved: typeof raw.approved === 'boolean' ? raw.approved : null,
    reviewedBy: strOrNull(raw.reviewed_by),
    reviewedAt: strOrNull(raw.reviewed_at),
    comment,
    rejectionReason: decision !== 'denied' ? null : comment && !reason.includes(comment) ? `${reason} — ${comment}` : reason,
    result: raw.result ?? null,
    failOpen: false,
    raw,
  };
}

/** The allow FailMode.OPEN makes when nothing answered (no action was recorded). */
export function failOpenDecision(reason: string, actionId: string | null): ActionDecision {
  return {
    decision: 'allowed',
    actionId,
    status: 'allowed',
    reason,
    riskScore: null,
    riskLevel: null,
    riskFactors: [],
    requiresApproval: false,
    approvalId: null,
    policy: null,
    flags: ['fail-open'],
    expiresAt: null,
    approved: null,
    reviewedBy: null,
    reviewedAt: null,
    comment: null,
    rejectionReason: null,
    result: null,
    failOpen: true,
    raw: null,
  };
}
