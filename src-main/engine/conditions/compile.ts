import type { ValidationDetail } from '../errors.js';
import type { Subject } from '../subject.js';
import { compileField, type Field } from './fields.js';
import { compileBareValue, compileOperator, isOperator, OPERATORS, type NumberTest, type ValueMatcher } from './operators.js';
import { actionFieldTest } from './text-test.js';
import { formatValue, isPlainObject } from './values.js';

/**
 * A `when` compiled to closures (SPEC 3.2). `test` is the hot path; `explain` is the same logic
 * returning why it fails (`null` when it holds), used by traces only.
 */
export interface CompiledCondition {
  readonly test: (subject: Subject) => boolean;
  readonly explain: (subject: Subject) => string | null;
}

export const ALWAYS: CompiledCondition = { test: () => true, explain: () => null };
const NEVER: CompiledCondition = { test: () => false, explain: () => 'invalid condition' };

/**
 * Compiles a condition tree. Problems are appended to `issues` with their full path
 * (`<basePath>.resource.regex`); the returned condition is then never used.
 */
export function compileWhen(when: unknown, basePath: string, issues: ValidationDetail[]): CompiledCondition {
  if (!isPlainObject(when)) {
    issues.push({ path: basePath, message: 'must be an object of conditions' });
    return NEVER;
  }
  return compileObject(when, basePath, issues);
}

function compileObject(when: Record<string, unknown>, path: string, issues: ValidationDetail[]): CompiledCondition {
  const parts: CompiledCondition[] = [];
  for (const [key, value] of Object.entries(when)) {
    const at = `${path}.${key}`;
    if (key === 'all' || key === 'any') parts.push(compileList(key, value, at, issues));
    else if (key === 'not') parts.push(compileNot(value, at, issues));
    else parts.push(compileFieldCondition(key, value, at, issues));
  }
  return allOf(parts);
}

function compileList(kind: 'all' | 'any', value: unknown, path: string, issues: ValidationDetail[]): CompiledCondition {
  if (!Array.isArray(value)) {
    issues.push({ path, message: `${kind} needs a list of conditions` });
    return NEVER;
  }
  if (kind === 'any' && value.length === 0) {
    issues.push({ path, message: 'any needs at least one condition' });
    return NEVER;
  }
  const children = value.map((child, i) => compileWhen(child, `${path}[${i}]`, issues));
  return kind === 'all' ? allOf(children) : anyOf(children, value);
}

function compileNot(value: unknown, path: string, issues: ValidationDetail[]): CompiledCondition {
  const inner = compileWhen(value, path, issues);
  const shown = formatValue(value);
  return {
    test: (s) => !inner.test(s),
    explain: (s) => (inner.test(s) ? `not: ${shown} holds` : null),
  };
}

function compileFieldCondition(key: string, value: unknown, path: string, issues: ValidationDetail[]): CompiledCondition {
  const field = compileField(key);
  if ('error' in field) {
    issues.push({ path, message: field.error });
    return NEVER;
  }
  if (!isPlainObject(value)) {
    const matcher = compileBareValue(value, field);
    if ('error' in matcher) {
      issues.push({ path, message: matcher.error });
      return NEVER;
    }
    return leaf(field, [matcher], undefined);
  }
  return compileOperatorObject(field, value, path, issues);
}

function compileOperatorObject(field: Field, ops: Record<string, unknown>, path: string, issues: ValidationDetail[]): CompiledCondition {
  const keys = Object.keys(ops);
  if (keys.length === 0) {
    issues.push({ path, message: `needs an operator (${OPERATORS.join(', ')})` });
    return NEVER;
  }
  const matchers: ValueMatcher[] = [];
  let exists: boolean | undefined;
  let failed = false;
  for (const op of keys) {
    const at = `${path}.${op}`;
    const operand = ops[op];
    if (!isOperator(op)) {
      const nested = keys.every((k) => !isOperator(k)) ? `; to match a nested field write '${field.path}.${op}'` : '';
      issues.push({ path: at, message: `unknown operator '${op}' (expected ${OPERATORS.join(', ')})${nested}` });
      failed = true;
    } else if (op === 'exists') {
      if (typeof operand === 'boolean') exists = operand;
      else {
        issues.push({ path: at, message: 'exists needs true or false' });
        failed = true;
      }
    } else {
      const matcher = compileOperator(op, operand, field);
      if ('error' in matcher) {
        issues.push({ path: at, message: matcher.error });
        failed = true;
      } else matchers.push(matcher);
    }
  }
  return failed ? NEVER : leaf(field, matchers, exists);
}

