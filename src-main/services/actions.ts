import type { ActionRequest, ActionStatus, CompleteRequest, Decision, NormalizedAction } from '../../src-shared/index.js';
import { iso, type Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { normalizeAction } from '../engine/index.js';
import type { Outcome } from '../engine/types.js';
import type { EventBus } from '../events/bus.js';
import { conflict, forbidden, GatehouseError, notFound } from '../core/errors.js';
import type { AuditDraft, Op, Store } from '../storage/types.js';
import { actionByIdempotencyKey, actionRow, toStatus, type DecidedData } from './action-queries.js';
import type { AgentService } from './agents.js';
import type { ApprovalService } from './approvals.js';
import type { PolicyService } from './policies.js';
import { redact } from './redact.js';

const MAX_RESULT_CHARS = 64 * 1024;

/** What a submit needs to know about its caller. */
export interface Caller {
  /** Agent a key is bound to: it overrides (and must agree with) the body's agent_id. */
  boundAgentId: string | null;
  /** The key that submits; an agent key later sees only the actions it submitted. */
  keyId: string | null;
}

/**
 * Submitting, deciding and completing actions (SPEC 2). The hot path: normalise, decide (risk +
 * compiled policies, in memory), one journal entry (action row + audit record + counters), then
 * events. Any failure before the entry is durable answers an error — never "allowed".
 */
export class ActionService {
  private readonly inflight = new Map<string, Promise<Decision>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policies: PolicyService,
    private readonly agents: AgentService,
    private readonly approvals: ApprovalService,
    private readonly bus: EventBus,
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

  async submit(req: ActionRequest, caller: Caller): Promise<Decision> {
    const action = this.normalize(req, caller);
    const key = action.idempotency_key ? `${action.agent_id}\u0000${action.idempotency_key}` : null;
    if (key) {
      const running = this.inflight.get(key);
      if (running) return running;
      const existing = actionByIdempotencyKey(this.store, action.agent_id, action.idempotency_key!);
      if (existing) return toDecision(existing);
      const p = this.decideAndRecord(action, caller.keyId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
      return p;
    }
    return this.decideAndRecord(action, caller.keyId);
  }

  private async decideAndRecord(action: NormalizedAction, keyId: string | null): Promise<Decision> {
    const started = process.hrtime.bigint();
    const now = this.clock.now();
    const outcome = this.policies.engine().decide(action, {
      now: new Date(now),
      agentRegistered: this.agents.isRegistered(action.agent_id),
      recentAgentActions: this.agents.recentCount(action.agent_id, now),
    });
    const evaluated_in_us = Number((process.hrtime.bigint() - started) / 1000n);
    const decision = this.buildDecision(outcome, now, evaluated_in_us);
    const data = decidedData(action, decision, outcome);

    const seen = this.agents.seenOps(action.agent_id, now);
    const ops = (records: { seq: number }[]): Op[] => [
      ...seen,
      {
        sql: `INSERT INTO actions (action_id, seq, created_ms, agent_id, action_type, resource, decision, status, risk_score, risk_level,
                policy_id, approval_id, expires_ms, timeout_action, approved, reviewed_by, reviewed_ms, idempotency_key, key_id)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          decision.action_id,
          records[0]!.seq,
          now,
          action.agent_id,
          action.action_type,
          data.resource,
          decision.decision,
          decision.status,
          decision.risk.score,
          decision.risk.level,
          decision.policy?.id ?? null,
          decision.approval_id,
          decision.expires_at ? Date.parse(decision.expires_at) : null,
          outcome.approval?.timeout_action ?? null,
          decision.decision === 'allowed' ? 1 : decision.decision === 'denied' ? 0 : null,
          decision.decision === 'pending' ? null : 'policy',
          decision.decision === 'pending' ? null : now,
          action.idempotency_key ?? null,
          keyId,
        ],
      },
      ...this.policies.hitOps(outcome.hits, now),
    ];
    const actor = `agent:${action.agent_id}`;
    const audit: AuditDraft[] = [{ type: 'action.decided', actor, action_id: decision.action_id, data }];
    if (decision.decision === 'pending') {
      audit.push({
        type: 'approval.requested',
        actor: 'system',
        action_id: decision.action_id,
        data: {
          approval_id: decision.approval_id,
          agent_id: action.agent_id,
          expires_at: decision.expires_at,
          timeout_action: outcome.approval?.timeout_action ?? 'deny',
        },
      });
    }
    // The action row points at its action.decided record (records[0]), whose seq the store assigns.
    await this.store.commit(ops, audit);
    this.agents.noteAction(action.agent_id, decision.status, now, seen.length > 0);
    if (decision.decision === 'pending') {
      this.approvals.track(decision.action_id, Date.parse(decision.expires_at!), action.agent_id);
    }
    this.publish(decision, data);
    return decision;
  }

  private buildDecision(o: Outcome, now: number, evaluated_in_us: number): Decision {
    const pending = o.decision === 'pending';
    return {
      action_id: newId('act'),
      decision: o.decision,
      status: o.decision,
      requires_approval: pending,
      approval_id: pending ? newId('apr') : null,
      risk: o.risk,
      policy: o.policy,
      reason: o.reason,
      flags: o.flags,
      expires_at: pending && o.approval ? iso(now + o.approval.timeout_s * 1000) : null,
      evaluated_in_us,
    };
  }

  private publish(decision: Decision, data: DecidedData): void {
    const summary = eventSummary(data, decision);
    this.bus.publish('action.submitted', summary);
    if (decision.decision === 'allowed') this.bus.publish('action.allowed', summary);
    else if (decision.decision === 'denied') this.bus.publish('action.denied', summary);
    else this.bus.publish('approval.requested', summary);
  }

  /** The status body; `ownerKeyId` (agent keys) limits it to actions submitted with that key. */
  status(actionId: string, ownerKeyId: string | null = null): ActionStatus {
    const row = actionRow(this.store, actionId);
    if (!row || (ownerKeyId && row.key_id !== ownerKeyId)) throw notFound(`Action '${actionId}'`);
    return toStatus(row);
  }

  /** SPEC 2.3: allowed | approved → completed | failed, reported by the agent. */
  async complete(actionId: string, body: CompleteRequest, ownerKeyId: string | null): Promise<ActionStatus> {
    const row = actionRow(this.store, actionId);
    if (!row || (ownerKeyId && row.key_id !== ownerKeyId)) throw notFound(`Action '${actionId}'`);
    if (row.decision !== 'allowed' || !['allowed', 'approved', 'expired'].includes(row.status)) {
      throw conflict(`Action is ${row.status}; only allowed or approved actions can be completed`);
    }
    const now = this.clock.now();
    const to = body.status === 'success' ? 'completed' : 'failed';
    let result = body.result === undefined ? null : JSON.stringify(redact(body.result));
    if (result && result.length > MAX_RESULT_CHARS) result = JSON.stringify({ truncated: true, preview: result.slice(0, 2048) });
    await this.store.commit(
      [
        {
          sql: 'UPDATE actions SET status = ?, completed_ms = ?, result = ?, error = ?, duration_ms = ? WHERE action_id = ?',
          params: [to, now, result, body.error ?? null, body.duration_ms ?? null, actionId],
        },
      ],
      [
        {
          type: 'action.completed',
          actor: `agent:${row.agent_id}`,
          action_id: actionId,
          data: {
            agent_id: row.agent_id,
            status: to,
            outcome: body.status,
            error: body.error ?? null,
            duration_ms: body.duration_ms ?? null,
            result: result ? (JSON.parse(result) as unknown) : null,
          },
        },
      ],
    );
    this.agents.noteTransition(row.agent_id, row.status, to);
    const s = this.status(actionId);
    this.bus.publish('action.completed', {
      action_id: actionId,
      agent_id: row.agent_id,
      action_type: row.action_type,
      status: to,
      error: body.error ?? null,
      duration_ms: body.duration_ms ?? null,
    });
    return s;
  }
}

export function toDecision(s: ActionStatus): Decision {
  return {
    action_id: s.action_id,
    decision: s.decision,
    status: s.status,
    requires_approval: s.requires_approval,
    approval_id: s.approval_id,
    risk: s.risk,
    policy: s.policy,
    reason: s.reason,
    flags: s.flags,
    expires_at: s.expires_at,
    evaluated_in_us: s.evaluated_in_us,
  };
}

function decidedData(a: NormalizedAction, d: Decision, o: Outcome): DecidedData {
  const data: DecidedData = {
    agent_id: a.agent_id,
    action_type: a.action_type,
    resource: a.resource != null ? redact(a.resource) : null,
    tool_name: a.tool_name ?? null,
    target_system: a.target_system ?? null,
    description: a.description != null ? redact(a.description) : null,
    environment: a.environment ?? null,
    parameters: a.parameters ? redact(a.parameters) : null,
    context: a.context ? redact(a.context) : null,
    mcp: a.mcp ?? null,
    session_id: a.session_id ?? null,
    decision: d.decision,
    status: d.decision,
    requires_approval: d.requires_approval,
    approval_id: d.approval_id,
    risk: d.risk,
    policy: d.policy,
    reason: d.reason,
    flags: d.flags,
    expires_at: d.expires_at,
    evaluated_in_us: d.evaluated_in_us,
  };
  if (o.shadow) data.shadow = o.shadow as never;
  return data;
}

/** The event body for action events: enough to render an approval card without another request. */
export function eventSummary(data: DecidedData, d: Decision): Record<string, unknown> & { action_id: string } {
  return {
    action_id: d.action_id,
    agent_id: data.agent_id,
    action_type: data.action_type,
    resource: data.resource,
    description: data.description,
    tool_name: data.tool_name,
    mcp: data.mcp,
    parameters: data.parameters,
    decision: d.decision,
    status: d.status,
    risk: d.risk,
    policy: d.policy,
    reason: d.reason,
    flags: d.flags,
    approval_id: d.approval_id,
    expires_at: d.expires_at,
  };
}
