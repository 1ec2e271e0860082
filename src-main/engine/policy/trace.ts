import type { TraceEntry } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';
import type { AbArmWhy, AbTestRule } from '../types.js';
import { testOf } from './ab-arm.js';
import { isExpired, type CompiledPolicy } from './compiled-policy.js';
import { monitorFlag } from './verdict.js';

/** What the evaluation found that the trace explains: who decided, and the A/B tests involved. */
export interface TraceContext {
  deciderId: string | null;
  /** The running A/B tests that applied to the set. */
  tests: readonly AbTestRule[];
  /** The test the action fell in (its control policy matched first), its arm and why (armWhy). */
  ab: AbArmWhy | null;
}

type Head = Pick<TraceEntry, 'policy_id' | 'name' | 'effect' | 'mode' | 'priority'>;

/**
 * SPEC `policies/test` trace: every policy in evaluation order, whether it was considered, whether
 * it matched and why not (the first failing condition), and which one decided — with a running
 * A/B test (SPEC 12), which arm the action falls in and why, on its control and test policies.
 */
export function traceOf(policies: readonly CompiledPolicy[], subject: Subject, nowMs: number, ctx: TraceContext): TraceEntry[] {
  const decider = policies.find((p) => p.policy.id === ctx.deciderId) ?? null;
  return policies.map((p) => entryOf(p, subject, nowMs, decider, ctx));
}

function entryOf(p: CompiledPolicy, subject: Subject, nowMs: number, decider: CompiledPolicy | null, ctx: TraceContext): TraceEntry {
  const { policy } = p;
  const head: Head = {
    policy_id: policy.id,
    name: policy.name ?? policy.id,
    effect: policy.effect,
    mode: policy.mode,
    priority: policy.priority,
  };
  // A test policy decides in its test arm only, enabled or not, enforced or shadow.
  const test = ctx.tests.length ? testOf(ctx.tests, policy.id, nowMs) : null;
  if (test) return testPolicyEntry(p, head, test, subject, nowMs, decider, ctx);
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
  const ab = ctx.ab;
  if (ab && ab.rule.control === policy.id && ab.arm === 'test') {
    const instead = decider ? `'${decider.policy.id}'` : 'the risk thresholds';
    const reason = `matched, but A/B test ${ab.rule.id} puts this action in its test arm (${ab.why}): ${instead} decide${decider ? 's' : ''} instead`;
    return { ...head, considered: true, matched, decided: false, reason };
  }
  if (decider === p) {
    const arm = ab ? ` in the ${ab.arm} arm of A/B test ${ab.rule.id}${ab.rule.control === policy.id ? ` (${ab.why})` : ''}` : '';
    return { ...head, considered: true, matched, decided: true, reason: `matched: decides (${policy.effect})${arm}` };
  }
  return { ...head, considered: true, matched, decided: false, reason: `matched, but ${firstOf(decider)}` };
}

/** The test policy of a running A/B test: it takes part only in the test arm of its control's actions. */
function testPolicyEntry(
  p: CompiledPolicy,
  head: Head,
  rule: AbTestRule,
  subject: Subject,
  nowMs: number,
  decider: CompiledPolicy | null,
  ctx: TraceContext,
): TraceEntry {
  const role = `test policy of A/B test ${rule.id}`;
  const why = failureOf(p, subject);
  const matched = why === null;
  const ab = ctx.ab?.rule === rule ? ctx.ab : null;
  if (!ab) {
    const reason = `${role}: decides only in the test arm of the actions its control policy '${rule.control}' decides, and '${rule.control}' does not decide this one (${matched ? 'would match' : why})`;
    return { ...head, considered: false, matched, decided: false, reason };
  }
  if (ab.arm === 'control')
    return { ...head, considered: false, matched, decided: false, reason: `${role}: this action falls in the control arm (${ab.why})` };
  if (decider === p) {
    const reason = `matched: decides (${p.policy.effect}) in the test arm of A/B test ${rule.id}, in place of '${rule.control}' (${ab.why})`;
    return { ...head, considered: true, matched, decided: true, reason };
  }
  if (isExpired(p, nowMs))
    return { ...head, considered: false, matched, decided: false, reason: `${role}, test arm: expired at ${p.policy.expires_at ?? ''}` };
  const reason = matched ? `matched, but ${firstOf(decider)}` : why;
  return { ...head, considered: true, matched, decided: false, reason: `${role}, test arm: ${reason}` };
}

const firstOf = (decider: CompiledPolicy | null): string =>
  decider ? `'${decider.policy.id}' (priority ${decider.policy.priority}) decides first` : 'another policy decides first';

function failureOf(p: CompiledPolicy, subject: Subject): string | null {
  try {
    return p.condition.explain(subject);
  } catch (e) {
    return `error while evaluating: ${(e as Error).message}`;
  }
}
