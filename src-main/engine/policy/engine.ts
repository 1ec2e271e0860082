import type { NormalizedAction, Policy, Risk, RiskFactor, Settings, TraceEntry } from '../../../src-shared/index.js';
import { checkBudget, DecisionBudgetExceeded, DEFAULT_DECISION_BUDGET_MS, withinBudget } from '../budget.js';
import { riskLevelOf, clampScore } from '../risk/level.js';
import { localTimeOf, type Subject } from '../subject.js';
import { RiskScorer, type CompiledRiskRule } from '../risk/scorer.js';
import type { AbArmWhy, AbOutcome, AbTestRule, DecideContext, Engine, Outcome } from '../types.js';
import { armOf, armWhy, isUnderTest, ruleFor, testsOfSet } from './ab-arm.js';
import { CandidateIndex } from './candidate-index.js';
import { compareForEvaluation, isExpired, MAX_RANK, rankedPolicy, type CompiledPolicy } from './compiled-policy.js';
import { traceOf } from './trace.js';
import { monitorFlag, policyVerdict, riskVerdict, underEnforcement, type Verdict } from './verdict.js';
import { compileChangedPolicy, compileSettings, runToEnd, type CompiledDefinitions } from './validate.js';

const INTERNAL_ERROR_FACTOR = 'internal-error';
const NO_TESTS: readonly AbTestRule[] = [];
/** Id of the factor (and flag) of a decision that ran past its time budget (it is held, never allowed). */
export const DECISION_BUDGET_FACTOR = 'decision-budget';
/** Flag of an action held because it could not be checked in full. */
export const HELD_UNCHECKED_FLAG = 'held:incomplete-check';

/** What one evaluation found, before it is turned into an Outcome. */
interface Evaluation {
  risk: Risk;
  /** Why the action must be held whatever the policies and the score say (it could not be checked in full). */
  hold: string | null;
  decider: CompiledPolicy | null;
  monitors: CompiledPolicy[];
  shadowDecider: CompiledPolicy | null;
  /** The action fell in an A/B test: its arm, and the policy that would decide in the other one. */
  ab: { rule: AbTestRule; arm: 'control' | 'test'; other: CompiledPolicy | null } | null;
  /** The running A/B tests that applied to this set (see testsOfSet). */
  tests: readonly AbTestRule[];
}

/** What an engine decides with; a policy change builds the next engine's from these, sharing what it did not change. */
interface EngineParts {
  settings: Settings;
  riskRules: readonly CompiledRiskRule[];
  scorer: RiskScorer;
  /** Every policy (disabled ones too), in evaluation order. */
  all: readonly CompiledPolicy[];
  enforced: CandidateIndex;
  monitors: CandidateIndex;
  shadows: CandidateIndex;
  budgetMs: number;
}

/** Which index a policy sits in (none when disabled, or a shadow monitor, which never decides). */
type Category = 'enforced' | 'monitors' | 'shadows' | null;

function categoryOf({ enabled, mode, effect }: Policy): Category {
  if (!enabled) return null;
  if (mode === 'enforce') return effect === 'monitor' ? 'monitors' : 'enforced';
  return mode === 'shadow' && effect !== 'monitor' ? 'shadows' : null;
}

/**
 * SPEC 3.3 over a compiled policy set. Immutable once built: a change makes a new engine
 * (`withPolicy`, or a whole compile), and this one decides as before.
 */
export class CompiledEngine implements Engine {
  private readonly settings: Settings;
  private readonly riskRules: readonly CompiledRiskRule[];
  private readonly scorer: RiskScorer;
  private readonly all: readonly CompiledPolicy[];
  private readonly enforced: CandidateIndex;
  private readonly monitors: CandidateIndex;
  private readonly shadows: CandidateIndex;
  /** Every policy by id (A/B tests name their test policy, which need not be enforced). */
  private byIdMap: ReadonlyMap<string, CompiledPolicy> | null = null;
  /** The last list of running tests seen and the part of it that applies to this set (the list changes rarely). */
  private testsSeen: { given: readonly AbTestRule[]; applied: readonly AbTestRule[] } | null = null;

