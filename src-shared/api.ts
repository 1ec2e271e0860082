import { z } from 'zod';
import {
  ActionQuerySchema,
  ActionRequestSchema,
  ActionStatusSchema,
  MAX_ACTION_VALUES,
  MAX_CONDITION_VALUES,
  AgentQuerySchema,
  AgentRegisterSchema,
  AgentSchema,
  ApprovalQuerySchema,
  ApprovalSchema,
  AuditExportQuerySchema,
  EXPORT_RECORDS_HEADER,
  AuditQuerySchema,
  AuditRecordSchema,
  CompleteRequestSchema,
  DecisionSchema,
  DeliveryQuerySchema,
  DeliverySchema,
  DeploymentInfoSchema,
  EventEnvelopeSchema,
  EventsQuerySchema,
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
  McpToolPinQuerySchema,
  McpToolPinSchema,
  PendingApprovalSchema,
  PolicyFileSchema,
  PolicyIdSchema,
  PolicyImportResultSchema,
  PolicySchema,
  PolicyTestRequestSchema,
  PolicyTestResultSchema,
  PolicyViewSchema,
  ResolveRequestSchema,
  ResolveResultSchema,
  SeedPolicySchema,
  policyOrSeedSchema,
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
  WebhookCreateSchema,
  WebhookViewSchema,
  AuditProofQuerySchema,
  AuditProofSchema,
  AuditArchivesSchema,
  ConsistencyQuerySchema,
  ConsistencyProofSchema,
  PublicKeyViewSchema,
  SinkCreateSchema,
  SinkStatusSchema,
  SinkViewSchema,
  WithdrawRequestSchema,
  WorkflowSchema,
  WorkflowViewSchema,
  AbTestCreateSchema,
  AbTestSchema,
  pageOf,
  type ErrorCode,
} from './index.js';
import { ROUTES, type RouteName } from './routes.js';

export { pathOf, ROUTES, type RouteName } from './routes.js';

/**
 * The HTTP API, declared once. Each endpoint names its method, path, scope, request and response
 * schemas and its documentation here; from this one table the server registers its handlers (a
 * handler map that must cover every name, `src-main/http/endpoints.ts`), validates bodies and
 * queries, answers 405 for other methods, and serves the OpenAPI document; the typed client takes
 * its paths and its method types from it too.
 */

/** `none`: public. `agent`: an agent or admin key (or the console). `admin`: admin key or console. */
export type Scope = 'none' | 'agent' | 'admin';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

/** A schema with the name it has under `components/schemas`. */
export interface Named<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
}
const named = <S extends z.ZodType>(name: string, schema: S): Named<S> => ({ name, schema });

export const TAGS = {
  Service: 'Health and deployment information. Public.',
  Actions: 'Submit actions for a decision, wait for it, report the outcome (SPEC 2). The seeds\u2019 SDK paths answer the same.',
  Agents: 'Agents (SPEC 2.5).',
  MCP: 'The seeds\u2019 MCP governance API (SPEC 9.2).',
  Policies: 'Policies: CRUD, test with a trace, simulate against history, import and export (SPEC 3).',
  Approvals: 'The approvals inbox and its answers (SPEC 4). Admin only: an agent key never approves.',
  Audit: 'The tamper-evident audit log: query, verify, export; signed checkpoints and Merkle proofs (SPEC 7, 7.6).',
  Sinks: 'SIEM forwarding: every audit record, in order, at least once, to Splunk HEC, syslog, OTLP/HTTP or a file (SPEC 7.8).',
  Events: 'Live events (Server-Sent Events) and webhooks with signed, retried deliveries (SPEC 7.3, 7.4).',
  Settings: 'Decision thresholds, enforcement mode and rate limit (SPEC 3.5).',
  Keys: 'API keys: listed without secrets, created with the secret shown once, revoked (SPEC 5).',
  Stats: 'Dashboard statistics.',
  Hooks: 'Coding agents\u2019 own pre-tool hooks answered in their own form (SPEC 9.1, 9.4), and which agents are wired.',
  Reports: 'The executive brief: a self-contained report for someone who will not open the console (SPEC 13).',
  Gateways:
    'Forward-auth for API gateways: nginx `auth_request`, Traefik `ForwardAuth`, Caddy `forward_auth`, Envoy HTTP `ext_authz` (SPEC 9.5).',
  Workflows:
    'Approval workflows (SPEC 11): steps answered by named approvers (admin keys made with `--approver`; the console is `owner`), each with a required count and a timeout, and escalation. A `require_approval` policy names one with `approval: {workflow: "<id>"}`.',
  ABTests:
    'A/B tests of policies (SPEC 12): `traffic_split` % of the actions the control policy decides are decided by the test policy instead, by a stable hash of the action; per-arm reports. Also under the seeds\u2019 `/api/ab-tests`.',
  Console: 'The console\u2019s login: a one-time token exchanged for an HttpOnly session cookie.',
  Docs: 'This document and the docs page. Public.',
} as const;
export type Tag = keyof typeof TAGS;

export interface Endpoint {
  method: Method;
  /** OpenAPI form: `/api/v1/actions/{id}/status`. */
  path: string;
  /** The last path parameter is the rest of the path, slashes included (Envoy's form of forward-auth). */
  pathRest?: boolean;
  scope: Scope;
  tag: Tag;
  summary: string;
  description?: string;
  /**
   * The canonical path this one answers exactly like (the seeds' aliases; forward-auth under other
   * methods and in Envoy's form). It has no handler of its own: the canonical endpoint's answers.
   */
  aliasOf?: string;
  query?: z.ZodObject;
  body?: Named;
  /** A hand-written request example for the docs. */
  example?: unknown;
  /** The body may be omitted (approve/deny take defaults). */
  bodyOptional?: boolean;
  /** Media types accepted besides JSON (policy import takes YAML). */
  bodyTypes?: readonly string[];
  /**
   * At most this many JSON values (members and items) in the body, else a 413: a body is read,
   * checked and acted on on the server's main thread, and every value costs time there (principle 5).
   * Default MAX_ACTION_VALUES (see valuesLimit); endpoints that take whole documents (policies, MCP
   * tool lists, an outcome's result) say DOCUMENT_VALUES.
   */
  maxValues?: number;
  /** The handler reads the body itself (other media types, its own size limit); `body` then only documents it. */
  rawBody?: boolean;
  response?: Named;
  /** Success status (default 200). */
  status?: number;
  /** Non-JSON success media types (streams and downloads); `application/json` among them uses `response`. */
  produces?: readonly string[];
  responseDescription?: string;
  /** Headers of the success response worth documenting: name → what it holds (an integer or a string). */
  responseHeaders?: Readonly<Record<string, { description: string; type: 'integer' | 'string' }>>;
  /** Error codes this endpoint answers beyond those its shape implies (scope, body, query, path, method). */
  errors?: readonly ErrorCode[];
  /** A 403 that carries the `response` body rather than an error (forward-auth's "no"), and what it means. */
  refusal?: string;
}

