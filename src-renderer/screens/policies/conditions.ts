/**
 * A policy's `when` as a tree a person can read (SPEC 3.2): every field condition in words, with
 * `all` / `any` / `not` as groups. Nothing reads as "matches anything" unless it does.
 */
export type ConditionNode =
  | { kind: 'group'; op: 'all' | 'any'; children: ConditionNode[] }
  | { kind: 'not'; child: ConditionNode }
  | { kind: 'field'; field: string; op: string; value: string }
  | { kind: 'everything' }
  | { kind: 'invalid'; text: string };

const OPS: Record<string, string> = {
  eq: 'is',
  ne: 'is not',
  in: 'is any of',
  not_in: 'is none of',
  glob: 'matches',
  regex: 'matches the regex',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
};

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: unknown): string => (Array.isArray(v) ? v.map(show).join(', ') : show(v));

function field(name: string, v: unknown): ConditionNode {
  // A bare string (alone or in a list) with `*` or `?` is a wildcard; `eq` / `in` compare literally ("is").
  const wildcard = (x: unknown) => typeof x === 'string' && /[*?]/.test(x);
  if (Array.isArray(v)) return { kind: 'field', field: name, op: v.some(wildcard) ? 'matches any of' : 'is any of', value: list(v) };
  if (typeof v === 'string') return { kind: 'field', field: name, op: wildcard(v) ? 'matches' : 'is', value: v || '""' };
  if (v === null || typeof v !== 'object') return { kind: 'field', field: name, op: 'is', value: show(v) };
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return { kind: 'invalid', text: `${name}: ${JSON.stringify(v)}` };
  // Several operators on one field must all hold (`{gte: 10, lte: 20}`), as the engine reads them.
  if (entries.length > 1) return { kind: 'group', op: 'all', children: entries.map(([op, arg]) => operator(name, op, arg)) };
  const [op, arg] = entries[0]!;
  return operator(name, op, arg);
}

function operator(name: string, op: string, arg: unknown): ConditionNode {
  if (op === 'exists') return { kind: 'field', field: name, op: arg === false ? 'is missing' : 'is present', value: '' };
  const words = OPS[op];
  if (!words) return { kind: 'invalid', text: `${name}: unknown operator '${op}'` };
  return { kind: 'field', field: name, op: words, value: op === 'in' || op === 'not_in' ? list(arg) : show(arg) };
}

/** The tree of a `when` object (or of one element of an `all`/`any` list). */
export function conditionTree(when: unknown): ConditionNode {
  if (when === undefined || when === null) return { kind: 'everything' };
  if (typeof when !== 'object' || Array.isArray(when)) return { kind: 'invalid', text: JSON.stringify(when) };
  const children: ConditionNode[] = [];
  for (const [key, v] of Object.entries(when as Record<string, unknown>)) {
    if (key === 'all' || key === 'any') {
      children.push(
        Array.isArray(v) ? { kind: 'group', op: key, children: v.map(conditionTree) } : { kind: 'invalid', text: `${key}: needs a list` },
      );
    } else if (key === 'not') {
      children.push({ kind: 'not', child: conditionTree(v) });
    } else {
      children.push(field(key, v));
    }
  }
  if (children.length === 0) return { kind: 'everything' };
  return children.length === 1 ? children[0]! : { kind: 'group', op: 'all', children };
}

/** One line of plain text for a tree (tests, tooltips, the policy list). */
export function describeCondition(n: ConditionNode): string {
  switch (n.kind) {
    case 'everything':
      return 'every action';
    case 'invalid':
      return `(invalid: ${n.text})`;
    case 'field':
      return n.value ? `${n.field} ${n.op} ${n.value}` : `${n.field} ${n.op}`;
    case 'not':
      return `not (${describeCondition(n.child)})`;
    case 'group':
      if (n.children.length === 0) return n.op === 'all' ? 'every action' : 'no action';
      return n.children
        .map((c) => (c.kind === 'group' ? `(${describeCondition(c)})` : describeCondition(c)))
        .join(n.op === 'all' ? ' and ' : ' or ');
  }
}
