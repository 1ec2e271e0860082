import type { z } from 'zod';
import {
  PolicySchema,
  type DecidedAction,
  type DecisionValue,
  type NormalizedAction,
  type Policy,
  type RiskRule,
  type PolicyTestRequestSchema,
  type PolicyTestResult,
  type SimulateRequestSchema,
  type SimulateResult,
} from '../../src-shared/index.js';
import { runningThroughout } from '../engine/index.js';
import type { AbTestRule, DecideContext, Engine } from '../engine/types.js';
import type { Clock } from '../core/clock.js';
import { invalidDetails, zodDetails } from '../core/errors.js';
import type { Store } from '../storage/types.js';
import { decidedPage, type DecidedCursor } from './action-rows.js';
import type { ActionService } from './actions.js';
import type { AgentService } from './agents.js';
import { liveContext, type RunningTests } from './decide-context.js';
import type { PolicyService } from './policies.js';
import { policyError } from './policy-error.js';
import { aroundScans, OFF_LOOP_FROM, type SecretScanner } from './secret-scans.js';
import { runInSlices } from './slices.js';
import type { SettingsService } from './settings.js';
import { recordedAction } from './recorded-action.js';

/** What testing and simulating policies read: the live set, settings, agents, running A/B tests and history. */
export interface PolicyLabDeps {
  store: Store;
  policies: PolicyService;
  settings: SettingsService;
  actions: ActionService;
  agents: AgentService;
  abTests: RunningTests;
  /** The secrets of a big test action, scanned off the main thread as a submit's are. */
  secretScans?: SecretScanner;
  /** The clock submits are decided by (a dry run decides at the same "now": the tests' windows). */
  opts: { clock: Clock };
}

/** Parses a draft policy list, naming `policies[i](id).field` in errors; in slices (a draft may hold thousands). */
async function parseDraft(list: unknown[]): Promise<Policy[]> {
  const out: Policy[] = [];
  const details: { path: string; message: string }[] = [];
  await runInSlices(
    (function* () {
      for (let i = 0; i < list.length; i++) {
        yield;
        const item = list[i];
        const parsed = PolicySchema.safeParse(item);
        if (parsed.success) out.push(parsed.data);
        else {
          const id = typeof item === 'object' && item && 'id' in item ? `(${String((item as { id: unknown }).id)})` : '';
          details.push(...zodDetails(parsed.error, `policies[${i}]${id}`));
        }
      }
    })(),
  );
  if (details.length) throw invalidDetails(details, 'Draft policies are invalid');
  return out;
}

/**
 * The engine a test or simulation decides with: the one in force; with draft settings (or risk
 * rules) only, the same compiled policies with them (withSettings: no compile of the set); with
 * draft policies, the draft compiled in slices (SPEC 8: a draft of 10,000 policies never holds the
 * event loop).
 */
async function draftEngine(
  g: PolicyLabDeps,
  policies: unknown[] | undefined,
  settingsPatch: object | undefined,
  riskRules?: RiskRule[],
): Promise<Engine> {
  if (!policies && !settingsPatch) return g.policies.engine();
  const settings = settingsPatch ? g.settings.merged(settingsPatch, 'settings') : g.settings.get();
  if (!policies) {
    try {
      return g.policies.engine().withSettings(settings, riskRules);
    } catch (e) {
      throw policyError(e);
    }
  }
  return g.policies.compileSliced(await parseDraft(policies), settings, riskRules ?? g.policies.getRiskRules());
}

/**
 * POST /api/v1/policies/test: the decision the current (or a draft) set would make, with its trace —
 * decided as a submit would be now, the running A/B tests included (the arm, and why, in the trace
 * and in `ab_test`). A draft set meets the running tests as the engine's `testsOfSet` says: a test
 * applies where the draft holds both its control and its test policy (by id, as edited), as it
 * would were the draft in force; a draft without them has no such test.
 */