  private readonly budgetMs: number;

  private constructor(parts: EngineParts) {
    this.budgetMs = parts.budgetMs;
    this.settings = parts.settings;
    this.riskRules = parts.riskRules;
    this.scorer = parts.scorer;
    this.all = parts.all;
    this.enforced = parts.enforced;
    this.monitors = parts.monitors;
    this.shadows = parts.shadows;
  }

  static build(definitions: CompiledDefinitions, budgetMs = DEFAULT_DECISION_BUDGET_MS): CompiledEngine {
    return runToEnd(CompiledEngine.buildSteps(definitions, budgetMs));
  }

  /** `build` as steps, pausing after each policy indexed (see compileDefinitionsSteps). */
  static *buildSteps(definitions: CompiledDefinitions, budgetMs = DEFAULT_DECISION_BUDGET_MS): Generator<void, CompiledEngine> {
    // One pass (at 10,000 policies each pass counts).
    const enforced: CompiledPolicy[] = [];
    const monitors: CompiledPolicy[] = [];
    const shadows: CompiledPolicy[] = [];
    for (const p of definitions.policies) {
      const category = categoryOf(p.policy);
      if (category === 'enforced') enforced.push(p);
      else if (category === 'monitors') monitors.push(p);
      else if (category === 'shadows') shadows.push(p);
    }
    return new CompiledEngine({
      settings: definitions.settings,
      riskRules: definitions.riskRules,
      scorer: new RiskScorer(definitions.settings, definitions.riskRules),
      all: definitions.policies,
      enforced: yield* CandidateIndex.buildSteps(enforced),
      monitors: yield* CandidateIndex.buildSteps(monitors),
      shadows: yield* CandidateIndex.buildSteps(shadows),
      budgetMs,
    });
  }

  /**
   * This engine's policies with other settings (and risk rules, when given), as a new engine: the
   * compiled policies and their indexes do not depend on either, so they are shared, not rebuilt (a
   * settings change costs the settings, not the set). Throws a PolicyValidationError naming
   * `settings.<key>` or `risk_rules[i](id).<field>`; this engine is never changed.
   */
  withSettings(settings: Settings, riskRules?: readonly unknown[]): CompiledEngine {
    const compiled = compileSettings(settings, riskRules ?? []);
    const rules = riskRules === undefined ? this.riskRules : compiled.riskRules;
    return new CompiledEngine({
      settings: compiled.settings,
      riskRules: rules,
      scorer: new RiskScorer(compiled.settings, rules),
      all: this.all,
      enforced: this.enforced,
      monitors: this.monitors,
      shadows: this.shadows,
      budgetMs: this.budgetMs,
    });
  }

  /**
   * This engine with the policy `id` replaced by `next` (added when there is none; removed when
   * `next` is null), as a new engine — exactly the engine a compile of the changed set gives, at the
   * cost of the change (principle 5): only `next` is compiled, it takes a free rank between its
   * neighbours, and only the index buckets it leaves or joins are copied. Where no rank is free
   * there, the nearest policies around it are re-ranked (copies; a window that doubles until it has
   * room). Throws a PolicyValidationError naming the policy when `next` does not compile; this
   * engine is never changed.
   */
  withPolicy(id: string, next: Policy | null): CompiledEngine {
    const at = this.all.findIndex((p) => p.policy.id === id);
    const old = at >= 0 ? (this.all[at] as CompiledPolicy) : null;
    if (old === null && next === null) return this;
    const all = this.all.slice();
    if (at >= 0) all.splice(at, 1);
    const removed: CompiledPolicy[] = old ? [old] : [];
    const added: CompiledPolicy[] = [];
    if (next !== null) {
      if (next.id !== id) throw new Error(`policy '${next.id}' given for '${id}'`);
      const parts = compileChangedPolicy(next, at >= 0 ? at : all.length);
      const place = insertionPoint(all, parts.policy);
      const { rank, relabel } = freeRank(all, place);
      const fresh = rankedPolicy(parts, rank);
      for (const [k, r] of relabel) {
        const before = all[k] as CompiledPolicy;
        const copy = rankedPolicy(before, r);
        all[k] = copy;
        removed.push(before);
        added.push(copy);
      }
      all.splice(place, 0, fresh);
      added.push(fresh);
    }
    const change = (category: Exclude<Category, null>): CandidateIndex => {
      const out = removed.filter((p) => categoryOf(p.policy) === category);
      const into = added.filter((p) => categoryOf(p.policy) === category);
      return this[category].changed(out, into);
    };
    return new CompiledEngine({
      settings: this.settings,
      riskRules: this.riskRules,
      scorer: this.scorer,
      all,
      enforced: change('enforced'),
      monitors: change('monitors'),
      shadows: change('shadows'),
      budgetMs: this.budgetMs,
    });
  }

