import type { TraceEntry } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';
import { isExpired, type CompiledPolicy } from './compiled-policy.js';
import { monitorFlag } from './verdict.js';

/**
 * SPEC `policies/test` trace: every policy in evaluation order, whether it was considered, whether
 * it matched and why not (the first failing condition), and which one decided.
 */
export function traceOf(policies: readonly CompiledPolicy[], subject: Subject, nowMs: number, deciderId: string | null): TraceEntry[] {
  const decider = policies.find((p) => p.policy.id === deciderId) ?? null;
  return policies.map((p) => entryOf(p, subject, nowMs, decider));
}

function entryOf(p: CompiledPolicy, subject: Subject, nowMs: number, decider: CompiledPolicy | null): TraceEntry {
  const { policy } = p;
  const head = {
    policy_id: policy.id,
    name: policy.name ?? policy.id,
    effect: policy.effect,
    mode: policy.mode,
    priority: policy.priority,
  };
  if (!policy.enabled) return { ...head, considered: false, matched: false, decided: false, reason: 'disabled' };
  if (isExpired(p, nowMs))
    return { ...head, considered: false, matched: false, decided: false, reason: `expired at ${policy.expires_at ?? ''}` };

  const why = failureOf(p, subject);
  const matched = why === null;
  if (policy.mode === 'shadow') {
    return { ...head, considered: false, matched, decided: false, reason: `shadow mode, not enforced: ${matched ? 'would match' : why}` };
  }
  if (!matched) return { ...head, considered: true, matched, decided: false, reason: why };
  if (policy.effect === 'monitor')
    return { ...head, considered: true, matched, decided: false, reason: `matched: adds flag ${monitorFlag(policy.id)}` };
  if (decider === p) return { ...head, considered: true, matched, decided: true, reason: `matched: decides (${policy.effect})` };
  const first = decider ? `'${decider.policy.id}' (priority ${decider.policy.priority}) decides first` : 'another policy decides first';
  return { ...head, considered: true, matched, decided: false, reason: `matched, but ${first}` };
}

function failureOf(p: CompiledPolicy, subject: Subject): string | null {
  try {
    return p.condition.explain(subject);
  } catch (e) {
    return `error while evaluating: ${(e as Error).message}`;
  }
}
