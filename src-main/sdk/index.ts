/**
 * The Gatehouse TypeScript SDK (`import { GatehouseClient, govern } from 'gatehouse/sdk'`), the
 * camelCase mirror of the Python SDK (SPEC 9.3).
 *
 * ```ts
 * const gh = new GatehouseClient({ agentId: 'data-analyst', failMode: FailMode.CLOSED });
 * let d = await gh.evaluateAction({ actionType: 'database.delete', resource: 'postgres://prod/users',
 *                                   parameters: { sql: '...' }, context: { is_production: true } });
 * if (d.decision === Decision.PENDING) d = await gh.waitForDecision(d.actionId!, { timeoutS: 300 });
 * if (d.decision === Decision.ALLOWED) { ...; await gh.logActionCompleted(d.actionId, { result: {} }); }
 *
 * const run = govern(gh, 'shell.exec', { resource: (cmd: string) => cmd })(async (cmd: string) => ...);
 * ```
 *
 * URL and key come from the options, else `GATEHOUSE_URL` / `GATEHOUSE_API_KEY`, else the data
 * directory's `server.json` and the agent key in `credentials.json` (`dataDir`, `$GATEHOUSE_HOME`,
 * `~/.gatehouse`). `FailMode.CLOSED` (default): Gatehouse unreachable → `ActionDenied`.
 * `FailMode.OPEN`: unreachable → allowed, with a `console.warn`. A denied, rejected or expired
 * answer is never turned into an allow, whatever the fail mode.
 */
import { ApiError, GatehouseApi, UnreachableError, resolveEndpoint } from './api.js';

