import type {
  NormalizedAction,
  Policy,
  PolicyRef,
  Risk,
  RiskRule,
  Settings,
  TimeoutAction,
  TraceEntry,
  DecisionValue,
} from '../../src-shared/index.js';

/** What the engine decides from: the current rules. Compiled once per change. */
export interface EngineInput {
  policies: Policy[];
  settings: Settings;
  riskRules: RiskRule[];
  /**
   * Wall-clock budget of one decision in ms (default 25): a decision that runs past it is held for a
   * person, never allowed.
   */
  decisionBudgetMs?: number;
}

/**
 * SPEC 12: a running A/B test as the engine sees it: of the actions `control` decides, `split` %
 * (by a stable hash of the action) are decided by `test` instead, between `startsAtMs` and `endsAtMs`.
 */
export interface AbTestRule {
  id: string;
  control: string;
  test: string;
  /** Percent, 0-100. */
  split: number;
  startsAtMs: number;
  endsAtMs: number;
}

/** Facts about the world at decision time that are not in the action itself. */
export interface DecideContext {
  now: Date;
  /** The agent has registered through /api/v1/agents/register. */
  agentRegistered: boolean;
  /** Actions from the same agent in the last 60 s, not counting this one. */
  recentAgentActions: number;
  /** Running A/B tests of policies (SPEC 12); absent or empty: none. */
  abTests?: readonly AbTestRule[];
}

/** SPEC 12, explained: the test an action fell in, its arm, and why there (`armWhy`). */
export interface AbArmWhy {
  rule: AbTestRule;
  arm: 'control' | 'test';
  why: string;
}

/** SPEC 12: the arm an action was decided in, and what the other arm would have decided. */
export interface AbOutcome {
  id: string;
  arm: 'control' | 'test';
  other_arm_decision: DecisionValue;
  other_arm_policy: string | null;
}

/** The engine's verdict on one action (SPEC 2.2 minus ids and timing). */
export interface Outcome {
  decision: DecisionValue;
  risk: Risk;
  policy: PolicyRef | null;
  reason: string;
  flags: string[];
  /** For `pending`: how long to wait and what happens on timeout. */
  approval: { timeout_s: number; timeout_action: TimeoutAction; workflow?: string } | null;
  /** Where shadow policies would have decided differently (SPEC 3.3 step 4). */
  shadow: { decision: DecisionValue; policy: PolicyRef | null; reason: string } | null;
  /** Policies that matched and counted (the deciding one and monitors), for hit counters. */
  hits: string[];
  /** Set when the action fell in a running A/B test (SPEC 12). */
  ab?: AbOutcome | null;
}

export interface Engine {
  /** Never throws: any internal error gives a `denied` outcome whose reason says so. */
  decide(action: NormalizedAction, ctx: DecideContext): Outcome;
  /**
   * The same decision plus a trace of every policy considered and why it did or did not match, and,
   * when the action fell in an A/B test, the test, its arm and why.
   */
  explain(action: NormalizedAction, ctx: DecideContext): Outcome & { trace: TraceEntry[]; abArm: AbArmWhy | null };
  /**
   * A new engine: this one's set with the policy `id` replaced by `next` (added when the set has
   * none; removed when `next` is null), deciding exactly as a compile of that set would, at the cost
   * of the one policy (the same settings and risk rules). Throws a PolicyValidationError when `next`
   * does not compile. This engine is left as it was.
   */
  withPolicy(id: string, next: Policy | null): Engine;
  /**
   * A new engine: this one's policies, compiled and indexed as they are, with other settings (and
   * these risk rules, when given) — deciding exactly as a compile of the same set with them would,
   * at the cost of the settings. Throws a PolicyValidationError naming `settings.<key>` or
   * `risk_rules[i](id).<field>`. This engine is left as it was.
   */
  withSettings(settings: Settings, riskRules?: readonly unknown[]): Engine;
}
