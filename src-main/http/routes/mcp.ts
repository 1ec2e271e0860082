import type { Gatehouse } from '../../app/gatehouse.js';
import { notFound } from '../../core/errors.js';
import { seedToPolicy } from '../../engine/index.js';
import { toMcpDecision } from '../../services/mcp.js';
import { policyError } from '../../services/policies.js';
import type { Handlers } from '../endpoints.js';

/** The seeds' MCP governance API (upper-case decisions, as the seeds expect) and tool pins (SPEC 9.2). */
export function mcpHandlers(g: Gatehouse) {
  return {
    mcpEvaluate: async (c, { body }) => {
      const p = c.get('principal');
      return toMcpDecision(await g.actions.submit(g.mcp.toActionRequest(body), { boundAgentId: p.agentId, keyId: p.id }));
    },
    registerMcpServer: (c, { body }) => {
      const p = c.get('principal');
      return g.mcp.register(body, p.scope === 'admin' ? 'user' : `agent:${p.agentId ?? 'mcp-proxy'}`);
    },
    listMcpServers: () => ({ items: g.mcp.list(), next_cursor: null }),
    // The proxy reads a pin before calling a tool whose definition changed; the user accepts a change.
    mcpToolPin: (_c, { params }) => {
      const pin = g.mcp.pin(params.server_id!, params.tool!);
      if (!pin) throw notFound(`MCP tool '${params.tool}' on server '${params.server_id}'`);
      return pin;
    },
    acceptMcpTool: (_c, { body, params }) => g.mcp.acceptTool(params.server_id!, params.tool!, body ?? {}, 'user'),
    createSeedPolicy: (_c, { body }) => {
      let policy;
      try {
        // A seed without an id is named after its name; a name already taken (the seeds' Terraform
        // example is a default policy) gets the next free suffix, as a policy file import does.
        policy = seedToPolicy(body, { takenIds: new Set(g.policies.list().map((p) => p.id)) });
      } catch (e) {
        throw policyError(e);
      }
      return g.policies.create(policy);
    },
  } satisfies Partial<Handlers>;
}
