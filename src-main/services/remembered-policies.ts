// What a remembered answer does (SPEC 4): the policy made from it (`remember`), and which other
// waiting requests it answers along (`apply_to_pending`).
import type { PolicyInput, ResolveRequest, Remember } from '../../src-shared/index.js';
import { iso, type Clock } from '../core/clock.js';
import { invalidField } from '../core/errors.js';
import { shortId } from '../core/ids.js';
import { compareForEvaluation, compileActionCondition, DECISION_BUDGET_FACTOR, HELD_UNCHECKED_FLAG } from '../engine/index.js';
import type { Store } from '../storage/types.js';
import { actionRow, decidedOf, pendingRows, toStatus, type ActionRow } from './action-rows.js';
import type { AgentService } from './agents.js';
import { liveContext, type RunningTests } from './decide-context.js';
import type { PendingApprovals, Tracked } from './pending-approvals.js';
import type { PolicyService } from './policies.js';
import { recordedAction } from './recorded-action.js';
import { redactString } from './redact.js';
import { progressOf } from './workflow-rows.js';
import { aroundScans, type SecretScanner } from './secret-scans.js';

const REMEMBER_MS: Partial<Record<Remember, number>> = { '15m': 15 * 60_000, '1h': 3_600_000, '12h': 12 * 3_600_000 };
/** Policies made from a prompt outrank ordinary ones: the person's answer is the most specific rule. */
const REMEMBER_PRIORITY = 900;

/** A waiting request an answer took over (apply_to_pending), with what puts it back if the answer fails. */
export interface Claimed {
  row: ActionRow;
  tracked: Tracked;
}

/**
 * The policies people's answers make (`remember` other than `once`) and the other waiting requests
 * such a policy also answers (`apply_to_pending`).
 */
