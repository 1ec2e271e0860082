import { RISK_LEVEL_RANK, isRiskLevel } from '../risk/level.js';
import { compileLinearRegex, type LinearRegex } from '../text/regex.js';
import { WEEKDAYS } from '../subject.js';
import type { Field } from './fields.js';
import { globTest, isWildcard } from './glob.js';
import { textTestFunction, type TextTest } from './text-test.js';
import { formatValue, isScalar, numericValue, scalarEquals, textValue, type Scalar } from './values.js';

/**
 * A compiled test on a field's value. `test` only sees present values (missing fields are handled
 * by the caller); `mismatch` completes "<field> <value> …" when the test fails.
 */
export interface ValueMatcher {
  readonly test: (value: unknown) => boolean;
  readonly mismatch: string;
  /** The same test as data, where it is a plain string test (lets hot paths specialise). */
  readonly text?: TextTest;
  /** The same test as data, where it is a plain numeric comparison. */
  readonly number?: NumberTest;
}

export interface NumberTest {
  op: 'gt' | 'gte' | 'lt' | 'lte';
  bound: number;
}

export type CompileResult = ValueMatcher | { error: string };

export const OPERATORS = [
  'eq',
  'ne',
  'in',
  'not_in',
  'glob',
  'regex',
  'contains',
  'starts_with',
  'ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
] as const;
export type OperatorName = (typeof OPERATORS)[number];
export type ValueOperator = Exclude<OperatorName, 'exists'>;

export function isOperator(key: string): key is OperatorName {
  return (OPERATORS as readonly string[]).includes(key);
}

export function compileOperator(op: ValueOperator, operand: unknown, field: Field): CompileResult {
  switch (op) {
    case 'eq':
    case 'ne':
      return compileEquality(op, operand, field);
    case 'in':
    case 'not_in':
      return compileMembership(op, operand, field);
    case 'glob':
      return compileGlobOperator(operand);
    case 'regex':
      return compileRegex(operand);
    case 'contains':
      return compileContains(operand);
    case 'starts_with':
    case 'ends_with':
      return compileAffix(op, operand);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compileComparison(op, operand, field);
  }
}

/** A value written directly under a field: wildcard string, scalar equality, or a list meaning "any of". */
export function compileBareValue(value: unknown, field: Field): CompileResult {
  if (Array.isArray(value)) {
    if (value.length === 0) return { error: 'an empty list never matches; list at least one value' };
    const matchers: ValueMatcher[] = [];
    for (const [i, item] of value.entries()) {
      const m = compileBareScalar(item, field);
      if ('error' in m) return { error: `[${i}]: ${m.error}` };
      matchers.push(m);
    }
    const allText = matchers.every((m) => m.text?.kind === 'equals');
    const text: TextTest | undefined = allText
      ? { kind: 'one-of', set: new Set(matchers.map((m) => (m.text?.kind === 'equals' ? m.text.text : ''))) }
      : undefined;
    return anyOf(matchers, `matches none of ${formatValue(value)}`, text);
  }
  return compileBareScalar(value, field);
}

function compileBareScalar(value: unknown, field: Field): CompileResult {
  if (value === null) return { error: 'null is not a condition value (use { exists: false } for a missing field)' };
  if (!isScalar(value)) return { error: `expected a string, number, boolean, list or operator object, got ${typeName(value)}` };
  if (typeof value === 'string' && isWildcard(value) && field.kind === 'generic') {
    const text = globTest(value);
    const glob = textTestFunction(text);
    return { test: (v) => testText(v, glob), mismatch: `does not match ${formatValue(value)}`, text };
  }
  return compileEquality('eq', value, field);
}

