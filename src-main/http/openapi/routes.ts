import { z } from 'zod';
import {
  ActionQuerySchema,
  ActionRequestSchema,
  ActionStatusSchema,
  AgentRegisterSchema,
  AgentSchema,
  ApprovalQuerySchema,
  ApprovalSchema,
  AuditExportQuerySchema,
  AuditQuerySchema,
  AuditRecordSchema,
  CompleteRequestSchema,
  DecisionSchema,
  DeliverySchema,
  DeploymentInfoSchema,
  EventEnvelopeSchema,
  HealthSchema,
  HookAnswerSchema,
  HookQuerySchema,
  IntegrationsSchema,
  KeyCreateSchema,
  KeyCreatedSchema,
  KeyViewSchema,
  McpDecisionSchema,
  McpEvaluateSchema,
  McpServerRegisterSchema,
  McpServerSchema,
  McpToolAcceptSchema,
  McpToolPinSchema,
  PendingApprovalSchema,
  PolicyFileSchema,
  PolicyImportResultSchema,
  PolicySchema,
  PolicyTestRequestSchema,
  PolicyTestResultSchema,
  PolicyViewSchema,
  ResolveRequestSchema,
  ResolveResultSchema,
  SeedPolicySchema,
  SessionSchema,
  SettingsPatchSchema,
  SettingsSchema,
  SimulateRequestSchema,
  SimulateResultSchema,
  StatsQuerySchema,
  StatsSchema,
  StatusWaitQuerySchema,
  ForwardAuthQuerySchema,
  BriefQuerySchema,
  BriefSchema,
  VerifyResultSchema,
  WithdrawRequestSchema,
  WebhookCreateSchema,
  WebhookViewSchema,
  pageOf,
} from '../../../src-shared/index.js';
import { DeliveryQuerySchema } from '../../events/webhooks.js';
import { EventsQuerySchema } from '../routes/events.js';
import type { Json } from './json.js';

/**
 * The one route table of the HTTP API: the OpenAPI document (`/api/openapi.json`) and the docs
 * page (`/api/docs`) are both generated from it. Every path of SPEC 5 is here, with the seeds'
 * aliases, plus the console's session routes.
 */

/** `none`: public. `agent`: an agent or admin key (or the console). `admin`: admin key or console. */
export type Scope = 'none' | 'agent' | 'admin';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A schema with the name it has under `components/schemas`. */
export interface Named {
  name: string;
  schema: z.ZodType;
}
const named = (name: string, schema: z.ZodType): Named => ({ name, schema });

export interface RouteDoc {
  method: Method;
  /** OpenAPI form: `/api/v1/actions/{id}/status`. */
  path: string;
  scope: Scope;
  tag: Tag;
  summary: string;
  description?: string;
  /** For the seeds' aliases: the canonical path this one answers exactly like. */
  aliasOf?: string;
  query?: z.ZodObject;
  body?: Named;
  /** A hand-written request example for the docs (else one is generated from the schema). */
  example?: Json;
  /** The body may be omitted (approve/deny take defaults). */
  bodyOptional?: boolean;
  /** Media types accepted besides JSON (policy import takes YAML). */
  bodyTypes?: string[];
  response?: Named;
  /** Success status (default 200). */
  status?: number;
  /** Non-JSON success media types (streams and downloads). */
  produces?: string[];
  responseDescription?: string;
}

