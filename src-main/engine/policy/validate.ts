import {
  BUILTIN_RISK_FACTORS,
  PolicySchema,
  RiskRuleSchema,
  SettingsSchema,
  type Policy,
  type RiskRule,
  type Settings,
} from '../../../src-shared/index.js';
import { compileWhen } from '../conditions/compile.js';
import { isPlainObject } from '../conditions/values.js';
import { itemPath, joinPath, PolicyValidationError, type ValidationDetail } from '../errors.js';
import type { CompiledRiskRule } from '../risk/scorer.js';
import type { EngineInput } from '../types.js';
import { compareForEvaluation, rankedPolicy, rankStep, refOf, type CompiledPolicy, type PolicyParts } from './compiled-policy.js';

export interface CompiledDefinitions {
  /** Every policy (disabled ones too), in evaluation order. */
  policies: CompiledPolicy[];
  riskRules: CompiledRiskRule[];
  settings: Settings;
}

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

function pushIssues(issues: ValidationDetail[], base: string, zodIssues: readonly ZodIssueLike[]): void {
  for (const issue of zodIssues) issues.push({ path: joinPath(base, issue.path), message: issue.message });
}

/**
 * Validates a whole engine input — every policy against the schema and the condition language,
 * unique ids, risk rules, settings — and compiles it. Every problem is collected before throwing.
 */
export function compileDefinitions(input: EngineInput): CompiledDefinitions {
  return runToEnd(compileDefinitionsSteps(input));
}

/**
 * `compileDefinitions` as steps: the generator pauses (`yield`) after each policy and each stretch of
 * other work, so a caller can run it in slices between which the event loop runs (principle: no
 * task holds it over 50 ms; a 10,000-policy set takes hundreds of ms). Run to its end at once, it is
 * `compileDefinitions`. The input must not change while it runs.
 */
export function* compileDefinitionsSteps(input: EngineInput): Generator<void, CompiledDefinitions> {
  const issues: ValidationDetail[] = [];

  const settingsResult = SettingsSchema.safeParse(input.settings);
  if (!settingsResult.success) pushIssues(issues, 'settings', settingsResult.error.issues);

  const policies = yield* compilePolicyListSteps(input.policies, issues);
  const riskRules = compileRiskRules(input.riskRules, issues);

  if (issues.length > 0 || !settingsResult.success) throw new PolicyValidationError(issues);
  return { policies, riskRules, settings: settingsResult.data };
}

/** Runs steps (a generator that only pauses) to their end, synchronously. */
export function runToEnd<T>(steps: Iterator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The settings and risk rules of an engine, validated and compiled on their own (a settings change
 * keeps the compiled policies). Throws a PolicyValidationError naming `settings.<key>` or
 * `risk_rules[i](id).<field>`.
 */
export function compileSettings(settings: unknown, riskRules: readonly unknown[]): { settings: Settings; riskRules: CompiledRiskRule[] } {
  const issues: ValidationDetail[] = [];
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) pushIssues(issues, 'settings', parsed.error.issues);
  const rules = compileRiskRules(riskRules, issues);
  if (issues.length > 0 || !parsed.success) throw new PolicyValidationError(issues);
  return { settings: parsed.data, riskRules: rules };
}

/** What compiling one policy gives that does not depend on the rest of the set (pure functions of the policy). */
type PolicyCompile = PolicyParts & {
  /** Where the policy stood in the last set compiled with it: a hint that makes sorting the next set ~linear. */
  lastRank: number;
};

/**
 * Policies compiled before, by the input object they were compiled from (principle 5: one policy
 * changed in a set of 10,000 compiles one policy, not 10,000 — the whole compile holds the event loop
 * for over 100 ms). Policy inputs are treated as immutable (the service replaces a changed policy by
 * a new object, never edits one); only inputs that compiled without a problem are kept, and the
 * entries go with the inputs (weak keys). The compiled condition is stateless closures, shared by
 * every engine built from the same input; what an engine changes (rank, residual test, scratch
 * stamp) lives in each engine's own CompiledPolicy.
 */
const COMPILED = new WeakMap<object, PolicyCompile>();

/** Policies ranked per step (ranking one is a copy: cheap). */
const RANK_STEP = 1024;

