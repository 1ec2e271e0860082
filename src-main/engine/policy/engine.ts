import type { NormalizedAction, Risk, RiskFactor, Settings, TraceEntry } from '../../../src-shared/index.js';
import { checkBudget, DecisionBudgetExceeded, DEFAULT_DECISION_BUDGET_MS, withinBudget } from '../budget.js';
import { riskLevelOf, clampScore } from '../risk/level.js';
import { localTimeOf, type Subject } from '../subject.js';
import { RiskScorer } from '../risk/scorer.js';
import type { DecideContext, Engine, Outcome } from '../types.js';
import { CandidateIndex } from './candidate-index.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { traceOf } from './trace.js';
import { monitorFlag, policyVerdict, riskVerdict, underEnforcement, type Verdict } from './verdict.js';
import type { CompiledDefinitions } from './validate.js';

const INTERNAL_ERROR_FACTOR = 'internal-error';
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
}

/** SPEC 3.3 over a compiled policy set. Immutable once built; rebuild on any change. */
export class CompiledEngine implements Engine {
  private readonly settings: Settings;
  private readonly scorer: RiskScorer;
  private readonly all: readonly CompiledPolicy[];
  private readonly enforced: CandidateIndex;
  private readonly monitors: CandidateIndex;
  private readonly shadows: CandidateIndex;

  private readonly budgetMs: number;

  constructor(definitions: CompiledDefinitions, budgetMs = DEFAULT_DECISION_BUDGET_MS) {
    this.budgetMs = budgetMs;
    this.settings = definitions.settings;
    this.scorer = new RiskScorer(definitions.settings, definitions.riskRules);
    this.all = definitions.policies;
    const live = definitions.policies.filter((p) => p.policy.enabled);
    this.enforced = new CandidateIndex(live.filter((p) => p.policy.mode === 'enforce' && p.policy.effect !== 'monitor'));
    this.monitors = new CandidateIndex(live.filter((p) => p.policy.mode === 'enforce' && p.policy.effect === 'monitor'));
    this.shadows = new CandidateIndex(live.filter((p) => p.policy.mode === 'shadow' && p.policy.effect !== 'monitor'));
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

  explain(action: NormalizedAction, ctx: DecideContext): Outcome & { trace: TraceEntry[] } {
    let subject: Subject | undefined;
    try {
      return withinBudget(this.budgetMs, () => {
        const s: Subject = { action, risk: undefined, time: localTimeOf(ctx.now) };
        subject = s;
        const evaluation = this.evaluate(s, ctx);
        const outcome = this.outcomeOf(evaluation);
        const trace = traceOf(this.all, s, ctx.now.getTime(), evaluation.decider?.policy.id ?? null);
        return { ...outcome, trace };
      });
    } catch (e) {
      if (e instanceof DecisionBudgetExceeded) return { ...this.heldOverBudget(e, subject?.risk), trace: [] };
      return { ...failClosed(e, subject?.risk), trace: [] };
    }
  }

  /** Risk first (policies can match on it), then the deciding, monitor and shadow policies. */
  private evaluate(subject: Subject, ctx: DecideContext): Evaluation {
    const { risk, hold } = this.scorer.score(subject, ctx);
    subject.risk = risk;
    checkBudget('risk scoring');
    const nowMs = ctx.now.getTime();
    return {
      risk,
      hold,
      decider: this.enforced.firstMatch(subject, nowMs),
      monitors: this.monitors.isEmpty ? [] : this.monitors.allMatches(subject, nowMs),
      shadowDecider: this.shadows.isEmpty ? null : this.shadows.firstMatch(subject, nowMs),
    };
  }

  private verdictOf(decider: CompiledPolicy | null, risk: Risk): Verdict {
    return decider ? policyVerdict(decider, this.settings) : riskVerdict(risk, this.settings);
  }

  private outcomeOf({ risk, hold, decider, monitors, shadowDecider }: Evaluation): Outcome {
    const raw = this.verdictOf(decider, risk);
    const verdict = held(underEnforcement(raw, this.settings), hold, this.settings);
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