  /** Every policy by id, built the first time an A/B test needs it (most engines never do). */
  private get byId(): ReadonlyMap<string, CompiledPolicy> {
    this.byIdMap ??= new Map(this.all.map((p) => [p.policy.id, p]));
    return this.byIdMap;
  }

  /** SPEC 12: the running tests that apply to this set (both their policies are in it), cached per list. */
  private applicable(given: readonly AbTestRule[]): readonly AbTestRule[] {
    if (given.length === 0) return NO_TESTS;
    if (this.testsSeen?.given !== given) this.testsSeen = { given, applied: testsOfSet(given, (id) => this.byId.has(id)) };
    return this.testsSeen.applied;
  }

  decide(action: NormalizedAction, ctx: DecideContext): Outcome {
    let subject: Subject | undefined;
    try {
      return withinBudget(this.budgetMs, () => {
        subject = { action, risk: undefined, time: localTimeOf(ctx.now) };
        return this.outcomeOf(this.evaluate(subject, ctx));
      });
    } catch (e) {
      if (e instanceof DecisionBudgetExceeded) return this.heldOverBudget(e, subject?.risk);
      return failClosed(e, subject?.risk);
    }
  }

  explain(action: NormalizedAction, ctx: DecideContext): Outcome & { trace: TraceEntry[]; abArm: AbArmWhy | null } {
    let subject: Subject | undefined;
    try {
      return withinBudget(this.budgetMs, () => {
        const s: Subject = { action, risk: undefined, time: localTimeOf(ctx.now) };
        subject = s;
        const evaluation = this.evaluate(s, ctx);
        const outcome = this.outcomeOf(evaluation);
        const { decider, ab, tests } = evaluation;
        const abArm = ab ? { rule: ab.rule, arm: ab.arm, why: armWhy(ab.rule, action) } : null;
        const trace = traceOf(this.all, s, ctx.now.getTime(), { deciderId: decider?.policy.id ?? null, tests, ab: abArm });
        return { ...outcome, trace, abArm };
      });
    } catch (e) {
      if (e instanceof DecisionBudgetExceeded) return { ...this.heldOverBudget(e, subject?.risk), trace: [], abArm: null };
      return { ...failClosed(e, subject?.risk), trace: [], abArm: null };
    }
  }

  /** Risk first (policies can match on it), then the deciding, monitor and shadow policies. */
  private evaluate(subject: Subject, ctx: DecideContext): Evaluation {
    const { risk, hold } = this.scorer.score(subject, ctx);
    subject.risk = risk;
    checkBudget('risk scoring');
    const nowMs = ctx.now.getTime();
    const tests = this.applicable(ctx.abTests ?? NO_TESTS);
    let decider = this.firstEnforced(subject, nowMs, -1, tests);
    let ab: Evaluation['ab'] = null;
    if (decider !== null && tests.length > 0) {
      const rule = ruleFor(tests, decider.policy.id, nowMs);
      // A test whose test policy is not in the set is not applied (testsOfSet): the control decides, as without the test.
      if (rule !== null) {
        const alternative = this.testArmDecider(subject, nowMs, decider, rule.test, tests);
        const arm = armOf(rule, subject.action);
        ab = { rule, arm, other: arm === 'test' ? decider : alternative };
        if (arm === 'test') decider = alternative;
      }
    }
    return {
      risk,
      hold,
      decider,
      monitors: this.monitors.isEmpty ? [] : this.monitors.allMatches(subject, nowMs),
      shadowDecider: this.shadows.isEmpty ? null : this.shadows.firstMatch(subject, nowMs),
      ab,
      tests,
    };
  }