/**
 * A condition on one field. A missing field fails every test except `exists: false` on its own;
 * `exists: false` fails on a present field.
 */
function leaf(field: Field, matchers: readonly ValueMatcher[], exists: boolean | undefined): CompiledCondition {
  const { get, path } = field;
  const holdsWhenMissing = exists === false && matchers.length === 0;
  const rejectsPresent = exists === false;
  const single = matchers.length === 1 ? matchers[0] : undefined;

  let test: (s: Subject) => boolean;
  const fast = single && exists === undefined ? specialisedTest(field, single) : null;
  if (fast) test = fast;
  else if (single && exists === undefined) {
    const check = single.test;
    test = (s) => {
      const v = get(s);
      return v !== undefined && check(v);
    };
  } else {
    test = (s) => {
      const v = get(s);
      if (v === undefined) return holdsWhenMissing;
      if (rejectsPresent) return false;
      for (const m of matchers) if (!m.test(v)) return false;
      return true;
    };
  }

  const explain = (s: Subject): string | null => {
    const v = get(s);
    if (v === undefined) return holdsWhenMissing ? null : `${path} is missing`;
    if (rejectsPresent) return `${path} is present (${formatValue(v)}) but exists: false`;
    for (const m of matchers) if (!m.test(v)) return `${path} ${formatValue(v)} ${m.mismatch}`;
    return null;
  };
  return { test, explain };
}

/** One closure reading the field directly, for the common shapes (top-level text tests, risk.score bounds). */
function specialisedTest(field: Field, matcher: ValueMatcher): ((s: Subject) => boolean) | null {
  if (field.actionKey && matcher.text) return actionFieldTest(field.actionKey, matcher.text);
  if (field.path === 'risk.score' && matcher.number) return riskScoreTest(matcher.number);
  const contextKey = field.path.startsWith('context.') ? field.path.slice('context.'.length) : null;
  if (contextKey && !contextKey.includes('.') && contextKey !== 'environment' && matcher.number)
    return contextNumberTest(contextKey, matcher.number);
  return null;
}

/**
 * `context.<key>` against a number, as `numericValue` reads it (a number, or a string holding one).
 * A prototype member such as `constructor` is a function, never a number, so it fails like a missing key.
 */
function contextNumberTest(key: string, { op, bound }: NumberTest): (s: Subject) => boolean {
  const read = (s: Subject): number => {
    const v = s.action.context?.[key];
    return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  };
  switch (op) {
    case 'gt':
      return (s) => read(s) > bound;
    case 'gte':
      return (s) => read(s) >= bound;
    case 'lt':
      return (s) => read(s) < bound;
    case 'lte':
      return (s) => read(s) <= bound;
  }
}

function riskScoreTest({ op, bound }: NumberTest): (s: Subject) => boolean {
  switch (op) {
    case 'gt':
      return (s) => s.risk !== undefined && s.risk.score > bound;
    case 'gte':
      return (s) => s.risk !== undefined && s.risk.score >= bound;
    case 'lt':
      return (s) => s.risk !== undefined && s.risk.score < bound;
    case 'lte':
      return (s) => s.risk !== undefined && s.risk.score <= bound;
  }
}

function allOf(parts: readonly CompiledCondition[]): CompiledCondition {
  if (parts.length === 0) return ALWAYS;
  if (parts.length === 1 && parts[0]) return parts[0];
  if (parts.length === 2 && parts[0] && parts[1]) {
    const a = parts[0].test;
    const b = parts[1].test;
    return { test: (s) => a(s) && b(s), explain: (s) => firstFailure(parts, s) };
  }
  return {
    test: (s) => {
      for (const p of parts) if (!p.test(s)) return false;
      return true;
    },
    explain: (s) => firstFailure(parts, s),
  };
}

function firstFailure(parts: readonly CompiledCondition[], s: Subject): string | null {
  for (const p of parts) {
    const why = p.explain(s);
    if (why !== null) return why;
  }
  return null;
}

function anyOf(children: readonly CompiledCondition[], source: unknown): CompiledCondition {
  return {
    test: (s) => {
      for (const c of children) if (c.test(s)) return true;
      return false;
    },
    explain: (s) => {
      const reasons: string[] = [];
      for (const c of children) {
        const why = c.explain(s);
        if (why === null) return null;
        reasons.push(why);
      }
      return reasons.length === 0 ? `any: ${formatValue(source)} is empty` : `none of any holds (${reasons.join('; ')})`;
    },
  };
}
