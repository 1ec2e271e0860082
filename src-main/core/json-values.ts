/**
 * Does a parsed JSON value hold more than `max` values (itself, and every object member and array
 * item at any depth)? Stops at the first container that goes past it.
 */
export function exceedsValues(value: unknown, max: number): boolean {
  let count = 1;
  const stack: object[] = value !== null && typeof value === 'object' ? [value] : [];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const items: readonly unknown[] = Array.isArray(v) ? v : Object.values(v);
    count += items.length;
    if (count > max) return true;
    for (const item of items) if (item !== null && typeof item === 'object') stack.push(item);
  }
  return count > max;
}