  /**
   * The first enforced match ranked after `afterRank`, leaving out the test policies of running
   * A/B tests (SPEC 12: a test policy decides only in its test arm, whatever its own mode).
   */
  private firstEnforced(subject: Subject, nowMs: number, afterRank: number, tests: readonly AbTestRule[]): CompiledPolicy | null {
    let p = this.enforced.firstMatch(subject, nowMs, afterRank);
    if (tests.length === 0) return p;
    while (p !== null && isUnderTest(tests, p.policy.id, nowMs)) p = this.enforced.firstMatch(subject, nowMs, p.rank);
    return p;
  }

  /**
   * SPEC 12: who decides in the test arm — the policy set with the control policy replaced by the
   * test policy (enabled or not, enforced or shadow): the test policy where its whole condition
   * holds and it ranks first, else the next enforced match after the control policy (or, with
   * none, the risk thresholds).
   */
  private testArmDecider(
    subject: Subject,
    nowMs: number,
    control: CompiledPolicy,
    testId: string,
    tests: readonly AbTestRule[],
  ): CompiledPolicy | null {
    const next = this.firstEnforced(subject, nowMs, control.rank, tests);
    const test = this.byId.get(testId)!;
    if (test.policy.effect === 'monitor' || isExpired(test, nowMs) || !test.condition.test(subject)) return next;
    return next === null || test.rank < next.rank ? test : next;
  }

  private verdictOf(decider: CompiledPolicy | null, risk: Risk): Verdict {
    return decider ? policyVerdict(decider, this.settings) : riskVerdict(risk, this.settings);
  }

  private outcomeOf({ risk, hold, decider, monitors, shadowDecider, ab }: Evaluation): Outcome {
    const raw = this.verdictOf(decider, risk);
    const verdict = held(underEnforcement(raw, this.settings), hold, this.settings);
    let abOutcome: AbOutcome | null = null;
    if (ab !== null) {
      const other = held(underEnforcement(this.verdictOf(ab.other, risk), this.settings), hold, this.settings);
      abOutcome = { id: ab.rule.id, arm: ab.arm, other_arm_decision: other.decision, other_arm_policy: other.policy?.id ?? null };
      // Explainable: the reason says the action was decided in an A/B test, and in which arm.
      verdict.reason = `${verdict.reason} (A/B test ${ab.rule.id}: ${ab.arm} arm)`;
    }
    const flags = verdict.flags;
    const hits: string[] = decider ? [decider.policy.id] : [];
    for (const m of monitors) {
      flags.push(monitorFlag(m.policy.id));
      hits.push(m.policy.id);
    }
    return {
      decision: verdict.decision,
      risk,
      policy: verdict.policy,
      reason: verdict.reason,
      flags,
      approval: verdict.approval,
      shadow: this.shadowOf(raw, decider, shadowDecider),
      hits,
      ab: abOutcome,
    };
  }

  /**
   * SPEC 3.3 step 4: the decision the set would make with its shadow policies enforced, reported
   * only where it differs (both compared as enforce-mode decisions).
   */
  private shadowOf(actual: Verdict, decider: CompiledPolicy | null, shadowDecider: CompiledPolicy | null): Outcome['shadow'] {
    if (!shadowDecider || (decider && decider.rank < shadowDecider.rank)) return null;
    const would = policyVerdict(shadowDecider, this.settings);
    if (would.decision === actual.decision) return null;
    return { decision: would.decision, policy: would.policy, reason: would.reason };
  }