export async function testAction(g: PolicyLabDeps, body: z.output<typeof PolicyTestRequestSchema>): Promise<PolicyTestResult> {
  const engine = await draftEngine(g, body.policies, body.settings);
  const action = g.actions.normalize(
    { ...body.action, agent_id: body.action.agent_id ?? 'test-agent' },
    { boundAgentId: null, keyId: null },
  );
  const out = await aroundScans(g.secretScans, [action], () =>
    engine.explain(action, liveContext(g.agents, g.abTests, action.agent_id, g.opts.clock.now())),
  );
  const arm = out.abArm;
  return {
    decision: out.decision,
    risk: out.risk,
    policy: out.policy,
    reason: out.reason,
    flags: out.flags,
    ab_test:
      arm && out.ab
        ? {
            id: arm.rule.id,
            control_policy: arm.rule.control,
            test_policy: arm.rule.test,
            traffic_split: arm.rule.split,
            arm: arm.arm,
            why: arm.why,
            other_arm_decision: out.ab.other_arm_decision,
            other_arm_policy: out.ab.other_arm_policy,
          }
        : null,
    trace: out.trace,
  };
}

/** Rebuilds what the engine saw for a recorded action (its agent state comes from its risk factors). */
function replayInput(
  d: DecidedAction,
  createdMs: number,
  abTests: readonly AbTestRule[],
): { action: NormalizedAction; ctx: DecideContext } {
  const factors = new Set(d.risk.factors.map((f) => f.id));
  return {
    action: recordedAction(d),
    ctx: {
      now: new Date(createdMs),
      agentRegistered: !factors.has('unregistered-agent'),
      recentAgentActions: factors.has('high-rate') ? 30 : 0,
      ...(abTests.length ? { abTests } : {}),
    },
  };
}

/** Rows read per page and the longest stretch of replay between two yields to the event loop. */
const PAGE = 500;
const SLICE_MS = 15;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * POST /api/v1/policies/simulate: replays the last N recorded actions through the current set and
 * through the draft set, and lists where the two decide differently. Both sides are decided now, by
 * the same engine code and the same replayed input, so a difference is the draft's doing — not a
 * policy changed since the action was recorded, nor a person's answer (a recorded decision would
 * blame the draft for both). The A/B tests running now take part on both sides as they do in real
 * traffic, over every replayed action whatever its date (today's set, today's tests; the draft meets
 * them as in `testAction`). The replay reads a page at a time and yields every few milliseconds:
 * 100,000 actions never hold the event loop.
 */
export async function simulate(g: PolicyLabDeps, body: z.output<typeof SimulateRequestSchema>): Promise<SimulateResult> {
  const current = g.policies.engine();
  const draft = await draftEngine(g, body.policies, body.settings, body.risk_rules);
  const abTests = runningThroughout(g.abTests.active(), g.opts.clock.now());
  const zero = (): Record<DecisionValue, number> => ({ allowed: 0, denied: 0, pending: 0 });
  const before = zero();
  const after = zero();
  const changed: SimulateResult['changed'] = [];
  let changedCount = 0;
  let replayed = 0;
  let cursor: DecidedCursor | null = null;
  let sliceStart = performance.now();
  while (replayed < body.limit) {
    const rows = decidedPage(g.store, cursor, Math.min(PAGE, body.limit - replayed));
    if (rows.length === 0) break;
    for (const r of rows) {
      const d = JSON.parse(r.data) as DecidedAction;
      const { action, ctx } = replayInput(d, r.created_ms, abTests);
      const both = () => [current.decide(action, ctx), draft.decide(action, ctx)] as const;
      // A big record's texts are scanned once, off the main thread, for both decisions.
      const [was, now] = r.data.length >= OFF_LOOP_FROM ? await aroundScans(g.secretScans, [action], both) : both();
      before[was.decision]++;
      after[now.decision]++;
      if (now.decision === was.decision) continue;
      changedCount++;
      if (changed.length < 1000) {
        changed.push({
          action_id: r.action_id,
          agent_id: d.agent_id,
          action_type: d.action_type,
          resource: d.resource,
          created_at: new Date(r.created_ms).toISOString(),
          recorded: { decision: d.decision, policy_id: d.policy?.id ?? null },
          before: { decision: was.decision, policy_id: was.policy?.id ?? null },
          after: { decision: now.decision, policy_id: now.policy?.id ?? null, reason: now.reason },
        });
      }
    }
    replayed += rows.length;
    const last = rows[rows.length - 1]!;
    cursor = [last.created_ms, last.seq];
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return { replayed, changed_count: changedCount, counts: { before, after }, changed };
}
