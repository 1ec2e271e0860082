import { conditionSizeProblem } from '../../../src-shared/condition-size.js';
import type { ValidationDetail } from '../errors.js';

/*
 * MAX_CONDITION_VALUES (src-shared): the conditions of a policy or risk rule written hold at most that
 * many values. A policy is compiled on the main thread, whole, each time it is created, changed or
 * deleted and whenever the set is compiled (SPEC 8: no request holds the event loop over 50 ms): a
 * 70,000-entry `in` list cost ~50 ms to import and a 1 MiB one over 100 ms to create; at this size
 * the import of one takes ~11-14 ms. Policies already stored load whatever their size (a limit must
 * never turn a stored deny into nothing).
 */

/** The write-time size check of a policy's or risk rule's conditions, at `path` (`when`, `policies[0](x).when`). */
export function conditionSizeIssues(conditions: unknown, path: string): ValidationDetail[] {
  const message = conditionSizeProblem(conditions);
  return message === null ? [] : [{ path, message }];
}
