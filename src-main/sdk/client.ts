/** The Gatehouse client: evaluate, wait, complete, withdraw — and the seeds' names for each. */
import { reportable, toBody, toMcpBody } from './action-body.js';
import { Connection } from './connection.js';
import { toDecision } from './decision.js';
import { GatehouseError, refusal } from './errors.js';
import { cannotDecide } from './fail-mode.js';
import { govern, type Governed, type GovernOptions } from './govern.js';
import type {
  ActionDecision,
  ActionInput,
  ActionRequestBody,
  FailMode,
  GatehouseClientOptions,
  McpActionInput,
  WaitOptions,
} from './types.js';
import { waitForDecision } from './wait.js';

const enc = encodeURIComponent;
const WITHDRAW_TIMEOUT_MS = 5_000;

/** A stable agent id from the running script's name (`deploy-bot.ts` → `deploy-bot`); `node-agent` without one. */
export function defaultAgentId(): string {
  const script = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1] ?? '';
  const stem = (script.split(/[\\/]/).pop() ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/^[-.:]+|[-.:]+$/g, '')
    .slice(0, 128);
  return stem || 'node-agent';
}

/**
 * The Gatehouse client. Reuse one instance (it keeps its connection details); every method is
 * safe to call concurrently.
 */
export class GatehouseClient {
  readonly agentId: string;
  readonly failMode: FailMode;
  readonly agentName: string | undefined;
  private readonly http: Connection;
  private readonly quick: Connection;

  constructor(o: GatehouseClientOptions = {}) {
    this.agentId = o.agentId || defaultAgentId();
    this.failMode = o.failMode === 'open' ? 'open' : 'closed';
    this.agentName = o.agentName;
    const conn = { url: o.url ?? o.baseUrl ?? o.apiUrl, apiKey: o.apiKey, dataDir: o.dataDir };
    this.http = new Connection({ ...conn, timeoutMs: o.timeoutMs });
    this.quick = new Connection({ ...conn, timeoutMs: Math.min(o.timeoutMs ?? WITHDRAW_TIMEOUT_MS, WITHDRAW_TIMEOUT_MS) });
  }

  /**
   * Submits an action for a decision (SPEC 2.2); it may answer `pending` (see waitForDecision).
   * Also takes the seeds' MCP form `{serverId, namespace, verb, resource, parameters}`
   * (`POST /mcp/governance/evaluate`). Throws ActionDenied when Gatehouse cannot decide
   * (unreachable under FailMode.CLOSED; rate limited or unavailable in either mode).
   */
  async evaluateAction(action: ActionInput | McpActionInput): Promise<ActionDecision> {
    if ('serverId' in action) {
      const body = toMcpBody(action, this.agentId);
      return this.decide(() => this.http.object((api) => api.request('POST', '/mcp/governance/evaluate', body)));
    }
    return this.submitAction(action);
  }

  /** The seeds' name: submits an action (camelCase input, or the SPEC 2.1 wire body). */
  async submitAction(action: ActionInput | ActionRequestBody): Promise<ActionDecision> {
    const body = toBody(action, this.agentId);
    return this.decide(() => this.http.object((api) => api.submit(body)));
  }

  private async decide(f: () => Promise<Record<string, unknown>>): Promise<ActionDecision> {
    try {
      return toDecision(await f());
    } catch (e) {
      return cannotDecide(e, this.failMode);
    }
  }

  /** The current status of an action (decision plus review and completion fields). */
  async getActionStatus(actionId: string): Promise<ActionDecision> {
    return toDecision(await this.http.object((api) => api.status(actionId)));
  }

  /**
   * Waits (long-polling) until the action leaves `pending`; returns the final decision (allowed or
   * denied — check `.decision`). Whenever it stops without an answer it withdraws the action (SPEC 4):
   * after `timeoutS` (then ApprovalTimeout), when `signal` aborts (then the signal's reason), and when
   * Gatehouse fails meanwhile (then ActionDenied, in both fail modes).
   */
  async waitForDecision(actionId: string, o: WaitOptions = {}): Promise<ActionDecision> {
    return waitForDecision(
      {
        pollStatus: async (id, waitS, signal) => toDecision(await this.http.object((api) => api.status(id, waitS), signal)),
        withdrawQuietly: (id, reason) => this.withdrawQuietly(id, reason),
      },
      actionId,
      o,
    );
  }

