import type { NormalizedAction, Risk } from '../../../src-shared/index.js';
import { PolicyValidationError, type ValidationDetail } from '../errors.js';
import { localTimeOf } from '../subject.js';
import { compileWhen } from './compile.js';

/**
 * A `when` (SPEC 3.2) compiled once to test actions outside a decision — the approvals inbox finding
 * the waiting requests a remembered policy also covers, for instance. The same linear-time matchers
 * as the engine; `risk.*` conditions see the risk given (or fail without one).
 */
export interface ActionCondition {
  test(action: NormalizedAction, opts?: { risk?: Risk; now?: Date }): boolean;
}

/** Throws a `PolicyValidationError` naming the field when `when` is not a valid condition. */
export function compileActionCondition(when: unknown): ActionCondition {
  const issues: ValidationDetail[] = [];
  const condition = compileWhen(when, 'when', issues);
  if (issues.length > 0) throw new PolicyValidationError(issues);
  return {
    test: (action, opts = {}) => condition.test({ action, risk: opts.risk, time: localTimeOf(opts.now ?? new Date()) }),
  };
}