/** What "the whole body" allows: more values than 1 MiB of JSON can hold (each takes at least 2 bytes). */
export const DOCUMENT_VALUES = 600_000;

/**
 * What one policy's body may hold: its conditions' limit (MAX_CONDITION_VALUES, a 400 naming the
 * field past it) and room for the rest; a body past this is not even parsed (413).
 */
export const POLICY_BODY_VALUES = 2 * MAX_CONDITION_VALUES;

/**
 * What the policy lab's bodies (a test, a simulation) may hold: a draft set of ~10,000 small policies,
 * or an action to test (which a submit would refuse past MAX_ACTION_VALUES anyway). Such a body is
 * parsed and checked on the main thread: ~25 ms at this size in the costliest shape (nested lists),
 * 100-130 ms at 1 MiB.
 */
export const LAB_BODY_VALUES = 100_000;

/** The JSON values an endpoint's body may hold (undefined: it reads its body itself, or has none). */
export function valuesLimit(e: Pick<Endpoint, 'body' | 'rawBody' | 'maxValues'>): number | undefined {
  if (!e.body || e.rawBody) return e.maxValues;
  return e.maxValues ?? MAX_ACTION_VALUES;
}

const Deleted = named('Deleted', z.object({ deleted: z.string() }));
const ActionStatus = named('ActionStatus', ActionStatusSchema);
const Decision = named('Decision', DecisionSchema);
const PolicyView = named('PolicyView', PolicyViewSchema);
const Submit = named('ActionRequest', ActionRequestSchema);
const Complete = named('CompleteRequest', CompleteRequestSchema);
const Resolve = named('ResolveRequest', ResolveRequestSchema);
const ResolveResult = named('ResolveResult', ResolveResultSchema);
const McpToolPin = named('McpToolPin', McpToolPinSchema);
const Settings = named('Settings', SettingsSchema);
const Session = named('Session', SessionSchema);
const WorkflowView = named('WorkflowView', WorkflowViewSchema);
const AbTest = named('AbTest', AbTestSchema);
const AbTestCreate = named('AbTestCreate', AbTestCreateSchema);

const WORKFLOW_EXAMPLE = {
  name: 'High Value Transaction Workflow',
  steps: [
    { approvers: ['team-lead'], required: 1, timeout_hours: 4 },
    { approvers: ['finance-manager', 'compliance-officer'], required: 1, timeout_hours: 24 },
  ],
  escalation: { timeout_action: 'escalate', escalation_approvers: ['vp-finance'] },
};
const AB_TEST_EXAMPLE = {
  name: 'New Refund Policy Test',
  control_policy: 'refunds-approval',
  test_policy: 'refunds-approval-v2',
  traffic_split: 10,
  duration_days: 7,
};
const AB_TEST_TEXT =
  'During the test, `traffic_split` % of the actions the control policy decides are decided by the test policy instead (the set with the control policy replaced by the test policy), assigned by a stable hash of `agent_id` + `session_id` + `action_type` + `resource`: a retry lands in the same arm. Both arms are evaluated for every action in the test; each `action.decided` record carries `ab_test: {id, arm, other_arm_decision, other_arm_policy}`. The test ends by itself after `duration_days`. The control policy must be an enforced policy. While the test runs, the test policy takes no part in normal evaluation, whatever its own `enabled` and `mode`: it decides only the actions of its arm (it may be enabled and enforced, disabled, or `shadow`; shadow policies stay the zero-risk variant). A policy cannot be the control of one running test and the test policy of another (409 naming the field).';
const abCreate = {
  scope: 'admin',
  tag: 'ABTests',
  summary: 'Start an A/B test of two policies',
  description: AB_TEST_TEXT,
  body: AbTestCreate,
  example: AB_TEST_EXAMPLE,
  response: AbTest,
  status: 201,
  errors: ['conflict'],
} as const;
const abList = {
  scope: 'admin',
  tag: 'ABTests',
  summary: 'A/B tests with their per-arm reports',
  response: named('AbTestPage', pageOf(AbTestSchema)),
} as const;
const abGet = {
  scope: 'admin',
  tag: 'ABTests',
  summary: 'An A/B test and its per-arm report',
  description:
    'Per arm: actions, decisions by final outcome (each action\u2019s current `decision`: a held action counts as `pending` only while it waits; approved counts as `allowed`, rejected and withdrawn as `denied`, expired as its timeout action decided), approvals asked and answered, approval rate, median approval latency, and how many actions the other arm would have decided differently (counted, not estimated).',
  response: AbTest,
} as const;
const abStop = { scope: 'admin', tag: 'ABTests', summary: 'Stop an A/B test now', response: AbTest, errors: ['conflict'] } as const;
/** PUT takes the id from the path; one in the body must agree with it. */
export const PolicyUpdateSchema = PolicySchema.extend({ id: PolicyIdSchema.optional() });
/** What POST /api/v1/policies takes: a policy, or the seeds' Terraform / MCP form (SPEC 3.4: a Terraform provider creates its `ascend_policy` here). */
export const PolicyCreateBodySchema = policyOrSeedSchema(PolicySchema);
/** What PUT /api/v1/policies/{id} takes: a policy (id optional), or the seeds' form. */
export const PolicyUpdateBodySchema = policyOrSeedSchema(PolicyUpdateSchema);
export const PolicyExportQuerySchema = z.object({ format: z.enum(['yaml', 'json']).default('yaml') }).strict();
/** What policy import takes as JSON: the file (`version` may be left out), a bare list of policies, or `{content}` holding YAML or JSON text. */
export const PolicyImportBodySchema = z.union([
  PolicyFileSchema.extend({ version: z.literal(1).optional() }),
  z.array(z.unknown()),
  z.object({ content: z.string() }).strict(),
]);
export const LoginRequestSchema = z.object({ token: z.string().min(1).max(200) }).strict();

