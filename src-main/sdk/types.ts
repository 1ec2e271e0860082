/** The values the SDK takes and hands back (SPEC 2 in camelCase). */

/** The go/no-go of an action (SPEC 2.2 `decision`). */
export const Decision = { ALLOWED: 'allowed', DENIED: 'denied', PENDING: 'pending' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/**
 * What to do when Gatehouse cannot be reached. OPEN covers only "nothing answered": an answer the
 * server gave (a denial, a hold, 429, 503, any 4xx) is never turned into an allow.
 */
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
  /** Why the action may not run (with the person's comment); null when allowed or pending. */
  rejectionReason: string | null;
  /** From the status body: what the agent reported with `complete` (SPEC 2.3), else null. */
  result: unknown;
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

/** The seeds' MCP form of evaluate (`POST /mcp/governance/evaluate`). */
export interface McpActionInput {
  serverId: string;
  namespace?: string;
  verb?: string;
  tool?: string;
  resource?: string;
  parameters?: Record<string, unknown>;
  context?: Record<string, unknown>;
  description?: string;
  sessionId?: string;
  agentId?: string;
}

/** How long to wait for a person, and a signal to stop waiting (either way the action is withdrawn). */
export interface WaitOptions {
  /** Seconds to wait for an answer (default 300). */
  timeoutS?: number;
  /** Aborting stops the wait: the held action is withdrawn and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface GatehouseClientOptions {
  /** The agent these actions are attributed to ([A-Za-z0-9._:-]{1,128}); default: the script's name. */
  agentId?: string;
  /** Default FailMode.CLOSED. */
  failMode?: FailMode;
  /** Base URL; default GATEHOUSE_URL, else the data dir's server.json. `baseUrl` / `apiUrl` are the seeds' names. */
  url?: string;
  baseUrl?: string;
  apiUrl?: string;
  /** API key; default GATEHOUSE_API_KEY, else the data dir's agent key. */
  apiKey?: string;
  /** Data directory (default $GATEHOUSE_HOME or ~/.gatehouse). */
  dataDir?: string;
  /** Per-request timeout in ms (long-polls add their wait). Default 30 000. */
  timeoutMs?: number;
  /** Display name used by `register`. */
  agentName?: string;
}