function* compilePolicyListSteps(raw: readonly unknown[], issues: ValidationDetail[]): Generator<void, CompiledPolicy[]> {
  const firstIndexOf = new Map<string, number>();
  const compiled: PolicyCompile[] = [];
  for (let i = 0; i < raw.length; i++) {
    yield;
    const item = raw[i];
    const known = typeof item === 'object' && item !== null ? COMPILED.get(item) : undefined;
    if (known !== undefined) {
      const earlier = firstIndexOf.get(known.policy.id);
      if (earlier === undefined) {
        firstIndexOf.set(known.policy.id, i);
        compiled.push(known);
        continue;
      }
    }
    const base = itemPath('policies', i, rawIdOf(item));
    const policy = parseOne(item, base, issues);
    if (!policy) continue;
    const earlier = firstIndexOf.get(policy.id);
    if (earlier !== undefined) issues.push({ path: `${base}.id`, message: `duplicate id '${policy.id}' (also policies[${earlier}])` });
    else firstIndexOf.set(policy.id, i);
    const done = compileParsed(item, policy, base, issues);
    compiled.push(done);
  }
  yield;
  // The set in its last order with a policy or two out of place sorts in ~n comparisons (see sortSteps).
  const ordered = yield* sortSteps(inLastOrder(compiled), (a, b) => compareForEvaluation(a.policy, b.policy));
  const out: CompiledPolicy[] = new Array<CompiledPolicy>(ordered.length);
  const step = rankStep(ordered.length);
  for (let k = 0; k < ordered.length; k++) {
    if (k % RANK_STEP === 0) yield;
    const c = ordered[k]!;
    c.lastRank = k;
    out[k] = rankedPolicy(c, (k + 1) * step);
  }
  return out;
}

/** Elements sorted (or merged) per step of sortSteps: a few hundred µs of work. */
const SORT_STEP = 512;

/**
 * Sorts `items` in place as steps (a whole sort of 10,000 policies is tens of ms): runs of SORT_STEP
 * sorted natively, then merged bottom-up, pausing every SORT_STEP elements. Stable. Adaptive: two
 * runs already in order are not merged, so a set in its last order costs ~n comparisons.
 */
export function* sortSteps<T>(items: T[], compare: (a: T, b: T) => number): Generator<void, T[]> {
  const n = items.length;
  for (let lo = 0; lo < n; lo += SORT_STEP) {
    yield;
    const hi = Math.min(n, lo + SORT_STEP);
    const run = items.slice(lo, hi).sort(compare);
    for (let k = 0; k < run.length; k++) items[lo + k] = run[k]!;
  }
  for (let width = SORT_STEP; width < n; width *= 2) {
    for (let lo = 0; lo + width < n; lo += 2 * width) {
      const mid = lo + width;
      const hi = Math.min(n, lo + 2 * width);
      if (compare(items[mid - 1]!, items[mid]!) <= 0) continue;
      const left = items.slice(lo, mid);
      let i = 0;
      let j = mid;
      let k = lo;
      while (i < left.length) {
        if ((k & (SORT_STEP - 1)) === 0) yield;
        // Right first only when strictly before (stability: the left run's equal elements stay first).
        if (j < hi && compare(items[j]!, left[i]!) < 0) items[k++] = items[j++]!;
        else items[k++] = left[i++]!;
      }
    }
  }
  return items;
}

const rawIdOf = (item: unknown): unknown => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined);

/** The policy `item` as the schema reads it; null, with the problems in `issues` (its conditions' too), when it is not one. */
function parseOne(item: unknown, base: string, issues: ValidationDetail[]): Policy | null {
  const parsed = PolicySchema.safeParse(item);
  if (parsed.success) return parsed.data;
  pushIssues(issues, base, parsed.error.issues);
  checkConditionsOf(item, 'when', base, issues);
  return null;
}

/** Compiles a parsed policy; kept in the per-policy cache (by its input `item`) only when it compiled without a problem. */
function compileParsed(item: unknown, policy: Policy, base: string, issues: ValidationDetail[]): PolicyCompile {
  const before = issues.length;
  const condition = compileWhen(policy.when, `${base}.when`, issues);
  const done: PolicyCompile = {
    policy,
    ref: refOf(policy),
    expiresAtMs: policy.expires_at === null ? null : Date.parse(policy.expires_at),
    condition,
    lastRank: -1,
  };
  if (issues.length === before && typeof item === 'object' && item !== null) COMPILED.set(item, done);
  return done;
}

/**
 * One policy compiled on its own, for a change of a compiled set (the engine places it): from the
 * per-policy cache when this input compiled before. Throws a PolicyValidationError naming the policy
 * (`policies[i](id).when…`, `i` its place in the set) when it does not compile.
 */
export function compileChangedPolicy(item: unknown, i: number): PolicyParts {
  const known = typeof item === 'object' && item !== null ? COMPILED.get(item) : undefined;
  if (known !== undefined) return known;
  const issues: ValidationDetail[] = [];
  const base = itemPath('policies', i, rawIdOf(item));
  const policy = parseOne(item, base, issues);
  const done = policy ? compileParsed(item, policy, base, issues) : null;
  if (!done || issues.length > 0) throw new PolicyValidationError(issues);
  return done;
}

