import type { NormalizedAction, Risk, Settings, TraceEntry } from '../../../src-shared/index.js';
import { localTimeOf, type Subject } from '../subject.js';
import { RiskScorer } from '../risk/scorer.js';
import type { DecideContext, Engine, Outcome } from '../types.js';
import { CandidateIndex } from './candidate-index.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { traceOf } from './trace.js';
import { monitorFlag, policyVerdict, riskVerdict, underEnforcement, type Verdict } from './verdict.js';
import type { CompiledDefinitions } from './validate.js';

const INTERNAL_ERROR_FACTOR = 'internal-error';

/** What one evaluation found, before it is turned into an Outcome. */
interface Evaluation {
  risk: Risk;
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

  constructor(definitions: CompiledDefinitions) {
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
      subject = { action, risk: undefined, time: localTimeOf(ctx.now) };
      return this.outcomeOf(this.evaluate(subject, ctx));
    } catch (e) {
      return failClosed(e, subject?.risk);
    }
  }

  explain(action: NormalizedAction, ctx: DecideContext): Outcome & { trace: TraceEntry[] } {
    let subject: Subject | undefined;
    try {
      subject = { action, risk: undefined, time: localTimeOf(ctx.now) };
      const evaluation = this.evaluate(subject, ctx);
      const outcome = this.outcomeOf(evaluation);
      const trace = traceOf(this.all, subject, ctx.now.getTime(), evaluation.decider?.policy.id ?? null);
      return { ...outcome, trace };
    } catch (e) {
      return { ...failClosed(e, subject?.risk), trace: [] };
    }
  }

  /** Risk first (policies can match on it), then the deciding, monitor and shadow policies. */
  private evaluate(subject: Subject, ctx: DecideContext): Evaluation {
    const risk = this.scorer.score(subject, ctx);
    subject.risk = risk;
    const nowMs = ctx.now.getTime();
    return {
      risk,
      decider: this.enforced.firstMatch(subject, nowMs),
      monitors: this.monitors.isEmpty ? [] : this.monitors.allMatches(subject, nowMs),
      shadowDecider: this.shadows.isEmpty ? null : this.shadows.firstMatch(subject, nowMs),
    };
  }

  private verdictOf(decider: CompiledPolicy | null, risk: Risk): Verdict {
    return decider ? policyVerdict(decider, this.settings) : riskVerdict(risk, this.settings);
  }

  private outcomeOf({ risk, decider, monitors, shadowDecider }: Evaluation): Outcome {
    const raw = this.verdictOf(decider, risk);
    const verdict = underEnforcement(raw, this.settings);
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
