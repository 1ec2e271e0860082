import type { Effect, Policy, PolicyRef } from '../../../src-shared/index.js';
import type { Subject } from '../subject.js';
import type { CompiledCondition } from '../conditions/compile.js';
import { atomHolds, runProgram, type Program } from '../conditions/program.js';

/** A policy ready to evaluate: its condition as closures, its place in the global order. */
export interface CompiledPolicy {
  readonly policy: Policy;
  readonly ref: PolicyRef;
  /**
   * Position in evaluation order (priority desc, then deny > require_approval > allow > monitor, then
   * id): lower ranks first. Ranks are spread out (see rankStep) so a policy added later takes a free
   * rank between its neighbours and the others keep theirs; always an integer in [0, MAX_RANK].
   */
  readonly rank: number;
  readonly expiresAtMs: number | null;
  readonly condition: CompiledCondition;
  /**
   * What a candidate from the index must still test: `condition.test`, or (set when the index is
   * built) the condition minus the part the policy's buckets already prove. Held directly, one
   * pointer less to follow per candidate on the hot path.
   */
  test: CompiledCondition['test'];
  /** The same test as a flat program where it can be one (set with `test`); preferred when present. */
  program: Program | null;
  /**
   * The commonest programs held in the policy itself (set with `program`), so that testing a candidate
   * reads one object rather than three (a decision at 10,000 policies waits on memory, not on
   * arithmetic): HOLDS for an empty program (the buckets prove the whole condition), an opcode for a
   * program of one atom (its operands in `atomA`, `atomB`), NO_QUICK_TEST otherwise.
   */
  quick: number;
  atomA: Program[number];
  atomB: Program[number];
  /** Scratch mark so a policy reached through two index buckets is evaluated once per decision. */
  visitedStamp: number;
}

/** At equal priority deny beats require_approval beats allow (SPEC 3.3); monitors never decide. */
export const EFFECT_STRENGTH: Record<Effect, number> = { deny: 3, require_approval: 2, allow: 1, monitor: 0 };

export function compareForEvaluation(a: Policy, b: Policy): number {
  return b.priority - a.priority || EFFECT_STRENGTH[b.effect] - EFFECT_STRENGTH[a.effect] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The highest rank: ranks stay small integers (V8 keeps them unboxed on the decision path). */
export const MAX_RANK = 2 ** 30 - 1;

/** The gap between consecutive ranks when `n` policies are ranked afresh (room for later inserts). */
export function rankStep(n: number): number {
  return Math.max(1, Math.floor(MAX_RANK / (n + 1)));
}

/** What compiling one policy gives, independent of the set it is in. */
export type PolicyParts = Pick<CompiledPolicy, 'policy' | 'ref' | 'expiresAtMs' | 'condition'>;

/** A compiled policy at `rank` (one shape for every compiled policy: the decision path stays monomorphic). */
export function rankedPolicy(c: PolicyParts, rank: number): CompiledPolicy {
  return {
    policy: c.policy,
    ref: c.ref,
    rank,
    expiresAtMs: c.expiresAtMs,
    condition: c.condition,
    test: c.condition.test,
    program: null,
    quick: NO_QUICK_TEST,
    atomA: 0,
    atomB: 0,
    visitedStamp: 0,
  };
}

export function refOf(policy: Policy): PolicyRef {
  return { id: policy.id, name: policy.name ?? policy.id, effect: policy.effect };
}

export function isExpired(p: CompiledPolicy, nowMs: number): boolean {
  return p.expiresAtMs !== null && nowMs >= p.expiresAtMs;
}

/** `CompiledPolicy.quick`: no test held in the policy itself. Opcodes are positive. */
export const NO_QUICK_TEST = 0;
/** `CompiledPolicy.quick`: the residual program is empty, so it holds. */
export const HOLDS = -1;

/** Does the candidate's (residual) condition hold? */
export function candidateHolds(p: CompiledPolicy, subject: Subject): boolean {
  const quick = p.quick;
  if (quick === HOLDS) return true;
  if (quick !== NO_QUICK_TEST) return atomHolds(subject, quick, p.atomA, p.atomB);
  return p.program !== null ? runProgram(p.program, subject) : p.test(subject);
}