export const TAGS = {
  Service: 'Health and deployment information. Public.',
  Actions: 'Submit actions for a decision, wait for it, report the outcome (SPEC 2). The seeds\u2019 SDK paths answer the same.',
  Agents: 'Agents (SPEC 2.5).',
  MCP: 'The seeds\u2019 MCP governance API (SPEC 9.2).',
  Policies: 'Policies: CRUD, test with a trace, simulate against history, import and export (SPEC 3).',
  Approvals: 'The approvals inbox and its answers (SPEC 4). Admin only: an agent key never approves.',
  Audit: 'The tamper-evident audit log: query, verify, export (SPEC 7).',
  Events: 'Live events (Server-Sent Events) and webhooks with signed, retried deliveries (SPEC 7.3, 7.4).',
  Settings: 'Decision thresholds, enforcement mode and rate limit (SPEC 3.5).',
  Keys: 'API keys: listed without secrets, created with the secret shown once, revoked (SPEC 5).',
  Stats: 'Dashboard statistics.',
  Hooks: 'Coding agents\u2019 own pre-tool hooks answered in their own form (SPEC 9.1, 9.4), and which agents are wired.',
  Reports: 'The executive brief: a self-contained report for someone who will not open the console (SPEC 13).',
  Gateways:
    'Forward-auth for API gateways: nginx `auth_request`, Traefik `ForwardAuth`, Caddy `forward_auth`, Envoy HTTP `ext_authz` (SPEC 9.5).',
  Console: 'The console\u2019s login: a one-time token exchanged for an HttpOnly session cookie.',
  Docs: 'This document and the docs page. Public.',
} as const;
export type Tag = keyof typeof TAGS;

const Deleted = named('Deleted', z.object({ deleted: z.string() }));
const Url = named('LoginUrl', z.object({ url: z.string() }));
const Session = named('Session', SessionSchema);
const LoginRequest = named('LoginRequest', z.object({ token: z.string().min(1).max(200) }).strict());
const PolicyExportQuery = z.object({ format: z.enum(['yaml', 'json']).default('yaml') }).strict();
const ActionStatus = named('ActionStatus', ActionStatusSchema);
const Decision = named('Decision', DecisionSchema);
const PolicyView = named('PolicyView', PolicyViewSchema);
const WriteRequest = named('ActionRequest', ActionRequestSchema);
const Complete = named('CompleteRequest', CompleteRequestSchema);
const Resolve = named('ResolveRequest', ResolveRequestSchema);
const ResolveResult = named('ResolveResult', ResolveResultSchema);
const Settings = named('Settings', SettingsSchema);
const Openapi = named('OpenApiDocument', z.record(z.string(), z.unknown()));

const SUBMIT_EXAMPLE: Json = {
  agent_id: 'data-analyst',
  action_type: 'database.delete',
  resource: 'postgres://prod/users',
  tool_name: 'postgresql',
  environment: 'production',
  description: 'Delete old audit logs',
  parameters: { sql: "DELETE FROM users WHERE last_login < '2020-01-01'" },
  context: { is_production: true, estimated_rows: 10000, has_backup: true },
};

const POLICY_EXAMPLE: Json = {
  id: 'prod-db-delete',
  name: 'Deleting from production databases needs approval',
  priority: 80,
  effect: 'require_approval',
  when: { action_type: { in: ['database.delete', 'database_delete'] }, environment: 'production' },
  approval: { timeout_s: 300, timeout_action: 'deny' },
};

const FORWARD_AUTH_DOC = [
  'The original request is read from `X-Forwarded-Method`/`X-Original-Method`, `X-Forwarded-Uri`/`X-Original-URI` (or `X-Original-URL`) and `X-Forwarded-Host`; the agent from `X-Gatehouse-Agent` (default: the key\u2019s agent, else `api-gateway`); optional `X-Gatehouse-Environment`. It is decided as `http.<method>` on `<host><path>[?query]` (path normalised as nginx routes it; the raw URI is kept in `parameters.uri`).',
  'Answers **200** (allowed), **403** (denied; the Decision body says why) or, while an approval is pending, waits up to `?wait=` seconds (default 0), then **403** with `X-Gatehouse-Pending: <action_id>`. A retry of the same request finds that pending action (and, once answered, gets the answer: an approval lets one request through) instead of asking again. A misconfigured gateway gets 400 naming the missing header; errors are never a 200.',
  'Envoy\u2019s HTTP `ext_authz` form: set `path_prefix: /api/v1/authz/forward`; the check request itself is the original (its method, its Host, the path after the prefix; forwarded headers are ignored in this form), and `X-Gatehouse-Wait: <seconds>` replaces `?wait=` (the query string is the original\u2019s).',
].join('\n\n');