/** The go/no-go of an action (SPEC 2.2 `decision`). */
export const Decision = { ALLOWED: 'allowed', DENIED: 'denied', PENDING: 'pending' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/** What to do when Gatehouse cannot be reached. */
export const FailMode = { CLOSED: 'closed', OPEN: 'open' } as const;
export type FailMode = (typeof FailMode)[keyof typeof FailMode];

/** SPEC 2.3 status values. */
export type ActionStatusValue =
  'allowed' | 'denied' | 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'completed' | 'failed';

export interface RiskFactor {
  id: string;
  points: number;
  detail: string;
}

/** A decision or a status, in camelCase; `raw` is the API's JSON body. */
export interface ActionDecision {
  decision: Decision;
  /** null only for a fail-open allow (no action was recorded). */
  actionId: string | null;
  status: ActionStatusValue;
  reason: string;
  riskScore: number | null;
  riskLevel: string | null;
  riskFactors: RiskFactor[];
  requiresApproval: boolean;
  approvalId: string | null;
  policy: { id: string; name: string; effect: string } | null;
  flags: string[];
  expiresAt: string | null;
  /** From the status body: true/false once a human (or the timeout) answered, else null. */
  approved: boolean | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  comment: string | null;
  /** True when this allow comes from FailMode.OPEN because Gatehouse was unreachable. */
  failOpen: boolean;
  raw: Record<string, unknown> | null;
}

/** An action to evaluate (SPEC 2.1 in camelCase). */
export interface ActionInput {
  actionType: string;
  resource?: string;
  toolName?: string;
  targetSystem?: string;
  description?: string;
  environment?: string;
  parameters?: Record<string, unknown>;
  context?: Record<string, unknown>;
  /** Alias of `context` (the seeds use both). */
  riskContext?: Record<string, unknown>;
  sessionId?: string;
  idempotencyKey?: string;
  mcp?: { serverId: string; tool?: string };
  /** Overrides the client's agentId for this action. */
  agentId?: string;
}

/** The wire form (SPEC 2.1), accepted by `submitAction` as the seeds' SDK does. */
export interface ActionRequestBody {
  agent_id?: string;
  action_type: string;
  resource?: string;
  tool_name?: string;
  target_system?: string;
  description?: string;
  environment?: string;
  parameters?: Record<string, unknown>;
  context?: Record<string, unknown>;
  risk_context?: Record<string, unknown>;
  mcp?: { server_id: string; tool?: string };
  session_id?: string;
  idempotency_key?: string;
}

export interface GatehouseClientOptions {
  /** The agent these actions are attributed to ([A-Za-z0-9._:-]{1,128}). */
  agentId: string;
  /** Default FailMode.CLOSED. */
  failMode?: FailMode;
  /** Base URL; default GATEHOUSE_URL, else the data dir's server.json. */
  url?: string;
  /** API key; default GATEHOUSE_API_KEY, else the data dir's agent key. */
  apiKey?: string;
  /** Data directory (default $GATEHOUSE_HOME or ~/.gatehouse). */
  dataDir?: string;
  /** Per-request timeout in ms (long-polls add their wait). Default 30 000. */
  timeoutMs?: number;
}

/** An answer the SDK cannot turn into a decision: a 4xx (bad request, bad key...) or, outside deciding calls, an outage. */
export class GatehouseError extends Error {
  override readonly name: string = 'GatehouseError';
  constructor(
    message: string,
    /** HTTP status, or null when the server could not be reached. */
    readonly status: number | null = null,
    /** SPEC 5 error code (`invalid_request`, `unauthenticated`...), or `unreachable`. */
    readonly code: string = 'error',
  ) {
    super(message);
  }
}

/** Gatehouse could not be reached (not running, refused, timed out). */
export class GatehouseUnreachable extends GatehouseError {
  override readonly name: string = 'GatehouseUnreachable';
  constructor(message: string) {
    super(message, null, 'unreachable');
  }
}

/** Turns the shared client's errors into the SDK's own. */
function sdkError(e: unknown): unknown {
  if (e instanceof UnreachableError) return new GatehouseUnreachable(e.message);
  if (e instanceof ApiError) return new GatehouseError(e.message, e.status, e.code);
  return e;
}

/** The action was denied, rejected or expired — or Gatehouse was unreachable under FailMode.CLOSED. */
export class ActionDenied extends Error {
  override readonly name: string = 'ActionDenied';
  constructor(
    readonly reason: string,
    readonly actionId: string | null = null,
    readonly decision: ActionDecision | null = null,
  ) {
    super(`Action denied by Gatehouse: ${reason}${actionId ? ` (action ${actionId})` : ''}`);
  }
  /** The seeds' name for `reason`. */
  get rejectionReason(): string {
    return this.reason;
  }
}
/** The seeds' name for ActionDenied. */
export const AuthorizationDeniedError = ActionDenied;
export type AuthorizationDeniedError = ActionDenied;

/** No decision arrived within the wait (the action is still pending; it was not run). */
export class ApprovalTimeout extends Error {
  override readonly name: string = 'ApprovalTimeout';
  constructor(
    readonly actionId: string,
    readonly timeoutS: number,
  ) {
    super(`No decision for action ${actionId} within ${timeoutS} s; it was not run`);
  }
}

type Raw = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A decision/status body → ActionDecision. */
export function toDecision(raw: Raw): ActionDecision {
  const risk = (raw.risk ?? {}) as Raw;
  const decision = raw.decision === 'allowed' || raw.decision === 'denied' || raw.decision === 'pending' ? raw.decision : 'denied';
  return {
    decision,
    actionId: strOrNull(raw.action_id),
    status: (typeof raw.status === 'string' ? raw.status : decision) as ActionStatusValue,
    reason: typeof raw.reason === 'string' ? raw.reason : '',
    riskScore: num(risk.score) ?? num(raw.risk_score),
    riskLevel: strOrNull(risk.level) ?? strOrNull(raw.risk_level),
    riskFactors: Array.isArray(risk.factors) ? (risk.factors as RiskFactor[]) : [],
    requiresApproval: raw.requires_approval === true,
    approvalId: strOrNull(raw.approval_id),
    policy: (raw.policy as ActionDecision['policy']) ?? null,
    flags: Array.isArray(raw.flags) ? (raw.flags as string[]) : [],
    expiresAt: strOrNull(raw.expires_at),
    approved: typeof raw.approved === 'boolean' ? raw.approved : null,
    reviewedBy: strOrNull(raw.reviewed_by),
    reviewedAt: strOrNull(raw.reviewed_at),
    comment: strOrNull(raw.comment),
    failOpen: false,
    raw,
  };
}

function failOpenDecision(reason: string): ActionDecision {
  return {
    decision: 'allowed',
    actionId: null,
    status: 'allowed',
    reason,
    riskScore: null,
    riskLevel: null,
    riskFactors: [],
    requiresApproval: false,
    approvalId: null,
    policy: null,
    flags: ['fail-open'],
    expiresAt: null,
    approved: null,
    reviewedBy: null,
    reviewedAt: null,
    comment: null,
    failOpen: true,
    raw: null,
  };
}

function toBody(a: ActionInput | ActionRequestBody, agentId: string): ActionRequestBody {
  if ('action_type' in a) return { agent_id: agentId, ...a };
  const b: ActionRequestBody = { agent_id: a.agentId ?? agentId, action_type: a.actionType };
  if (a.resource !== undefined) b.resource = a.resource;
  if (a.toolName !== undefined) b.tool_name = a.toolName;
  if (a.targetSystem !== undefined) b.target_system = a.targetSystem;
  if (a.description !== undefined) b.description = a.description;
  if (a.environment !== undefined) b.environment = a.environment;
  if (a.parameters !== undefined) b.parameters = a.parameters;
  if (a.context !== undefined) b.context = a.context;
  if (a.riskContext !== undefined) b.risk_context = a.riskContext;
  if (a.sessionId !== undefined) b.session_id = a.sessionId;
  if (a.idempotencyKey !== undefined) b.idempotency_key = a.idempotencyKey;
  if (a.mcp) b.mcp = a.mcp.tool ? { server_id: a.mcp.serverId, tool: a.mcp.tool } : { server_id: a.mcp.serverId };
  return b;
}

/** Unreachable, timed out, or the server cannot decide (5xx, 429): the fail mode applies. */
const isOutage = (e: unknown): boolean =>
  e instanceof GatehouseUnreachable || (e instanceof GatehouseError && e.status !== null && (e.status >= 500 || e.status === 429));

/** A JSON-safe, bounded copy of a function's result for `complete`. */
function reportable(v: unknown): unknown {
  if (v === undefined) return null;
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return null;
    return s.length <= 8_192 ? (JSON.parse(s) as unknown) : { truncated: true, size: s.length, preview: s.slice(0, 2_000) };
  } catch {
    return { unserializable: String(v).slice(0, 2_000) };
  }
}

