/** camelCase inputs → the SPEC 2.1 wire bodies, and bounded copies of results for `complete`. */
import type { ActionInput, ActionRequestBody, McpActionInput } from './types.js';

export function toBody(a: ActionInput | ActionRequestBody, agentId: string): ActionRequestBody {
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

/** The body of `POST /mcp/governance/evaluate`. */
export function toMcpBody(a: McpActionInput, agentId: string): Record<string, unknown> {
  const b: Record<string, unknown> = { server_id: a.serverId, agent_id: a.agentId ?? agentId };
  const fields: [keyof McpActionInput, string][] = [
    ['namespace', 'namespace'],
    ['verb', 'verb'],
    ['tool', 'tool'],
    ['resource', 'resource'],
    ['parameters', 'parameters'],
    ['context', 'context'],
    ['description', 'description'],
    ['sessionId', 'session_id'],
  ];
  for (const [from, to] of fields) if (a[from] !== undefined) b[to] = a[from];
  return b;
}

/** A JSON-safe, bounded copy of a function's result for `complete`. */
export function reportable(v: unknown): unknown {
  if (v === undefined) return null;
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return null;
    return s.length <= 8_192 ? (JSON.parse(s) as unknown) : { truncated: true, size: s.length, preview: s.slice(0, 2_000) };
  } catch {
    return { unserializable: String(v).slice(0, 2_000) };
  }
}
