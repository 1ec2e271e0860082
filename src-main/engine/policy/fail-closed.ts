import type { Policy, PolicyProblem } from '../../../src-shared/index.js';
import { checkPolicy } from './validate.js';

/**
 * How a stored policy the engine cannot compile any more takes part in decisions until someone
 * fixes it. `message` names the field the engine refused (`when.not.resource.regex: lookahead …`).
 * `disabled`: it could only ever allow or annotate (allow, monitor, shadow, or already disabled), so
 * leaving it out can only make decisions stricter. `broadened`: it denies or holds, so it stays in
 * force with the conditions that cannot be compiled dropped — it then matches at least every action
 * it matched before (a `when` is an AND of its keys; fewer keys, more matches).
 */
export interface UnusablePolicy extends PolicyProblem {
  /** What the engine runs in its place (null: nothing). */
  standIn: Policy | null;
}

const restricts = (p: Policy) => p.enabled && p.mode === 'enforce' && (p.effect === 'deny' || p.effect === 'require_approval');

/**
 * The fail-closed reading of a stored policy (principle 1): a policy written under older, looser
 * rules (0.1 accepted regex lookaround; RE2 does not) must neither stop the server from starting
 * nor quietly stop protecting. Returns null for a policy that compiles.
 */
export function failClosedStandIn(policy: Policy): UnusablePolicy | null {
  const issues = checkPolicy(policy);
  if (issues.length === 0) return null;
  const message = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  if (!restricts(policy)) return { message, handling: 'disabled', standIn: null };
  const when = Object.fromEntries(
    Object.entries(policy.when).filter(([k, v]) => checkPolicy({ ...policy, when: { [k]: v } }).length === 0),
  );
  const standIn = { ...policy, when } as Policy;
  // Should the rest of the policy still not compile, it holds (or denies) everything: closed, and loud.
  return { message, handling: 'broadened', standIn: checkPolicy(standIn).length === 0 ? standIn : ({ ...policy, when: {} } as Policy) };
}