/** A callback given the governed function's arguments (any argument list fits). */
export type ArgsCallback<T> = (...args: never[]) => T;

export interface GovernOptions {
  /** The resource from the call's arguments (e.g. `(cmd: string) => cmd`). */
  resource?: ArgsCallback<string | undefined>;
  /** The parameters from the call's arguments (default `{ args }`). */
  parameters?: ArgsCallback<Record<string, unknown>>;
  /** More action fields (toolName, environment, context...), fixed or from the arguments. */
  action?: Omit<Partial<ActionInput>, 'actionType'> | ArgsCallback<Omit<Partial<ActionInput>, 'actionType'>>;
  /** Seconds to wait for an approval (default 300). */
  timeoutS?: number;
}

/** What `govern` makes of a function: same arguments, always async. */
export type Governed<F extends (...args: never[]) => unknown> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/**
 * The Gatehouse client. Reuse one instance (it keeps its connection details); every method is
 * safe to call concurrently.
 */
export class GatehouseClient {
  readonly agentId: string;
  readonly failMode: FailMode;
  private readonly o: GatehouseClientOptions;
  private api: GatehouseApi | null = null;

  constructor(o: GatehouseClientOptions) {
    if (!o || !o.agentId) throw new TypeError('GatehouseClient: agentId is required');
    this.o = o;
    this.agentId = o.agentId;
    this.failMode = o.failMode === FailMode.OPEN ? FailMode.OPEN : FailMode.CLOSED;
  }