const SUBMIT_EXAMPLE = {
  agent_id: 'data-analyst',
  action_type: 'database.delete',
  resource: 'postgres://prod/users',
  tool_name: 'postgresql',
  environment: 'production',
  description: 'Delete old audit logs',
  parameters: { sql: "DELETE FROM users WHERE last_login < '2020-01-01'" },
  context: { is_production: true, estimated_rows: 10000, has_backup: true },
};

/** How the policies API takes the seeds' form (SPEC 3.4), said on POST and PUT. */
const SEED_FORM_TEXT =
  'The body is a policy, or (no `effect`; `action` or `conditions`) the seeds\u2019 Terraform / MCP form `{name, description, conditions, action, approvers, priority}`, `conditions` an object or a JSON string (Terraform\u2019s `jsonencode`), mapped onto a policy exactly as `POST /mcp/policies` and policy import map it: `approvers` with `require_approval` / `escalate` make the workflow `<id>-approvers`, and a 400 names the seed field at fault.';

const POLICY_EXAMPLE = {
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
const SUBMIT_TEXT =
  'Risk is scored, policies are evaluated, and the action is allowed, denied or held for approval. `risk_context` is accepted as an alias of `context`; unknown fields are a 400. An agent key bound to an agent submits as that agent. The same `idempotency_key` from the same agent with the same request answers the first decision; with a different request it is a 409.';

const submit = {
  scope: 'agent',
  tag: 'Actions',
  body: Submit,
  maxValues: MAX_ACTION_VALUES,
  example: SUBMIT_EXAMPLE,
  response: Decision,
  errors: ['conflict'],
} as const;
const status = { scope: 'agent', tag: 'Actions', description: STATUS_WAIT, query: StatusWaitQuerySchema, response: ActionStatus } as const;
const complete = {
  scope: 'agent',
  tag: 'Actions',
  body: Complete,
  // An outcome's result may hold many rows (it is stored cut to a preview). The handler reads the
  // body itself: a big report is read and reduced off the main thread (services/outcome.ts).
  rawBody: true,
  maxValues: DOCUMENT_VALUES,
  response: ActionStatus,
  errors: ['conflict'],
} as const;
const resolve = {
  scope: 'admin',
  tag: 'Approvals',
  body: Resolve,
  bodyOptional: true,
  response: ResolveResult,
  errors: ['conflict'],
} as const;

const forwardAuth = {
  scope: 'agent',
  tag: 'Gateways',
  response: Decision,
  responseDescription:
    'Allowed: let the request through. Headers `X-Gatehouse-Action-Id`, `X-Gatehouse-Decision`, `X-Gatehouse-Risk` (score), `X-Gatehouse-Risk-Level`. The same Decision body comes with 403 when denied, or when pending (then with `X-Gatehouse-Pending: <action_id>`).',
  refusal:
    'Denied, or still pending (then with `X-Gatehouse-Pending: <action_id>`): the Decision body says why. Also a refused Host/Origin or a key bound to another agent, with the error body.',
  // A misconfigured gateway (a missing or bad X-Forwarded-* header) is a 400 naming it; every check
  // submits an action, so the store may refuse it like any write.
  errors: ['invalid_request', 'unavailable'],
} as const;
const forwardAuthAlias = {
  query: ForwardAuthQuerySchema,
  summary: 'Forward-auth (the same check under another method)',
  aliasOf: '/api/v1/authz/forward',
} as const;
/** Envoy's form: the original path after the endpoint's; the query string is the original's, so there is no `?wait=`. */
const envoy = {
  ...forwardAuth,
  summary: 'Forward-auth, Envoy ext_authz form (the original path after the endpoint)',
  description:
    'Envoy\u2019s HTTP `ext_authz` with `path_prefix: /api/v1/authz/forward`: the check request itself is the original one (its method, its Host, the path after the prefix; forwarded headers are ignored), and `X-Gatehouse-Wait: <seconds>` replaces `?wait=`. The Host check lets a foreign Host through here only for a request with an API key and no sign of a browser.',
  pathRest: true,
  aliasOf: '/api/v1/authz/forward',
} as const;

/** Method and path of endpoint `name`, from ROUTES. */
const at = <N extends RouteName>(name: N) => ({ method: ROUTES[name][0], path: ROUTES[name][1] });

/** How a tool or server the URL path cannot carry (`.`, `..`) is named instead (routes.ts `NAME_ELSEWHERE`). */
const MCP_NAMES_ELSEWHERE = (where: 'body' | 'query') =>
  `URL parsers remove the path segments \`.\` and \`..\` (also percent-encoded), so a tool or server so named is given in the ${where} (\`tool\`, \`server_id\`) with \`-\` as its path segment; a name given both ways must be the same (400 naming the field otherwise). Any other name goes in the path, percent-encoded.`;

/** What a list whose filters one index cannot answer may return (storage/bounded-walk.ts). */
const PARTIAL_PAGES =
  'A page may hold fewer than `limit` items, even none, while `next_cursor` is set: a request reads the log for a bounded time (so that no request holds the server), and rare filters over a long history can need several requests to fill a page. The list ends only where `next_cursor` is null. ' +
  'Free text (`q`) and `agent_id` read the search index, which trails the log by milliseconds; after an upgrade or a rebuild it can be far behind, and such a request then waits a few seconds at most before a 503 that says how far the index has got, with `Retry-After`.';

export const API = {
  // --- service
  health: {
    ...at('health'),
    scope: 'none',
    tag: 'Service',
    summary: 'Liveness, version and uptime',
    response: named('Health', HealthSchema),
  },
  deploymentInfo: {
    ...at('deploymentInfo'),
    scope: 'none',
    tag: 'Service',
    summary: 'Version, API version and mode (desktop/headless)',
    response: named('DeploymentInfo', DeploymentInfoSchema),
  },

  // --- actions
  submit: { ...at('submit'), ...submit, summary: 'Submit an action; get the decision', description: SUBMIT_TEXT },
  submitSeed: { ...at('submitSeed'), ...submit, summary: 'Submit an action (seed SDK path)', aliasOf: '/api/v1/actions/submit' },
  status: { ...at('status'), ...status, summary: 'The status of an action' },
  statusSeed: {
    ...at('statusSeed'),
    ...status,
    summary: 'The status of an action (seed SDK path)',
    aliasOf: '/api/v1/actions/{id}/status',
  },
  complete: {
    ...at('complete'),
    ...complete,
    summary: 'Report the outcome of an allowed or approved action',
    example: { status: 'success', result: { rows: 12 }, duration_ms: 840 },
  },
  completeSeed: {
    ...at('completeSeed'),
    ...complete,
    summary: 'Report the outcome (seed SDK path)',
    aliasOf: '/api/v1/actions/{id}/complete',
  },
  withdraw: {
    ...at('withdraw'),
    scope: 'agent',
    tag: 'Actions',
    summary: 'The agent stopped waiting: end a pending action as withdrawn',
    description:
      'Hooks, the MCP proxy and the SDKs call this when they stop waiting (their own timeout, a cancel, the agent quitting), so no one can approve a request nobody waits for. The action is denied and never runs; a later approve or deny is a 409. Agent keys withdraw only their own actions; withdrawing again answers the same status.',
    body: named('WithdrawRequest', WithdrawRequestSchema),
    bodyOptional: true,
    example: { reason: 'hook timed out after 590 s' },
    response: ActionStatus,
    errors: ['conflict'],
  },
  hook: {
    ...at('hook'),
    scope: 'agent',
    tag: 'Hooks',
    summary: 'An agent\u2019s hook input in, exactly what the hook prints and exits with out',
    description:
      'agent: claude-code, codex, gemini, cursor, copilot, windsurf or cline. The body is the JSON the agent writes on its hook\u2019s stdin, as is. The answer is `{stdout, stderr, exit_code}` in the agent\u2019s own form: deny with the reason; allow only for an explicit allow policy or a person\u2019s approval (else no opinion, unless the setting `hook_fallback` is `allow`); a pending approval is held up to `wait` seconds, then withdrawn and answered `ask` where the agent can ask, `deny` where it cannot; garbage input or an internal error is answered `ask` (or the blocking form) per `on_error`. `format=raw` answers `gatehouse-hook/1 <exit code>`, a stderr line and the stdout bytes as text/plain (the sh transport).',
    query: HookQuerySchema,
    body: named('HookInput', z.record(z.string(), z.unknown())),
    // The handler reads the body itself: garbage is answered in the agent's own form, and whole files may come (8 MiB).
    rawBody: true,
    example: {
      session_id: 'sess-1',
      cwd: '/home/dev/app',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'docker system prune -af' },
      tool_use_id: 'toolu_01',
    },
    response: named('HookAnswer', HookAnswerSchema),
    produces: ['application/json', 'text/plain'],
    responseDescription:
      'The hook\u2019s answer: JSON `{stdout, stderr, exit_code}`, or with `format=raw` the sh transport\u2019s text form.',
  },
  integrations: {
    ...at('integrations'),
    scope: 'admin',
    tag: 'Hooks',
    summary: 'Every coding agent found on this machine, whether the Gatehouse hook is wired into it, and its last call',
    response: named('Integrations', IntegrationsSchema),
  },
  approval: {
    ...at('approval'),
    scope: 'agent',
    tag: 'Actions',
    summary: 'An approval and its answer (seed SDK path)',
    response: named('Approval', ApprovalSchema),
  },
  listActions: {
    ...at('listActions'),
    scope: 'agent',
    tag: 'Actions',
    summary: 'List actions, newest first',
    description:
      'An agent key sees only the actions it submitted; an admin sees all. Cursor pagination: pass `next_cursor` back as `cursor`. ' +
      PARTIAL_PAGES,
    query: ActionQuerySchema,
    response: named('ActionStatusPage', pageOf(ActionStatusSchema)),
    errors: ['unavailable'],
  },

  // --- agents
  registerAgent: {
    ...at('registerAgent'),
    scope: 'agent',
    tag: 'Agents',
    summary: 'Register (or update) an agent',
    body: named('AgentRegister', AgentRegisterSchema),
    response: named('Agent', AgentSchema),
  },
  listAgents: {
    ...at('listAgents'),
    scope: 'admin',
    tag: 'Agents',
    summary: 'List agents with their counts, most recently seen first',
    description:
      'Cursor pagination: pass `next_cursor` back as `cursor` (null: the list ends). An agent seen while the pages are read moves to the front and is found by the next read.',
    query: AgentQuerySchema,
    response: named('AgentPage', pageOf(AgentSchema)),
  },

  // --- MCP
  mcpEvaluate: {
    ...at('mcpEvaluate'),
    scope: 'agent',
    tag: 'MCP',
    summary: 'Evaluate an MCP tool call',
    description: 'Answers with the seeds\u2019 upper-case decisions: `ALLOW`, `DENY` or `REQUIRE_APPROVAL`.',
    body: named('McpEvaluate', McpEvaluateSchema),
    maxValues: MAX_ACTION_VALUES,
    response: named('McpDecision', McpDecisionSchema),
  },
  registerMcpServer: {
    ...at('registerMcpServer'),
    scope: 'agent',
    tag: 'MCP',
    summary: 'Register an MCP server and its tools',
    description: 'A changed tool list for a known server raises an `alert.triggered` event.',
    body: named('McpServerRegister', McpServerRegisterSchema),
    // The handler reads the body itself: a big tool list is read and reduced off the main thread (services/mcp-registration.ts).
    rawBody: true,
    maxValues: DOCUMENT_VALUES,
    response: named('McpServer', McpServerSchema),
  },
  listMcpServers: {
    ...at('listMcpServers'),
    scope: 'admin',
    tag: 'MCP',
    summary: 'List MCP servers',
    response: named('McpServerPage', pageOf(McpServerSchema)),
  },
  mcpToolPin: {
    ...at('mcpToolPin'),
    scope: 'agent',
    tag: 'MCP',
    summary: 'A tool\u2019s pin',
    description:
      'The pinned definition of a tool (SHA-256 of the JCS of the tool object) and any changed definition waiting to be accepted. The MCP proxy refuses calls to a tool whose current definition is not its pin. ' +
      MCP_NAMES_ELSEWHERE('query'),
    query: McpToolPinQuerySchema,
    response: McpToolPin,
  },
  acceptMcpTool: {
    ...at('acceptMcpTool'),
    scope: 'admin',
    tag: 'MCP',
    summary: 'Accept a changed tool definition',
    description:
      'The pending definition becomes the pin and the tool\u2019s calls are evaluated again. With `sha256`, the accept applies only if that is still the pending definition (409 otherwise); 409 as well when nothing is pending. ' +
      MCP_NAMES_ELSEWHERE('body'),
    body: named('McpToolAccept', McpToolAcceptSchema),
    bodyOptional: true,
    example: { sha256: '9f2c'.padEnd(64, '0') },
    response: McpToolPin,
    errors: ['conflict'],
  },
  createSeedPolicy: {
    ...at('createSeedPolicy'),
    scope: 'admin',
    tag: 'MCP',
    summary: 'Create a policy in the seeds\u2019 form',
    description:
      '`{name, conditions, action, priority}` is mapped onto a policy (SPEC 3.4). `server_id` and `tool` match `mcp.server_id` / `mcp.tool` exactly; a `namespace` matches a call on the server of that id, a tool named it or starting with it then `_` `.` `/` `-`, or an `action_type` `namespace.*`; a `verb` matches a tool having it as a whole word between those separators, or an `action_type` `*.verb` (case-sensitive; `*` and `?` are wildcards). The created policy\u2019s description states the rule. `approvers` with `require_approval` / `escalate` make a one-step approval workflow `<id>-approvers` (SPEC 11: any one of them approves; it waits the settings\u2019 `approval_timeout_s`) created with the policy, which names it in `approval.workflow`; with any other action they are a 400 naming `approvers`. 409 when another policy already names a workflow of that id.',
    body: named('SeedPolicy', SeedPolicySchema),
    maxValues: POLICY_BODY_VALUES,
    response: PolicyView,
    status: 201,
    errors: ['conflict'],
  },

  // --- policies
  listPolicies: {
    ...at('listPolicies'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'List policies',
    response: named('PolicyViewPage', pageOf(PolicyViewSchema)),
  },
  createPolicy: {
    ...at('createPolicy'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Create a policy',
    description:
      'Conditions are validated deeply: a bad operator or regex is a 400 naming its path. An existing id is a 409. ' + SEED_FORM_TEXT,
    body: named('PolicyCreate', PolicyCreateBodySchema),
    maxValues: POLICY_BODY_VALUES,
    example: POLICY_EXAMPLE,
    response: PolicyView,
    status: 201,
    errors: ['conflict'],
  },
  testPolicy: {
    ...at('testPolicy'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Test an action against the policies, with a trace',
    description: 'Against the live set, or the given draft `policies`. Nothing is recorded.',
    body: named('PolicyTestRequest', PolicyTestRequestSchema),
    maxValues: LAB_BODY_VALUES,
    response: named('PolicyTestResult', PolicyTestResultSchema),
  },
  simulate: {
    ...at('simulate'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Replay recent actions against a draft policy set',
    body: named('SimulateRequest', SimulateRequestSchema),
    maxValues: LAB_BODY_VALUES,
    response: named('SimulateResult', SimulateResultSchema),
  },
  exportPolicies: {
    ...at('exportPolicies'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Export the policy file (YAML or JSON)',
    query: PolicyExportQuerySchema,
    produces: ['application/yaml', 'application/json'],
    response: named('PolicyExport', PolicyFileSchema),
    responseDescription: 'The policy file (SPEC 3.4), round-trippable through import: YAML text, or the same document as a JSON object.',
  },
  importPolicies: {
    ...at('importPolicies'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Import a policy file, atomically',
    description:
      'The whole file is validated first and applied all or nothing. A seed-form policy\u2019s `approvers` make its workflow `<id>-approvers` in the same step (see `POST /mcp/policies`); importing the file again updates it. Send YAML (`application/yaml`) or JSON; a JSON body may also wrap the file as `{"content": "..."}`. 409 when it would unmake a running A/B test\'s control or test policy (see PUT), or when a seed policy\u2019s `approvers` would replace a workflow another policy names.',
    body: named('PolicyImport', PolicyImportBodySchema),
    bodyTypes: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'],
    rawBody: true,
    response: named('PolicyImportResult', PolicyImportResultSchema),
    errors: ['conflict'],
  },
  getPolicy: { ...at('getPolicy'), scope: 'admin', tag: 'Policies', summary: 'Get a policy', response: PolicyView },
  updatePolicy: {
    ...at('updatePolicy'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Replace a policy',
    description:
      'The id comes from the path; an `id` in the body must be the same. 409 while a running A/B test uses the policy and the change would unmake it: its control stays enabled, enforced and deciding, its test policy deciding. ' +
      SEED_FORM_TEXT,
    body: named('PolicyUpdate', PolicyUpdateBodySchema),
    maxValues: POLICY_BODY_VALUES,
    example: POLICY_EXAMPLE,
    response: PolicyView,
    errors: ['conflict'],
  },
  deletePolicy: {
    ...at('deletePolicy'),
    scope: 'admin',
    tag: 'Policies',
    summary: 'Delete a policy',
    description: 'A policy a running A/B test uses (as its control or test policy) cannot be deleted (409): stop the test first.',
    response: Deleted,
    errors: ['conflict'],
  },

  // --- approvals
  pendingApprovals: {
    ...at('pendingApprovals'),
    scope: 'admin',
    tag: 'Approvals',
    summary: 'Pending approvals with their actions',
    description:
      'Pending ones soonest expiry first, answered ones (`status`) most recent first. Cursor pagination: pass `next_cursor` back as `cursor` with the same `status` (null: the list ends).',
    query: ApprovalQuerySchema,
    response: named('PendingApprovalPage', pageOf(PendingApprovalSchema)),
  },
  approve: {
    ...at('approve'),
    ...resolve,
    summary: 'Approve a pending action',
    description:
      '`remember` other than `once` also creates a policy for the same agent, action type and resource (or `pattern`); with `apply_to_pending` every other pending request that policy matches is answered in the same commit (listed in `also_resolved`). A resolved approval cannot be resolved again (409).',
    example: { remember: '1h', comment: 'Fine for this sprint', apply_to_pending: true },
  },
  deny: { ...at('deny'), ...resolve, summary: 'Deny a pending action', description: 'As approve, with a deny policy for `remember`.' },

  // --- audit
  audit: {
    ...at('audit'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'Audit records, newest first',
    description: `Cursor pagination: pass \`next_cursor\` back as \`cursor\`. ${PARTIAL_PAGES}`,
    query: AuditQuerySchema,
    response: named('AuditRecordPage', pageOf(AuditRecordSchema)),
    errors: ['unavailable'],
  },
  exportAudit: {
    ...at('exportAudit'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'Streamed export (JSONL, CSV or CEF)',
    description: 'JSONL holds exactly the chained records (SPEC 7.1), one a line, verifiable offline.',
    query: AuditExportQuerySchema,
    produces: ['application/x-ndjson', 'text/csv', 'text/plain'],
    responseDescription: 'The records in the chosen format, streamed.',
    responseHeaders: {
      [EXPORT_RECORDS_HEADER]: {
        type: 'integer',
        description:
          'How many records the export holds (CSV\u2019s header line not counted), known before they stream: for a progress bar. Absent when `include_archive=true` is combined with `since` or `until` (the archived records of a time window are only known by reading them).',
      },
    },
  },
  verify: {
    ...at('verify'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'Verify the hash chain',
    response: named('VerifyResult', VerifyResultSchema),
  },

  auditCheckpoint: {
    ...at('auditCheckpoint'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'The latest signed checkpoint (C2SP signed note)',
    description:
      'The origin `gatehouse.local/<install id>`, the tree size, the base64 Merkle root, a blank line, and `\u2014 <origin> <base64(key id ‖ Ed25519 signature)>`. Signed every 1,000 records or 10 minutes when anything changed, and on clean stop. 404 before the first one.',
    produces: ['text/plain'],
    responseDescription: 'The checkpoint note.',
    errors: ['not_found'],
  },
  auditPublicKey: {
    ...at('auditPublicKey'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'The checkpoint signing key (Ed25519)',
    response: named('PublicKeyView', PublicKeyViewSchema),
  },
  auditArchives: {
    ...at('auditArchives'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'The archives retention moved out of the live log',
    response: named('AuditArchives', AuditArchivesSchema),
  },
  auditProof: {
    ...at('auditProof'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'RFC 6962 inclusion proof of a record',
    description:
      'Proves record `seq` is leaf `seq - 1` of the tree of `size` records (default: the latest checkpoint; 404 while none is signed). Verify with RFC 9162 §2.1.3.2. 404 for a record retention archived (its archive and the checkpoint beside it prove it); 503 while the tree of an older log is still being built.',
    query: AuditProofQuerySchema,
    response: named('AuditProof', AuditProofSchema),
    errors: ['not_found', 'unavailable'],
  },
  auditConsistency: {
    ...at('auditConsistency'),
    scope: 'admin',
    tag: 'Audit',
    summary: 'RFC 6962 consistency proof between two tree sizes',
    description:
      'Proves the tree of `from` records is a prefix of the tree of `to` records (default: the latest checkpoint, as `size` of a proof; 404 while none is signed), with both roots. Verify with RFC 9162 §2.1.4.2. 404 when the proof needs records retention archived (their archive and its checkpoint prove them); 503 while the tree of an older log is still being built.',
    query: ConsistencyQuerySchema,
    response: named('ConsistencyProof', ConsistencyProofSchema),
    errors: ['not_found', 'unavailable'],
  },
  listSinks: {
    ...at('listSinks'),
    scope: 'admin',
    tag: 'Sinks',
    summary: 'List sinks (tokens are never shown)',
    response: named('SinkViewPage', pageOf(SinkViewSchema)),
  },
  createSink: {
    ...at('createSink'),
    scope: 'admin',
    tag: 'Sinks',
    summary: 'Add a sink',
    description:
      'Forwarding starts at seq 1 (the whole log) and follows the log from a persisted cursor. `splunk_hec` posts HEC event batches to `<url>/services/collector/event`; `syslog` sends RFC 5424 over TCP with octet counting; `otlp_http` posts OTLP logs JSON to `<url>/v1/logs`; `file` appends JSONL. Failures are retried with exponential backoff (1 s doubling to 5 min). At most 20 sinks (409 beyond).',
    body: named('SinkCreate', SinkCreateSchema),
    example: { type: 'splunk_hec', url: 'https://splunk.example.com:8088', token: '00000000-0000-0000-0000-000000000000' },
    response: named('SinkView', SinkViewSchema),
    status: 201,
    errors: ['conflict'],
  },
  deleteSink: { ...at('deleteSink'), scope: 'admin', tag: 'Sinks', summary: 'Remove a sink', response: Deleted },
  sinkStatus: {
    ...at('sinkStatus'),
    scope: 'admin',
    tag: 'Sinks',
    summary: 'Where a sink stands: cursor, lag, last error, last success',
    response: named('SinkStatus', SinkStatusSchema),
  },

  // --- events and webhooks
  events: {
    ...at('events'),
    scope: 'admin',
    tag: 'Events',
    summary: 'Server-Sent Events: the live event stream',
    description:
      'Each event is `id: <evt id>`, `event: <name>`, `data: <envelope JSON>`; an event\u2019s id is `evt_<seq>.<name>`, `seq` being the audit record that raised it. A `: ping` comment every 15 s; `retry: 3000` first, then a bare `id: pos_<seq>` (the log\u2019s head). `Last-Event-ID` replays the events missed while away, made again from the audit log when they are no longer in memory (after a restart too). Where that cannot be done (an unknown id, archived records, more than 100,000 records behind) the stream sends `event: reset` with `data: {"reason", "head"}` instead: the client must reload what it shows. The stream ends when the key it was opened with is revoked.',
    query: EventsQuerySchema,
    produces: ['text/event-stream'],
    response: named('EventEnvelope', EventEnvelopeSchema),
    responseDescription: 'A stream of events; each `data` line is one EventEnvelope.',
  },
  listWebhooks: {
    ...at('listWebhooks'),
    scope: 'admin',
    tag: 'Events',
    summary: 'List webhooks (secrets are never shown)',
    response: named('WebhookViewPage', pageOf(WebhookViewSchema)),
  },
  createWebhook: {
    ...at('createWebhook'),
    scope: 'admin',
    tag: 'Events',
    summary: 'Create a webhook',
    description:
      'Deliveries are POSTed with `X-Request-Timestamp` and, with a secret, `X-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Non-2xx answers are retried with backoff (5 s, 30 s, 2 min, 10 min, 30 min, then hourly) for 24 h. `format: slack` sends `{"text": ...}`. At most 50 webhooks (409 beyond).',
    body: named('WebhookCreate', WebhookCreateSchema),
    example: {
      url: 'https://hooks.example.com/gatehouse',
      events: ['approval.requested', 'action.denied', 'alert.triggered'],
      secret: 'a-long-shared-secret',
      format: 'json',
    },
    response: named('WebhookView', WebhookViewSchema),
    status: 201,
    errors: ['conflict'],
  },
  deleteWebhook: {
    ...at('deleteWebhook'),
    scope: 'admin',
    tag: 'Events',
    summary: 'Delete a webhook and its queued deliveries',
    response: Deleted,
  },
  deliveries: {
    ...at('deliveries'),
    scope: 'admin',
    tag: 'Events',
    summary: 'Deliveries of a webhook, newest first, with every attempt',
    query: DeliveryQuerySchema,
    response: named('DeliveryPage', pageOf(DeliverySchema)),
  },
  testWebhook: {
    ...at('testWebhook'),
    scope: 'admin',
    tag: 'Events',
    summary: 'Queue a test delivery (an `alert.triggered`-shaped event) to this webhook',
    response: named('Delivery', DeliverySchema),
    status: 202,
  },

  // --- settings, keys, stats
  settings: { ...at('settings'), scope: 'admin', tag: 'Settings', summary: 'Current settings', response: Settings },
  updateSettings: {
    ...at('updateSettings'),
    scope: 'admin',
    tag: 'Settings',
    summary: 'Change settings (only the given keys)',
    body: named('SettingsPatch', SettingsPatchSchema),
    response: Settings,
  },
  listKeys: {
    ...at('listKeys'),
    scope: 'admin',
    tag: 'Keys',
    summary: 'List keys (no secrets)',
    response: named('KeyViewPage', pageOf(KeyViewSchema)),
  },
  createKey: {
    ...at('createKey'),
    scope: 'admin',
    tag: 'Keys',
    summary: 'Create a key (the secret is shown once)',
    body: named('KeyCreate', KeyCreateSchema),
    example: { name: 'ci runner', scope: 'agent', agent_id: 'ci-bot' },
    response: named('KeyCreated', KeyCreatedSchema),
    status: 201,
  },
  revokeKey: {
    ...at('revokeKey'),
    scope: 'admin',
    tag: 'Keys',
    summary: 'Revoke a key (effective immediately: its event streams and long-polls end)',
    description:
      'The default admin key (`key_default_admin`) cannot be revoked (409): the CLI and `gatehouse open` reach the server with it. Delete credentials.json and restart to give it a new secret.',
    response: named('KeyView', KeyViewSchema),
    errors: ['conflict'],
  },
  stats: {
    ...at('stats'),
    scope: 'admin',
    tag: 'Stats',
    summary: 'Counts by decision, risk level, agent and action type; timeline; approval latency',
    description:
      'The timeline counts each action by the decision it got at submit time (pending = held for approval). Latency covers approvals answered by a person.',
    query: StatsQuerySchema,
    response: named('Stats', StatsSchema),
  },

  // --- gateways (SPEC 9.5): one endpoint under every method a gateway may use, and Envoy's form
  forwardAuth: {
    ...at('forwardAuth'),
    ...forwardAuth,
    query: ForwardAuthQuerySchema,
    summary: 'Forward-auth: may this proxied request through?',
    description: FORWARD_AUTH_DOC,
  },
  forwardAuthPost: { ...at('forwardAuthPost'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthPut: { ...at('forwardAuthPut'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthPatch: { ...at('forwardAuthPatch'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthDelete: { ...at('forwardAuthDelete'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthHead: { ...at('forwardAuthHead'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthOptions: { ...at('forwardAuthOptions'), ...forwardAuth, ...forwardAuthAlias },
  forwardAuthEnvoy: { ...at('forwardAuthEnvoy'), ...envoy },
  forwardAuthEnvoyPost: { ...at('forwardAuthEnvoyPost'), ...envoy },
  forwardAuthEnvoyPut: { ...at('forwardAuthEnvoyPut'), ...envoy },
  forwardAuthEnvoyPatch: { ...at('forwardAuthEnvoyPatch'), ...envoy },
  forwardAuthEnvoyDelete: { ...at('forwardAuthEnvoyDelete'), ...envoy },
  forwardAuthEnvoyHead: { ...at('forwardAuthEnvoyHead'), ...envoy },
  forwardAuthEnvoyOptions: { ...at('forwardAuthEnvoyOptions'), ...envoy },

  // --- reports (SPEC 13)
  brief: {
    ...at('brief'),
    scope: 'admin',
    tag: 'Reports',
    summary: 'The executive brief (HTML, PDF or its data as JSON)',
    description:
      'Security posture (enforcement, policies by effect, agents and their trust), risk trend, decisions and approval latency (inline SVG charts), the riskiest actions with their factors, policy and configuration changes, denied bursts and alerts, chain verification and the latest signed checkpoint, and compliance notes (retention, where the log is forwarded), over the last 7 or 30 days. The HTML is one self-contained file (no script, font or fetch); the PDF is printed from it by Chromium (503 when no Chromium is installed: use `format=html`); `json` is the data both are made from.',
    query: BriefQuerySchema,
    response: named('Brief', BriefSchema),
    produces: ['application/json', 'text/html', 'application/pdf'],
    responseDescription: 'The brief in the requested format.',
    errors: ['unavailable'],
  },

  // --- approval workflows (SPEC 11)
  listWorkflows: {
    ...at('listWorkflows'),
    scope: 'admin',
    tag: 'Workflows',
    summary: 'List approval workflows',
    response: named('WorkflowViewPage', pageOf(WorkflowViewSchema)),
  },
  createWorkflow: {
    ...at('createWorkflow'),
    scope: 'admin',
    tag: 'Workflows',
    summary: 'Create an approval workflow (the seeds\u2019 document)',
    description:
      'A step passes when `required` distinct people (admin keys, the console) approved, each answering as an approver the step names; an approver name is a role several keys may carry (`--approver team-lead`), and one key counts once (a step naming no approvers is answered by `owner`). Any deny rejects the action. A step past `timeout_hours` follows `escalation.timeout_action`: `escalate` adds a step for `escalation_approvers` (and sends `approval.escalated`), `deny` rejects and `allow` approves (status `rejected` / `approved`, `reviewed_by: "timeout"`, with `action.rejected` / `action.approved`). An escalation step past its deadline expires the approval with its own `timeout_action` (the policy\u2019s or the settings\u2019; default deny). The action\u2019s overall deadline covers every step; the status body\u2019s `workflow.step` is a 0-based index into `workflow.steps`. `id` is made from the name when omitted; an existing id is a 409.',
    body: named('Workflow', WorkflowSchema),
    example: WORKFLOW_EXAMPLE,
    response: WorkflowView,
    status: 201,
    errors: ['conflict'],
  },
  getWorkflow: { ...at('getWorkflow'), scope: 'admin', tag: 'Workflows', summary: 'Get an approval workflow', response: WorkflowView },
  updateWorkflow: {
    ...at('updateWorkflow'),
    scope: 'admin',
    tag: 'Workflows',
    summary: 'Replace an approval workflow',
    description: 'Requests already held keep the workflow they were held with. An `id` in the body must be the path\u2019s.',
    body: named('WorkflowUpdate', WorkflowSchema),
    example: WORKFLOW_EXAMPLE,
    response: WorkflowView,
  },
  deleteWorkflow: {
    ...at('deleteWorkflow'),
    scope: 'admin',
    tag: 'Workflows',
    summary: 'Delete an approval workflow',
    description: 'A workflow a policy names cannot be deleted (409).',
    response: Deleted,
    errors: ['conflict'],
  },

  // --- A/B tests (SPEC 12); the seeds' paths answer the same
  listAbTests: { ...at('listAbTests'), ...abList },
  listAbTestsSeed: { ...at('listAbTestsSeed'), ...abList, aliasOf: '/api/v1/ab-tests' },
  createAbTest: { ...at('createAbTest'), ...abCreate },
  createAbTestSeed: { ...at('createAbTestSeed'), ...abCreate, aliasOf: '/api/v1/ab-tests' },
  getAbTest: { ...at('getAbTest'), ...abGet },
  getAbTestSeed: { ...at('getAbTestSeed'), ...abGet, aliasOf: '/api/v1/ab-tests/{id}' },
  stopAbTest: { ...at('stopAbTest'), ...abStop },
  stopAbTestSeed: { ...at('stopAbTestSeed'), ...abStop, aliasOf: '/api/v1/ab-tests/{id}/stop' },

  // --- console session
  login: {
    ...at('login'),
    scope: 'none',
    tag: 'Console',
    summary: 'Exchange a one-time login token for a session cookie',
    description: 'A used or expired token is a 401.',
    body: named('LoginRequest', LoginRequestSchema),
    response: Session,
    errors: ['unauthenticated'],
  },
  logout: { ...at('logout'), scope: 'none', tag: 'Console', summary: 'End the console session', response: Session },
  session: { ...at('session'), scope: 'none', tag: 'Console', summary: 'Whether this browser has a session', response: Session },
  loginUrl: {
    ...at('loginUrl'),
    scope: 'admin',
    tag: 'Console',
    summary: 'A fresh one-time console login URL (`gatehouse open`)',
    response: named('LoginUrl', z.object({ url: z.string() })),
  },

  // --- docs
  openapi: {
    ...at('openapi'),
    scope: 'none',
    tag: 'Docs',
    summary: 'This OpenAPI 3.1 document, generated from the zod schemas',
    response: named('OpenApiDocument', z.record(z.string(), z.unknown())),
  },
  docs: { ...at('docs'), scope: 'none', tag: 'Docs', summary: 'A readable page of every endpoint', produces: ['text/html'] },
} as const satisfies { [N in RouteName]: Endpoint };

export type EndpointName = keyof typeof API;
/** The endpoints that are not an alias: each has its own handler; an alias answers with its canonical one's. */
export type CanonicalName = { [N in EndpointName]: (typeof API)[N] extends { aliasOf: string } ? never : N }[EndpointName];
type Def<N extends EndpointName> = (typeof API)[N];
type SchemaOf<T> = T extends Named<infer S> ? S : never;

/** The JSON body an endpoint accepts (what a client sends), or `undefined` for none. */
export type BodyIn<N extends EndpointName> = Def<N> extends { body: Named } ? z.input<SchemaOf<Def<N>['body']>> : undefined;
/** The body after validation (what a handler receives: defaults applied). */
export type BodyOut<N extends EndpointName> = Def<N> extends { body: Named } ? z.output<SchemaOf<Def<N>['body']>> : undefined;
export type QueryIn<N extends EndpointName> = Def<N> extends { query: z.ZodObject } ? z.input<Def<N>['query']> : undefined;
export type QueryOut<N extends EndpointName> = Def<N> extends { query: z.ZodObject } ? z.output<Def<N>['query']> : undefined;
/** The JSON answer of an endpoint. */
export type ResponseOf<N extends EndpointName> = Def<N> extends { response: Named } ? z.output<SchemaOf<Def<N>['response']>> : unknown;

/** Every endpoint, in table order. */
export const ENDPOINTS: readonly (Endpoint & { name: EndpointName })[] = Object.entries(API).map(([name, e]) => ({
  ...(e as Endpoint),
  name: name as EndpointName,
}));

/**
 * Whether an endpoint refuses every query parameter (400): an API route that declares no query. A
 * parameter sent to it would otherwise be ignored without a word (`GET /api/v1/policies?enabled=false`
 * lists them all). Public pages stay lenient, and Envoy's forward-auth form carries the original's.
 */
export const refusesAnyQuery = (e: Endpoint): boolean => !e.query && e.scope !== 'none' && !e.pathRest;
