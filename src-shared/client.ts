import type {
  ActionQuery,
  ActionRequest,
  ActionStatus,
  Agent,
  AgentRegister,
  Approval,
  AuditQuery,
  AuditRecord,
  Brief,
  BriefWindow,
  CompleteRequest,
  Decision,
  DeploymentInfo,
  Delivery,
  ErrorBody,
  Health,
  KeyCreate,
  KeyCreated,
  KeyView,
  McpDecision,
  McpEvaluate,
  McpServer,
  McpServerRegister,
  McpToolAccept,
  McpToolPin,
  WithdrawRequest,
  PendingApproval,
  PolicyImportResult,
  PolicyInput,
  PolicyTestResult,
  PolicyView,
  ResolveRequest,
  ResolveResult,
  Settings,
  SettingsPatch,
  SimulateResult,
  Stats,
  Integrations,
  VerifyResult,
  WebhookCreate,
  WebhookView,
} from './index.js';

/** An error answer from the API, with its SPEC 5 code and field details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.error.message ?? `HTTP ${status}`);
  }
  get code(): string {
    return this.body?.error.code ?? 'http_error';
  }
}

/** The server could not be reached at all (refused, reset, DNS, timeout). */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7077. Empty string = same origin (the console). */
  baseUrl: string;
  /** API key; omitted in the console, which authenticates with its session cookie. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per-request timeout in ms (long-polls add their wait on top). Default 30 s. */
  timeoutMs?: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function qs(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

/**
 * The typed HTTP client of the Gatehouse API, shared by the console, the CLI and the TS SDK.
 * One method per route; bodies and answers are the types inferred from the zod schemas.
 */
export class GatehouseApi {
  private readonly baseUrl: string;
  private readonly f: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.f = opts.fetch ?? ((...a) => fetch(...a));
  }

  async request<T>(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<T> {
    const res = await this.raw(method, path, body, extraTimeoutMs);
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!res.ok) throw new ApiError(res.status, (parsed as ErrorBody | null) ?? null);
    return parsed as T;
  }

  /** The raw Response (for streams such as exports and SSE). Throws UnreachableError on network failure. */
  async raw(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = typeof body === 'string' ? 'text/plain' : 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const timeout = (this.opts.timeoutMs ?? 30_000) + extraTimeoutMs;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeout);
    try {
      return await this.f(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal: ctrl.signal,
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new UnreachableError(`Gatehouse is not reachable at ${this.baseUrl || 'this origin'}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  // --- service
  health = () => this.request<Health>('GET', '/health');
  deploymentInfo = () => this.request<DeploymentInfo>('GET', '/api/deployment-info');

  // --- actions
  submit = (a: ActionRequest) => this.request<Decision>('POST', '/api/v1/actions/submit', a);
  status = (id: string, waitS?: number) =>
    this.request<ActionStatus>('GET', `/api/v1/actions/${enc(id)}/status${qs({ wait: waitS })}`, undefined, (waitS ?? 0) * 1000);
  complete = (id: string, body: CompleteRequest) => this.request<ActionStatus>('POST', `/api/v1/actions/${enc(id)}/complete`, body);
  withdraw = (id: string, body: WithdrawRequest = {}) => this.request<ActionStatus>('POST', `/api/v1/actions/${enc(id)}/withdraw`, body);
  listActions = (q: Partial<ActionQuery> = {}) => this.request<Page<ActionStatus>>('GET', `/api/v1/actions${qs(q)}`);
  approval = (approvalId: string) => this.request<Approval>('GET', `/api/sdk/approval/${enc(approvalId)}`);

  // --- agents
  registerAgent = (a: AgentRegister) => this.request<Agent>('POST', '/api/v1/agents/register', a);
  listAgents = () => this.request<Page<Agent>>('GET', '/api/v1/agents');

  // --- approvals
  /** Pending approvals, soonest expiry first (the server's maximum page: the console shows them all, grouped). */
  pendingApprovals = (limit = 1000) => this.request<Page<PendingApproval>>('GET', `/api/v1/approvals?status=pending&limit=${limit}`);
  approve = (actionId: string, body: Partial<ResolveRequest> = {}) =>
    this.request<ResolveResult>('POST', `/api/v1/approvals/${enc(actionId)}/approve`, body);
  deny = (actionId: string, body: Partial<ResolveRequest> = {}) =>
    this.request<ResolveResult>('POST', `/api/v1/approvals/${enc(actionId)}/deny`, body);

  // --- policies
  listPolicies = () => this.request<Page<PolicyView>>('GET', '/api/v1/policies');
  getPolicy = (id: string) => this.request<PolicyView>('GET', `/api/v1/policies/${enc(id)}`);
  createPolicy = (p: PolicyInput) => this.request<PolicyView>('POST', '/api/v1/policies', p);
  updatePolicy = (id: string, p: PolicyInput) => this.request<PolicyView>('PUT', `/api/v1/policies/${enc(id)}`, p);
  deletePolicy = (id: string) => this.request<{ deleted: string }>('DELETE', `/api/v1/policies/${enc(id)}`);
  testPolicy = (action: ActionRequest, policies?: unknown[]) =>
    this.request<PolicyTestResult>('POST', '/api/v1/policies/test', policies ? { action, policies } : { action });
  simulate = (policies: unknown[], limit?: number) =>
    this.request<SimulateResult>('POST', '/api/v1/policies/simulate', limit ? { policies, limit } : { policies });
  exportPolicies = async (format: 'yaml' | 'json' = 'yaml') => (await this.raw('GET', `/api/v1/policies/export?format=${format}`)).text();
  importPolicies = (text: string) => this.request<PolicyImportResult>('POST', '/api/v1/policies/import', text);

  // --- audit
  audit = (q: Partial<AuditQuery> = {}) => this.request<Page<AuditRecord>>('GET', `/api/v1/audit${qs(q)}`);
  verify = () => this.request<VerifyResult>('GET', '/api/v1/audit/verify');
  exportAudit = (format: 'jsonl' | 'csv' | 'cef', q: { since?: string; until?: string } = {}) =>
    this.raw('GET', `/api/v1/audit/export${qs({ format, ...q })}`, undefined, 3_600_000);

  // --- settings, keys, webhooks, stats
  settings = () => this.request<Settings>('GET', '/api/v1/settings');
  updateSettings = (s: SettingsPatch) => this.request<Settings>('PUT', '/api/v1/settings', s);
  listKeys = () => this.request<Page<KeyView>>('GET', '/api/v1/keys');
  createKey = (k: KeyCreate) => this.request<KeyCreated>('POST', '/api/v1/keys', k);
  revokeKey = (id: string) => this.request<KeyView>('DELETE', `/api/v1/keys/${enc(id)}`);
  listWebhooks = () => this.request<Page<WebhookView>>('GET', '/api/v1/webhooks');
  createWebhook = (w: WebhookCreate) => this.request<WebhookView>('POST', '/api/v1/webhooks', w);
  deleteWebhook = (id: string) => this.request<{ deleted: string }>('DELETE', `/api/v1/webhooks/${enc(id)}`);
  testWebhook = (id: string) => this.request<Delivery>('POST', `/api/v1/webhooks/${enc(id)}/test`);
  deliveries = (id: string) => this.request<Page<Delivery>>('GET', `/api/v1/webhooks/${enc(id)}/deliveries`);
  stats = (window: '1h' | '6h' | '24h' | '7d' | '30d' = '24h') => this.request<Stats>('GET', `/api/v1/stats?window=${window}`);
  integrations = () => this.request<Integrations>('GET', '/api/v1/integrations');

  // --- reports (the brief verifies the whole chain: allow it time on a big log)
  brief = (window: BriefWindow = '30d') =>
    this.request<Brief>('GET', `/api/v1/reports/brief${qs({ window, format: 'json' })}`, undefined, 600_000);
  briefDocument = (window: BriefWindow, format: 'html' | 'pdf') =>
    this.raw('GET', `/api/v1/reports/brief${qs({ window, format })}`, undefined, 600_000);

  // --- MCP
  mcpEvaluate = (b: McpEvaluate) => this.request<McpDecision>('POST', '/mcp/governance/evaluate', b);
  registerMcpServer = (b: McpServerRegister) => this.request<McpServer>('POST', '/mcp/servers/register', b);
  listMcpServers = () => this.request<Page<McpServer>>('GET', '/mcp/servers');
  mcpToolPin = (serverId: string, tool: string) => this.request<McpToolPin>('GET', `/mcp/servers/${enc(serverId)}/tools/${enc(tool)}`);
  acceptMcpTool = (serverId: string, tool: string, body: McpToolAccept = {}) =>
    this.request<McpToolPin>('POST', `/mcp/servers/${enc(serverId)}/tools/${enc(tool)}/accept`, body);
}