  /** The HTTP client, (re)discovering the server when needed. */
  private client(): GatehouseApi {
    if (this.api) return this.api;
    const ep = resolveEndpoint({ url: this.o.url, apiKey: this.o.apiKey, dataDir: this.o.dataDir, scope: 'agent' });
    if (!ep.url) throw new GatehouseUnreachable(`Gatehouse is not running (no server.json in ${ep.dataDir} and no GATEHOUSE_URL)`);
    this.api = new GatehouseApi({ baseUrl: ep.url, apiKey: ep.apiKey ?? undefined, timeoutMs: this.o.timeoutMs ?? 30_000 });
    return this.api;
  }

  private async call<T>(f: (api: GatehouseApi) => Promise<T>): Promise<T> {
    try {
      return await f(this.client());
    } catch (e) {
      const err = sdkError(e);
      if (err instanceof GatehouseUnreachable && !this.o.url) this.api = null; // the server may have restarted elsewhere
      throw err;
    }
  }

  /** Applies the fail mode to an outage while deciding: ActionDenied (CLOSED) or a fail-open allow (OPEN). */
  private outage(e: unknown, actionId: string | null): ActionDecision {
    const why =
      e instanceof GatehouseError && e.status !== null
        ? `Gatehouse could not decide (${e.status} ${e.code}: ${e.message})`
        : `Gatehouse is unreachable (${(e as Error).message})`;
    if (this.failMode === FailMode.OPEN) {
      console.warn(`gatehouse: ${why}; allowing because failMode is OPEN`);
      const d = failOpenDecision(`${why}; allowed by FailMode.OPEN`);
      d.actionId = actionId;
      return d;
    }
    throw new ActionDenied(`${why}; denied by FailMode.CLOSED`, actionId);
  }

  /** Submits an action for a decision (SPEC 2.2). May answer `pending`: see waitForDecision. */
  async evaluateAction(action: ActionInput): Promise<ActionDecision> {
    return this.submitAction(action);
  }

  /** The seeds' name: submits an action (camelCase input, or the SPEC 2.1 wire body). */
  async submitAction(action: ActionInput | ActionRequestBody): Promise<ActionDecision> {
    const body = toBody(action, this.agentId);
    try {
      return toDecision((await this.call((api) => api.submit(body))) as Raw);
    } catch (e) {
      if (isOutage(e)) return this.outage(e, null);
      throw e;
    }
  }

  /** The current status of an action (decision plus review and completion fields). */
  async getActionStatus(actionId: string): Promise<ActionDecision> {
    return toDecision((await this.call((api) => api.status(actionId))) as Raw);
  }