  /**
   * A decision that ran past its budget is held for a person (never allowed): the risk found so far,
   * plus a factor saying why, with the points that bring it to the approval threshold.
   */
  private heldOverBudget(e: DecisionBudgetExceeded, partial: Risk | undefined): Outcome {
    const factors: RiskFactor[] = partial ? partial.factors.slice() : [];
    let total = 0;
    for (const f of factors) total += f.points;
    const points = Math.max(0, this.settings.require_approval_at - total);
    factors.push({ id: DECISION_BUDGET_FACTOR, points, detail: `${e.message}: held for a person` });
    const score = clampScore(total + points);
    return {
      decision: 'pending',
      risk: { score, level: riskLevelOf(score), factors },
      policy: null,
      reason: `Held for a person: ${e.message}`,
      flags: [DECISION_BUDGET_FACTOR],
      approval: { timeout_s: this.settings.approval_timeout_s, timeout_action: 'deny' },
      shadow: null,
      hits: [],
    };
  }
}

/** Where `policy` goes in `all` (evaluation order, without it): the first place whose policy ranks after it. */
function insertionPoint(all: readonly CompiledPolicy[], policy: Policy): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareForEvaluation((all[mid] as CompiledPolicy).policy, policy) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Re-ranking starts with this many policies on each side of the new one, doubling while they have no room. */
const RELABEL_WINDOW = 8;

/**
 * A free rank for a policy inserted at `place` of `all`: halfway between its neighbours' ranks. When
 * they are adjacent, the policies in a window around `place` are spread evenly over the ranks between
 * the window's outer neighbours (`relabel`: their places and new ranks), the window doubling until it
 * holds at most a quarter as many policies as ranks. Ranks stay integers in [0, MAX_RANK].
 */
function freeRank(all: readonly CompiledPolicy[], place: number): { rank: number; relabel: [number, number][] } {
  const rankAt = (k: number): number => (k < 0 ? -1 : k >= all.length ? MAX_RANK + 1 : (all[k] as CompiledPolicy).rank);
  const below = rankAt(place - 1);
  const above = rankAt(place);
  if (above - below >= 2) return { rank: below + Math.floor((above - below) / 2), relabel: [] };
  for (let w = RELABEL_WINDOW; ; w *= 2) {
    const lo = Math.max(0, place - w);
    const hi = Math.min(all.length, place + w);
    const count = hi - lo + 1; // the window's policies and the new one
    const floor = rankAt(lo - 1);
    const room = rankAt(hi) - floor - 1;
    if (room < count * 4 && (lo > 0 || hi < all.length)) continue;
    if (room < count) throw new Error(`no room to rank ${all.length + 1} policies`);
    const step = Math.floor(room / (count + 1)) || 1;
    const relabel: [number, number][] = [];
    let rank = 0;
    for (let j = 0; j < count; j++) {
      const r = floor + step * (j + 1);
      if (j < place - lo) relabel.push([lo + j, r]);
      else if (j === place - lo) rank = r;
      else relabel.push([lo + j - 1, r]);
    }
    return { rank, relabel };
  }
}

/**
 * An action that could not be checked in full is held for a person whatever the policies, the score
 * or monitoring mode would do — only a deny stands (never fail open; never looser than a deny).
 */
function held(verdict: Verdict, hold: string | null, settings: Settings): Verdict {
  if (hold === null || verdict.decision !== 'allowed') return verdict;
  return {
    decision: 'pending',
    policy: verdict.policy,
    reason: `Held for a person: could not check the whole request (${hold}); otherwise: ${verdict.reason}`,
    flags: [...verdict.flags, HELD_UNCHECKED_FLAG],
    approval: { timeout_s: settings.approval_timeout_s, timeout_action: 'deny' },
  };
}

/** SPEC 3.3 step 6: any internal error denies, and says so. Never allowed by accident. */
function failClosed(error: unknown, risk: Risk | undefined): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  return {
    decision: 'denied',
    risk: risk ?? {
      score: 100,
      level: 'critical',
      factors: [{ id: INTERNAL_ERROR_FACTOR, points: 100, detail: `risk could not be computed: ${message}` }],
    },
    policy: null,
    reason: `Internal error while deciding: ${message}`,
    flags: [INTERNAL_ERROR_FACTOR],
    approval: null,
    shadow: null,
    hits: [],
  };
}