  /**
   * The seeds' name: waits for the person's answer and returns the approved status (`.approved`,
   * `.reviewedBy`, `.comment`). A rejection or withdrawal throws AuthorizationDeniedError
   * (`rejectionReason`), so code that acts after this call never acts on a "no"; no answer in time
   * (this wait's timeout, or the approval expiring on the server) throws ApprovalTimeout.
   */
  async waitForApproval(actionId: string, o: WaitOptions = {}): Promise<ActionDecision> {
    const d = await this.waitForDecision(actionId, o);
    if (d.decision !== 'allowed') throw refusal(d, actionId);
    return d;
  }

  /** Evaluates and, if held, waits. Returns an allowed decision; throws ActionDenied, or ApprovalTimeout when no one answered in time. */
  async executeAction(action: ActionInput, o: WaitOptions = {}): Promise<ActionDecision> {
    let d = await this.evaluateAction(action);
    if (d.decision === 'pending' && d.actionId) d = { ...(await this.waitForDecision(d.actionId, o)), requiresApproval: true };
    if (d.decision !== 'allowed') throw refusal(d);
    return d;
  }

  /** Ends a pending action as `withdrawn` (SPEC 4): the agent stopped waiting. The SDK calls it itself whenever it stops waiting. */
  async withdraw(actionId: string, reason?: string): Promise<ActionDecision> {
    const body = reason ? { reason } : {};
    return toDecision(await this.quick.object((api) => api.request('POST', `/api/v1/actions/${enc(actionId)}/withdraw`, body)));
  }

  private async withdrawQuietly(actionId: string, reason: string): Promise<ActionDecision | null> {
    try {
      return await this.withdraw(actionId, reason);
    } catch (e) {
      if (e instanceof GatehouseError && e.status === 409) return this.getActionStatus(actionId).catch(() => null);
      console.warn(`gatehouse: could not withdraw action ${actionId}: ${(e as Error).message}`);
      return null;
    }
  }

  /** Reports that an allowed action ran successfully. A null id (fail-open) is a no-op. */
  async logActionCompleted(actionId: string | null, o: { result?: unknown; durationMs?: number } = {}): Promise<ActionDecision | null> {
    if (!actionId) return null;
    const body: { status: 'success'; result?: unknown; duration_ms?: number } = { status: 'success' };
    if (o.result !== undefined) body.result = reportable(o.result);
    if (o.durationMs !== undefined) body.duration_ms = Math.max(0, o.durationMs);
    return toDecision(await this.http.object((api) => api.complete(actionId, body)));
  }

  /** Reports that an allowed action failed. A null id (fail-open) is a no-op. */
  async logActionFailed(actionId: string | null, error: unknown, o: { durationMs?: number } = {}): Promise<ActionDecision | null> {
    if (!actionId) return null;
    const msg = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
    const body: { status: 'failure'; error: string; duration_ms?: number } = {
      status: 'failure',
      error: String(msg ?? 'error').slice(0, 8_000),
    };
    if (o.durationMs !== undefined) body.duration_ms = Math.max(0, o.durationMs);
    return toDecision(await this.http.object((api) => api.complete(actionId, body)));
  }

  /** Registers this agent (SPEC 2.5). */
  async register(
    o: { agentType?: 'supervised' | 'autonomous'; capabilities?: string[]; name?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>> {
    const name = o.name ?? this.agentName;
    const body = {
      agent_id: this.agentId,
      agent_type: o.agentType ?? 'supervised',
      ...(o.capabilities ? { capabilities: o.capabilities } : {}),
      ...(name ? { name } : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
    };
    return this.http.object((api) => api.registerAgent(body));
  }

  /** GET /health: `{status: "healthy", version, uptime_s}`. Throws GatehouseUnreachable when it is down. */
  async testConnection(): Promise<{ status: string; version: string; uptime_s: number }> {
    return (await this.http.object((api) => api.health())) as { status: string; version: string; uptime_s: number };
  }

  /** `client.govern(actionType, opts)(fn)` — same as the standalone `govern`. */
  govern(actionType: string, o: GovernOptions = {}): <F extends (...args: never[]) => unknown>(fn: F) => Governed<F> {
    return govern(this, actionType, o);
  }
}