function compileEquality(op: 'eq' | 'ne', operand: unknown, field: Field): CompileResult {
  if (!isScalar(operand)) return { error: `${op} needs a string, number or boolean, got ${typeName(operand)}` };
  const bad = checkNamedValue(operand, field);
  if (bad) return { error: bad };
  if (op === 'eq') {
    const text: TextTest | undefined = typeof operand === 'string' ? { kind: 'equals', text: operand } : undefined;
    return { test: (v) => scalarEquals(v, operand), mismatch: `does not equal ${formatValue(operand)}`, text };
  }
  return { test: (v) => !scalarEquals(v, operand), mismatch: `equals ${formatValue(operand)} (ne)` };
}

function compileMembership(op: 'in' | 'not_in', operand: unknown, field: Field): CompileResult {
  if (!Array.isArray(operand) || operand.length === 0) return { error: `${op} needs a non-empty list of values` };
  const values: Scalar[] = [];
  for (const [i, item] of operand.entries()) {
    if (!isScalar(item)) return { error: `${op}[${i}] must be a string, number or boolean, got ${typeName(item)}` };
    const bad = checkNamedValue(item, field);
    if (bad) return { error: `${op}[${i}]: ${bad}` };
    values.push(item);
  }
  const isMember = setMembership(values);
  if (op === 'in') {
    const text: TextTest | undefined = values.every((v) => typeof v === 'string')
      ? { kind: 'one-of', set: new Set(values as string[]) }
      : undefined;
    return { test: isMember, mismatch: `is not one of ${formatValue(values)}`, text };
  }
  return { test: (v) => !isMember(v), mismatch: `is one of ${formatValue(values)} (not_in)` };
}

/** Membership through a Set for plain strings (the common case), falling back to coercing equality. */
function setMembership(values: readonly Scalar[]): (v: unknown) => boolean {
  const set = new Set<Scalar>(values);
  const coercible = values.some((v) => typeof v !== 'string');
  if (!coercible) return (v) => (typeof v === 'string' ? set.has(v) : values.some((x) => scalarEquals(v, x)));
  return (v) => set.has(v as Scalar) || values.some((x) => scalarEquals(v, x));
}

function compileGlobOperator(operand: unknown): CompileResult {
  const patterns = typeof operand === 'string' ? [operand] : operand;
  if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p): p is string => typeof p === 'string')) {
    return { error: 'glob needs a pattern string or a non-empty list of them' };
  }
  const tests = patterns.map(globTest);
  const globs = tests.map(textTestFunction);
  const shown = patterns.length === 1 ? formatValue(patterns[0]) : formatValue(patterns);
  if (globs.length === 1) {
    const [glob] = globs as [(t: string) => boolean];
    return { test: (v) => testText(v, glob), mismatch: `does not match glob ${shown}`, text: tests[0] };
  }
  return { test: (v) => globs.some((g) => testText(v, g)), mismatch: `does not match glob ${shown}` };
}

/**
 * A regex operand: `pattern`, or `/pattern/flags` (at least one flag of i, m, s, u) to pass flags.
 * Without a flag the slashes are part of the pattern, so `/etc/` matches the text "/etc/".
 * Compiled to a linear-time matcher (RE2 syntax); what RE2 cannot run is an error here, at write time.
 */
export function compileRegexSource(operand: unknown): LinearRegex | { error: string } {
  if (typeof operand !== 'string' || operand === '') return { error: 'regex needs a non-empty pattern string' };
  const { source, flags } = splitRegexLiteral(operand);
  return compileLinearRegex(source, flags);
}

/** `/pattern/flags` with at least one lower-case flag letter is a literal; anything else is the pattern itself. */
function splitRegexLiteral(operand: string): { source: string; flags: string } {
  const close = operand.lastIndexOf('/');
  if (operand[0] !== '/' || close < 2 || close === operand.length - 1) return { source: operand, flags: '' };
  const flags = operand.slice(close + 1);
  if (!/^[a-z]+$/.test(flags)) return { source: operand, flags: '' };
  return { source: operand.slice(1, close), flags };
}

