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

/** `test` for `split` % of actions (in steps of 0.01 %), else `control`. */
export function armOf(rule: AbTestRule, a: NormalizedAction): 'control' | 'test' {
  return armHash(rule.id, a) % 10_000 < Math.round(rule.split * 100) ? 'test' : 'control';
}

const isRunning = (r: AbTestRule, nowMs: number): boolean => nowMs >= r.startsAtMs && nowMs < r.endsAtMs;

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
  for (const r of rules) if (r.test === policyId && isRunning(r, nowMs)) return true;
  return false;
}
