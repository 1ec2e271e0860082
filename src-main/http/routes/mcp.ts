import type { Gatehouse } from '../../app/gatehouse.js';
import { seedToPolicy } from '../../engine/index.js';
import { toMcpDecision } from '../../services/mcp.js';
import { policyError } from '../../services/policies.js';
import type { Handlers } from '../endpoints.js';

/** The seeds' MCP governance API, answering with the upper-case decisions the seeds expect. */
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
    createSeedPolicy: (_c, { body }) => {
      let policy;
      try {
        policy = seedToPolicy(body);
      } catch (e) {
        throw policyError(e);
      }
      return g.policies.create(policy);
    },
  } satisfies Partial<Handlers>;
}