  /**
   * Waits (long-polling) until the action leaves `pending`; returns the final decision (allowed
   * or denied — check `.decision`). Throws ApprovalTimeout when none arrives within `timeoutS`, and
   * ActionDenied when Gatehouse becomes unreachable meanwhile (in both fail modes).
   */
  async waitForDecision(actionId: string, o: { timeoutS?: number } = {}): Promise<ActionDecision> {
    const timeoutS = o.timeoutS ?? 300;
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      let d: ActionDecision;
      const remaining = Math.max(0, Math.floor((deadline - Date.now()) / 100) / 10); // seconds, to the tenth
      try {
        d = toDecision((await this.call((api) => api.status(actionId, Math.min(60, remaining)))) as Raw);
      } catch (e) {
        // The server already held this action for a person: an outage now is no answer, and no
        // answer is never a yes — whatever the fail mode (FailMode.OPEN covers unknown decisions only).
        if (isOutage(e))
          throw new ActionDenied(
            `Gatehouse became unreachable while action ${actionId} was waiting for approval (${(e as Error).message})`,
            actionId,
          );
        throw e;
      }
      if (d.decision !== 'pending') return d;
      if (Date.now() >= deadline - 50 || remaining <= 0) throw new ApprovalTimeout(actionId, timeoutS);
    }
  }

  /** The seeds' name: waits for the human answer; `.approved` tells which. Throws ApprovalTimeout. */
  async waitForApproval(actionId: string, o: { timeoutS?: number } = {}): Promise<ActionDecision> {
    return this.waitForDecision(actionId, o);
  }

  /** Evaluates and, if pending, waits. Returns an allowed decision; throws ActionDenied otherwise. */
  async executeAction(action: ActionInput, o: { timeoutS?: number } = {}): Promise<ActionDecision> {
    let d = await this.evaluateAction(action);
    if (d.decision === 'pending') d = await this.waitForDecision(d.actionId!, o);
    if (d.decision !== 'allowed') throw new ActionDenied(d.comment ? `${d.reason} — ${d.comment}` : d.reason, d.actionId, d);
    return d;
  }

  /** Reports that an allowed action ran successfully. A null id (fail-open) is a no-op. */
  async logActionCompleted(actionId: string | null, o: { result?: unknown; durationMs?: number } = {}): Promise<ActionDecision | null> {
    if (!actionId) return null;
    const body: { status: 'success'; result?: unknown; duration_ms?: number } = { status: 'success' };
    if (o.result !== undefined) body.result = reportable(o.result);
    if (o.durationMs !== undefined) body.duration_ms = Math.max(0, o.durationMs);
    return toDecision((await this.call((api) => api.complete(actionId, body))) as Raw);
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
    return toDecision((await this.call((api) => api.complete(actionId, body))) as Raw);
  }

  /** Registers this agent (SPEC 2.5). */
  async register(
    o: { agentType?: 'supervised' | 'autonomous'; capabilities?: string[]; name?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<Record<string, unknown>> {
    const body = {
      agent_id: this.agentId,
      agent_type: o.agentType ?? 'supervised',
      ...(o.capabilities ? { capabilities: o.capabilities } : {}),
      ...(o.name ? { name: o.name } : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
    };
    return (await this.call((api) => api.registerAgent(body))) as Record<string, unknown>;
  }

  /** GET /health: `{status: "healthy", version, uptime_s}`. Throws GatehouseUnreachable when it is down. */
  async testConnection(): Promise<{ status: string; version: string; uptime_s: number }> {
    return this.call((api) => api.health());
  }

  /** `client.govern(actionType, opts)(fn)` — same as the standalone `govern`. */
  govern(actionType: string, o: GovernOptions = {}): <F extends (...args: never[]) => unknown>(fn: F) => Governed<F> {
    return govern(this, actionType, o);
  }
}

/**
 * Wraps a function so that every call is decided by Gatehouse first: evaluate, wait for an
 * approval if needed, run, report the outcome (completed / failed). Throws ActionDenied (and does
 * not run the function) when the action is denied, rejected or expired, or ApprovalTimeout.
 */
export function govern(
  client: GatehouseClient,
  actionType: string,
  o: GovernOptions = {},
): <F extends (...args: never[]) => unknown>(fn: F) => Governed<F> {
  const apply = <T>(f: ArgsCallback<T>, args: unknown[]): T => (f as unknown as (...a: unknown[]) => T)(...args);
  return <F extends (...args: never[]) => unknown>(fn: F): Governed<F> =>
    async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
      const extra = typeof o.action === 'function' ? apply(o.action, args) : (o.action ?? {});
      const input: ActionInput = { ...extra, actionType };
      const resource = o.resource ? apply(o.resource, args) : undefined;
      if (resource !== undefined) input.resource = String(resource);
      input.parameters = o.parameters ? apply(o.parameters, args) : ((reportable({ args }) as Record<string, unknown> | null) ?? {});
      if (!input.description)
        input.description = `${fn.name || 'function'}(${resource !== undefined ? String(resource).slice(0, 120) : ''})`;
      const d = await client.executeAction(input, { timeoutS: o.timeoutS });
      const id = d.failOpen ? null : d.actionId;
      const t0 = Date.now();
      let result: Awaited<ReturnType<F>>;
      try {
        result = (await apply(fn as unknown as ArgsCallback<unknown>, args)) as Awaited<ReturnType<F>>;
      } catch (e) {
        await client
          .logActionFailed(id, e, { durationMs: Date.now() - t0 })
          .catch((r: Error) => console.warn(`gatehouse: could not report the failure: ${r.message}`));
        throw e;
      }
      await client
        .logActionCompleted(id, { result, durationMs: Date.now() - t0 })
        .catch((r: Error) => console.warn(`gatehouse: could not report completion: ${r.message}`));
      return result;
    };
}
