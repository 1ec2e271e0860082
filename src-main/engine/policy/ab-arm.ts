import type { NormalizedAction } from '../../../src-shared/index.js';
import type { AbTestRule } from '../types.js';

/**
 * SPEC 12: which arm of an A/B test an action falls in. A hash, not a random draw: the same
 * `agent_id` + `session_id` + `action_type` + `resource` (a retry) always lands in the same arm;
 * the test id salts it so that two tests split traffic independently. 32-bit FNV-1a over the
 * UTF-16 code units, finished with murmur3's fmix32 so that near-identical inputs spread evenly.
 */
export function armHash(testId: string, a: NormalizedAction): number {
  const text = `${testId}\u0000${a.agent_id}\u0000${a.session_id ?? ''}\u0000${a.action_type}\u0000${a.resource ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash cut into 10,000 buckets: the test arm is the first `split` × 100 of them (steps of 0.01 %). */
const BUCKETS = 10_000;
const testBuckets = (rule: AbTestRule): number => Math.round(rule.split * 100);

/** `test` for `split` % of actions (in steps of 0.01 %), else `control`. */
export function armOf(rule: AbTestRule, a: NormalizedAction): 'control' | 'test' {
  return armHash(rule.id, a) % BUCKETS < testBuckets(rule) ? 'test' : 'control';
}

/** Why `armOf` put the action in its arm, in words (the `policies/test` trace explains the arm). */
export function armWhy(rule: AbTestRule, a: NormalizedAction): string {
  const bucket = armHash(rule.id, a) % BUCKETS;
  const n = testBuckets(rule);
  const arm = n === 0 ? 'the test arm has no buckets' : `the test arm is buckets 0-${n - 1}`;
  return `the stable hash of its agent_id, session_id, action_type and resource is bucket ${bucket} of ${BUCKETS}; ${arm} (traffic_split ${rule.split} %)`;
}

const isRunning = (r: AbTestRule, nowMs: number): boolean => nowMs >= r.startsAtMs && nowMs < r.endsAtMs;

/**
 * The tests running at `nowMs`, as if they had always run and never ended: replaying recorded
 * actions (`policies/simulate`) against today's set with today's tests, whatever each action's date.
 */
export function runningThroughout(rules: readonly AbTestRule[], nowMs: number): AbTestRule[] {
  return rules.filter((r) => isRunning(r, nowMs)).map((r) => ({ ...r, startsAtMs: -Infinity, endsAtMs: Infinity }));
}

/**
 * SPEC 12: the tests that apply to a policy set — those of which it holds both the control and the
 * test policy (by id). Any other test is not applied: the set's policies decide as written. This is
 * how a draft set (`policies/test`, `policies/simulate`) meets the running tests: a draft that keeps
 * a test's two policies (edited or not) is decided with the test, arm and all, exactly as real
 * traffic would be were the draft in force; a draft without them has no such test. The live set
 * always holds both (a running test's policies cannot be deleted), unless one went before that
 * could be refused.
 */
export function testsOfSet(rules: readonly AbTestRule[], has: (policyId: string) => boolean): readonly AbTestRule[] {
  return rules.every((r) => has(r.control) && has(r.test)) ? rules : rules.filter((r) => has(r.control) && has(r.test));
}

/** The running test whose control policy is `policyId`, if any (a handful of tests: a scan). */
export function ruleFor(rules: readonly AbTestRule[], policyId: string, nowMs: number): AbTestRule | null {
  for (const r of rules) if (r.control === policyId && isRunning(r, nowMs)) return r;
  return null;
}

/**
 * Is `policyId` the test policy of a running test? Such a policy takes no part in normal
 * evaluation: it decides only the actions of its test arm. Otherwise an enforced test policy that
 * outranks its control would decide every action it matches, whatever the arm.
 */
export function isUnderTest(rules: readonly AbTestRule[], policyId: string, nowMs: number): boolean {
  return testOf(rules, policyId, nowMs) !== null;
}

/** The running test whose test policy is `policyId`, if any. */
export function testOf(rules: readonly AbTestRule[], policyId: string, nowMs: number): AbTestRule | null {
  for (const r of rules) if (r.test === policyId && isRunning(r, nowMs)) return r;
  return null;
}