/**
 * The compiled policies in the order they had in the last set compiled (each at its last rank, in
 * one pass; new ones and clashes after them). Only a hint: the real order comes from sorting this.
 */
function inLastOrder(compiled: PolicyCompile[]): PolicyCompile[] {
  const slots: (PolicyCompile | undefined)[] = new Array<PolicyCompile | undefined>(compiled.length);
  const rest: PolicyCompile[] = [];
  for (const c of compiled) {
    const r = c.lastRank;
    if (r >= 0 && r < slots.length && slots[r] === undefined) slots[r] = c;
    else rest.push(c);
  }
  const out: PolicyCompile[] = [];
  for (const c of slots) if (c !== undefined) out.push(c);
  for (const c of rest) out.push(c);
  return out;
}

const BUILTIN_IDS: ReadonlySet<string> = new Set(BUILTIN_RISK_FACTORS);

/** Validates and compiles `risk_rules`, appending every problem to `issues`. */
export function compileRiskRules(raw: readonly unknown[], issues: ValidationDetail[]): (CompiledRiskRule & { rule: RiskRule })[] {
  const seen = new Map<string, number>();
  const out: (CompiledRiskRule & { rule: RiskRule })[] = [];
  raw.forEach((item, i) => {
    const rawId = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
    const base = itemPath('risk_rules', i, rawId);
    const parsed = RiskRuleSchema.safeParse(item);
    if (!parsed.success) {
      pushIssues(issues, base, parsed.error.issues);
      return;
    }
    const rule = parsed.data;
    const earlier = seen.get(rule.id);
    if (earlier !== undefined) issues.push({ path: `${base}.id`, message: `duplicate id '${rule.id}' (also risk_rules[${earlier}])` });
    else seen.set(rule.id, i);
    if (BUILTIN_IDS.has(rule.id))
      issues.push({ path: `${base}.id`, message: `'${rule.id}' is a built-in risk factor; tune it with settings.risk_weights` });
    const condition = compileWhen(rule.when, `${base}.when`, issues);
    out.push({ id: rule.id, points: rule.points, detail: rule.detail ?? `risk rule '${rule.id}' matched`, condition, rule });
  });
  return out;
}

/**
 * Where a risk rule's `when` (through all / any / not) tests `risk.*`, which only policies can read:
 * rules run before the score exists. Refused when a file is written (policy-file.ts); rules already
 * stored still load as before.
 */
export function riskFieldIssues(raw: readonly unknown[]): ValidationDetail[] {
  return raw.flatMap((item, i) => {
    if (!isPlainObject(item)) return [];
    return riskFieldPaths(item.when, `${itemPath('risk_rules', i, item.id)}.when`).map((path) => ({
      path,
      message: 'risk rules run before the score exists: a condition on risk.score or risk.level never holds here',
    }));
  });
}

function riskFieldPaths(when: unknown, path: string): string[] {
  if (Array.isArray(when)) return when.flatMap((w, i) => riskFieldPaths(w, `${path}[${i}]`));
  if (!isPlainObject(when)) return [];
  return Object.entries(when).flatMap(([key, value]) => {
    if (key === 'all' || key === 'any' || key === 'not') return riskFieldPaths(value, `${path}.${key}`);
    return key === 'risk' || key.startsWith('risk.') ? [`${path}.${key}`] : [];
  });
}

/**
 * The conditions of an item whose schema check failed, checked all the same: one answer then lists
 * a policy's schema problems and its condition problems together (a bad `priority` and a bad regex),
 * not the first kind alone. Skipped where the conditions are not an object (the schema said so).
 */
export function checkConditionsOf(item: unknown, key: 'when' | 'conditions', base: string, issues: ValidationDetail[]): void {
  const conditions = isPlainObject(item) ? item[key] : undefined;
  if (isPlainObject(conditions)) compileWhen(conditions, joinPath(base, [key]), issues);
}

/**
 * Checks one policy as an editor would (schema and condition language) without compiling a set.
 * Paths are relative to the policy (`when.resource.regex`).
 */
export function checkPolicy(input: unknown): ValidationDetail[] {
  const issues: ValidationDetail[] = [];
  const parsed = PolicySchema.safeParse(input);
  if (!parsed.success) {
    pushIssues(issues, '', parsed.error.issues);
    checkConditionsOf(input, 'when', '', issues);
    return issues;
  }
  compileWhen(parsed.data.when, 'when', issues);
  return issues;
}

/** Whether `input` was compiled before and will be reused as it is (tests of the per-policy compile cache). */
export function compiledBefore(input: object): boolean {
  return COMPILED.has(input);
}