export class RememberedPolicies {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
    private readonly agents: AgentService,
    private readonly pending: PendingApprovals,
    /** The running A/B tests (SPEC 12), which a remembered policy's reach is checked with. */
    private readonly abTests?: RunningTests,
    /** A big request's texts are scanned off the main thread, as at its submit. */
    private readonly secretScans?: SecretScanner,
  ) {}

  /** What creating the policy remembered from an answer to `row` takes (PolicyService.prepareCreate). */
  rememberPolicy(row: ActionRow, approve: boolean, body: ResolveRequest, now: number, actor: string) {
    const ms = REMEMBER_MS[body.remember];
    const resource = row.resource;
    const when = rememberedWhen(row, body.pattern, toStatus(row).parameters);
    const verb = approve ? 'Allow' : 'Deny';
    // The pattern is the person's own text and may hold a secret (`mysql -pHunter2 *`): the condition
    // keeps it as typed (it must match exactly), what is read is masked (before the cut, which could
    // leave a secret too short to be recognised).
    const policy: PolicyInput = {
      id: `remember-${approve ? 'allow' : 'deny'}-${shortId()}`,
      name: redactString(`${verb} ${row.action_type} on ${body.pattern ?? resource ?? '(no resource)'} for ${row.agent_id}`).slice(0, 200),
      description: redactString(
        `Made from an approval prompt (remember: ${body.remember})${body.comment ? `: ${body.comment}` : ''}`,
      ).slice(0, 4000),
      priority: REMEMBER_PRIORITY,
      effect: approve ? 'allow' : 'deny',
      when,
      expires_at: ms ? iso(now + ms) : null,
      source: 'approval',
    };
    return this.policies.prepareCreate(policy, {
      actor,
      ephemeral: body.remember === 'until_restart',
      data: { from_action_id: row.action_id },
    });
  }

  /**
   * The other pending actions the remembered policy may decide, claimed: same agent and action
   * type, and its resource condition (the engine's own compiled condition). Whether the policy
   * really decides each one now (its parameters, a stronger policy) is checked before it is
   * answered (`decidesNow`), slice by slice, so this synchronous part reads no request body.
   */
  claimMatching(answered: ActionRow, when: Record<string, unknown>): Claimed[] {
    const { agent_id, action_type, resource } = when;
    const condition = compileActionCondition({ agent_id, action_type, resource });
    const out: Claimed[] = [];
    // A remembered policy always names the agent and the action type (rememberedWhen): only those rows are candidates.
    for (const c of pendingRows(this.store, answered.action_id, { agentId: answered.agent_id, actionType: answered.action_type })) {
      const tracked = this.pending.get(c.action_id);
      if (!tracked) continue;
      // A request a workflow governs is answered only through its own steps, by its own approvers.
      if (tracked.stepDeadline !== null || progressOf(this.store, c.action_id)) continue;
      if (!condition.test({ agent_id: c.agent_id, action_type: c.action_type, resource: c.resource ?? undefined })) continue;
      this.pending.delete(c.action_id);
      out.push({ row: c, tracked });
    }
    return out;
  }

  /**
   * Would the remembered policy decide this waiting request if it came now? Only then may the
   * person's answer settle it (SPEC 4: "every other pending request the remembered policy
   * matches"), never where the engine would still ask: the current engine (which holds the new
   * policy) must pick it, and the policy that held the request at submit must not outrank it (the
   * recorded request has its secrets masked, so a rule on them is checked as it fired then). A
   * request held because it could not be checked in full stays with the person.
   */
  decidesNow(policyId: string, actionId: string): boolean | Promise<boolean> {
    const row = actionRow(this.store, actionId);
    if (!row || row.status !== 'pending') return false;
    const d = decidedOf(row);
    if (d.flags.includes(HELD_UNCHECKED_FLAG) || d.risk.factors.some((f) => f.id === DECISION_BUDGET_FACTOR)) return false;
    const remembered = this.policies.running(policyId);
    if (!remembered) return false;
    const holder = d.policy ? this.policies.running(d.policy.id) : null;
    if (holder && compareForEvaluation(holder, remembered) < 0) return false;
    const action = recordedAction(d);
    // A big request's texts are scanned on the secrets thread first, as at its submit (each held the loop ~30 ms here).
    return aroundScans(this.secretScans, [action], () => {
      const now = this.clock.now();
      // With the running A/B tests, as a submit decides: in the test arm the control policy (say, a
      // remembered one under test) does not decide, and the person's answer must not settle it.
      const outcome = this.policies.engine().decide(action, liveContext(this.agents, this.abTests, action.agent_id, now));
      return outcome.policy?.id === policyId && outcome.decision !== 'pending';
    });
  }
}

/**
 * The `when` of a policy remembered from an answer: the same agent and action type, and the
 * resource matching `pattern` (a SPEC 3.2 wildcard), else the same resource, else no resource and
 * the same plain parameters. `apply_to_pending` tests the other waiting requests with this very condition.
 */
export function rememberedWhen(
  row: Pick<ActionRow, 'agent_id' | 'action_type' | 'resource'>,
  pattern?: string,
  parameters?: Record<string, unknown> | null,
): Record<string, unknown> {
  return {
    agent_id: { eq: row.agent_id },
    action_type: { eq: row.action_type },
    resource: pattern ? { glob: pattern } : row.resource == null ? { exists: false } : { eq: row.resource },
    ...(pattern || row.resource != null ? {} : sameParameters(parameters)),
  };
}

const PARAMETER_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A request without a resource carries what it acts on in its parameters (SPEC 2.1's own example:
 * the SQL, a shell command): remembering it by agent and type alone would allow every command of
 * that agent, whatever it is. Its plain top-level parameters (text, numbers, booleans) are kept as
 * they were, so the policy answers the same request again, not its whole kind.
 */
function sameParameters(parameters: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = Object.entries(parameters ?? {});
  for (const [k, v] of entries) {
    // A parameter the condition cannot hold as it was (a list, an object, an odd key) would leave the
    // policy wider than what the person saw: refused, never widened.
    if (entries.length > 32 || !PARAMETER_KEY.test(k) || !(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
      throw invalidField(
        'remember',
        `this request has no resource and its parameter '${k.slice(0, 64)}' cannot be matched exactly: answer it once, or remember it with a pattern`,
      );
    out[`parameters.${k}`] = { eq: v };
  }
  return out;
}
