import type { Subject } from '../subject.js';
import { TOP_LEVEL } from './fields.js';
import { globTest, isWildcard } from './glob.js';
import { actionField, type ActionTextKey, type TextTest } from './text-test.js';
import { isPlainObject } from './values.js';

/**
 * A flat form of the commonest conditions, evaluated by one interpreter loop instead of a chain of
 * closures. At thousands of policies a decision is memory-bound: a candidate whose condition is a
 * single array of opcodes and operands costs a cache line or two, a closure tree ten.
 *
 * Layout: a conjunction of clauses; each clause is `[atomCount, …atoms]`, and holds when any of
 * its atoms holds; each atom is three slots `[opcode, a, b]`.
 *
 * Covered (anything else is left to the closures): top-level text fields (action_type, agent_id,
 * resource, …) equal to / in / wildcard-matching / starting / ending with / containing strings
 * (`a*b`-shaped wildcards excepted); `risk.score`
 * and single-key `context.<key>` (other than the `environment` fallback) compared with numbers;
 * `all` of those, and `any` of single conditions of those.
 */
export type Program = readonly (number | string | TextMatcher | ReadonlySet<string>)[];
type TextMatcher = (text: string) => boolean;

const enum Op {
  TextEquals = 1,
  TextPrefix,
  TextSuffix,
  TextContains,
  TextOneOf,
  TextMatcher,
  RiskGt,
  RiskGte,
  RiskLt,
  RiskLte,
  ContextGt,
  ContextGte,
  ContextLt,
  ContextLte,
  Always,
}

/** Text fields a program reads: the top-level ones, and `context.environment` (with its fallback). */
const TEXT_FIELDS: readonly string[] = [...TOP_LEVEL, 'context.environment'];
const CONTEXT_ENVIRONMENT = 'context.environment';

/** The program of a (validated) `when`, or `null` where it uses anything the program does not cover. */
export function compileProgram(when: Record<string, unknown>): Program | null {
  const code: (number | string | TextMatcher | ReadonlySet<string>)[] = [];
  return addConjunction(when, code) ? code : null;
}

function addConjunction(when: Record<string, unknown>, code: (number | string | TextMatcher | ReadonlySet<string>)[]): boolean {
  for (const [key, value] of Object.entries(when)) {
    if (key === 'all') {
      if (!Array.isArray(value) || !value.every(isPlainObject)) return false;
      for (const child of value) if (!addConjunction(child, code)) return false;
    } else if (key === 'any') {
      if (!Array.isArray(value) || value.length === 0) return false;
      const atoms: Atom[] = [];
      for (const child of value) {
        if (!isPlainObject(child)) return false;
        const entries = Object.entries(child);
        if (entries.length !== 1) return false;
        const [childKey, childValue] = entries[0] as [string, unknown];
        const atom = atomOf(childKey, childValue);
        if (!atom) return false;
        atoms.push(atom);
      }
      code.push(atoms.length);
      for (const atom of atoms) code.push(...atom);
    } else {
      const atom = atomOf(key, value);
      if (!atom) return false;
      code.push(1, ...atom);
    }
  }
  return true;
}

type Atom = [number, string | number | TextMatcher | ReadonlySet<string>, string | number];

function atomOf(field: string, value: unknown): Atom | null {
  if (TEXT_FIELDS.includes(field)) {
    const test = textTestOf(value);
    return test ? textAtom(field, test) : null;
  }
  if (field === 'risk.score') {
    const cmp = comparisonOf(value);
    return cmp ? [Op.RiskGt + cmp.offset, cmp.bound, 0] : null;
  }
  if (field.startsWith('context.')) {
    const key = field.slice('context.'.length);
    if (key === '' || key.includes('.') || key === 'environment') return null;
    const cmp = comparisonOf(value);
    return cmp ? [Op.ContextGt + cmp.offset, key, cmp.bound] : null;
  }
  return null;
}

/** String tests only: a number or boolean operand compares by string form in the closures. */
function textTestOf(value: unknown): TextTest | null {
  if (typeof value === 'string') return isWildcard(value) ? globTest(value) : { kind: 'equals', text: value };
  if (Array.isArray(value)) {
    if (!value.every((v): v is string => typeof v === 'string' && !isWildcard(v))) return null;
    return { kind: 'one-of', set: new Set(value) };
  }
  if (!isPlainObject(value)) return null;
  const ops = Object.keys(value);
  if (ops.length !== 1) return null;
  const operand = value[ops[0] as string];
  switch (ops[0]) {
    case 'eq':
      return typeof operand === 'string' ? { kind: 'equals', text: operand } : null;
    case 'in':
      return Array.isArray(operand) && operand.length > 0 && operand.every((v) => typeof v === 'string')
        ? { kind: 'one-of', set: new Set(operand as string[]) }
        : null;
    case 'glob':
      return typeof operand === 'string' ? globTest(operand) : null;
    case 'starts_with':
      return typeof operand === 'string' ? { kind: 'prefix', text: operand } : null;
    case 'ends_with':
      return typeof operand === 'string' ? { kind: 'suffix', text: operand } : null;
    case 'contains':
      return typeof operand === 'string' ? { kind: 'contains', text: operand } : null;
    default:
      return null;
  }
}

