import { MAX_CONDITION_VALUES } from './schemas/policy.js';

/** Whether `value` holds more than `limit` values (object members and list items, at any depth); the walk stops there. */
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

/**
 * What is wrong with the size of conditions being written (a policy's `when`, a risk rule's), or null:
 * the server refuses past MAX_CONDITION_VALUES, and the console says so as the draft is typed.
 */
export function conditionSizeProblem(conditions: unknown): string | null {
  if (!holdsMoreValues(conditions, MAX_CONDITION_VALUES)) return null;
  return (
    `holds more than ${MAX_CONDITION_VALUES.toLocaleString('en-US')} values: a policy is compiled whole at every change of the set, ` +
    'so split it into several policies, or match many values at once with glob or regex'
  );
}
