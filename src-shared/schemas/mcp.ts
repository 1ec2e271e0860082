import { z } from 'zod';
import { AgentIdSchema, IsoTimeSchema, JsonObjectSchema } from './common.js';

/**
 * A tool as the MCP server defined it. The whole object is kept (every field the server sent:
 * title, annotations, outputSchema, _meta...), because its pin is the SHA-256 of its JCS (SPEC 9.2).
 */
export const McpToolSchema = z.looseObject({
  name: z.string().min(1).max(256),
  description: z.string().max(65_536).optional(),
  inputSchema: z.unknown().optional(),
});
export type McpTool = z.infer<typeof McpToolSchema>;

/**
 * A tool's pin (SPEC 9.2): the definition the user trusted. `status: "changed"` means the server now
 * sends a different definition (`pending_*`); its calls are blocked until the change is accepted.
 */
export const McpToolPinSchema = z.object({
  server_id: z.string(),
  tool: z.string(),
  status: z.enum(['pinned', 'changed']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pinned_at: IsoTimeSchema,
  definition: z.record(z.string(), z.unknown()),
  pending_sha256: z.string().nullable(),
  pending_since: IsoTimeSchema.nullable(),
  pending_definition: z.record(z.string(), z.unknown()).nullable(),
  calls: z.number().int(),
  last_call_at: IsoTimeSchema.nullable(),
});
export type McpToolPin = z.infer<typeof McpToolPinSchema>;

/** The names of `/mcp/servers/{server_id}/tools/{tool}…` given outside the path (routes.ts `NAME_ELSEWHERE`). */
const McpToolNamesShape = {
  server_id: z.string().min(1).max(128).optional(),
  tool: z.string().min(1).max(256).optional(),
};

/** GET /mcp/servers/{server_id}/tools/{tool}: `?tool=..` with `-` as the path's tool names a tool the path cannot carry. */
export const McpToolPinQuerySchema = z.object(McpToolNamesShape).strict();

/**
 * POST /mcp/servers/{server_id}/tools/{tool}/accept: optionally bound to the definition the user
 * saw; `tool` (and `server_id`) name what the path cannot carry, with `-` in its place.
 */
export const McpToolAcceptSchema = z
  .object({
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    ...McpToolNamesShape,
  })
  .strict();
export type McpToolAccept = z.infer<typeof McpToolAcceptSchema>;

export const McpServerRegisterSchema = z
  .object({
    server_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
    name: z.string().max(200).optional(),
    command: z.string().max(4_096).optional(),
    tools: z.array(McpToolSchema).max(2_000).optional(),
  })
  .strict();
export type McpServerRegister = z.infer<typeof McpServerRegisterSchema>;

export const McpServerSchema = z.object({
  server_id: z.string(),
  name: z.string().nullable(),
  command: z.string().nullable(),
  tools: z.array(McpToolSchema),
  tools_hash: z.string().nullable(),
  tools_changed_at: IsoTimeSchema.nullable(),
  created_at: IsoTimeSchema,
  last_seen_at: IsoTimeSchema.nullable(),
  calls: z.number().int(),
  /** One pin per tool ever seen on this server, changed ones first. */
  tool_pins: z.array(McpToolPinSchema),
});
export type McpServer = z.infer<typeof McpServerSchema>;

/** POST /mcp/governance/evaluate (seed shape). */
export const McpEvaluateSchema = z
  .object({
    server_id: z.string().min(1).max(128),
    namespace: z.string().max(128).optional(),
    verb: z.string().max(128).optional(),
    tool: z.string().max(256).optional(),
    resource: z.string().max(16_384).optional(),
    parameters: JsonObjectSchema.optional(),
    context: JsonObjectSchema.optional(),
    agent_id: AgentIdSchema.optional(),
    description: z.string().max(8_192).optional(),
    session_id: z.string().max(256).optional(),
  })
  .strict();
export type McpEvaluate = z.infer<typeof McpEvaluateSchema>;

export const McpDecisionSchema = z.object({
  decision: z.enum(['ALLOW', 'DENY', 'REQUIRE_APPROVAL']),
  action_id: z.string(),
  approval_id: z.string().nullable(),
  risk_score: z.number(),
  risk_level: z.string(),
  reason: z.string(),
  requires_approval: z.boolean(),
  expires_at: IsoTimeSchema.nullable(),
});
export type McpDecision = z.infer<typeof McpDecisionSchema>;