function textAtom(field: string, test: TextTest): Atom | null {
  switch (test.kind) {
    case 'equals':
      return [Op.TextEquals, test.text, field];
    case 'prefix':
      return [Op.TextPrefix, test.text, field];
    case 'suffix':
      return [Op.TextSuffix, test.text, field];
    case 'contains':
      return [Op.TextContains, test.text, field];
    case 'affixes':
      return null;
    case 'one-of':
      return [Op.TextOneOf, test.set, field];
    case 'matcher':
      return [Op.TextMatcher, test.test, field];
    case 'always':
      return [Op.Always, 0, field];
  }
}

const COMPARISON_OFFSET = { gt: 0, gte: 1, lt: 2, lte: 3 } as const;

function comparisonOf(value: unknown): { offset: number; bound: number } | null {
  if (!isPlainObject(value)) return null;
  const ops = Object.keys(value);
  if (ops.length !== 1) return null;
  const op = ops[0] as string;
  const bound = value[op];
  if (!(op in COMPARISON_OFFSET) || typeof bound !== 'number') return null;
  return { offset: COMPARISON_OFFSET[op as keyof typeof COMPARISON_OFFSET], bound };
}

function contextNumber(s: Subject, key: string): number {
  const v = s.action.context?.[key];
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
}

/**
 * A text field as the closures read it (`textValue` of the field getter): strings as they are,
 * numbers and booleans in string form, anything else (missing, null, objects) absent.
 */
function textField(s: Subject, field: string): string | undefined {
  let v: unknown;
  if (field === CONTEXT_ENVIRONMENT) {
    v = s.action.context?.environment;
    if (v === undefined || v === null) v = s.action.environment;
  } else v = actionField(s.action, field as ActionTextKey);
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export function atomHolds(s: Subject, op: number, a: Program[number], b: Program[number]): boolean {
  if (op < Op.RiskGt || op === Op.Always) {
    const v = textField(s, b as string);
    if (v === undefined) return false;
    if (op === Op.Always) return true;
    switch (op) {
      case Op.TextEquals:
        return v === a;
      case Op.TextPrefix:
        return v.startsWith(a as string);
      case Op.TextSuffix:
        return v.endsWith(a as string);
      case Op.TextContains:
        return v.includes(a as string);
      case Op.TextOneOf:
        return (a as ReadonlySet<string>).has(v);
      default:
        return (a as TextMatcher)(v);
    }
  }
  if (op <= Op.RiskLte) {
    const risk = s.risk;
    if (risk === undefined) return false;
    const bound = a as number;
    return op === Op.RiskGt
      ? risk.score > bound
      : op === Op.RiskGte
        ? risk.score >= bound
        : op === Op.RiskLt
          ? risk.score < bound
          : risk.score <= bound;
  }
  const v = contextNumber(s, a as string);
  const bound = b as number;
  return op === Op.ContextGt ? v > bound : op === Op.ContextGte ? v >= bound : op === Op.ContextLt ? v < bound : v <= bound;
}

/** Runs a program: every clause must have an atom that holds. */
export function runProgram(code: Program, s: Subject): boolean {
  let i = 0;
  const n = code.length;
  while (i < n) {
    const atoms = code[i++] as number;
    let held = false;
    for (let k = 0; k < atoms; k++, i += 3) {
      if (!held && atomHolds(s, code[i] as number, code[i + 1] as Program[number], code[i + 2] as Program[number])) held = true;
    }
    if (!held) return false;
  }
  return true;
}

/**
 * A program of one clause of one atom (`[1, op, a, b]`), as its three slots; `null` for any other.
 * `runProgram` of it is `atomHolds(s, op, a, b)`.
 */
export function singleAtomOf(code: Program): readonly [number, Program[number], Program[number]] | null {
  return code.length === 4 && code[0] === 1 ? [code[1] as number, code[2] as Program[number], code[3] as Program[number]] : null;
}