function compileRegex(operand: unknown): CompileResult {
  const re = compileRegexSource(operand);
  if ('error' in re) return re;
  const text: TextTest = { kind: 'matcher', test: re.test };
  const test = re.test;
  return { test: (v) => testText(v, test), mismatch: `does not match regex /${re.source}/${re.flags}`, text };
}

function compileContains(operand: unknown): CompileResult {
  if (!isScalar(operand)) return { error: `contains needs a string, number or boolean, got ${typeName(operand)}` };
  const needle = String(operand);
  return {
    test: (v) => (Array.isArray(v) ? v.some((item) => scalarEquals(item, operand)) : (textValue(v)?.includes(needle) ?? false)),
    mismatch: `does not contain ${formatValue(operand)}`,
    text: typeof operand === 'string' ? { kind: 'contains', text: operand } : undefined,
  };
}

function compileAffix(op: 'starts_with' | 'ends_with', operand: unknown): CompileResult {
  if (typeof operand !== 'string') return { error: `${op} needs a string, got ${typeName(operand)}` };
  if (op === 'starts_with') {
    return {
      test: (v) => textValue(v)?.startsWith(operand) ?? false,
      mismatch: `does not start with ${formatValue(operand)}`,
      text: { kind: 'prefix', text: operand },
    };
  }
  return {
    test: (v) => textValue(v)?.endsWith(operand) ?? false,
    mismatch: `does not end with ${formatValue(operand)}`,
    text: { kind: 'suffix', text: operand },
  };
}

const COMPARISON_SYMBOL = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;

function compileComparison(op: 'gt' | 'gte' | 'lt' | 'lte', operand: unknown, field: Field): CompileResult {
  const symbol = COMPARISON_SYMBOL[op];
  if (field.kind === 'risk-level') {
    if (!isRiskLevel(operand)) return { error: `${op} on risk.level needs a level name (low, medium, high, critical)` };
    const bound = RISK_LEVEL_RANK[operand];
    const compare = comparator(op);
    return { test: (v) => isRiskLevel(v) && compare(RISK_LEVEL_RANK[v], bound), mismatch: `is not ${symbol} ${operand}` };
  }
  if (field.kind === 'weekday') return { error: `${op} is not defined on time.weekday; list the days with in` };
  if (typeof operand !== 'number' || !Number.isFinite(operand)) return { error: `${op} needs a number, got ${typeName(operand)}` };
  const compare = comparator(op);
  return { test: (v) => compare(numericValue(v), operand), mismatch: `is not ${symbol} ${operand}`, number: { op, bound: operand } };
}

function comparator(op: 'gt' | 'gte' | 'lt' | 'lte'): (a: number, b: number) => boolean {
  switch (op) {
    case 'gt':
      return (a, b) => a > b;
    case 'gte':
      return (a, b) => a >= b;
    case 'lt':
      return (a, b) => a < b;
    case 'lte':
      return (a, b) => a <= b;
  }
}

/** Values of named fields must be names they can take (a typo would silently never match). */
function checkNamedValue(value: Scalar, field: Field): string | null {
  if (field.kind === 'risk-level' && !isRiskLevel(value)) return `${formatValue(value)} is not a risk level (low, medium, high, critical)`;
  if (field.kind === 'weekday' && !(WEEKDAYS as readonly unknown[]).includes(value)) {
    return `${formatValue(value)} is not a weekday (mon, tue, wed, thu, fri, sat, sun)`;
  }
  if (field.kind === 'hour' && !(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 23)) {
    return `${formatValue(value)} is not an hour (0-23)`;
  }
  return null;
}

function anyOf(matchers: readonly ValueMatcher[], mismatch: string, text: TextTest | undefined): ValueMatcher {
  if (matchers.length === 1 && matchers[0]) return matchers[0];
  return { test: (v) => matchers.some((m) => m.test(v)), mismatch, text };
}

function testText(value: unknown, test: (text: string) => boolean): boolean {
  const text = textValue(value);
  return text !== undefined && test(text);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
