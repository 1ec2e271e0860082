import { MAX_CONDITION_VALUES } from '../../../src-shared/index.js';
import type { ValidationDetail } from '../errors.js';

/*
 * MAX_CONDITION_VALUES (src-shared): the conditions of a policy or risk rule written hold at most that
 * many values. A policy is compiled on the main thread, whole, each time it is created, changed or
 * deleted and whenever the set is compiled (SPEC 8: no request holds the event loop over 50 ms): a
 * 70,000-entry `in` list cost ~50 ms to import and a 1 MiB one over 100 ms to create; at this size
 * the import of one takes ~11-14 ms. Policies already stored load whatever their size (a limit must
 * never turn a stored deny into nothing).
 */

/** Whether `value` holds more than `limit` values (the walk stops there). */
export function holdsMoreValues(value: unknown, limit: number): boolean {
  let left = limit;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    const items = Array.isArray(v) ? v : Object.values(v);
    left -= items.length;
    if (left < 0) return true;
    for (const item of items) if (typeof item === 'object' && item !== null) stack.push(item);
  }
  return false;
}

/** The write-time size check of a policy's or risk rule's conditions, at `path` (`when`, `policies[0](x).when`). */
export function conditionSizeIssues(conditions: unknown, path: string): ValidationDetail[] {
  if (!holdsMoreValues(conditions, MAX_CONDITION_VALUES)) return [];
  return [
    {
      path,
      message:
        `holds more than ${MAX_CONDITION_VALUES.toLocaleString('en-US')} values: a policy is compiled whole at every change of the set, ` +
        'so split it into several policies, or match many values at once with glob or regex',
    },
  ];
}
