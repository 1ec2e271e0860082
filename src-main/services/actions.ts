import canonicalize from 'canonicalize';
import {
  ActionEventSchema,
  CompletedEventSchema,
  DecisionSchema,
  pickShape,
  type ActionRequest,
  type ActionStatus,
  type CompleteRequest,
  type DecidedAction,
  type Decision,
  type NormalizedAction,
  type Workflow,
} from '../../src-shared/index.js';
import { sha256Hex } from '../audit/chain.js';
import { iso, type Clock } from '../core/clock.js';
import { conflict, forbidden, GatehouseError, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { normalizeAction } from '../engine/index.js';
import type { Outcome } from '../engine/types.js';
import type { EventBus } from '../events/bus.js';
import type { AuditDraft, Store } from '../storage/types.js';
import { actionByIdempotencyKey, actionRow, completeOp, decidedOf, idempotencyHash, insertActionOp, toStatus } from './action-rows.js';
import type { AgentService } from './agents.js';
import type { ApprovalService } from './approvals.js';
import type { PolicyService } from './policies.js';
import { redactOrNull, redactString } from './redact.js';
import type { AbTestService } from './ab-tests.js';
import { liveContext } from './decide-context.js';
import { storedOutcome, type StoredOutcome } from './outcome.js';
import { aroundScans, type SecretScanner } from './secret-scans.js';
import { currentStep, overallDeadline, startProgress } from './workflow-progress.js';
import { insertProgressOp, withWorkflow } from './workflow-rows.js';

/** What submit consults besides the policies: SPEC 11 workflows and SPEC 12 A/B tests. */
export interface ActionExtras {
  /** The workflow a require_approval policy names (null: gone; the approval is then an ordinary one). */
  workflow?: (id: string) => Workflow | null;
  abTests?: AbTestService;
  /** Scans the secrets of big bodies off the main thread (without it, every body is scanned inline). */
  secretScans?: SecretScanner;
}

/** What a submit needs to know about its caller. */
export interface Caller {
  /** Agent a key is bound to: it overrides (and must agree with) the body's agent_id. */
  boundAgentId: string | null;
  /** The key that submits; an agent key later sees only the actions it submitted. */
  keyId: string | null;
}

/** SHA-256 of the JCS of the request (its idempotency key aside): what "the same request" means. */
function requestDigest(a: NormalizedAction): string {
  const { idempotency_key: _key, ...rest } = a;
  return sha256Hex(canonicalize(rest) ?? '');
}

const reusedKey = () =>
  new GatehouseError('conflict', 'This idempotency_key was already used for a different request; use a new key for a new request', [
    { path: 'idempotency_key', message: 'already used for a different request' },
  ]);

/**
 * A key another API key used first (for the same agent): its decision belongs to that key, which alone
 * can read it (an agent key sees only its own actions), so it is neither answered nor decided again.
 */
const otherKeysIdempotencyKey = () =>
  new GatehouseError(
    'conflict',
    'This idempotency_key was already used for this agent by another API key; use a new key for a new request',
    [{ path: 'idempotency_key', message: 'already used for this agent by another API key' }],
  );

/**
 * Submitting, deciding and completing actions (SPEC 2). The hot path: normalise, decide (risk +
 * compiled policies, in memory), one journal entry (action row + audit record + counters), then
 * events. Any failure before the entry is durable answers an error — never "allowed".
 */
export class ActionService {
  private readonly inflight = new Map<string, { digest: string; keyId: string | null; decision: Promise<Decision> }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
    private readonly agents: AgentService,
    private readonly approvals: ApprovalService,
    private readonly bus: EventBus,
    private readonly extras: ActionExtras = {},
  ) {}

  normalize(req: ActionRequest, caller: Caller): NormalizedAction {
    if (caller.boundAgentId && req.agent_id && req.agent_id !== caller.boundAgentId) {
      throw forbidden(`This key is bound to agent '${caller.boundAgentId}'`, [
        { path: 'agent_id', message: `must be '${caller.boundAgentId}' for this key` },
      ]);
    }
    const agentId = caller.boundAgentId ?? req.agent_id;
    if (!agentId) throw new GatehouseError('invalid_request', 'agent_id is required', [{ path: 'agent_id', message: 'Required' }]);
    return normalizeAction({ ...req, agent_id: agentId });
  }

  /**
   * SPEC 2.3 idempotency: the same key from the same agent with the same request answers the first
   * decision (also while that one is still being decided); with a different request it is a 409, and
   * so it is from another API key (the first decision is that key's: another could not even poll it).
   */
  async submit(req: ActionRequest, caller: Caller): Promise<Decision> {
    const action = this.normalize(req, caller);
    if (!action.idempotency_key) return this.decideAndRecord(action, caller.keyId, null);
    const key = `${action.agent_id}\u0000${action.idempotency_key}`;
    const digest = requestDigest(action);
    const running = this.inflight.get(key);
    if (running) {
      if (running.keyId !== caller.keyId) throw otherKeysIdempotencyKey();
      if (running.digest !== digest) throw reusedKey();
      return running.decision;
    }
    const existing = actionByIdempotencyKey(this.store, action.agent_id, action.idempotency_key);
    if (existing) {
      if (existing.key_id !== caller.keyId) throw otherKeysIdempotencyKey();
      // A record without a digest (made by 0.1) cannot prove it was the same request: refused too.
      if (decidedOf(existing).request_digest !== digest) throw reusedKey();
      return pickShape(DecisionSchema, toStatus(existing));
    }
    const decision = this.decideAndRecord(action, caller.keyId, digest).finally(() => this.inflight.delete(key));
    this.inflight.set(key, { digest, keyId: caller.keyId, decision });
    return decision;
  }

  private async decideAndRecord(action: NormalizedAction, keyId: string | null, digest: string | null): Promise<Decision> {
    // The risk factor and the mask read the same texts: a big body's are scanned once, off the main thread.
    const { outcome, now, progress, decision, data } = await aroundScans(this.extras.secretScans, [action], () => {
      const started = process.hrtime.bigint();
      const now = this.clock.now();
      const outcome = this.policies.engine().decide(action, liveContext(this.agents, this.extras.abTests, action.agent_id, now));
      const evaluated_in_us = Number((process.hrtime.bigint() - started) / 1000n);
      // SPEC 11: a workflow's steps answer the approval; the action's deadline covers all of them.
      const workflowId = outcome.decision === 'pending' ? outcome.approval?.workflow : undefined;
      const workflow = workflowId ? (this.extras.workflow?.(workflowId) ?? null) : null;
      const progress = workflow ? startProgress(workflow, now) : null;
      const decision = this.buildDecision(outcome, now, evaluated_in_us, progress ? overallDeadline(progress, now) : null);
      return { outcome, now, progress, decision, data: decidedData(action, decision, outcome, digest) };
    });
    const pending = decision.decision === 'pending';

    const seen = this.agents.seenOps(action.agent_id, now);
    const row = {
      action_id: decision.action_id,
      created_ms: now,
      agent_id: action.agent_id,
      action_type: action.action_type,
      resource: data.resource,
      decision: decision.decision,
      status: decision.status,
      risk_score: decision.risk.score,
      risk_level: decision.risk.level,
      policy_id: decision.policy?.id ?? null,
      approval_id: decision.approval_id,
      expires_ms: decision.expires_at ? Date.parse(decision.expires_at) : null,
      timeout_action: outcome.approval?.timeout_action ?? null,
      approved: decision.decision === 'allowed' ? 1 : decision.decision === 'denied' ? 0 : null,
      reviewed_by: pending ? null : ('policy' as const),
      reviewed_ms: pending ? null : now,
      idempotency_key: action.idempotency_key ? idempotencyHash(action.idempotency_key) : null,
      key_id: keyId,
    };
    const actor = `agent:${action.agent_id}`;
    const audit: AuditDraft[] = [{ type: 'action.decided', actor, action_id: decision.action_id, data }];
    if (pending) {
      audit.push({
        type: 'approval.requested',
        actor: 'system',
        action_id: decision.action_id,
        data: {
          approval_id: decision.approval_id,
          agent_id: action.agent_id,
          expires_at: decision.expires_at,
          timeout_action: outcome.approval?.timeout_action ?? 'deny',
          ...(progress ? { workflow_id: progress.id, workflow: progress.name } : {}),
        },
      });
    }
    const extraOps = [
      ...(progress ? [insertProgressOp(decision.action_id, progress, now)] : []),
      ...(outcome.ab && this.extras.abTests ? [this.extras.abTests.recordOp(outcome.ab, decision.action_id, decision.decision, now)] : []),
    ];
    // The action row points at its action.decided record (records[0]), whose seq the store assigns.
    const [decided] = await this.store.commit(
      (records) => [...seen, insertActionOp(row, records[0]!.seq), ...this.policies.hitOps(outcome.hits, now), ...extraOps],
      audit,
    );
    this.agents.noteAction(action.agent_id, decision.status, now, seen.length > 0);
    if (pending)
      this.approvals.track(
        decision.action_id,
        Date.parse(decision.expires_at!),
        action.agent_id,
        progress ? currentStep(progress).deadline_ms : null,
      );
    this.publish(pickShape(ActionEventSchema, { ...data, action_id: decision.action_id }), decided!.seq);
    return decision;
  }

  private buildDecision(o: Outcome, now: number, evaluated_in_us: number, deadline: number | null): Decision {
    const pending = o.decision === 'pending';
    return {
      action_id: newId('act'),
      decision: o.decision,
      status: o.decision,
      requires_approval: pending,
      approval_id: pending ? newId('apr') : null,
      // A factor's detail names where it found something (`in parameters.<key>`): keys can be secrets too.
      risk: { ...o.risk, factors: o.risk.factors.map((f) => ({ ...f, detail: redactString(f.detail) })) },
      policy: o.policy,
      reason: o.reason,
      flags: o.flags,
      expires_at: pending && o.approval ? iso(deadline ?? now + o.approval.timeout_s * 1000) : null,
      evaluated_in_us,
    };
  }

  /** The events of an `action.decided` record (record-events.ts makes the same from the log). */
  private publish(summary: ReturnType<typeof ActionEventSchema.parse>, seq: number): void {
    this.bus.publish('action.submitted', summary, { seq });
    if (summary.decision === 'allowed') this.bus.publish('action.allowed', summary, { seq });
    else if (summary.decision === 'denied') this.bus.publish('action.denied', summary, { seq });
    else this.bus.publish('approval.requested', summary, { seq });
  }

  /** The status body; `ownerKeyId` (agent keys) limits it to actions submitted with that key. */
  status(actionId: string, ownerKeyId: string | null = null): ActionStatus {
    const row = actionRow(this.store, actionId);
    if (!row || (ownerKeyId && row.key_id !== ownerKeyId)) throw notFound(`Action '${actionId}'`);
    return withWorkflow(this.store, toStatus(row));
  }

  /** SPEC 2.3: allowed | approved → completed | failed, reported by the agent. */
  async complete(actionId: string, body: CompleteRequest, ownerKeyId: string | null): Promise<ActionStatus> {
    // The outcome's texts are masked with scans made first (off the main thread when big).
    const outcome = await aroundScans(this.extras.secretScans, [body.result, body.error], () => storedOutcome(body));
    return this.completeStored(actionId, outcome, ownerKeyId);
  }

  /** `complete` with the report already reduced to what is stored (a big one is read off the main thread: outcome.ts). */
  async completeStored(actionId: string, outcome: StoredOutcome, ownerKeyId: string | null): Promise<ActionStatus> {
    const row = actionRow(this.store, actionId);
    if (!row || (ownerKeyId && row.key_id !== ownerKeyId)) throw notFound(`Action '${actionId}'`);
    if (row.decision !== 'allowed' || !['allowed', 'approved', 'expired'].includes(row.status)) {
      throw conflict(`Action is ${row.status}; only allowed or approved actions can be completed`);
    }
    const { result, error } = outcome;
    const now = this.clock.now();
    const to = outcome.status === 'success' ? 'completed' : 'failed';
    const duration = outcome.duration_ms;
    const [completed] = await this.store.commit(
      [completeOp(actionId, { status: to, now, result, error, durationMs: duration })],
      [
        {
          type: 'action.completed',
          actor: `agent:${row.agent_id}`,
          action_id: actionId,
          data: {
            agent_id: row.agent_id,
            status: to,
            outcome: outcome.status,
            error,
            duration_ms: duration,
            result: result ? (JSON.parse(result) as unknown) : null,
          },
        },
      ],
    );
    this.agents.noteTransition(row.agent_id, row.status, to);
    const s = this.status(actionId);
    this.bus.publish('action.completed', pickShape(CompletedEventSchema, s), { seq: completed!.seq });
    return s;
  }
}

/** The decision's fields an `action.decided` record carries (made once: a zod schema is costly to derive). */
const DECIDED_FIELDS = DecisionSchema.omit({ action_id: true });

/** The `action.decided` data: the request as recorded (every text field masked) and the verdict. */
function decidedData(a: NormalizedAction, d: Decision, o: Outcome, digest: string | null): DecidedAction {
  const data: DecidedAction = {
    agent_id: a.agent_id,
    action_type: a.action_type,
    resource: redactOrNull(a.resource),
    tool_name: redactOrNull(a.tool_name),
    target_system: redactOrNull(a.target_system),
    description: redactOrNull(a.description),
    environment: redactOrNull(a.environment),
    parameters: redactOrNull(a.parameters),
    context: redactOrNull(a.context),
    mcp: a.mcp ?? null,
    session_id: redactOrNull(a.session_id),
    ...pickShape(DECIDED_FIELDS, d),
  };
  if (o.shadow) data.shadow = o.shadow as never;
  // SPEC 12: the A/B arm it was decided in, and what the other arm would have decided.
  if (o.ab) data.ab_test = o.ab;
  if (digest) data.request_digest = digest;
  return data;
}