const STATUS_WAIT = 'Long-poll with `?wait=SECONDS` (≤ 60): the answer comes as soon as the status leaves `pending`.';

export const ROUTES: readonly RouteDoc[] = [
  // --- service
  {
    method: 'get',
    path: '/health',
    scope: 'none',
    tag: 'Service',
    summary: 'Liveness, version and uptime',
    response: named('Health', HealthSchema),
  },
  {
    method: 'get',
    path: '/api/deployment-info',
    scope: 'none',
    tag: 'Service',
    summary: 'Version, API version and mode (desktop/headless)',
    response: named('DeploymentInfo', DeploymentInfoSchema),
  },

  // --- actions
  {
    method: 'post',
    path: '/api/v1/actions/submit',
    scope: 'agent',
    tag: 'Actions',
    summary: 'Submit an action; get the decision',
    description:
      'Risk is scored, policies are evaluated, and the action is allowed, denied or held for approval. `risk_context` is accepted as an alias of `context`; unknown fields are a 400. An agent key bound to an agent submits as that agent.',
    body: WriteRequest,
    example: SUBMIT_EXAMPLE,
    response: Decision,
  },
  {
    method: 'post',
    path: '/api/authorization/agent-action',
    scope: 'agent',
    tag: 'Actions',
    summary: 'Submit an action (seed SDK path)',
    aliasOf: '/api/v1/actions/submit',
    body: WriteRequest,
    example: SUBMIT_EXAMPLE,
    response: Decision,
  },
  {
    method: 'get',
    path: '/api/v1/actions/{id}/status',
    scope: 'agent',
    tag: 'Actions',
    summary: 'The status of an action',
    description: STATUS_WAIT,
    query: StatusWaitQuerySchema,
    response: ActionStatus,
  },
  {
    method: 'get',
    path: '/api/agent-action/status/{id}',
    scope: 'agent',
    tag: 'Actions',
    summary: 'The status of an action (seed SDK path)',
    aliasOf: '/api/v1/actions/{id}/status',
    description: STATUS_WAIT,
    query: StatusWaitQuerySchema,
    response: ActionStatus,
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/complete',
    scope: 'agent',
    tag: 'Actions',
    summary: 'Report the outcome of an allowed or approved action',
    body: Complete,
    example: { status: 'success', result: { rows: 12 }, duration_ms: 840 },
    response: ActionStatus,
  },
  {
    method: 'post',
    path: '/api/agent-action/{id}/complete',
    scope: 'agent',
    tag: 'Actions',
    summary: 'Report the outcome (seed SDK path)',
    aliasOf: '/api/v1/actions/{id}/complete',
    body: Complete,
    response: ActionStatus,
  },
  {
    method: 'post',
    path: '/api/v1/actions/{id}/withdraw',
    scope: 'agent',
    tag: 'Actions',
    summary: 'The agent stopped waiting: end a pending action as withdrawn',
    description:
      'Hooks, the MCP proxy and the SDKs call this when they stop waiting (their own timeout, a cancel, the agent quitting), so no one can approve a request nobody waits for. The action is denied and never runs; a later approve or deny is a 409. Agent keys withdraw only their own actions; withdrawing again answers the same status.',
    body: named('WithdrawRequest', WithdrawRequestSchema),
    bodyOptional: true,
    example: { reason: 'hook timed out after 590 s' },
    response: ActionStatus,
  },
  {
    method: 'post',
    path: '/api/v1/hooks/{agent}',
    scope: 'agent',
    tag: 'Hooks',
    summary: 'An agent\u2019s hook input in, exactly what the hook prints and exits with out',
    description:
      'agent: claude-code, codex, gemini, cursor, copilot, windsurf or cline. The body is the JSON the agent writes on its hook\u2019s stdin, as is. The answer is `{stdout, stderr, exit_code}` in the agent\u2019s own form: deny with the reason; allow only for an explicit allow policy or a person\u2019s approval (else no opinion, unless the setting `hook_fallback` is `allow`); a pending approval is held up to `wait` seconds, then withdrawn and answered `ask` where the agent can ask, `deny` where it cannot; garbage input or an internal error is answered `ask` (or the blocking form) per `on_error`. `format=raw` answers `gatehouse-hook/1 <exit code>`, a stderr line and the stdout bytes as text/plain (the sh transport).',
    query: HookQuerySchema,
    body: named('HookInput', z.record(z.string(), z.unknown())),
    example: {
      session_id: 'sess-1',
      cwd: '/home/dev/app',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'docker system prune -af' },
      tool_use_id: 'toolu_01',
    },
    response: named('HookAnswer', HookAnswerSchema),
    produces: ['text/plain'],
  },
  {
    method: 'get',
    path: '/api/v1/integrations',
    scope: 'admin',
    tag: 'Hooks',
    summary: 'Every coding agent found on this machine, whether the Gatehouse hook is wired into it, and its last call',
    response: named('Integrations', IntegrationsSchema),
  },
  {
    method: 'get',
    path: '/api/sdk/approval/{approval_id}',
    scope: 'agent',
    tag: 'Actions',
    summary: 'An approval and its answer (seed SDK path)',
    response: named('Approval', ApprovalSchema),
  },
  {
    method: 'get',
    path: '/api/v1/actions',
    scope: 'agent',
    tag: 'Actions',
    summary: 'List actions, newest first',
    description:
      'An agent key sees only the actions it submitted; an admin sees all. Cursor pagination: pass `next_cursor` back as `cursor`.',
    query: ActionQuerySchema,
    response: named('ActionStatusPage', pageOf(ActionStatusSchema)),
  },

  // --- agents
  {
    method: 'post',
    path: '/api/v1/agents/register',
    scope: 'agent',
    tag: 'Agents',
    summary: 'Register (or update) an agent',
    body: named('AgentRegister', AgentRegisterSchema),
    response: named('Agent', AgentSchema),
  },
  {
    method: 'get',
    path: '/api/v1/agents',
    scope: 'admin',
    tag: 'Agents',
    summary: 'List agents with their counts',
    response: named('AgentPage', pageOf(AgentSchema)),
  },

  // --- MCP
  {
    method: 'post',
    path: '/mcp/governance/evaluate',
    scope: 'agent',
    tag: 'MCP',
    summary: 'Evaluate an MCP tool call',
    description: 'Answers with the seeds\u2019 upper-case decisions: `ALLOW`, `DENY` or `REQUIRE_APPROVAL`.',
    body: named('McpEvaluate', McpEvaluateSchema),
    response: named('McpDecision', McpDecisionSchema),
  },
  {
    method: 'post',
    path: '/mcp/servers/register',
    scope: 'agent',
    tag: 'MCP',
    summary: 'Register an MCP server and its tools',
    description: 'A changed tool list for a known server raises an `alert.triggered` event.',
    body: named('McpServerRegister', McpServerRegisterSchema),
    response: named('McpServer', McpServerSchema),
  },
  {
    method: 'get',
    path: '/mcp/servers',
    scope: 'admin',
    tag: 'MCP',
    summary: 'List MCP servers',
    response: named('McpServerPage', pageOf(McpServerSchema)),
  },
  {
    method: 'get',
    path: '/mcp/servers/{server_id}/tools/{tool}',
    scope: 'agent',
    tag: 'MCP',
    summary: 'A tool\u2019s pin',
    description:
      'The pinned definition of a tool (SHA-256 of the JCS of the tool object) and any changed definition waiting to be accepted. The MCP proxy refuses calls to a tool whose current definition is not its pin.',
    response: named('McpToolPin', McpToolPinSchema),
  },
  {
    method: 'post',
    path: '/mcp/servers/{server_id}/tools/{tool}/accept',
    scope: 'admin',
    tag: 'MCP',
    summary: 'Accept a changed tool definition',
    description:
      'The pending definition becomes the pin and the tool\u2019s calls are evaluated again. With `sha256`, the accept applies only if that is still the pending definition (409 otherwise); 409 as well when nothing is pending.',
    body: named('McpToolAccept', McpToolAcceptSchema),
    bodyOptional: true,
    example: { sha256: '9f2c'.padEnd(64, '0') },
    response: named('McpToolPin', McpToolPinSchema),
  },
  {
    method: 'post',
    path: '/mcp/policies',
    scope: 'admin',
    tag: 'MCP',
    summary: 'Create a policy in the seeds\u2019 form',
    description: '`{name, conditions, action, priority}` is mapped onto a policy (SPEC 3.4).',
    body: named('SeedPolicy', SeedPolicySchema),
    response: PolicyView,
    status: 201,
  },

  // --- policies
  {
    method: 'get',
    path: '/api/v1/policies',
    scope: 'admin',
    tag: 'Policies',
    summary: 'List policies',
    response: named('PolicyViewPage', pageOf(PolicyViewSchema)),
  },
  {
    method: 'post',
    path: '/api/v1/policies',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Create a policy',
    description: 'Conditions are validated deeply: a bad operator or regex is a 400 naming its path.',
    body: named('Policy', PolicySchema),
    example: POLICY_EXAMPLE,
    response: PolicyView,
    status: 201,
  },
  {
    method: 'post',
    path: '/api/v1/policies/test',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Test an action against the policies, with a trace',
    description: 'Against the live set, or the given draft `policies`. Nothing is recorded.',
    body: named('PolicyTestRequest', PolicyTestRequestSchema),
    response: named('PolicyTestResult', PolicyTestResultSchema),
  },
  {
    method: 'post',
    path: '/api/v1/policies/simulate',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Replay recent actions against a draft policy set',
    body: named('SimulateRequest', SimulateRequestSchema),
    response: named('SimulateResult', SimulateResultSchema),
  },
  {
    method: 'get',
    path: '/api/v1/policies/export',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Export the policy file (YAML or JSON)',
    query: PolicyExportQuery,
    produces: ['application/yaml', 'application/json'],
    responseDescription: 'The policy file (SPEC 3.4), round-trippable through import.',
  },
  {
    method: 'post',
    path: '/api/v1/policies/import',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Import a policy file, atomically',
    description:
      'The whole file is validated first and applied all or nothing. Send YAML (`application/yaml`) or JSON; a JSON body may also wrap the file as `{"content": "..."}`.',
    body: named('PolicyFile', PolicyFileSchema),
    bodyTypes: ['application/yaml', 'text/yaml', 'text/plain'],
    response: named('PolicyImportResult', PolicyImportResultSchema),
  },
  { method: 'get', path: '/api/v1/policies/{id}', scope: 'admin', tag: 'Policies', summary: 'Get a policy', response: PolicyView },
  {
    method: 'put',
    path: '/api/v1/policies/{id}',
    scope: 'admin',
    tag: 'Policies',
    summary: 'Replace a policy',
    body: named('Policy', PolicySchema),
    example: POLICY_EXAMPLE,
    response: PolicyView,
  },
  { method: 'delete', path: '/api/v1/policies/{id}', scope: 'admin', tag: 'Policies', summary: 'Delete a policy', response: Deleted },

  // --- approvals
  {
    method: 'get',
    path: '/api/v1/approvals',
    scope: 'admin',
    tag: 'Approvals',
    summary: 'Pending approvals with their actions',
    query: ApprovalQuerySchema,
    response: named('PendingApprovalPage', pageOf(PendingApprovalSchema)),
  },
  {
    method: 'post',
    path: '/api/v1/approvals/{action_id}/approve',
    scope: 'admin',
    tag: 'Approvals',
    summary: 'Approve a pending action',
    description:
      '`remember` other than `once` also creates a policy for the same agent, action type and resource (or `pattern`); with `apply_to_pending` every other pending request that policy matches is answered in the same commit (listed in `also_resolved`). A resolved approval cannot be resolved again (409).',
    body: Resolve,
    example: { remember: '1h', comment: 'Fine for this sprint', apply_to_pending: true },
    bodyOptional: true,
    response: ResolveResult,
  },
  {
    method: 'post',
    path: '/api/v1/approvals/{action_id}/deny',
    scope: 'admin',
    tag: 'Approvals',
    summary: 'Deny a pending action',
    description: 'As approve, with a deny policy for `remember`.',
    body: Resolve,
    bodyOptional: true,
    response: ResolveResult,
  },

  // --- audit
  {
    method: 'get',
    path: '/api/v1/audit',
    scope: 'admin',
    tag: 'Audit',
    summary: 'Audit records, newest first',
    query: AuditQuerySchema,
    response: named('AuditRecordPage', pageOf(AuditRecordSchema)),
  },
  {
    method: 'get',
    path: '/api/v1/audit/export',
    scope: 'admin',
    tag: 'Audit',
    summary: 'Streamed export (JSONL, CSV or CEF)',
    description: 'JSONL holds exactly the chained records (SPEC 7.1), one a line, verifiable offline.',
    query: AuditExportQuerySchema,
    produces: ['application/x-ndjson', 'text/csv', 'text/plain'],
    responseDescription: 'The records in the chosen format, streamed.',
  },
  {
    method: 'get',
    path: '/api/v1/audit/verify',
    scope: 'admin',
    tag: 'Audit',
    summary: 'Verify the hash chain',
    response: named('VerifyResult', VerifyResultSchema),
  },

  // --- events and webhooks
  {
    method: 'get',
    path: '/api/v1/events',
    scope: 'admin',
    tag: 'Events',
    summary: 'Server-Sent Events: the live event stream',
    description:
      'Each event is `id: <evt id>`, `event: <name>`, `data: <envelope JSON>`. A `: ping` comment every 15 s; `retry: 3000` first. `Last-Event-ID` replays recent events missed while reconnecting.',
    query: EventsQuerySchema,
    produces: ['text/event-stream'],
    response: named('EventEnvelope', EventEnvelopeSchema),
    responseDescription: 'A stream of events; each `data` line is one EventEnvelope.',
  },
  {
    method: 'get',
    path: '/api/v1/webhooks',
    scope: 'admin',
    tag: 'Events',
    summary: 'List webhooks (secrets are never shown)',
    response: named('WebhookViewPage', pageOf(WebhookViewSchema)),
  },
  {
    method: 'post',
    path: '/api/v1/webhooks',
    scope: 'admin',
    tag: 'Events',
    summary: 'Create a webhook',
    description:
      'Deliveries are POSTed with `X-Request-Timestamp` and, with a secret, `X-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Non-2xx answers are retried with backoff (5 s, 30 s, 2 min, 10 min, 30 min, then hourly) for 24 h. `format: slack` sends `{"text": ...}`.',
    body: named('WebhookCreate', WebhookCreateSchema),
    example: {
      url: 'https://hooks.example.com/gatehouse',
      events: ['approval.requested', 'action.denied', 'alert.triggered'],
      secret: 'a-long-shared-secret',
      format: 'json',
    },
    response: named('WebhookView', WebhookViewSchema),
    status: 201,
  },
  {
    method: 'delete',
    path: '/api/v1/webhooks/{id}',
    scope: 'admin',
    tag: 'Events',
    summary: 'Delete a webhook and its queued deliveries',
    response: Deleted,
  },
  {
    method: 'get',
    path: '/api/v1/webhooks/{id}/deliveries',
    scope: 'admin',
    tag: 'Events',
    summary: 'Deliveries of a webhook, newest first, with every attempt',
    query: DeliveryQuerySchema,
    response: named('DeliveryPage', pageOf(DeliverySchema)),
  },
  {
    method: 'post',
    path: '/api/v1/webhooks/{id}/test',
    scope: 'admin',
    tag: 'Events',
    summary: 'Queue a test delivery (an `alert.triggered`-shaped event) to this webhook',
    response: named('Delivery', DeliverySchema),
    status: 202,
  },

  // --- settings, keys, stats
  { method: 'get', path: '/api/v1/settings', scope: 'admin', tag: 'Settings', summary: 'Current settings', response: Settings },
  {
    method: 'put',
    path: '/api/v1/settings',
    scope: 'admin',
    tag: 'Settings',
    summary: 'Change settings (only the given keys)',
    body: named('SettingsPatch', SettingsPatchSchema),
    response: Settings,
  },
  {
    method: 'get',
    path: '/api/v1/keys',
    scope: 'admin',
    tag: 'Keys',
    summary: 'List keys (no secrets)',
    response: named('KeyViewPage', pageOf(KeyViewSchema)),
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    scope: 'admin',
    tag: 'Keys',
    summary: 'Create a key (the secret is shown once)',
    body: named('KeyCreate', KeyCreateSchema),
    example: { name: 'ci runner', scope: 'agent', agent_id: 'ci-bot' },
    response: named('KeyCreated', KeyCreatedSchema),
    status: 201,
  },
  {
    method: 'delete',
    path: '/api/v1/keys/{id}',
    scope: 'admin',
    tag: 'Keys',
    summary: 'Revoke a key (effective immediately)',
    response: named('KeyView', KeyViewSchema),
  },
  {
    method: 'get',
    path: '/api/v1/stats',
    scope: 'admin',
    tag: 'Stats',
    summary: 'Counts by decision, risk level, agent and action type; timeline; approval latency',
    description:
      'The timeline counts each action by the decision it got at submit time (pending = held for approval). Latency covers approvals answered by a person.',
    query: StatsQuerySchema,
    response: named('Stats', StatsSchema),
  },

  // --- gateways (SPEC 9.5): the same endpoint under every method a gateway may use
  ...(['get', 'post', 'put', 'patch', 'delete'] as const).map((method): RouteDoc => ({
    method,
    path: '/api/v1/authz/forward',
    scope: 'agent',
    tag: 'Gateways',
    summary: 'Forward-auth: may this proxied request through?',
    description: FORWARD_AUTH_DOC,
    query: ForwardAuthQuerySchema,
    response: Decision,
    responseDescription:
      'Allowed: let the request through. Headers `X-Gatehouse-Action-Id`, `X-Gatehouse-Decision`, `X-Gatehouse-Risk` (score), `X-Gatehouse-Risk-Level`. The same Decision body comes with 403 when denied, or when pending (then with `X-Gatehouse-Pending: <action_id>`).',
  })),

  // --- reports (SPEC 13)
  {
    method: 'get',
    path: '/api/v1/reports/brief',
    scope: 'admin',
    tag: 'Reports',
    summary: 'The executive brief (HTML, PDF or its data as JSON)',
    description:
      'Security posture (enforcement, policies by effect, agents and their trust), risk trend, decisions and approval latency (inline SVG charts), the riskiest actions with their factors, policy and configuration changes, denied bursts and alerts, chain verification and the latest signed checkpoint, and compliance notes (retention, where the log is forwarded), over the last 7 or 30 days. The HTML is one self-contained file (no script, font or fetch); the PDF is printed from it by Chromium (503 when no Chromium is installed: use `format=html`); `json` is the data both are made from.',
    query: BriefQuerySchema,
    response: named('Brief', BriefSchema),
    produces: ['application/json', 'text/html', 'application/pdf'],
    responseDescription: 'The brief in the requested format.',
  },

  // --- console session
  {
    method: 'post',
    path: '/api/session/login',
    scope: 'none',
    tag: 'Console',
    summary: 'Exchange a one-time login token for a session cookie',
    body: LoginRequest,
    response: Session,
  },
  { method: 'post', path: '/api/session/logout', scope: 'none', tag: 'Console', summary: 'End the console session', response: Session },
  { method: 'get', path: '/api/session', scope: 'none', tag: 'Console', summary: 'Whether this browser has a session', response: Session },
  {
    method: 'post',
    path: '/api/v1/console/login-url',
    scope: 'admin',
    tag: 'Console',
    summary: 'A fresh one-time console login URL (`gatehouse open`)',
    response: Url,
  },

  // --- docs
  {
    method: 'get',
    path: '/api/openapi.json',
    scope: 'none',
    tag: 'Docs',
    summary: 'This OpenAPI 3.1 document, generated from the zod schemas',
    response: Openapi,
  },
  { method: 'get', path: '/api/docs', scope: 'none', tag: 'Docs', summary: 'A readable page of every endpoint', produces: ['text/html'] },
];
