/**
 * Method and path of every endpoint of the API, by name: the zod-free part of the API table
 * (`api.ts` declares each endpoint's scope, schemas and documentation under the same name, and
 * must cover every name here). The typed client builds its requests from this without loading
 * any schema, so the SDK, the hook and the MCP proxy start fast.
 */
export const ROUTES = {
  health: ['get', '/health'],
  deploymentInfo: ['get', '/api/deployment-info'],
  submit: ['post', '/api/v1/actions/submit'],
  submitSeed: ['post', '/api/authorization/agent-action'],
  status: ['get', '/api/v1/actions/{id}/status'],
  statusSeed: ['get', '/api/agent-action/status/{id}'],
  complete: ['post', '/api/v1/actions/{id}/complete'],
  completeSeed: ['post', '/api/agent-action/{id}/complete'],
  withdraw: ['post', '/api/v1/actions/{id}/withdraw'],
  hook: ['post', '/api/v1/hooks/{agent}'],
  integrations: ['get', '/api/v1/integrations'],
  approval: ['get', '/api/sdk/approval/{approval_id}'],
  listActions: ['get', '/api/v1/actions'],
  registerAgent: ['post', '/api/v1/agents/register'],
  listAgents: ['get', '/api/v1/agents'],
  mcpEvaluate: ['post', '/mcp/governance/evaluate'],
  registerMcpServer: ['post', '/mcp/servers/register'],
  listMcpServers: ['get', '/mcp/servers'],
  mcpToolPin: ['get', '/mcp/servers/{server_id}/tools/{tool}'],
  acceptMcpTool: ['post', '/mcp/servers/{server_id}/tools/{tool}/accept'],
  createSeedPolicy: ['post', '/mcp/policies'],
  listPolicies: ['get', '/api/v1/policies'],
  createPolicy: ['post', '/api/v1/policies'],
  testPolicy: ['post', '/api/v1/policies/test'],
  simulate: ['post', '/api/v1/policies/simulate'],
  exportPolicies: ['get', '/api/v1/policies/export'],
  importPolicies: ['post', '/api/v1/policies/import'],
  getPolicy: ['get', '/api/v1/policies/{id}'],
  updatePolicy: ['put', '/api/v1/policies/{id}'],
  deletePolicy: ['delete', '/api/v1/policies/{id}'],
  pendingApprovals: ['get', '/api/v1/approvals'],
  approve: ['post', '/api/v1/approvals/{action_id}/approve'],
  deny: ['post', '/api/v1/approvals/{action_id}/deny'],
  audit: ['get', '/api/v1/audit'],
  exportAudit: ['get', '/api/v1/audit/export'],
  verify: ['get', '/api/v1/audit/verify'],
  auditCheckpoint: ['get', '/api/v1/audit/checkpoint'],
  auditPublicKey: ['get', '/api/v1/audit/public-key'],
  auditArchives: ['get', '/api/v1/audit/archives'],
  auditProof: ['get', '/api/v1/audit/proof'],
  auditConsistency: ['get', '/api/v1/audit/consistency'],
  listSinks: ['get', '/api/v1/sinks'],
  createSink: ['post', '/api/v1/sinks'],
  deleteSink: ['delete', '/api/v1/sinks/{id}'],
  sinkStatus: ['get', '/api/v1/sinks/{id}/status'],
  events: ['get', '/api/v1/events'],
  listWebhooks: ['get', '/api/v1/webhooks'],
  createWebhook: ['post', '/api/v1/webhooks'],
  deleteWebhook: ['delete', '/api/v1/webhooks/{id}'],
  deliveries: ['get', '/api/v1/webhooks/{id}/deliveries'],
  testWebhook: ['post', '/api/v1/webhooks/{id}/test'],
  settings: ['get', '/api/v1/settings'],
  updateSettings: ['put', '/api/v1/settings'],
  listKeys: ['get', '/api/v1/keys'],
  createKey: ['post', '/api/v1/keys'],
  revokeKey: ['delete', '/api/v1/keys/{id}'],
  stats: ['get', '/api/v1/stats'],
  forwardAuth: ['get', '/api/v1/authz/forward'],
  forwardAuthPost: ['post', '/api/v1/authz/forward'],
  forwardAuthPut: ['put', '/api/v1/authz/forward'],
  forwardAuthPatch: ['patch', '/api/v1/authz/forward'],
  forwardAuthDelete: ['delete', '/api/v1/authz/forward'],
  forwardAuthHead: ['head', '/api/v1/authz/forward'],
  forwardAuthOptions: ['options', '/api/v1/authz/forward'],
  forwardAuthEnvoy: ['get', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyPost: ['post', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyPut: ['put', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyPatch: ['patch', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyDelete: ['delete', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyHead: ['head', '/api/v1/authz/forward/{original_path}'],
  forwardAuthEnvoyOptions: ['options', '/api/v1/authz/forward/{original_path}'],
  brief: ['get', '/api/v1/reports/brief'],
  listWorkflows: ['get', '/api/v1/workflows'],
  createWorkflow: ['post', '/api/v1/workflows'],
  getWorkflow: ['get', '/api/v1/workflows/{id}'],
  updateWorkflow: ['put', '/api/v1/workflows/{id}'],
  deleteWorkflow: ['delete', '/api/v1/workflows/{id}'],
  listAbTests: ['get', '/api/v1/ab-tests'],
  listAbTestsSeed: ['get', '/api/ab-tests'],
  createAbTest: ['post', '/api/v1/ab-tests'],
  createAbTestSeed: ['post', '/api/ab-tests'],
  getAbTest: ['get', '/api/v1/ab-tests/{id}'],
  getAbTestSeed: ['get', '/api/ab-tests/{id}'],
  stopAbTest: ['post', '/api/v1/ab-tests/{id}/stop'],
  stopAbTestSeed: ['post', '/api/ab-tests/{id}/stop'],
  login: ['post', '/api/session/login'],
  logout: ['post', '/api/session/logout'],
  session: ['get', '/api/session'],
  loginUrl: ['post', '/api/v1/console/login-url'],
  openapi: ['get', '/api/openapi.json'],
  docs: ['get', '/api/docs'],
} as const satisfies Record<string, readonly ['get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options', string]>;

export type RouteName = keyof typeof ROUTES;

/**
 * A path segment that stands for "the name is given in the body / query" (`tool`, `server_id`):
 * URL parsers remove the segments `.` and `..` (and `%2e`, `%2E%2e`…) before any router sees them,
 * so a server or tool so named cannot be carried in a path (`/mcp/servers/{server_id}/tools/{tool}`).
 */
export const NAME_ELSEWHERE = '-';
/** The path segment for an MCP server id or tool name: the name itself, or `-` when a URL path cannot carry it. */
export const pathName = (name: string): string => (name === '.' || name === '..' ? NAME_ELSEWHERE : name);

/** `/api/v1/actions/{id}/status` with `{id: "act_1"}` → `/api/v1/actions/act_1/status` (values URL-encoded). */
export function pathOf(name: RouteName, params: Record<string, string> = {}): string {
  const path: string = ROUTES[name][1];
  return path.replace(/\{([^}]+)\}/g, (_m, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`missing path parameter '${k}' for ${path}`);
    return encodeURIComponent(v);
  });
}
